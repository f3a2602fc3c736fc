"""PlaneView: what a 2-input network does to its input plane (x₁, x₂).

Two pictures, both recomputed from the current weights (``state.network``)
after every change, so they move while the network trains:

* the **decision boundary**: h_Θ(x) on a GRID × GRID grid over the data's
  bounding box, with the training examples (circles) and held-out test
  examples (triangles) on top.  One output unit: h on a red–white–blue scale
  from 0 to 1 and a black line where h = 0.5.  K > 1 output units: the
  predicted class argmax_k h_k in its (colour-blind-safe) colour, paler where
  the network is less sure, and black lines where the predicted class changes;
* **per-unit heatmaps**: every hidden unit's activation a_j^(l) over the same
  plane ("the network learns its own features"), at most MAX_TILES of them.

One forward pass on the grid (``network.forward``) gives both.  Each update
sends only the image columns (float32, or packed RGBA for K > 1) and the
small contour/marker columns; the figures are rebuilt only when the network's
shape or the data change.  The data behind the pictures is computed in plane.py.

``identical_units(network)`` finds hidden units with identical incoming
weights (the symmetry problem of zero initial weights); their heatmaps get a
"≡" and an orange frame, and the caption says why.

In W, b (``state.notation == "wb"``) the names are W, b's: h_W,b(x) (as UFLDL writes it),
a₁^[1] for a₁⁽²⁾, the symmetry warning's layer 1 for layer 2; the pictures are the same.
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import (ColorBar, ColumnDataSource, HoverTool, Legend, LegendItem,
                          LinearColorMapper, PrintfTickFormatter, Range1d)
from bokeh.palettes import Viridis256
from bokeh.plotting import figure
from panel.viewable import Viewer

from . import notation as nt
from .graph import identical_units, symmetry_sentence, unit_name
from .lazy import when_shown
from .plane import (BOUNDARY_PX, FINE_TILES, FONT, H_PALETTE, MARKED, POINT_COLOURS_BINARY,
                    POINT_LINE, TILE_PX, TILES_PER_ROW, boundary_rgba, heatmap_scale,
                    class_boundaries, class_colour, classes, contour_lines, hidden_units,
                    plane_grid, scale_words)
from .state import ExplorerState



class PlaneView(Viewer):
    """Decision boundary and per-unit heatmaps over the input plane of a 2-input network.

    ``PlaneView(state=ExplorerState(...))``.  Attributes tests and other code may read:
    ``available`` (s_1 = 2), ``xs``/``ys``/``points`` (the grid), ``boundary``
    (ColumnDataSource ``plane_boundary``, one row: ``image``, an (n, n) float32
    h image for one output or a uint32 RGBA image for K > 1), ``units``
    (``plane_units``: one row per tile with ``image``, ``layer``, ``unit``,
    ``stride``), ``train_points``, ``test_points``, ``contour``, ``identical``
    (the last ``identical_units`` result), ``caption``, ``tiles_caption`` and
    ``message`` (HTML panes).
    """

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.caption = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 10),
                                    styles={"font-size": "15px"})
        self.tiles_caption = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 10),
                                          styles={"font-size": "15px"})
        self.message = pn.pane.HTML(margin=(10, 10), styles={"font-size": "16px", "color": "#444"})
        # No sizing_mode on these panes: each takes the size its figure's frame asks for.
        self._boundary_pane = pn.pane.Bokeh()
        self._tiles_pane = pn.pane.Bokeh()
        self._layout = pn.Column(sizing_mode="stretch_width")
        self.identical = {}
        self._signature = None
        self._sources = {}
        self._drawn = (None, None)   # (network, init) the pictures were last drawn for
        self.rebuild()
        s = self.state
        s.param.watch(lambda e: self.rebuild(), "reshaped")
        s.param.watch(lambda e: self.refresh(), ["stepped", "followed", "init", "notation"])

    def __panel__(self):
        return self._layout

    # ---- building -----------------------------------------------------------------
    def _current_signature(self):
        s = self.state
        # The notation too: its names are in the figures (title, tooltips, colour bar); it
        # changes rarely, so a change draws them again rather than renaming them in place.
        return (tuple(s.network.sizes), id(s.stepper.X), id(s.X_test), s.notation)

    @property
    def _wb(self) -> bool:
        return nt.is_wb(self.state.notation)

    def _h(self, html=False) -> str:
        """The network's output: h_Θ(x), or h_W,b(x) in W, b; with ``html`` h<sub>Θ</sub>."""
        params = "W,b" if self._wb else "Θ"
        return f"h<sub>{params}</sub>" if html else f"h_{params}(x)"

    def _unit(self, j, l) -> str:
        return unit_name(j, l, notation=self.state.notation)

    @when_shown
    def rebuild(self):
        """New network shape or data: new grid and figures, then a refresh."""
        self._rebuild()

    def _rebuild(self):
        s = self.state
        net = s.network
        self._signature = self._current_signature()
        self.available = net.sizes[0] == 2
        if not self.available:
            inputs = "" if self._wb else "s<sub>1</sub> = "  # no s_l in W, b
            self.message.object = (f"The input plane is shown for 2-input networks; this one has "
                                   f"{inputs}{net.sizes[0]} inputs.")
            self._layout.objects = [self.message]
            self.boundary = self.units = None
            return
        self.K = net.sizes[-1]
        self.xs, self.ys, self.points = plane_grid(s.stepper.X, s.X_test)
        self.tile_list, self.n_hidden = hidden_units(net.sizes)
        self.stride = 1 if len(self.tile_list) <= FINE_TILES else 2
        self._boundary_pane.object = self._boundary_figure()
        self.units = None
        self._tiles_pane.object = self._tiles_figure() if self.tile_list else None
        self._tiles_pane.visible = bool(self.tile_list)
        # Each figure in its own Row: as siblings in one Column, Bokeh would align
        # their frames and push the tiles' frame out of its canvas.
        self._layout.objects = [self.caption, pn.Row(self._boundary_pane), self.tiles_caption,
                                pn.Row(self._tiles_pane)]
        self._refresh(force=True)

    def _source(self, name, data):
        """The view's ColumnDataSource called ``name``, now holding ``data``.

        Sources outlive the figures rebuilt after a change of shape, so each
        name stays unique in the session's document."""
        if name not in self._sources:
            self._sources[name] = ColumnDataSource(name=name)
        source = self._sources[name]
        source.data = data
        return source

    def _frame(self, p):
        p.title.text_font_size = "15px"
        for axis in (p.xaxis, p.yaxis):
            axis.axis_label_text_font_size = "14px"
            axis.major_label_text_font_size = FONT

    def _boundary_figure(self):
        s = self.state
        xs, ys = self.xs, self.ys
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        x0, y0 = xs[0] - dx / 2, ys[0] - dy / 2
        w, h = dx * len(xs), dy * len(ys)
        p = figure(title=f"Decision boundary: {self._h()} over the input plane",
                   frame_width=BOUNDARY_PX, frame_height=BOUNDARY_PX, output_backend="canvas",
                   x_range=Range1d(x0, x0 + w), y_range=Range1d(y0, y0 + h),
                   x_axis_label="x₁", y_axis_label="x₂", tools="", toolbar_location=None)
        self._frame(p)
        p.grid.visible = False
        single = self.K == 1
        image = dict(x=x0, y=y0, dw=w, dh=h)
        n = len(xs)
        if single:
            self.boundary = self._source("plane_boundary",
                                         {"image": [np.zeros((n, n), np.float32)], **_one_row(image)})
            mapper = LinearColorMapper(palette=H_PALETTE, low=0.0, high=1.0)
            r = p.image("image", x="x", y="y", dw="dw", dh="dh", source=self.boundary,
                        color_mapper=mapper)
            p.add_tools(HoverTool(renderers=[r], tooltips=[
                ("x₁, x₂", "$x{0.00}, $y{0.00}"), (self._h(), "@image{0.000}")]))
            bar = ColorBar(color_mapper=mapper, title=self._h(), width=14, padding=6,
                           title_text_font_size=FONT, major_label_text_font_size=FONT,
                           title_standoff=8, formatter=PrintfTickFormatter(format="%.1f"))
            p.add_layout(bar, "right")
        else:
            self.boundary = self._source("plane_boundary",
                                         {"image": [np.zeros((n, n), np.uint32)], **_one_row(image)})
            r = p.image_rgba("image", x="x", y="y", dw="dw", dh="dh", source=self.boundary)
            p.add_tools(HoverTool(renderers=[r], tooltips=[("x₁, x₂", "$x{0.00}, $y{0.00}")]))
        self.contour = self._source("plane_contour", {"xs": [], "ys": []})
        p.multi_line("xs", "ys", source=self.contour, line_color="black", line_width=2.5)

        Y = s.stepper.Y
        self.train_points = self._source("plane_train", self._point_columns(s.stepper.X, Y))
        size = 14 if s.m <= 20 else 9
        train_r = p.scatter("x1", "x2", source=self.train_points, size=size, fill_color="colour",
                            line_color=POINT_LINE, line_width=1.2, marker="circle")
        has_test = s.X_test is not None and len(s.X_test) > 0
        self.test_points = self._source(
            "plane_test", self._point_columns(s.X_test, s.Y_test) if has_test
            else self._point_columns(np.empty((0, 2)), np.empty((0, 1))))
        test_r = p.scatter("x1", "x2", source=self.test_points, size=size + 3, fill_color="colour",
                           line_color=POINT_LINE, line_width=1.5, marker="triangle")
        p.add_tools(HoverTool(renderers=[train_r, test_r], tooltips=[
            ("example", "@which"), ("x₁, x₂", "@x1{0.00}, @x2{0.00}"), ("class", "@label")]))
        items = [LegendItem(label={"field": "label"}, renderers=[train_r])]
        if has_test:
            items.append(LegendItem(label="held-out test example", renderers=[test_r]))
        legend = Legend(items=items, label_text_font_size=FONT,
                        title="● training, ▲ test" if has_test else "● training examples",
                        title_text_font_size=FONT, title_text_font_style="normal",
                        border_line_alpha=0)
        p.add_layout(legend, "right")
        return p

    def _point_columns(self, X, Y):
        X = np.asarray(X, dtype=float)
        c = classes(Y) if len(X) else np.zeros(0, dtype=int)
        order = np.argsort(c, kind="stable")  # legend entries in class order
        if self.K == 1:
            labels = [f"y = {k}" for k in c[order]]
            colours = [POINT_COLOURS_BINARY[k] for k in c[order]]
        else:
            labels = [f"class {k}" for k in c[order]]
            colours = [class_colour(k) for k in c[order]]
        return {"x1": X[order, 0], "x2": X[order, 1], "label": labels, "colour": colours,
                "which": (order + 1).tolist()}

    def _tiles_figure(self):
        n = len(self.tile_list)
        layers = [l for l, _ in self.tile_list]
        # One row per TILES_PER_ROW tiles, each hidden layer starting a new row.
        pos, row, col, last = [], -1, 0, None
        for l, _ in self.tile_list:
            if l != last or col == TILES_PER_ROW:
                row, col, last = row + 1, 0, l
            pos.append((col, row))
            col += 1
        cols = max(c for c, _ in pos) + 1
        rows = row + 1
        gap, title = 0.14, 0.3
        step_x, step_y = 1 + gap, 1 + title + gap
        x = [c * step_x for c, _ in pos]
        y = [-(r * step_y) - title - 1 for _, r in pos]    # lower-left corner; its title above
        width, height = cols * step_x - gap, rows * step_y - gap
        p = figure(frame_width=int((width + 0.1) * TILE_PX),
                   frame_height=int((height + 0.05) * TILE_PX), output_backend="canvas",
                   x_range=Range1d(-0.05, width + 0.05), y_range=Range1d(-height - 0.05, 0),
                   tools="save", toolbar_location=None, x_axis_type=None, y_axis_type=None,
                   outline_line_color=None)
        p.grid.visible = False
        k = len(self.ys[::self.stride])
        blank = np.zeros((k, k), np.float32)
        self.units = self._source("plane_units", {
            "image": [blank] * n, "x": x, "y": y, "dw": [1.0] * n, "dh": [1.0] * n,
            "layer": layers, "unit": [j for _, j in self.tile_list],
            "name": [self._unit(j, l) for l, j in self.tile_list], "stride": [self.stride] * n})
        net = self.state.network
        self._tile_mapper = LinearColorMapper(palette=Viridis256, low=0, high=1)
        r = p.image("image", x="x", y="y", dw="dw", dh="dh", source=self.units,
                    color_mapper=self._tile_mapper)
        p.add_tools(HoverTool(renderers=[r], tooltips=[("unit", "@name"), ("a", "@image{0.000}")]))
        self.tile_titles = self._source("plane_unit_titles", {
            "x": [xi + 0.5 for xi in x], "y": [yi + 1.04 for yi in y],
            "text": [self._unit(j, l) for l, j in self.tile_list], "colour": ["#111111"] * n})
        p.text("x", "y", text="text", text_color="colour", source=self.tile_titles,
               text_align="center", text_baseline="bottom", text_font_size="15px")
        self.marks = self._source("plane_unit_marks", {"x": [], "y": []})
        p.rect("x", "y", 1.04, 1.04, source=self.marks, fill_alpha=0, line_color=MARKED,
               line_width=4)
        self._tile_bar = ColorBar(color_mapper=self._tile_mapper, title=f"a (g = {net.hidden})",
                                  orientation="horizontal", height=12,
                                  padding=4, title_text_font_size=FONT,
                                  major_label_text_font_size=FONT, title_standoff=4,
                                  formatter=PrintfTickFormatter(format="%.2g"))
        p.add_layout(self._tile_bar, "below")
        return p

    # ---- updating -------------------------------------------------------------------
    @when_shown
    def refresh(self):
        """Recompute the pictures from the current weights (cheap: one forward pass)."""
        if self._current_signature() != self._signature:
            self._rebuild()   # _rebuild refreshes
        elif self.available:
            self._refresh()

    def _refresh(self, force=False):
        s = self.state
        net = s.network
        # Steps that change no weight (forward, δ, Δ, D) leave the pictures as they are.
        if not force and net is self._drawn[0] and s.init == self._drawn[1]:
            return
        self._drawn = (net, s.init)
        n = len(self.xs)
        _, a = net.forward(self.points)
        h = a[net.L]
        if self.K == 1:
            image = h[:, 0].reshape(n, n).astype(np.float32)
            self.boundary.data["image"] = [image]
            lx, ly = contour_lines(self.xs, self.ys, h[:, 0].reshape(n, n), 0.5) \
                if h.min() < 0.5 < h.max() else ([], [])
        else:
            self.boundary.data["image"] = [boundary_rgba(h, n)]
            lx, ly = class_boundaries(self.xs, self.ys, h, n)
        self.contour.data = {"xs": lx, "ys": ly}
        self.identical = identical_units(net)
        self.caption.object = self._caption_html()
        if self.tile_list:
            self._refresh_tiles(net, a, n)
        self.tiles_caption.object = self._tiles_caption_html(net)

    def _refresh_tiles(self, net, a, n):
        st = self.stride
        images = [a[l][:, j - 1].reshape(n, n)[::st, ::st].astype(np.float32)
                  for l, j in self.tile_list]
        self.units.data["image"] = images
        palette, low, high = heatmap_scale(net.activation(2), images)
        if (self._tile_mapper.low, self._tile_mapper.high) != (low, high) or \
                tuple(self._tile_mapper.palette) != tuple(palette):
            self._tile_mapper.update(palette=list(palette), low=low, high=high)
        title = f"a (g = {net.hidden})"
        if self._tile_bar.title != title:
            self._tile_bar.title = title
        marked = {(l, j) for l, groups in self.identical.items() for g_ in groups for j in g_}
        tiles = self.units.data
        mx, my, text, colour = [], [], [], []
        for k, (l, j) in enumerate(self.tile_list):
            same = (l, j) in marked
            text.append(self._unit(j, l) + (" ≡" if same else ""))
            colour.append(MARKED if same else "#111111")
            if same:
                mx.append(tiles["x"][k] + 0.5)
                my.append(tiles["y"][k] + 0.5)
        if list(self.tile_titles.data["text"]) != text:
            self.tile_titles.data.update(text=text, colour=colour)
        if list(self.marks.data["x"]) != mx or list(self.marks.data["y"]) != my:
            self.marks.data = {"x": mx, "y": my}

    # ---- captions ---------------------------------------------------------------------
    def _caption_html(self) -> str:
        s = self.state
        test = (" ▲ = held-out test examples (not trained on)."
                if s.X_test is not None and len(s.X_test) else "")
        h, weights = self._h(html=True), ("W, b" if self._wb else "Θ")
        if self.K == 1:
            what = (f"Background: the network's output {h}(x) at every point x = "
                    f"(x<sub>1</sub>, x<sub>2</sub>) of the input plane, for the current {weights} — "
                    "red near 0, white at 0.5, blue near 1 (colour bar). The <b>black line</b> is "
                    f"{h}(x) = 0.5, the decision boundary: predict y = 1 on its blue side.")
        else:
            what = (f"Background: the class the network predicts at every point x = "
                    f"(x<sub>1</sub>, x<sub>2</sub>), argmax<sub>k</sub> {h}(x)<sub>k</sub> "
                    f"over its K = {self.K} outputs, in that class's colour (legend); "
                    f"<b>paler = less sure</b> (max<sub>k</sub> h<sub>k</sub> near 1/K), "
                    f"stronger = confident. <b>Black lines</b>: where the predicted class changes.")
        return (f"<b>Decision boundary.</b> {what} ● = training examples, coloured by their "
                f"class y.{test}")

    def _tiles_caption_html(self, net) -> str:
        wb = self._wb
        if not self.tile_list:
            g = "g(W<sup>[1]</sup>x + b<sup>[1]</sup>)" if wb else "g(Θ<sup>(1)</sup>x)"
            return (f"<b>Hidden units.</b> This network has no hidden layer: {self._h(html=True)}"
                    f"(x) = {g} is one unit per class, so each boundary is a straight line.")
        shown = len(self.tile_list)
        more = (f" Showing the first {shown} of {self.n_hidden} hidden units."
                if shown < self.n_hidden else "")
        scale = scale_words(net.activation(2))
        text = (f"<b>The network learns its own features.</b> Each tile is one hidden unit's "
                f"activation a<sub>j</sub><sup>{'[l]' if wb else '(l)'}</sup> = "
                f"g(z<sub>j</sub><sup>{'[l]' if wb else '(l)'}</sup>) over the "
                f"same plane ({scale}); the output layer combines these.{more}")
        warning = symmetry_sentence(self.identical, self.state.init == "zeros",
                                    self.state.notation)
        if warning:
            text += (f'<div style="margin-top:4px;padding:4px 8px;border-left:5px solid {MARKED};'
                     f'background:#fff3e8">≡ {warning}</div>')
        return text


def _one_row(values: dict) -> dict:
    return {k: [v] for k, v in values.items()}
