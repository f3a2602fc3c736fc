"""Bokeh's work for each page, made smaller (bokeh_cost.py), changes nothing the page gets.

The server sends each model without working out the defaults it leaves out, and does
not run Bokeh's checks on each document; so the checks run here, on a page with each
tab made, and what is sent is compared with what stock Bokeh sends.
"""
import json
import re

import panel as pn
import pytest
from bokeh.core.has_props import HasProps
from bokeh.core.property.descriptors import UnsetValueError
from bokeh.core.validation.check import check_integrity
from bokeh.document import Document
from bokeh.models import GlyphRenderer, Scatter
from bokeh.settings import settings
from panel.io.state import set_curdoc

from explorer import bokeh_cost
from explorer.app_layout import TABS
from explorer.dashboard import create_app


@pytest.fixture
def stock_bokeh():
    """Each test starts and ends with Bokeh as it comes."""
    bokeh_cost.send_set_properties_only(False)
    yield
    bokeh_cost.send_set_properties_only(False)
    settings.perform_document_validation.unset_value()


def page_document(preset, tab):
    """A session's document, as ``panel serve`` makes it, with tab ``tab`` shown."""
    doc = Document()
    with set_curdoc(doc):
        page = create_app(preset=preset)
        pn.panel(page).server_doc(doc)
        with pn.io.unlocked():
            page.explorer.tabs.active = tab
    return doc


def sent(doc) -> str:
    """The document as sent to the page, with what differs between two sessions numbered
    in order of appearance: model ids, Panel's object names, Python ids, uuids."""
    text = json.dumps(doc.to_json(deferred=False), sort_keys=True)
    text = re.sub(r'"([A-Za-z]+)\d{5,}"', r'"\1#"', text)
    text = re.sub(r"(?<=\[)\d{12,}(?=,)", "#python-id", text)  # in a callback's tags
    text = re.sub(r"\b[0-9a-f]{32}\b", "#uuid", text)
    ids = {}
    return re.sub(r'(?<=[":])(p\d+)(?=")', lambda m: f"#{ids.setdefault(m.group(1), len(ids))}",
                  text)


@pytest.mark.parametrize("preset", ["xnor", "digits"])
@pytest.mark.parametrize("tab", range(len(TABS)), ids=[title for title, _ in TABS])
def test_a_page_is_sent_exactly_as_stock_bokeh_sends_it(stock_bokeh, preset, tab):
    stock = sent(page_document(preset, tab))
    bokeh_cost.send_set_properties_only(True)
    lighter = sent(page_document(preset, tab))
    assert len(stock) > 100_000  # the whole page: graph, sidebar, the tab
    assert lighter == stock


@pytest.mark.parametrize("preset", ["xnor", "digits"])
@pytest.mark.parametrize("tab", range(len(TABS)), ids=[title for title, _ in TABS])
def test_each_tab_of_the_page_passes_bokehs_checks(stock_bokeh, preset, tab):
    doc = page_document(preset, tab)
    issues = check_integrity(doc.models)
    assert len(list(doc.models)) > 100
    assert issues.error == [] and issues.warning == []


def test_a_required_property_never_set_is_still_refused_when_sent(stock_bokeh):
    renderer = GlyphRenderer(glyph=Scatter())  # no data_source, which Bokeh requires
    with pytest.raises(UnsetValueError, match="data_source"):
        renderer.properties_with_values(include_defaults=False)
    bokeh_cost.send_set_properties_only(True)
    with pytest.raises(UnsetValueError, match="data_source"):
        renderer.properties_with_values(include_defaults=False)


def test_unchanged_defaults_stay_out_and_changed_ones_are_sent(stock_bokeh):
    scatter = Scatter(size=12)
    scatter.tags.append("changed")  # an unstable default (a list), changed in place
    stock = scatter.properties_with_values(include_defaults=False)
    bokeh_cost.send_set_properties_only(True)
    lighter = scatter.properties_with_values(include_defaults=False)
    assert lighter == stock
    assert lighter["size"].value == 12 and lighter["tags"] == ["changed"]
    assert "marker" not in lighter and "angle" not in lighter
    assert "marker" in scatter.properties_with_values(include_defaults=True)


def test_lighten_turns_off_the_checks_and_sends_set_properties_only(stock_bokeh, monkeypatch):
    monkeypatch.delenv("BOKEH_VALIDATE_DOC", raising=False)
    assert settings.perform_document_validation()
    bokeh_cost.lighten()
    assert not settings.perform_document_validation()
    assert HasProps.query_properties_with_values is bokeh_cost._query_set_properties


def test_a_developers_own_bokeh_validate_doc_wins(stock_bokeh, monkeypatch):
    monkeypatch.setenv("BOKEH_VALIDATE_DOC", "true")
    bokeh_cost.lighten()
    assert settings.perform_document_validation()


def test_a_bokeh_that_answers_otherwise_keeps_its_own_way(stock_bokeh, monkeypatch, caplog):
    def differs(model, query, **kwargs):  # as if Bokeh's internals had changed
        return {}
    monkeypatch.setattr(bokeh_cost, "_query_set_properties", differs)
    bokeh_cost._agrees_with_stock.cache_clear()
    try:
        assert not bokeh_cost.send_set_properties_only(True)
        assert HasProps.query_properties_with_values is bokeh_cost._STOCK_QUERY
        assert "sent its own way" in caplog.text
    finally:
        bokeh_cost._agrees_with_stock.cache_clear()
