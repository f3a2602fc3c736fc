"""WeightEditor: set one weight Θ_ji^(l), in a table of Θ^(l) or by clicking an edge.

In W, b (``state.notation == "wb"``) the same matrix is offered as W^[l], b^[l]: its
column 0 is b^[l], the others W^[l]; the values, and the Θ^(l)_ji an edit sets, are the same.
"""
from __future__ import annotations

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from . import notation as nt
from .entry import entry, on_change, on_click
from .graph_view import GraphView
from .lazy import when_shown
from .state import ExplorerState

TABLE_MAX = 12  # Θ^(l) tables are offered up to this many rows and columns


class WeightEditor(Viewer):
    """Pick Θ^(l), j and i (or click an edge) and set the value, or edit a table cell."""

    state = param.ClassSelector(class_=ExplorerState)
    graph = param.ClassSelector(class_=GraphView)

    def __init__(self, **params):
        super().__init__(**params)
        self.layer = pn.widgets.Select(label="Weight matrix", width=140)
        self.j = pn.widgets.IntInput(label="j (to unit)", start=1, width=90)
        self.i = pn.widgets.IntInput(label="i (from unit, 0 = bias)", start=0, width=140)
        self.value = pn.widgets.FloatInput(label="New value", width=110)
        self.apply = pn.widgets.Button(label="Set weight", color="primary", width=110,
                                       align="end")
        self.table = pn.widgets.Tabulator(pd.DataFrame(), show_index=True,
                                          sizing_mode="stretch_width", height=170,
                                          disabled=False, selectable=False)
        self.note = pn.pane.HTML(margin=(0, 10), styles={"color": "#555"})
        on_click(self.apply, self._apply)
        # The table's row labels ("j=1", ...) and {column label: i}, to read edits back.
        self._cells = ([], {})
        self.table.on_edit(entry(self._on_edit))
        on_change(self.layer, lambda value: self._show())
        for w in (self.j, self.i):
            on_change(w, lambda value: self._fill_value())
        self.state.param.watch(self._sync_layers, "reshaped")
        self.state.param.watch(self._renotate, "notation")
        self.state.param.watch(self._show, ["stepped", "followed"])
        self.graph.param.watch(lambda e: self._select(e.new), "selected_edge")
        self._sync_layers()
        self._select(self.graph.selected_edge)  # made after an edge was clicked: that one

    def __panel__(self):
        return pn.Column(pn.Row(self.layer, self.j, self.i, self.value, self.apply),
                         self.table, self.note, sizing_mode="stretch_width")

    def _write_names(self):
        """The matrices offered, Θ^(l) or W^[l], b^[l] (the same l), and what i = 0 is."""
        wb = nt.is_wb(self.state.notation)
        self.layer.options = {(f"W^[{l}], b^[{l}]" if wb else f"Θ^({l})"): l
                              for l in range(1, self.state.network.L)}
        self.i.label = "i (from unit, 0 = b)" if wb else "i (from unit, 0 = bias)"

    def _sync_layers(self, *events):
        self._write_names()
        self.layer.value = 1
        self._show()

    def _renotate(self, *events):
        """Another notation: the same layer and cells, their names written again (the
        Select keeps its value: the same l under another label)."""
        self._write_names()
        self._show()

    def _theta(self):
        return self.state.network.theta(self.layer.value or 1)

    @when_shown
    def _show(self, *events):
        theta = self._theta()
        l = self.layer.value or 1
        self.j.end, self.i.end = theta.shape[0], theta.shape[1] - 1
        small = max(theta.shape) <= TABLE_MAX
        wb = nt.is_wb(self.state.notation)
        if small:
            # The same cells either way; in W, b column 0 is b^[l], the rest W^[l]'s.
            columns = ([f"i={i}" + (" (bias)" if i == 0 else "") for i in range(theta.shape[1])]
                       if not wb else
                       [f"b^[{l}]"] + [f"W i={i}" for i in range(1, theta.shape[1])])
            rows = [f"j={j}" for j in range(1, theta.shape[0] + 1)]
            self._cells = (rows, {name: i for i, name in enumerate(columns)})
            self.table.value = pd.DataFrame(theta, columns=columns, index=rows)
        self.table.visible = small
        r, c = theta.shape
        what = (f"Θ<sup>({l})</sup> is {r} × {c}" if not wb else
                f"W<sup>[{l}]</sup> is {r} × {c - 1} and b<sup>[{l}]</sup> has {r} "
                f"entr{'y' if r == 1 else 'ies'} (i = 0)")
        self.note.object = (f"{what}: "
                            + ("edit a cell, or click an edge on the graph." if small else
                               "too big for a table; click an edge or choose j and i."))
        self._fill_value()

    def _fill_value(self, *events):
        theta = self._theta()
        j, i = self.j.value or 1, self.i.value or 0
        if 1 <= j <= theta.shape[0] and 0 <= i < theta.shape[1]:
            self.value.value = float(theta[j - 1, i])

    def _select(self, edge):
        if edge:
            l, j, i = edge
            self.layer.value = l
            self.j.value, self.i.value = j, i
            self._fill_value()

    def _apply(self):
        self.state.set_weight(self.layer.value, self.j.value, self.i.value, self.value.value)

    def _on_edit(self, event):
        rows, columns = self._cells
        # Tabulator names the row by its position (or, in some versions, its label).
        j = rows.index(event.row) + 1 if isinstance(event.row, str) else int(event.row) + 1
        i, value = columns[event.column], float(event.value)
        self.state.set_weight(self.layer.value, j, i, value)
