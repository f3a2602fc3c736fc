"""GradientCheckView: backprop against two-sided differences, with bugs to inject.

In W, b (``state.notation == "wb"``) the same check and numbers, named W^[l], b^[l] (one
Θ^(l) of the check), W_j,i^[l] and b_j^[l] (Θ_j,i^(l) and Θ_j,0^(l)); the bugs in W, b too.
"""
from __future__ import annotations

import re

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from . import notation as nt
from .checker import BUG_CHOICES, GradientChecker
from .graph_view import GraphView
from .literal import literal
from .entry import Clock, linked, on_click

POLL_MS = 100

# engine.bugs.BUGS in W, b (the menu's labels; the bug is the same).
BUGS_WB = {
    "no_g_prime": "Hidden-layer δ^[l] = (W^[l+1])ᵀ δ^[l+1], forgetting the factor .* g'(z^[l]).",
    "regularised_bias": "db regularises b too: + (λ/m) b_j^[l], though J leaves b out.",
    "notes_lambda": "dW = ΔW/m + λW, as the notes write it, instead of the derivative (λ/m)W "
                    "of the λ/(2m) cost.",
    "a_instead_of_z": "g' is evaluated at a^[l] instead of z^[l]: for the sigmoid "
                      "σ(a)(1 − σ(a)) instead of a .* (1 − a).",
    "delta_sign": "Output error δ^[L] = y − a instead of a − y: a sign error that makes dW "
                  "and db point uphill.",
}


def bug_options(notation: str) -> dict:
    """The bug menu, {label: bug}: checker.BUG_CHOICES, its texts in W, b for "wb"."""
    if not nt.is_wb(notation):
        return dict(BUG_CHOICES)
    return {(f"{bug}: {BUGS_WB[bug]}" if bug in BUGS_WB else label): bug
            for label, bug in BUG_CHOICES.items()}


def parameter_name(l: int, j: int, i: int, notation: str) -> str:
    """Θ_1,2^(1), or in W, b W_1,2^[1] and b_1^[1] for Θ_1,0^(1) (notation.description's)."""
    if not nt.is_wb(notation):
        return f"Θ_{j},{i}^({l})"
    return f"b_{j}^[{l}]" if i == 0 else f"W_{j},{i}^[{l}]"


def layer_html(l: int, notation: str) -> str:
    """One layer of the check: Θ^(l) holds W^[l] and b^[l]."""
    return (f"W<sup>[{l}]</sup>, b<sup>[{l}]</sup>" if nt.is_wb(notation)
            else f"Θ<sup>({l})</sup>")


message = nt.verdict  # the engine's verdict in the notation (the checker's message uses it too)


def bug_note(text: str, notation: str) -> str:
    """Why a bug cannot show here (engine.bugs.no_effect_reason) in ``notation``: in W, b
    δ^(l) is δ^[l], λΘ is λW (no bias in these notes), and L = 2 layers are L = 1 after the
    input."""
    if not nt.is_wb(notation):
        return text
    text = re.sub(r"L = (\d+)", lambda m: f"L = {int(m[1]) - 1}", nt.convert(text, notation))
    return re.sub(r"\^\((\w+)\)", r"^[\1]", text).replace("Θ", "W")


