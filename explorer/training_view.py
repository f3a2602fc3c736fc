"""TrainingView: train continuously, and watch J(Θ) and accuracy as it goes."""
from __future__ import annotations

import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, LinearAxis, Range1d
from bokeh.plotting import figure
from panel.viewable import Viewer

from .literal import literal
from .trainer import Trainer
from .entry import Clock, linked, on_click
from .lazy import when_shown

FRAME_MS = 66  # about 15 frames a second


class TrainingView(Viewer):
    trainer = param.ClassSelector(class_=Trainer)
    log_scale = param.Boolean(default=False, doc="Cost on a log scale")

    def __init__(self, **params):
        super().__init__(**params)
        t, s = self.trainer, self.trainer.state
        self.button = pn.widgets.Button(label="Train", color="success", width=150, height=40,
                                        stylesheets=[":host { font-size: 16px; }"])
        on_click(self.button, self.toggle)
        self.method = linked(pn.widgets.Select, t, "method", label="Method", width=260)
        self.batch = linked(pn.widgets.IntInput, t, "batch_size", label="Mini-batch size",
                                                    width=130)
        self.split = linked(pn.widgets.FloatSlider, s, "test_fraction", label="Held out for testing", width=200)
        self.log = linked(pn.widgets.Checkbox, self, "log_scale", label="log scale", align="end")
        self.status = pn.pane.HTML(margin=(0, 10), styles={"font-size": "15px"})
        self.progress = pn.indicators.Progress(active=False, width=150, height=14, align="center",
                                               visible=False)
        self.costs = ColumnDataSource(name="costs", data={"iteration": [], "J": []})
        self.metrics = ColumnDataSource(name="metrics", data={
            "iteration": [], "J_test": [], "acc_train": [], "acc_test": []})
        self._pane = pn.pane.Bokeh(self._figure(), sizing_mode="stretch_width", height=300)
        # Looked up at each tick, so that a benchmark may wrap trainer.poll to time it.
        self.clock = Clock(lambda: self.trainer.poll(), period=FRAME_MS)
        t.param.watch(self._on_running, "running")
        t.param.watch(self._redraw, "frame")
        t.param.watch(self._on_status, "status")
        t.param.watch(lambda e: self._sync_batch(), "method")
        self.param.watch(lambda e: self._rebuild_figure(), "log_scale")
        self._sync_batch()

    def __panel__(self):
        return pn.Column(
            pn.Row(self.button, self.method, self.batch, self.split, self.log, self.progress),
            self.status, self._pane, sizing_mode="stretch_width")

    # ---- plotting ---------------------------------------------------------------
    def _figure(self):
        p = figure(name="cost_curve", height=300, sizing_mode="stretch_width",
                   y_axis_type="log" if self.log_scale else "linear", output_backend="canvas",
                   x_axis_label="iteration", y_axis_label="J(Θ)", tools="pan,wheel_zoom,reset,save",
                   toolbar_location="above")
        p.toolbar.autohide = True
        p.line("iteration", "J", source=self.costs, line_width=2, color="#2166ac",
               legend_label="J, training set")
        p.scatter("iteration", "J_test", source=self.metrics, size=5, color="#d6604d",
                  legend_label="J, test set")
        p.line("iteration", "J_test", source=self.metrics, line_width=1.5, color="#d6604d",
               line_dash="dashed")
        p.extra_y_ranges = {"accuracy": Range1d(0, 1.02)}
        p.add_layout(LinearAxis(y_range_name="accuracy", axis_label="accuracy"), "right")
        p.line("iteration", "acc_train", source=self.metrics, y_range_name="accuracy",
               color="#1b7837", line_width=2, legend_label="accuracy, training")
        p.line("iteration", "acc_test", source=self.metrics, y_range_name="accuracy",
               color="#762a83", line_width=2, line_dash="dotted", legend_label="accuracy, test")
        p.add_tools(HoverTool(tooltips=[("iteration", "@iteration"), ("J", "@J{0.0000}")],
                              mode="vline"))
        p.legend.location = "top_right"
        p.legend.label_text_font_size = "13px"
        p.legend.click_policy = "hide"
        p.xaxis.axis_label_text_font_size = p.yaxis.axis_label_text_font_size = "14px"
        return p

    def _rebuild_figure(self):
        self._pane.object = self._figure()

    @when_shown
    def _redraw(self, *events):
        costs, metrics = self.trainer.new_points()
        if not costs["J"] and not self.trainer.costs["J"]:
            self.costs.data = {"iteration": [], "J": []}
            self.metrics.data = {k: [] for k in self.metrics.data}
            return
        if costs["J"]:
            self.costs.stream(costs)
        if metrics["iteration"]:
            self.metrics.stream(metrics)

    # ---- running ----------------------------------------------------------------
    def toggle(self):
        if self.trainer.running:
            self.trainer.stop()
        else:
            self.trainer.start()

    def _sync_batch(self):
        self.batch.disabled = self.trainer.method != "minibatch"

    def _on_running(self, event):
        self.button.label = "Pause training" if event.new else "Train"
        self.button.color = "light" if event.new else "success"
        self.progress.visible = self.progress.active = event.new
        if event.new:
            self.clock.start()
        else:
            self.clock.stop()

    def _on_status(self, event):
        self.status.object = literal(event.new)  # may quote an exception
