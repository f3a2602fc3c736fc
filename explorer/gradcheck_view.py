"""GradientCheckView: backprop against two-sided differences, with bugs to inject."""
from __future__ import annotations

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from .checker import GradientChecker
from .graph_view import GraphView
from .literal import literal
from .entry import Clock, linked, on_click

POLL_MS = 100


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
        self._show()

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

    def _show(self, *events):
        c, r = self.checker, self.checker.result
        note = f"<p><i>{literal(c.note)}</i></p>" if c.note else ""
        if r is None:
            self.summary.object = (
                "<p>Compares every ∂J/∂Θ<sub>ji</sub><sup>(l)</sup> from backpropagation with "
                "(J(Θ + ε) − J(Θ − ε)) / 2ε, one parameter at a time, on the training data. "
                f"It passes when ‖D − D<sub>num</sub>‖ / ‖D + D<sub>num</sub>‖ ≤ "
                f"{self._threshold():g}.</p>" + note)
            self.table.value = pd.DataFrame()
            self.graph.set_failing(())
            return
        badge = ('<span style="background:#1b7837;color:white;padding:2px 10px;border-radius:4px">'
                 "PASS</span>" if r.passed else
                 '<span style="background:#b2182b;color:white;padding:2px 10px;border-radius:4px">'
                 "FAIL</span>")
        layers = "".join(
            f"<tr><td>Θ<sup>({x.l})</sup></td><td>{x.share:.2e}</td>"
            f"<td>{'pass' if x.passed else 'fail'}</td><td>{x.n_failing}</td></tr>" for x in r.layers)
        self.summary.object = (
            f"<p>{badge} &nbsp; relative difference <b>{r.relative_difference:.3e}</b> "
            f"(threshold {r.threshold:g}, ε = {r.epsilon:g}) · {r.n_params} parameters · "
            f"the check took <b>{r.numerical_seconds * 1000:.1f} ms</b> against "
            f"{r.backprop_seconds * 1000:.3f} ms for one backprop ({r.slowdown:,.0f}× slower: "
            "turn it off before training).</p>"
            f"<p>{literal(r.message)}</p>{note}"
            '<table style="font-size:14px"><tr><th>layer</th><th>share of the difference</th>'
            f"<th></th><th>failing parameters</th></tr>{layers}</table>")
        rows = sorted(r.rows, key=lambda p: -p.relative_difference)
        self.table.value = pd.DataFrame({
            "parameter": [f"Θ_{p.j},{p.i}^({p.l})" for p in rows],
            "backprop D": [p.backprop for p in rows],
            "numerical": [p.numerical for p in rows],
            "relative difference": [p.relative_difference for p in rows],
            "fails": ["✗" if p.failing else "" for p in rows],
        })
        self.graph.set_failing(r.failing)

    @staticmethod
    def _threshold():
        from engine.gradcheck import DEFAULT_THRESHOLD
        return DEFAULT_THRESHOLD
