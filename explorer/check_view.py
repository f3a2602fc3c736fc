"""CheckView: a student's own backprop checked against the engine, for a notebook.

``Explorer(preset="debug").check(fn)`` runs ``engine.check_backprop`` on the
session's network and training data and shows:

* the verdict: passed, or the first quantity that differs and, when a known
  mistake gives the student's numbers, its name;
* the graph at the step that computes that quantity, its wrong units ringed
  (a, z, δ, and the output units for J) or its wrong weights dashed (Δ, D);
* the report's rows as a table.

The function is the user's own code, run in their own notebook; the served app
never calls it (README, "Take it home").
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from engine import UserFunctionError, check_backprop
from engine.steps import PER_EXAMPLE

from .graph_view import GraphView
from .literal import literal
from .state import ExplorerState


class CheckView(Viewer):
    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, fn, **params):
        super().__init__(**params)
        s = self.state
        self.report, self.error = None, ""
        try:
            self.report = check_backprop(fn, s.network, s.stepper.X, s.stepper.Y)
        except (ValueError, UserFunctionError) as error:
            self.error = str(error)
        first = self.report.first_difference if self.report is not None else None
        # The graph is drawn on a state of its own: the session stays where it is.
        self.shown = s.detached()
        if first is not None:
            self._go_to(first)
        self.graph = GraphView(state=self.shown, served=False)
        if first is not None:
            self._mark(first)
        if self.error:
            kind, text = "danger", f"The check could not run: {self.error}"
        else:
            kind, text = ("success" if first is None else "danger"), self.report.verdict
        # The verdict quotes the user's numbers and, on an error, their exception: literal text.
        self.verdict = pn.pane.Alert("\n\n".join(literal(line) for line in text.split("\n")),
                                     alert_type=kind,
                                     sizing_mode="stretch_width")
        self.table = pn.pane.DataFrame(self._rows(), index=False, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(self.verdict, self.graph, self.table, sizing_mode="stretch_width")

    # ---- the first difference on the graph ----------------------------------------------
    def _go_to(self, first):
        """Step to where ``first`` is computed, in the iteration the checked weights start,
        showing its example."""
        s = self.shown
        s.jump(s.network, 0, "The weights checked.")  # this iteration afresh, same weights
        example = _example(first)
        s.follow(s.stepper.iteration, _position(s.stepper, first, example))
        if first.quantity in PER_EXAMPLE and s.mode == "batch":
            with param.discard_events(s):  # the graph is drawn afterwards
                s.example = example

    def _mark(self, first):
        """Ring the units, or dash the weights, whose values differ."""
        s = self.shown
        l, differs, example = first.layer, first.differs, _example(first)
        if first.quantity in ("Delta", "D"):
            rows, cols = (np.nonzero(differs) if differs is not None
                          else np.indices(s.network.theta(l).shape).reshape(2, -1))
            self.graph.set_failing([(l, int(j) + 1, int(i)) for j, i in zip(rows, cols)],
                                   why=f"differ in your {first.symbol}")
            return
        layer = s.network.L if first.quantity == "J" else l
        if first.quantity == "J" or differs is None:
            units = range(1, s.network.sizes[layer - 1] + 1)
        else:
            units = [int(j) + 1 for j in np.nonzero(differs[example])[0]]
        why = ("give the cost J that differs" if first.quantity == "J"
               else f"differ in your {first.symbol} for example {example + 1}")
        self.graph.mark_units([(layer, j) for j in units], why)

    def _rows(self) -> pd.DataFrame:
        columns = ["quantity", "shape", "max |yours − correct|", "tolerance", "result", "where"]
        if self.report is None:
            return pd.DataFrame(columns=columns)
        out = []
        for row in self.report.rows:
            result = ("wrong shape " + "×".join(map(str, row.returned_shape)) if row.mistake
                      else "ok" if row.ok else "differs")
            out.append([row.symbol, "×".join(map(str, row.shape)) or "number",
                        "—" if row.mistake else f"{row.max_abs_diff:.3g}", f"{row.tolerance:.2g}",
                        result, "" if row.ok else row.place])
        return pd.DataFrame(out, columns=columns)


def _example(first) -> int:
    """The example (0-based) where a per-example quantity differs most; 0 otherwise."""
    return first.where[0] - 1 if first.quantity in PER_EXAMPLE and first.where else 0


def _position(stepper, first, example: int) -> int:
    """How many steps of an iteration are taken when ``first``'s quantity is computed: the
    step for ``example`` in the per-example loop, the last one for Δ and D (summed there)."""
    key = (first.quantity, first.layer)
    found = [k + 1 for k, step in enumerate(stepper.schedule)
             if key in step.kind.outputs(step.layer, stepper.L)
             and (step.example is None or first.quantity not in PER_EXAMPLE
                  or step.example == example)]
    if not found:  # a^(1), the input: there from the start
        return 0
    return found[-1] if first.quantity in ("Delta", "D") else found[0]