class GradientCheckView(Viewer):
    checker = param.ClassSelector(class_=GradientChecker)
    graph = param.ClassSelector(class_=GraphView)

    def __init__(self, **params):
        super().__init__(**params)
        c = self.checker
        self.bug = linked(pn.widgets.Select, c, "bug", label="Inject a backprop bug",
                                                sizing_mode="stretch_width")
        self.epsilon = linked(pn.widgets.Select, c, "epsilon", label="ε", width=110,
                              options={f"{e:g}": e for e in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6)})
        self.run = pn.widgets.Button(label="Run gradient check", color="primary", width=200,
                                     height=40, align="end")
        on_click(self.run, c.start)
        self.bar = pn.indicators.Progress(value=0, max=100, width=200, visible=False, align="center")
        self.summary = pn.pane.HTML(sizing_mode="stretch_width", styles={"font-size": "15px"})
        self.table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False,
                                          height=220, sizing_mode="stretch_width", pagination=None,
                                          selectable=False)
        self.clock = Clock(c.poll, period=POLL_MS)
        c.param.watch(self._show, ["result", "note"])
        c.param.watch(lambda e: setattr(self.bar, "value", e.new), "progress")
        c.param.watch(self._on_running, "running")
        c.state.param.watch(self._renotate, "notation")
        self._renotate()

    def __panel__(self):
        return pn.Column(pn.Row(self.bug, self.epsilon, self.run, self.bar, sizing_mode="stretch_width"),
                         self.summary, self.table, sizing_mode="stretch_width")

    def _on_running(self, event):
        self.run.disabled = event.new
        self.bar.visible = event.new
        if event.new:
            self.clock.start()
        else:
            self.clock.stop()

    def _renotate(self, *events):
        """The bug menu and the result written in the notation chosen (the same bug kept)."""
        self.bug.options = bug_options(self.checker.state.notation)
        self._show()

    def _show(self, *events):
        c, r = self.checker, self.checker.result
        notation = c.state.notation
        wb = nt.is_wb(notation)
        note = f"<p><i>{literal(bug_note(c.note, notation))}</i></p>" if c.note else ""
        if r is None:
            self.summary.object = self._intro_html(wb) + note
            self.table.value = pd.DataFrame()
            self.graph.set_failing(())
            return
        badge = ('<span style="background:#1b7837;color:white;padding:2px 10px;border-radius:4px">'
                 "PASS</span>" if r.passed else
                 '<span style="background:#b2182b;color:white;padding:2px 10px;border-radius:4px">'
                 "FAIL</span>")
        layers = "".join(
            f"<tr><td>{layer_html(x.l, notation)}</td><td>{x.share:.2e}</td>"
            f"<td>{'pass' if x.passed else 'fail'}</td><td>{x.n_failing}</td></tr>" for x in r.layers)
        self.summary.object = (
            f"<p>{badge} &nbsp; relative difference <b>{r.relative_difference:.3e}</b> "
            f"(threshold {r.threshold:g}, ε = {r.epsilon:g}) · {r.n_params} parameters · "
            f"the check took <b>{r.numerical_seconds * 1000:.1f} ms</b> against "
            f"{r.backprop_seconds * 1000:.3f} ms for one backprop ({r.slowdown:,.0f}× slower: "
            "turn it off before training).</p>"
            f"<p>{literal(message(r.message, notation))}</p>{note}"
            '<table style="font-size:14px"><tr><th>layer</th><th>share of the difference</th>'
            f"<th></th><th>failing parameters</th></tr>{layers}</table>")
        rows = sorted(r.rows, key=lambda p: -p.relative_difference)
        self.table.value = pd.DataFrame({
            "parameter": [parameter_name(p.l, p.j, p.i, notation) for p in rows],
            ("backprop dW, db" if wb else "backprop D"): [p.backprop for p in rows],
            "numerical": [p.numerical for p in rows],
            "relative difference": [p.relative_difference for p in rows],
            "fails": ["✗" if p.failing else "" for p in rows],
        })
        self.graph.set_failing(r.failing)

    def _intro_html(self, wb: bool) -> str:
        if wb:
            return ("<p>Compares every ∂J/∂W<sub>ji</sub><sup>[l]</sup> and "
                    "∂J/∂b<sub>j</sub><sup>[l]</sup> from backpropagation with "
                    "(J(p + ε) − J(p − ε)) / 2ε, nudging one parameter p at a time, on the "
                    "training data. It passes when ‖d − d<sub>num</sub>‖ / ‖d + d<sub>num</sub>‖ "
                    f"≤ {self._threshold():g}, d being every dW and db.</p>")
        return ("<p>Compares every ∂J/∂Θ<sub>ji</sub><sup>(l)</sup> from backpropagation with "
                "(J(Θ + ε) − J(Θ − ε)) / 2ε, one parameter at a time, on the training data. "
                f"It passes when ‖D − D<sub>num</sub>‖ / ‖D + D<sub>num</sub>‖ ≤ "
                f"{self._threshold():g}.</p>")

    @staticmethod
    def _threshold():
        from engine.gradcheck import DEFAULT_THRESHOLD
        return DEFAULT_THRESHOLD
