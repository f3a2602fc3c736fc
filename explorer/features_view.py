"""WeightImagesView: each first-layer hidden unit's weights as a picture.

For image inputs (the handwritten digits), row j of Θ^(1) without its bias,
Θ_j1..Θ_jn^(1), has one weight per pixel: drawn in the image's shape it
shows what that hidden unit looks for, which is what the notes mean by
"the network learns its own features".  In W, b (``state.notation == "wb"``) that row is
W^[1]'s row j, W_j1..W_jn^[1]: the same pictures, named so.
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColorBar, ColumnDataSource, LinearColorMapper
from bokeh.plotting import figure
from panel.viewable import Viewer

from . import graph
from . import notation as nt
from .state import ExplorerState
from .lazy import when_shown

COLUMNS = 9  # pictures per row


class WeightImagesView(Viewer):
    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.source = ColumnDataSource(name="weight_images",
                                       data={"image": [], "x": [], "y": [], "label": []})
        self.mapper = LinearColorMapper(palette=graph.DIVERGING, low=-1, high=1)
        self.figure = figure(height=330, sizing_mode="stretch_width", x_axis_type=None,
                             y_axis_type=None, tools="", toolbar_location=None,
                             output_backend="canvas", match_aspect=True)
        self.figure.grid.visible = False
        self.figure.outline_line_color = None
        self.figure.image(image="image", x="x", y="y", dw=1, dh=1, source=self.source,
                          color_mapper=self.mapper)
        self.figure.text(x="x", y="y", text="label", source=self.source, y_offset=2,
                         text_baseline="top", text_font_size="12px")
        self.bar = ColorBar(color_mapper=self.mapper, title=_bar_title(self.state.notation),
                            title_text_font_size="13px", width=12)
        self.figure.add_layout(self.bar, "right")
        self.caption = pn.pane.HTML(margin=(0, 10), styles={"font-size": "15px"})
        self._pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width", height=330)
        self._drawn = None  # (network, notation, image shape) last drawn
        self.state.param.watch(lambda e: self.refresh(), ["stepped", "followed", "notation"])
        self.refresh()

    def __panel__(self):
        return pn.Column(self.caption, self._pane, sizing_mode="stretch_width")

    @property
    def applies(self) -> bool:
        shape = self.state.image_shape
        return bool(shape) and int(np.prod(shape)) == self.state.network.sizes[0] \
            and self.state.network.L > 2

    @when_shown
    def refresh(self):
        # Steps that change no weight (forward, δ, Δ, D) leave the pictures as they are.
        s = self.state
        drawn = (s.network, s.notation, s.image_shape)
        if self._drawn and drawn[0] is self._drawn[0] and drawn[1:] == self._drawn[1:]:
            return
        self._drawn = drawn
        wb = nt.is_wb(self.state.notation)
        title = _bar_title(self.state.notation)
        if self.bar.title != title:
            self.bar.title = title
        if self._pane.visible != self.applies:
            self._pane.visible = self.applies
        if not self.applies:
            self.caption.object = ("Hidden-unit weight pictures are shown for image inputs "
                                   "(the digits presets).")
            self.source.data = {"image": [], "x": [], "y": [], "label": []}
            return
        theta = self.state.network.theta(1)[:, 1:]
        rows, cols = self.state.image_shape
        images, xs, ys, labels = [], [], [], []
        for j, w in enumerate(theta, start=1):
            scale = np.max(np.abs(w)) or 1.0
            images.append(np.flipud((w / scale).reshape(rows, cols)))
            r, c = divmod(j - 1, COLUMNS)
            xs.append(c * 1.15)
            ys.append(-r * 1.3)
            labels.append(f"unit {j}")
        self.source.data = {"image": images, "x": xs, "y": ys, "label": labels}
        w, sup = ("W", "[1]") if wb else ("Θ", "(1)")
        self.caption.object = (
            f"Each picture is one hidden unit's incoming weights {w}<sub>j1</sub><sup>{sup}</sup>"
            f" … {w}<sub>j64</sub><sup>{sup}</sup> laid out like the 8×8 input: blue pixels excite "
            "the unit, red ones inhibit it. Watch them turn into stroke detectors as it trains.")


def _bar_title(notation: str) -> str:
    w = "W" if nt.is_wb(notation) else "Θ"
    return f"{w} (each picture scaled to its max |{w}|)"
