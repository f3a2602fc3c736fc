"""Page: the explorer as a browser page, a header over the sidebar and the main column.

Panel's BootstrapTemplate drew this page before, and it was about a quarter of the
server's CPU for each new session (a session's build 1.2 -> 0.9 s without it, served,
on a slow day of the 2-core machine): the template makes each item of its sidebar and
main column a root of the document, and Bokeh walks every model of the document again
for each root added.  Here the page is one layout, so one root, with the template's
look: its blue header, a 300 px sidebar that a button hides, and the two columns
scrolling on their own.  Components get Bootstrap's look
from ``pn.config.design`` (dashboard.py), as the template gave it them.
"""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from .presenter import sizes

HEADER = "#2166ac"
SIDEBAR_WIDTH = 300


class Page(Viewer):
    """The page of one session: ``sidebar`` and ``main`` are Columns (append to them)."""

    title = param.String(default="Backprop Explorer")
    present = param.Boolean(default=False, doc="Presenter mode: the sidebar collapsed, a "
                                               "slimmer header (presenter.py)")

    def __init__(self, sidebar, main, **params):
        super().__init__(**params)
        self.sidebar = pn.Column(*sidebar, width=SIDEBAR_WIDTH, scroll=True,
                                 sizing_mode="stretch_height", margin=0,
                                 styles={"border-right": "1px solid #dddddd",
                                         "padding": "8px 5px"})
        self.main = pn.Column(*main, sizing_mode="stretch_both", scroll=True, margin=0,
                              styles={"padding": "8px 10px"})
        # Hides and shows the sidebar in the page alone: no message to the server.
        self.menu = pn.widgets.Button(label="☰", color="primary", width=48, height=40,
                                      margin=(12, 8, 12, 16), description="Hide or show the sidebar",
                                      stylesheets=[_MENU])
        self.menu.js_on_click(args={"sidebar": self.sidebar},
                              code="sidebar.visible = !sidebar.visible")
        self.heading = pn.pane.HTML(f"<h1>{self.title}</h1>", margin=(0, 8))
        self.header = pn.Row(self.menu, self.heading, sizing_mode="stretch_width", margin=0,
                             styles={"background": HEADER})
        self._layout = pn.Column(
            self.header, pn.Row(self.sidebar, self.main, sizing_mode="stretch_both", margin=0),
            sizing_mode="stretch_both", margin=0, styles={"height": "100vh"})
        self.param.watch(self._present, "present")
        self._present()

    def __panel__(self):
        return self._layout

    def _present(self, *events):
        """Presenter mode collapses the sidebar (☰ still opens it) and slims the header."""
        height = sizes(self.present).header_height
        self.header.height = height
        button = min(40, height - 8)
        gap = (height - button) // 2
        self.menu.param.update(height=button, margin=(gap, 8, gap, 16))
        self.heading.stylesheets = [_TITLE.format(px=28 if height >= 64 else 22, height=height)]
        self.sidebar.visible = not self.present


_MENU = """
.bk-btn { font-size: 26px; line-height: 1; color: white;
          background-color: transparent !important; border: none !important; }
.bk-btn:hover { background-color: rgba(255, 255, 255, 0.15) !important; }
"""
_TITLE = "h1 {{ color: white; font-size: {px}px; font-weight: 400; margin: 0; line-height: {height}px; }}"
