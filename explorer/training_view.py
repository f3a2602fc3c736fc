"""TrainingView: train continuously, and watch J(Θ) and accuracy as it goes."""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.events import PanStart, RangesUpdate, Reset
from bokeh.models import ColumnDataSource, HoverTool, LinearAxis, Range1d
from bokeh.plotting import figure
from panel.viewable import Viewer

from .literal import literal
from .trainer import Trainer
from .entry import Clock, entry, linked, on_click
from .lazy import when_shown

FRAME_MS = 60  # at most 16.7 frames a second (a 66 ms timer could not reach the 15 targeted)
PADDING = 0.05  # of the span, on each side of the curve (as Bokeh's DataRange1d pads)


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
        self._extent = None  # (first, last iteration, lowest, lowest positive, highest J) drawn
        self._held = False   # the user has panned or zoomed: the axes stay where they put them
        self._pane = pn.pane.Bokeh(self._figure(), sizing_mode="stretch_width", height=300)
        self.clock = Clock(self._tick, period=FRAME_MS)
        t.param.watch(lambda e: self._on_running(e.new), "running")
        t.param.watch(self._redraw, "frame")
        t.param.watch(lambda e: self._on_status(e.new), "status")
        t.param.watch(lambda e: self._sync_batch(), "method")
        self.param.watch(lambda e: self._rebuild_figure(), "log_scale")
        self._sync_batch()
        # The view is made when its tab is first shown: it starts from where the trainer is.
        self._on_status(t.status)
        if t.running:
            self._on_running(True)
        if t.costs["J"]:
            self._redraw()

    def __panel__(self):
        return pn.Column(
            pn.FlexBox(self.button, self.method, self.batch, self.split, self.log, self.progress,
                       flex_wrap="wrap", align_items="end", sizing_mode="stretch_width"),
            self.status, self._pane, sizing_mode="stretch_width")

    # ---- plotting ---------------------------------------------------------------
    def _figure(self):
        # The axes are fitted here, with the points they show (_fit), not by Bokeh's
        # DataRange1d: that one is re-fitted during the page's paint, and the change
        # asks for a second, full repaint of the figure: two paints per frame.
        p = figure(name="cost_curve", height=300, sizing_mode="stretch_width",
                   x_range=Range1d(0, 1), y_range=Range1d(*self._y_bounds()),
                   y_axis_type="log" if self.log_scale else "linear", output_backend="canvas",
                   x_axis_label="iteration", y_axis_label="J(Θ)", tools="pan,wheel_zoom,reset,save",
                   toolbar_location="above")
        p.toolbar.autohide = True
        training = p.line("iteration", "J", source=self.costs, line_width=2, color="#2166ac",
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
        p.add_tools(HoverTool(renderers=[training], mode="vline",
                              tooltips=[("iteration", "@iteration"), ("J", "@J{0.0000}")]))
        p.legend.location = "top_right"
        p.legend.label_text_font_size = "13px"
        p.legend.click_policy = "hide"
        p.xaxis.axis_label_text_font_size = p.yaxis.axis_label_text_font_size = "14px"
        # A pan or zoom holds the axes where the user put them (as DataRange1d did);
        # the toolbar's reset (which also moves them) lets them follow the curve again.
        # A pan holds from its start: fitted while the user drags, the view would jump
        # back.  A wheel zoom holds when it ends (RangesUpdate): the page sends a wheel
        # event for any scroll over the plot, zooming or not.
        hold = entry(lambda event: self._hold(event.model, True))
        for moved in (PanStart, RangesUpdate):
            p.on_event(moved, hold)
        p.on_event(Reset, entry(lambda event: self._hold(event.model, False)))
        self._held = False
        return p

    def _hold(self, fig, held: bool):
        if fig is not self._pane.object:
            return  # a late event of the figure a log-scale switch replaced
        self._held = held
        if not held:
            self._fit()

    def _rebuild_figure(self):
        self._pane.object = self._figure()
        self._fit()

    def _y_bounds(self):
        """Where the J axis starts and ends with no points: a log axis needs > 0."""
        return (0.1, 1) if self.log_scale else (0, 1)

    def _take_in(self, iterations, *costs):
        """Widen the extent of the points drawn by these (the finite costs only)."""
        x = np.asarray(iterations, dtype=float)
        J = np.concatenate([np.asarray(c, dtype=float) for c in costs])
        J = J[np.isfinite(J)]
        if not len(x) or not len(J):
            return
        new = (x.min(), x.max(), J.min(), J[J > 0].min() if (J > 0).any() else np.inf, J.max())
        e = self._extent or new
        self._extent = (min(e[0], new[0]), max(e[1], new[1]), min(e[2], new[2]),
                        min(e[3], new[3]), max(e[4], new[4]))

    def _fit(self):
        """Fit both axes to the extent, padded; 'reset' in the toolbar comes back here."""
        p = self._pane.object
        if self._held:
            return
        if self._extent is None:
            x0, x1 = 0, 1
            y0, y1 = self._y_bounds()
        else:
            first, last, low, positive, high = self._extent
            pad = max(last - first, 1) * PADDING
            x0, x1 = first - pad, last + pad
            if self.log_scale:  # padded by a ratio, as the axis is
                low = positive if np.isfinite(positive) else 0.1
                high = max(high, low)
                ratio = max(high / low, 10 ** 0.1) ** PADDING
                y0, y1 = low / ratio, high * ratio
            else:
                pad = ((high - low) or abs(high) or 1) * PADDING  # one value: still a span
                y0, y1 = low - pad, high + pad
        p.x_range.update(start=x0, end=x1, reset_start=x0, reset_end=x1)
        p.y_range.update(start=y0, end=y1, reset_start=y0, reset_end=y1)

    @when_shown
    def _redraw(self, *events):
        costs, metrics = self.trainer.new_points()
        if not costs["J"] and not self.trainer.costs["J"]:
            self.costs.data = {"iteration": [], "J": []}
            self.metrics.data = {k: [] for k in self.metrics.data}
            self._extent = None
            self._held = False  # a new curve starts at iteration 0, wherever the user was
            self._fit()
            return
        if costs["J"]:
            self.costs.stream(costs)
            self._take_in(costs["iteration"], costs["J"])
        if metrics["iteration"]:
            self.metrics.stream(metrics)
            self._take_in(metrics["iteration"], metrics["J_test"])
        self._fit()

    # ---- running ----------------------------------------------------------------
    def toggle(self):
        if self.trainer.running:
            self.trainer.stop()
        else:
            self.trainer.start()

    def _sync_batch(self):
        self.batch.disabled = self.trainer.method != "minibatch"

    def _tick(self):
        # Looked up at each tick, so that a benchmark may wrap trainer.poll to time it.
        self.trainer.poll()
        # Sessions training on one server share its time (training_pool.FrameShare): the
        # more of them, and the dearer their frames, the further apart each one's frames.
        frames = self.trainer.frames
        if self.trainer.running:
            frames.report(self, self.clock.last_ms)
            period = frames.period(FRAME_MS)
            if abs(period - self.clock.period) > 0.2 * self.clock.period:  # restarts the timer
                self.clock.period = period
        else:
            frames.leave(self)

    def _on_running(self, running: bool):
        self.button.label = "Pause training" if running else "Train"
        self.button.color = "light" if running else "success"
        self.progress.visible = self.progress.active = running
        if running:
            self.clock.period = FRAME_MS
            self.clock.start()
        else:
            self.clock.stop()
            self.trainer.frames.leave(self)

    def _on_status(self, text: str):
        self.status.object = literal(text)  # may quote an exception
