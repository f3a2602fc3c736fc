"""AddressBar: keeps the browser's address bar equal to a query string set from Python.

Panel's Location could do this, but an update made from inside a widget's
callback reached the browser one change late; a parameter of a tiny
component arrives like any widget value.  The page's history is replaced,
not pushed, so Back still leaves the app.
"""
from __future__ import annotations

import panel as pn
import param


class AddressBar(pn.custom.JSComponent):
    query = param.String(default="", doc="The query, without '?', e.g. preset=xnor&alpha=1")

    _esm = """
    export function render({ model }) {
      const apply = () => {
        if (!model.query) { return }
        const url = window.location.pathname + "?" + model.query + window.location.hash
        if (url !== window.location.pathname + window.location.search + window.location.hash) {
          window.history.replaceState(window.history.state, "", url)
        }
      }
      apply()
      model.on("query", apply)
      return document.createElement("span")
    }
    """

    def __init__(self, **params):
        params.setdefault("height", 0)
        params.setdefault("width", 0)
        params.setdefault("margin", 0)
        params.setdefault("sizing_mode", "fixed")
        super().__init__(**params)
