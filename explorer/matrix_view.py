"""MatrixView: Θ^(l), Δ^(l) and D^(l) of one layer as annotated heatmaps.

Each matrix is drawn cell by cell (Bokeh ``rect``): row j (1-based, top to
bottom) is unit j of layer l + 1, column i is unit i of layer l with column
0 the bias unit, exactly the indexing of Θ_ji^(l).  Colour is the diverging
red (negative) – white – blue (positive) palette, symmetric around 0 and
scaled to that matrix's own max |value| (a colour bar under each).  Cells not
computed yet in this iteration (NaN) are light grey with "·".  Up to
NUMBERS_MAX_ROWS × NUMBERS_MAX_COLS cells each value is written in its cell
(3 significant digits); bigger matrices are drawn without numbers and a hover
tooltip gives each value.

Which layer: a Select pins one (Θ^(1), Θ^(2), …) or follows the stepper
("Follow the step"), mapping the last step to the matrix it concerns — see
``follow_layer``.

In the W, b notation (``state.notation == "wb"``, notation.py) the same cells are
shown, column 0 first: Θ^(l) = [b^[l] W^[l]], Δ^(l) = [Δb^[l] ΔW^[l]] and
D^(l) = [db^[l] dW^[l]], so the titles, axes, tooltips (a ``name`` column, b₁^[1] or
W₁₂^[1]) and captions say which is which, with the input as layer 0.
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import (ColorBar, ColumnDataSource, FixedTicker, HoverTool, LinearColorMapper,
                          PrintfTickFormatter, Range1d)
from bokeh.plotting import figure
from panel.viewable import Viewer

from engine import Kind
from engine.steps import NOTATION

from . import graph
from . import notation as nt
from .entry import on_change
from .lazy import when_shown
from .state import ExplorerState
from .status import notation_html

# W, b's names of each matrix: (the columns 1..., column 0).
WB_SYMBOL = {"Theta": ("W", "b"), "Delta": ("ΔW", "Δb"), "D": ("dW", "db")}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

NUMBERS_MAX_ROWS, NUMBERS_MAX_COLS = 12, 13   # numbers in the cells up to this size
NAN_GREY = "#e3e3e3"
CELL_W, CELL_H = 56, 30      # cell size in px when numbers are written
BIG_W, BIG_H = 440, 280      # frame budget in px for a matrix drawn without numbers
MIN_FRAME_W = 210
FOLLOW = 0                   # Select value meaning "follow the step"
FONT = "13px"

MATRICES = ("Theta", "Delta", "D")
SYMBOL = {name: NOTATION[name] for name in MATRICES}
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def sup(l: int) -> str:
    """'(2)' as Unicode superscript, for Bokeh titles: ⁽²⁾."""
    return f"({l})".translate(_SUP)


def follow_layer(step, L: int, previous: int) -> int:
    """The l of Θ^(l) that the step just taken concerns ("Follow the step").

    * forward to layer l (z^(l) = Θ^(l−1) a^(l−1))                   → l − 1
    * output_delta δ^(L) (its next use is Δ^(L−1) = δ^(L) (a^(L−1))ᵀ) → L − 1
    * hidden_delta δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* g'(z^(l))            → l
    * accumulate Δ^(l)                                               → l
    * cost, gradient, update, or no step yet: they concern every layer, so
      the previous choice is kept.
    """
    if step is None or step.layer is None:
        return previous
    if step.kind in (Kind.FORWARD, Kind.OUTPUT_DELTA):
        return min(max(step.layer - 1, 1), L - 1)
    return min(max(step.layer, 1), L - 1)


def accumulated_examples(stepper, l: int) -> int:
    """How many examples' terms δ^(l+1) (a^(l))ᵀ Δ^(l) holds in this iteration.

    Counted from the schedule: the accumulate steps for layer l among the
    steps taken so far (in batch mode one step covers all m examples).
    """
    taken = stepper.schedule[:stepper.position]
    steps = sum(1 for s in taken if s.kind is Kind.ACCUMULATE and s.layer == l)
    return stepper.m if stepper.mode == "batch" and steps else steps


def cell_text(v: float) -> str:
    """A cell's label: 3 significant digits in at most 8 characters, '·' if not
    computed yet: 0.0841, -1.2, 123, and -8.75e-4 or 1.23e5 for small or big values."""
    if not np.isfinite(v):
        return "·"
    if v == 0:
        return "0"
    text = f"{v:.3g}"
    if abs(v) >= 0.01 and "e" not in text:
        return text
    mantissa, exponent = f"{v:.2e}".split("e")
    return f"{mantissa}e{int(exponent)}"




class MatrixView(Viewer):
    """Θ^(l), Δ^(l) and D^(l) of one layer, with a layer Select.

    ``MatrixView(state=ExplorerState(...))``.  ``sources[name]`` (name in
    ``MATRICES``: "Theta", "Delta", "D") is the ColumnDataSource
    ``matrix_<name>`` with one row per cell, row-major: ``j`` (1-based),
    ``i`` (0 = bias) and ``value`` (NaN = not computed yet); ``labels[name]``
    holds the cell texts (empty for big matrices); ``captions[name]`` is the
    HTML under each matrix and ``caption`` the one above them all.  ``layer``
    is the l shown; ``select`` the layer Select (0 = follow the step).
    """

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.select = pn.widgets.Select(label="Matrices shown", width=220)
        self.caption = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 10),
                                    styles={"font-size": "15px"})
        self.sources, self.labels, self.captions = {}, {}, {}
        self._mappers, self._figures, self._hovers, self._rects = {}, {}, {}, {}
        columns = []
        for name in MATRICES:
            p = self._make_figure(name)
            self.captions[name] = pn.pane.HTML(width=MIN_FRAME_W + 60, margin=(0, 10, 10, 10),
                                               styles={"font-size": "14px"})
            columns.append(pn.Column(pn.pane.Bokeh(p), self.captions[name]))
        self._matrices = pn.FlexBox(*columns, flex_wrap="wrap", gap="6px",
                                    sizing_mode="stretch_width")
        self._followed = 1
        self.layer = 1
        self._shape = None
        self._sent = {}
        on_change(self.select, lambda value: self.refresh())
        self.state.param.watch(lambda e: self.restructure(), "reshaped")
        self.state.param.watch(lambda e: self._renotate(), "notation")
        self.state.param.watch(lambda e: self.refresh(), ["stepped", "followed", "learning_rate"])
        self.restructure()

    def __panel__(self):
        return pn.Column(pn.Row(self.select, self.caption, sizing_mode="stretch_width"),
                         self._matrices, sizing_mode="stretch_width")

    # ---- building -------------------------------------------------------------------
    def _make_figure(self, name):
        self.sources[name] = ColumnDataSource(name=f"matrix_{name}",
                                              data={"i": [], "j": [], "value": []})
        self.labels[name] = ColumnDataSource(name=f"matrix_{name}_labels",
                                             data={"i": [], "j": [], "text": [], "colour": [],
                                                   "size": []})
        mapper = LinearColorMapper(palette=graph.DIVERGING, low=-1, high=1, nan_color=NAN_GREY)
        p = figure(name=f"matrix_{name}_figure", title=SYMBOL[name], output_backend="canvas",
                   frame_width=MIN_FRAME_W, frame_height=120, x_range=Range1d(-0.5, 0.5),
                   y_range=Range1d(0.5, -0.5), tools="save", toolbar_location=None,
                   min_border_left=10, min_border_right=16)
        p.title.text_font_size = "17px"
        p.grid.visible = False
        p.outline_line_color = None
        rect = p.rect("i", "j", 1, 1, source=self.sources[name], line_color="white", line_width=1,
                      fill_color={"field": "value", "transform": mapper})
        p.text("i", "j", text="text", text_color="colour", source=self.labels[name],
               text_align="center", text_baseline="middle", text_font_size="size")
        hover = HoverTool(renderers=[rect], tooltips="", formatters={"@value": "printf"})
        p.add_tools(hover)
        for axis in (p.xaxis, p.yaxis):
            axis.ticker = FixedTicker(ticks=[])
            axis.axis_label_text_font_size = FONT
            axis.major_label_text_font_size = FONT
            axis.axis_label_text_font_style = "normal"
            axis.major_tick_out = 3
        p.xaxis.major_label_overrides = {0: "bias"}
        bar = ColorBar(color_mapper=mapper, orientation="horizontal", height=10, padding=4,
                       major_label_text_font_size=FONT, title_text_font_size=FONT,
                       formatter=PrintfTickFormatter(format="%.2g"), title_standoff=4)
        p.add_layout(bar, "below")
        self._mappers[name], self._figures[name] = mapper, p
        self._hovers[name], self._rects[name] = hover, rect
        return p

    def _options(self) -> dict:
        wb = nt.is_wb(self.state.notation)
        return {"Follow the step": FOLLOW, **{(f"W^[{l}], b^[{l}]" if wb else f"Θ^({l})"): l
                                              for l in range(1, self.state.network.L)}}

    def _renotate(self):
        """Another notation: the same layer, its names written again."""
        self.select.options = self._options()
        self.refresh()

    def restructure(self):
        """New network shape: new layer options, back to following the step."""
        options = self._options()
        self._followed = 1
        self._shape = None
        if self.select.options != options:
            self.select.options = options
        self.select.value = FOLLOW   # triggers refresh() when it changes
        self.refresh()

    # ---- updating -------------------------------------------------------------------
    def current_layer(self) -> int:
        s = self.state.stepper
        self._followed = follow_layer(s.last_step, s.L, self._followed)
        pinned = self.select.value or FOLLOW
        return pinned if pinned != FOLLOW and pinned < s.L else self._followed

    @when_shown
    def refresh(self):
        s = self.state
        stepper = s.stepper
        l = self.layer = self.current_layer()
        values = {"Theta": np.asarray(s.network.theta(l)), "Delta": np.asarray(stepper.Delta[l]),
                  "D": np.asarray(stepper.D[l])}
        rows, cols = values["Theta"].shape
        numbers = rows <= NUMBERS_MAX_ROWS and cols <= NUMBERS_MAX_COLS
        if self._shape != (l, rows, cols, s.notation):
            self._reshape(l, rows, cols, numbers)
        for name, M in values.items():
            self._show(name, M, numbers)
        self.caption.object = self._caption_html(l, rows, cols, numbers)
        for name in MATRICES:
            self.captions[name].object = self._matrix_caption(name, l)

    def _reshape(self, l, rows, cols, numbers):
        """A new layer or shape: new cell positions, ranges, ticks, sizes, labels."""
        notation = self.state.notation
        wb = nt.is_wb(notation)
        self._shape = (l, rows, cols, notation)
        self._sent = {}
        j, i = np.meshgrid(np.arange(1, rows + 1), np.arange(cols), indexing="ij")
        cw = CELL_W if numbers else float(np.clip(BIG_W / cols, 4, CELL_W))
        ch = CELL_H if numbers else float(np.clip(BIG_H / rows, 4, CELL_H))
        width, height = max(MIN_FRAME_W, int(round(cols * cw))), max(60, int(round(rows * ch)))
        xticks = list(range(cols)) if cols <= 14 else [0] + list(range(10, cols, 10))
        yticks = list(range(1, rows + 1)) if rows <= 14 else [1] + list(range(5, rows + 1, 5))
        for name in MATRICES:
            p = self._figures[name]
            sym = SYMBOL[name]
            data = {"i": i.ravel(), "j": j.ravel(), "value": np.full(rows * cols, np.nan)}
            if wb:  # each cell's name: b_j^[l] in column 0, W_ji^[l] in the others
                w, b = WB_SYMBOL[name]
                data["name"] = [f"{b}{str(jj).translate(_SUB)}^[{l}]" if ii == 0 else
                                f"{w}{_pair(jj, ii).translate(_SUB)}^[{l}]"
                                for jj, ii in zip(data["j"], data["i"])]
            self.sources[name].data = data
            if not numbers:
                self.labels[name].data = {"i": [], "j": [], "text": [], "colour": [], "size": []}
            p.update(frame_width=width, frame_height=height)
            p.title.text = (f"{WB_SYMBOL[name][1]}^[{l}] | {WB_SYMBOL[name][0]}^[{l}]" if wb
                            else f"{sym}{sup(l)}")
            p.x_range.update(start=-0.5, end=cols - 0.5)
            p.y_range.update(start=rows + 0.5, end=0.5)   # j = 1 at the top
            p.xaxis.ticker.ticks = xticks
            p.yaxis.ticker.ticks = yticks
            self._rects[name].glyph.line_alpha = 1.0 if numbers else 0.0
            if wb:
                w, b = WB_SYMBOL[name]
                p.xaxis.major_label_overrides = {0: b}
                p.xaxis.axis_label = f"i: from unit i of layer {l - 1} (0: {b})"
                p.yaxis.axis_label = f"j: to unit j of layer {l}"
                self._hovers[name].tooltips = (
                    "<b>@name</b> = @value{%.4g}<br><i>j</i> = @j (layer " + str(l)
                    + "), <i>i</i> = @i (layer " + str(l - 1) + f", 0: {b})")
            else:
                p.xaxis.major_label_overrides = {0: "bias"}
                p.xaxis.axis_label = f"i: from unit i of layer {l} (0 = bias)"
                p.yaxis.axis_label = f"j: to unit j of layer {l + 1}"
                self._hovers[name].tooltips = (
                    f"<b>{sym}<sub>@j,@i</sub><sup>({l})</sup></b> = @value{{%.4g}}"
                    "<br><i>j</i> = @j (layer " + str(l + 1) + "), <i>i</i> = @i (layer " + str(l)
                    + ", 0 = bias)")
            self.captions[name].width = width + 60

    def _show(self, name, M, numbers):
        flat = M.ravel().astype(float)
        sent = self._sent.get(name)
        if sent is not None and np.array_equal(sent, flat, equal_nan=True):
            return
        self._sent[name] = flat.copy()
        vmax = graph.max_abs(flat)
        self.sources[name].data["value"] = flat
        self._mappers[name].update(low=-vmax, high=vmax)
        if numbers:
            dark = np.isfinite(flat) & (np.abs(np.nan_to_num(flat)) > 0.55 * vmax)
            self.labels[name].data = {
                "i": self.sources[name].data["i"], "j": self.sources[name].data["j"],
                "text": [cell_text(v) for v in flat],
                "colour": ["white" if d else ("#444444" if not np.isfinite(v) else "#111111")
                           for d, v in zip(dark, flat)],
                "size": [FONT if np.isfinite(v) else "22px" for v in flat]}   # a visible "·"

    # ---- captions ---------------------------------------------------------------------
    def _caption_html(self, l, rows, cols, numbers) -> str:
        s = self.state.stepper
        notation = self.state.notation
        how = ("pinned" if (self.select.value or FOLLOW) != FOLLOW else
               "following the step" + (f" ({notation_html(nt.step_symbol(s.last_step, notation))})"
                                       if s.last_step else ""))
        size = "" if numbers else " Too big to write the numbers: hover a cell for its value."
        if nt.is_wb(notation):
            return (f"<b>Layer {l - 1} → {l}</b> ({how}): W<sup>[{l}]</sup> (columns 1…) is "
                    f"{rows} × {cols - 1} and b<sup>[{l}]</sup> (column 0) is {rows} × 1; cell "
                    f"(j, i) takes unit i of layer {l - 1} to unit j of layer {l}, column 0 "
                    f"holds b<sub>j</sub>. Red &lt; 0 &lt; blue, each matrix scaled to its own "
                    f"max |value|; grey · = not computed yet.{size}")
        return (f"<b>Layer {l} → {l + 1}</b> ({how}): Θ<sup>({l})</sup> is s<sub>{l + 1}</sub> × "
                f"(s<sub>{l}</sub> + 1) = {rows} × {cols}; cell (j, i) takes unit i of layer {l} "
                f"(i = 0: bias) to unit j of layer {l + 1}. Red &lt; 0 &lt; blue, each matrix "
                f"scaled to its own max |value|; grey · = not computed yet.{size}")

    def _matrix_caption(self, name, l) -> str:
        if nt.is_wb(self.state.notation):
            return self._matrix_caption_wb(name, l)
        s = self.state.stepper
        m, lam = s.m, s.network.lam
        if name == "Theta":
            last = s.last_step
            if last is not None and last.kind is Kind.UPDATE:
                return (f"Θ<sup>({l})</sup> after the update Θ := Θ − αD "
                        f"(α = {s.learning_rate:g}).")
            return f"Θ<sup>({l})</sup>: the current weights."
        if name == "Delta":
            k = accumulated_examples(s, l)
            if not np.isfinite(s.Delta[l]).any():
                return (f"Δ<sup>({l})</sup> := Δ<sup>({l})</sup> + δ<sup>({l + 1})</sup>"
                        f"(a<sup>({l})</sup>)<sup>T</sup>: not accumulated yet in this iteration.")
            if s.mode == "per_example":
                return (f"Δ<sup>({l})</sup> after {k} of {m} examples: "
                        f"Σ δ<sup>({l + 1})</sup>(a<sup>({l})</sup>)<sup>T</sup> over examples "
                        f"1..{k}.")
            return (f"Δ<sup>({l})</sup> = Σ<sub>i</sub> δ<sup>({l + 1})</sup>(a<sup>({l})</sup>)"
                    f"<sup>T</sup> over all {m} examples.")
        if not np.isfinite(s.D[l]).any():
            return (f"D<sup>({l})</sup> = Δ<sup>({l})</sup>/m + (λ/m)Θ<sup>({l})</sup>: "
                    f"formed after the last accumulation.")
        return (f"D<sup>({l})</sup> = Δ<sup>({l})</sup>/m + (λ/m)Θ<sup>({l})</sup> with m = {m}, "
                f"λ = {lam:g} (bias column i = 0 not regularised): ∂J/∂Θ<sup>({l})</sup>.")

    def _matrix_caption_wb(self, name, l) -> str:
        """The caption under a matrix in W, b: its columns 1… and its column 0 named."""
        s = self.state.stepper
        m, lam = s.m, s.network.lam
        W, b = (f"W<sup>[{l}]</sup>", f"b<sup>[{l}]</sup>")
        dW, db = (f"ΔW<sup>[{l}]</sup>", f"Δb<sup>[{l}]</sup>")
        gW, gb = (f"dW<sup>[{l}]</sup>", f"db<sup>[{l}]</sup>")
        delta, a = f"δ<sup>[{l}]</sup>", f"a<sup>[{l - 1}]</sup>"
        if name == "Theta":
            last = s.last_step
            if last is not None and last.kind is Kind.UPDATE:
                return (f"{W} (columns 1…) and {b} (column 0) after the update W := W − α dW, "
                        f"b := b − α db (α = {s.learning_rate:g}).")
            return f"{W} (columns 1…) and {b} (column 0): the current weights."
        if name == "Delta":
            k = accumulated_examples(s, l)
            if not np.isfinite(s.Delta[l]).any():
                return (f"{dW} := {dW} + {delta}({a})<sup>T</sup> (columns 1…), {db} := {db} + "
                        f"{delta} (column 0): not accumulated yet in this iteration.")
            if s.mode == "per_example":
                return (f"{dW} (columns 1…) and {db} (column 0) after {k} of {m} examples: "
                        f"Σ {delta}({a})<sup>T</sup> and Σ {delta} over examples 1..{k}.")
            return (f"{dW} = Σ<sub>i</sub> {delta}({a})<sup>T</sup> (columns 1…) and {db} = "
                    f"Σ<sub>i</sub> {delta} (column 0) over all {m} examples.")
        if not np.isfinite(s.D[l]).any():
            return (f"{gW} = {dW}/m + (λ/m){W} (columns 1…), {gb} = {db}/m (column 0): "
                    f"formed after the last accumulation.")
        return (f"{gW} = {dW}/m + (λ/m){W} (columns 1…) and {gb} = {db}/m (column 0) with "
                f"m = {m}, λ = {lam:g}: ∂J/∂W<sup>[{l}]</sup> and ∂J/∂b<sup>[{l}]</sup>.")


def _pair(j, i) -> str:
    """The subscript of W_ji: "12", or "12,3" when either index has two digits."""
    return f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}"
