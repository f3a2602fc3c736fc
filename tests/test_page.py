"""The page a session serves (page.py): one layout, one root."""
import panel as pn
from panel.io.state import set_curdoc
from bokeh.document import Document
from bokeh.models import Column

from explorer.dashboard import create_app
from explorer.page import Page


def served_document(build):
    """The document of a session, made as ``panel serve`` makes it."""
    doc = Document()
    with set_curdoc(doc):
        pn.panel(build()).server_doc(doc, title="Backprop Explorer")
    return doc


def test_the_page_is_one_root_of_the_document():
    doc = served_document(create_app)
    layouts = [root for root in doc.roots if isinstance(root, Column)]
    # The page, beside Panel's own: the browser's location and the notifications.
    assert len(layouts) == 1
    assert {type(root).__name__ for root in doc.roots} - {"Column"} <= {"Location", "ReactiveESM"}
    assert doc.title == "Backprop Explorer"
    names = {m.name for m in doc.models}
    assert {"nodes", "edges", "graph"} <= names  # the testing contract's sources are in it


def test_the_page_holds_the_explorer_and_takes_more_in_its_main_column():
    page = create_app(preset="xnor")
    assert isinstance(page, Page)
    assert page.explorer.state.preset == "xnor"
    extra = pn.widgets.Button(label="Server step")
    page.main.append(extra)  # benchmarks add their own buttons so
    assert page.main[-1] is extra
    assert page.sidebar[0].object == "<h3>Network</h3>"
