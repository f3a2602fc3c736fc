"""GraphView: the network drawn with Bokeh, updated in place after each step.

The server sends only numbers: a, z and δ for the nodes, Θ and D for the
edges, and the scales of δ and D (graph.frame).  Colours, widths, labels and
tooltips are worked out in the page by Bokeh colour mappers and small
JavaScript transforms over those columns, so the step tape (player.py) can
step the graph in the page by replacing the same columns, by the same names:
``nodes``, ``edges``, ``delta_scale``, ``edge_scale`` and ``step_band``; the
legend under it is a LiveHTML (live_html.py) the tape can set too.

The plot holds glyphs and one annotation: its colour bars are HTML beside it
(colour_bars.py), and its notes are text under it.  Bokeh 3.9 looks up the page's
styles for every annotation at every repaint (a legend, a title, a box, a colour
bar: about 1 ms each, measured), and a step repaints the plot.  The one annotation
is the nodes' labels, a LabelSet: as a Text glyph they cost more, as Bokeh works
out five views of every glyph renderer (the glyph, and its selected, unselected,
muted and decimated looks) from the new data at each step.  Measured against the
Text glyph in one run (click to repainted frame): a forward step on xnor 11.6 -> 9.5 ms, on
64-25-10 17.4 -> 11.2 ms; a cost step, which repaints the labels unchanged, 7.4 ->
8.0 ms.

What most steps change (the nodes, their labels, the band of the layer) is drawn at
Bokeh's "overlay" level, the edges below it: Bokeh keeps the two on separate canvases
and repaints only the one whose renderers changed, so a forward or δ step does not
draw the edges again, the slowest part of a repaint on a big net (README, "Benchmarks").
So the band lies over the edges, the input picture and the failing edges, faintly,
and under the nodes; and Bokeh does not clip the overlay to the plot's frame, so after
a pan or zoom the nodes and labels may run into its margins.

In the W, b notation (``state.notation == "wb"``, notation.py) the bias units and their
edges are hidden by the same filters as "Show bias units" off (their rows stay in
``nodes``), names and tooltips say a₁^[1], W₁₂^[1], dW, with the input as layer 0, and
each unit's bias weight b (the ``b`` column, sent with every frame in either notation;
it changes only at the update) is drawn as a short bar under the unit: length ∝ |b|,
coloured by its sign as the edges are.  That bar is one more renderer of ``nodes``,
which BokehJS would work out again at every step: it is made the first time W, b is
chosen, so a session in the notes' notation has no such cost.
"""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import (BooleanFilter, CDSView, ColumnDataSource, CustomJSHover,
                          CustomJSTransform, HoverTool, Image, LabelSet, LinearColorMapper,
                          Rect, Scatter, Segment, TapTool, VStrip)
from bokeh.palettes import Greys256
from bokeh.plotting import figure
from bokeh.transform import transform
from panel.viewable import Viewer

from . import graph
from .colour_bars import ColourBars
from .entry import entry
from .live_html import LiveHTML
from .presenter import DESK, sizes
from .state import ExplorerState

HEIGHT = DESK.graph_height  # px: the graph, its legend and the equation fit a 1280×800 screen

# A number in a tooltip; "not computed yet" for NaN.
_VALUE = "return isNaN(value) ? 'not computed yet' : value.toPrecision(4)"
# b in a unit's tooltip: the input units have none.
_B_VALUE = "return isNaN(value) ? 'none (input layer)' : value.toPrecision(4)"
# The text beside a node: a, then δ once computed, after the class of an output unit.
_LABEL = """
const d = source.data
const short = (v) => (v === 0 || Math.abs(v) >= 1e-3) ? v.toFixed(3)
  : v.toExponential(0).replace(/e([+-])(\\d)$/, "e$10$2")   // as Python writes 9e-05
return Array.from(xs, (a, i) => {
  const role = d.role[i], prefix = d.prefix[i]
  if (role === "bias") return bias
  if (role === "pixel") return ""
  if (!d.numbers[i] || isNaN(a)) return prefix.replace(/: $/, "")
  return prefix + "a=" + short(a) + (isNaN(d.delta[i]) ? "" : "  δ=" + short(d.delta[i]))
})
"""
# Edge widths ∝ |Θ|, the strongest ``widest`` px wide.
_WIDTH = """
let biggest = 0
for (const t of xs) { biggest = Math.max(biggest, Math.abs(t)) }
return Array.from(xs, (t) => 0.6 + widest * Math.abs(t) / (biggest || 1))
"""
FAILING = "#e7298a"  # edges of parameters that failed the gradient check
_SIGN = "return Array.from(xs, (t) => t >= 0 ? positive : negative)"
# The b bars' lengths in px: ∝ |b|, the largest ``longest`` px (NaN rows are not drawn).
_B_LENGTH = """
let biggest = 0
for (const b of xs) { if (!isNaN(b)) { biggest = Math.max(biggest, Math.abs(b)) } }
return Array.from(xs, (b) => isNaN(b) ? 0 : 2 + longest * Math.abs(b) / (biggest || 1))
"""
B_BAR_PX = 4      # thickness of a b bar (at most)
BORDER_PX = 10    # measured: the plot's frame is this much shorter than the plot


# Tooltips by notation.  In W, b the layer is the one a view writes (input 0), and b is shown.
_NODE_TIPS = {
    "theta": [("unit", "@name (layer @layer)"), ("a", "@a{custom}"), ("z", "@z{custom}"),
              ("δ", "@delta{custom}")],
    "wb": [("unit", "@name (layer @shown_layer)"), ("a", "@a{custom}"), ("z", "@z{custom}"),
           ("δ", "@delta{custom}"), ("b", "@b{custom}")]}
_EDGE_TIPS = {"theta": [("", "@edge"), ("Θ", "@theta{custom}"), ("D", "@grad{custom}")],
              "wb": [("", "@edge"), ("W", "@theta{custom}"), ("dW", "@grad{custom}")]}


class GraphView(Viewer):
    """Nodes coloured by a (fill) and δ (ring), edges by Θ or D.

    Each session gets its own figure and sources; after a step only the
    columns whose values changed are sent, inside one update.
    """

    state = param.ClassSelector(class_=ExplorerState)
    selected_edge = param.Tuple(default=None, allow_None=True, length=3,
                                doc="(l, j, i) of the edge clicked last")
    served = param.Boolean(default=True, constant=True,
                           doc="Drawn by a server, which hears clicks on edges; False in a "
                               "file with no server (export.py)")

    def __init__(self, **params):
        super().__init__(**params)
        self.nodes = ColumnDataSource(name="nodes")
        self.edges = ColumnDataSource(name="edges")
        self._symmetry = (None, None, "")  # (network, notation, its symmetry warning): once each
        self.legend = LiveHTML(channel="legend", sizing_mode="stretch_width", height=70,
                               margin=(0, 10), styles={"font-size": "15px"})
        # Under the legend, when there is something to say: edges left out, failed checks.
        self.note = pn.pane.HTML("", visible=False, sizing_mode="stretch_width", margin=(0, 10),
                                 styles={"font-size": "13px", "color": "#555555"})
        self._failing_text = ""
        self._marked, self._marked_text = None, ""  # units marked (mark_units)
        self.figure = self._make_figure()
        self.bars = ColourBars(bars=[("fill_scale", "a (fill)"), ("delta_scale", "δ (ring)"),
                                     ("edge_scale", "D (edges)")], height=HEIGHT)
        self._b_r = None  # the b bars: made when W, b is first chosen
        self._notation = None  # the notation the names and tooltips are written in
        self._relayout()
        self._pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width", height=HEIGHT)
        s = self.state
        s.param.watch(self._on_change, ["rebuilt", "stepped", "edges_by", "example",
                                        "show_bias", "show_numbers", "notation"])
        s.param.watch(self._resize, "present")
        if s.present:
            self._resize()
        # A click on an edge arrives as a browser change of the selection.
        if self.served:
            tap = entry(self._on_tap)
            self.edges.selected.on_change("indices", lambda attr, old, new: tap(new))

    @property
    def figure_pane(self):
        """The plot's pane (a lesson outlines it)."""
        return self._pane

    def __panel__(self):
        return pn.Column(pn.Row(self._pane, self.bars, sizing_mode="stretch_width"),
                         self.legend, self.note, sizing_mode="stretch_width")

    # ---- building ---------------------------------------------------------------
    def _make_figure(self):
        p = figure(name="graph", tools="pan,wheel_zoom,reset,save", toolbar_location="above",
                   output_backend="canvas", sizing_mode="stretch_width", height=HEIGHT,
                   x_axis_type=None, y_axis_type=None, outline_line_color=None)
        # The tools show over the plot's top right corner while the pointer is on it, and
        # take no row of their own (a 768 px projector has none to spare).
        p.toolbar.autohide = True
        p.toolbar_inner = True
        p.grid.visible = False
        # The layer the last step worked on: a strip from x0 to x1, or none.
        self.band = ColumnDataSource(name="step_band", data={"x0": [], "x1": []})
        p.add_glyph(self.band, VStrip(x0="x0", x1="x1", fill_color="#ffd92f", fill_alpha=0.18,
                                      line_alpha=0), level="overlay")
        self._fill_mapper = LinearColorMapper(name="fill_scale", palette=graph.SEQUENTIAL, low=0, high=1,
                                              nan_color=graph.NOT_COMPUTED)
        self._delta_mapper = LinearColorMapper(name="delta_scale", palette=graph.DIVERGING,
                                               low=-1, high=1, nan_color="rgba(0,0,0,0)")
        self._edge_mapper = LinearColorMapper(name="edge_scale", palette=graph.DIVERGING,
                                              low=-1, high=1, nan_color="#d0d0d0")
        # The D scale colours edges only when asked; a reference keeps it in the page always,
        # for its colour bar and the player, which find it by name.
        p.tags = [self._edge_mapper]
        self._width = CustomJSTransform(args={"widest": 7.0}, v_func=_WIDTH)
        self._sign = CustomJSTransform(args={"positive": graph.POSITIVE,
                                             "negative": graph.NEGATIVE}, v_func=_SIGN)
        # Computed values are outlined dark; white, grey-outlined nodes are not computed yet.
        outline = LinearColorMapper(palette=["#333333"], low=0, high=1, nan_color="#bbbbbb",
                                    low_color="#333333", high_color="#333333")

        self._edge_filter = BooleanFilter(booleans=[])
        self._edge_r = p.add_glyph(self.edges, Segment(
            x0="x0", y0="y0", x1="x1", y1="y1", line_width=transform("theta", self._width),
            line_color=transform("theta", self._sign), line_alpha=0.75),
            view=CDSView(filter=self._edge_filter), nonselection_glyph=None)
        # An image input (handwritten digits) is drawn as the picture itself,
        # over the ends of its edges, so they seem to leave from its pixels.
        self.image = ColumnDataSource(name="input_image", data={"image": [], "x": [], "y": [],
                                                                 "dw": [], "dh": []})
        p.add_glyph(self.image, Image(image="image", x="x", y="y", dw="dw", dh="dh",
                                      color_mapper=LinearColorMapper(
                                          palette=tuple(reversed(Greys256)), low=0, high=1)))
        # Parameters that failed the last gradient check, drawn over their edges.
        self.failing = ColumnDataSource(name="failing", data={"x0": [], "y0": [], "x1": [], "y1": []})
        p.add_glyph(self.failing, Segment(x0="x0", y0="y0", x1="x1", y1="y1", line_width=5,
                                          line_color=FAILING, line_dash="dashed"))

        self._unit_filter = BooleanFilter(booleans=[])
        self._bias_filter = BooleanFilter(booleans=[])
        self._ring_r = p.add_glyph(self.nodes, Scatter(
            x="x", y="y", size="ring_size", marker="circle", fill_alpha=0, line_width=7,
            line_color=transform("delta", self._delta_mapper)),
            view=CDSView(filter=self._unit_filter), level="overlay")
        self._node_r = p.add_glyph(self.nodes, Scatter(
            x="x", y="y", size="size", marker="circle", fill_color=transform("a", self._fill_mapper),
            line_color=transform("a", outline), line_width=2),
            view=CDSView(filter=self._unit_filter), level="overlay")
        self._bias_r = p.add_glyph(self.nodes, Scatter(
            x="x", y="y", size="size", marker="square", fill_color=graph.BIAS_FILL,
            line_color="#333333", line_width=2),
            view=CDSView(filter=self._bias_filter), level="overlay")
        self._label = CustomJSTransform(args={"source": self.nodes, "bias": "+1"}, v_func=_LABEL)
        self._text_r = LabelSet(x="x", y="y", text=transform("a", self._label), source=self.nodes,
                                text_align="left", text_baseline="middle", x_offset="label_offset",
                                text_font_size="14px", text_color="#111111",
                                background_fill_color="white", background_fill_alpha=0.85,
                                level="overlay")
        p.add_layout(self._text_r)
        value = CustomJSHover(code=_VALUE)
        self._node_hover = HoverTool(renderers=[self._node_r], tooltips=_NODE_TIPS["theta"],
                                     formatters={"@a": value, "@z": value, "@delta": value,
                                                 "@b": CustomJSHover(code=_B_VALUE)})
        self._edge_hover = HoverTool(renderers=[self._edge_r], line_policy="interp",
                                     tooltips=_EDGE_TIPS["theta"],
                                     formatters={"@theta": value, "@grad": value})
        p.add_tools(
            self._node_hover,
            HoverTool(renderers=[self._bias_r], tooltips=[("", "@name: the bias unit is always 1")]),
            self._edge_hover,
            TapTool(renderers=[self._edge_r]))
        return p

    def _make_b_bars(self):
        """The b bars under the units (W, b): one more renderer of ``nodes``, at the
        nodes' level, made once; ``bar_y`` (layout) puts each just under its node."""
        self._b_filter = BooleanFilter(booleans=[])
        self._b_length = CustomJSTransform(args={"longest": 30.0}, v_func=_B_LENGTH)
        self._b_r = self.figure.add_glyph(self.nodes, Rect(
            x="x", y="bar_y", width=transform("b", self._b_length), height="bar_height",
            width_units="screen", height_units="screen", fill_color=transform("b", self._sign),
            line_alpha=0), view=CDSView(filter=self._b_filter), level="overlay",
            selection_glyph=None, nonselection_glyph=None, muted_glyph=None)

    def _on_change(self, *events):
        # A new network (new activations too) is laid out again: its colour scale may change.
        if any(e.name == "rebuilt" for e in events):
            self._relayout()
        elif any(e.name == "notation" for e in events):
            self._renotate()
        else:
            self.refresh()

    def _relayout(self):
        """New shape: lay the nodes out again and send every column."""
        s = self.state
        net = s.network
        shape = s.image_shape
        self._image_shape = shape if shape and np.prod(shape) == net.sizes[0] else None
        notation = self._notation = s.notation
        layout = graph.layout(net.sizes, self._image_shape, notation)
        self._laid_out_for = net.sizes
        self._index = index = graph.edge_index(net, image=self._image_shape is not None)
        palette, low, high = graph.activation_scale(net, s.stepper.X)
        if list(self._fill_mapper.palette) != list(palette):  # 256 colours, each validated:
            self._fill_mapper.palette = palette  # 2 ms a page when set again unchanged
        self._fill_mapper.update(low=low, high=high)
        n_max = graph.span(net.sizes, self._image_shape)
        size_of = sizes(s.present)
        height = size_of.graph_height
        # One unit of y is about height px / (n_max + 1.8); a node takes 75% of it (on a
        # projector more, up to nine tenths of the space between two units).
        size = float(np.clip(min(0.75 * size_of.node_scale, 0.9) * height / (n_max + 1.8),
                             6, size_of.max_node))
        self._numbers_allowed = n_max <= graph.NUMBERS_MAX_UNITS
        # Room on the right for the output units' labels ("a=1.000  δ=-5e-05") at 1024 px.
        self.figure.x_range.update(start=-0.5 if self._image_shape else -0.35, end=net.L - 1 + 1.1)
        top = n_max / 2 + 0.7
        self.figure.y_range.update(start=-top + 0.3, end=top + 0.7)
        # Labels shrink with the spacing between units, down to 10 px (15 px at most; on a
        # projector both half as large again).
        unit_px = height / (2 * top + 0.4)
        text = size_of.text
        self._text_r.text_font_size = f"{np.clip(0.45 * unit_px, 10, 15) * text:.3g}px"
        self._width.args = {"widest": graph.widest_edge(len(index.layer)) * size_of.text}
        n = len(layout["layer"])
        # The b bar just under its node's δ ring (outer radius size / 2 + 8 px), or halfway
        # to the unit below when the units are too close for that; in y units.
        frame_px = (height - BORDER_PX) / (2 * top + 0.4)
        bar = float(np.clip(0.2 * frame_px, 2, B_BAR_PX))
        below = min((size / 2 + 10 + bar / 2) / frame_px, 0.5)
        self._layout = {**layout, "size": [size] * n, "ring_size": [size + 9] * n,
                        "label_offset": [size / 2 + 8] * n, "numbers": self._numbers(n),
                        "bar_y": [y - below for y in layout["y"]], "bar_height": [bar] * n}
        self._bar_px = size
        x, y = np.asarray(layout["x"]), np.asarray(layout["y"])
        where = {(l, u): k for k, (l, u) in enumerate(zip(layout["layer"], layout["unit"]))}
        src = np.array([where[(l, i)] for l, i in zip(index.layer, index.source)], dtype=int)
        dst = np.array([where[(l + 1, j)] for l, j in zip(index.layer, index.target)], dtype=int)
        self._edge_layout = {
            "layer": index.layer, "source": index.source, "target": index.target,
            "x0": x[src], "y0": y[src], "x1": x[dst], "y1": y[dst],
            "edge": self._edge_names(notation)}
        self._write_notation()
        frame = self.frame(s.stepper)
        self.nodes.data = {**self._layout, **frame["nodes"]}
        self.edges.data = {**self._edge_layout, **frame["edges"]}
        self._show(frame)
        self.failing.data = {"x0": [], "y0": [], "x1": [], "y1": []}
        self._failing_text = ""
        if self._marked is not None:
            self._marked.data = {"x": [], "y": [], "size": []}
        self._marked_text = ""
        self._write_note()

    def _resize(self, *events):
        """Presenter mode: a shorter plot with larger nodes, labels and legend (presenter.py)."""
        size = sizes(self.state.present)
        self.figure.height = self._pane.height = self.bars.height = size.graph_height
        # A long symmetry warning may not fit the projector's legend: drawn smaller, not cut.
        self.legend.param.update(height=size.legend_height, fit=size.legend_fit,
                                 styles={"font-size": f"{size.legend_px}px"})
        self._relayout()

    def _edge_names(self, notation):
        index = self._index
        return [graph.edge_name(int(l), int(j), int(i), notation)
                for l, j, i in zip(index.layer, index.target, index.source)]

    def _renotate(self):
        """Another notation: the names, tooltips, filters and b bars; the numbers stay."""
        notation = self._notation = self.state.notation
        layout = self._layout
        names = graph.unit_names(layout["layer"], layout["unit"], notation)
        layout.update(names)
        self._edge_layout["edge"] = edges = self._edge_names(notation)
        self.nodes.data.update(names)
        self.edges.data.update({"edge": edges})
        self._write_notation()
        self._write_note()
        self.refresh()

    def _write_notation(self):
        """Tooltips, the colour bar's title and the b bars in the notation chosen."""
        notation = self._notation
        wb = notation == "wb"
        for hover, tips in ((self._node_hover, _NODE_TIPS), (self._edge_hover, _EDGE_TIPS)):
            if hover.tooltips != tips[notation]:
                hover.tooltips = tips[notation]
        self.bars.titles = {"edge_scale": "dW (edges)"} if wb else {}
        if wb and self._b_r is None:
            self._make_b_bars()
        if self._b_r is not None:
            self._b_length.args = {"longest": self._bar_px}
            if self._b_r.visible != wb:
                self._b_r.visible = wb

    def _edges_note(self) -> str:
        """Which edges are drawn, when not all of them are."""
        shown, total = len(self._index.layer), self._index.total
        if shown == total:
            return ""
        weight = "|W|" if self._notation == "wb" else "|Θ|"
        return (f"Showing the strongest {shown} of {total} edges (largest {weight} into each unit"
                + (f"; {graph.IMAGE_EDGES_PER_UNIT} pixels each from the input image)"
                   if self._image_shape else ")") + ".")

    def _write_note(self):
        text = "<br>".join(t for t in (self._edges_note(), self._failing_text, self._marked_text) if t)
        if self.note.object != text:
            self.note.object = text
            self.note.visible = bool(text)

    def _numbers(self, n):
        return [bool(self.state.show_numbers and self._numbers_allowed)] * n

    # ---- updating -------------------------------------------------------------
    def frame(self, stepper) -> dict:
        """What the graph shows at this stepper's point (graph.frame, for this view)."""
        s = self.state
        if stepper.network.sizes != self._laid_out_for:  # asked before the rebuilt event came
            self._relayout()
        example = stepper.example if stepper.mode == "per_example" else s.example
        net, notation = stepper.network, s.notation
        if self._symmetry[0] is not net or self._symmetry[1] != notation:
            self._symmetry = (net, notation, graph.symmetry_sentence(
                graph.identical_units(net), s.init == "zeros", notation))
        return graph.frame(stepper, example, self._layout, self._index, s.edges_by == "grad",
                           self._symmetry[2], notation, compact=s.present)

    def refresh(self):
        """Send the columns that changed since the last refresh."""
        frame = self.frame(self.state.stepper)
        numbers = self._numbers(len(self._layout["layer"]))
        self._send(self.nodes, {**frame["nodes"], "numbers": numbers})
        self._send(self.edges, frame["edges"])
        self._show(frame)

    def _send(self, source, columns):
        # One update for all changed columns: BokehJS then redraws once.
        changed = {name: values for name, values in columns.items()
                   if not graph.same_values(source.data.get(name), values)}
        if changed:
            source.data.update(changed)

    def _show(self, frame):
        """The scales, the band and the legend of a frame; the colouring of the edges."""
        s = self.state
        by_grad = s.edges_by == "grad"
        self._delta_mapper.update(low=-frame["dmax"], high=frame["dmax"])
        self._edge_mapper.update(low=-frame["vmax"], high=frame["vmax"])
        shown = ["fill_scale", "delta_scale"] + (["edge_scale"] if by_grad else [])
        if self.bars.shown != shown:
            self.bars.shown = shown
        colour = transform("grad", self._edge_mapper) if by_grad else transform("theta", self._sign)
        if self._edge_r.glyph.line_color != colour:
            self._edge_r.glyph.line_color = colour
        band = frame["band"]
        self._send(self.band, {"x0": [band[0]] if band else [], "x1": [band[1]] if band else []})
        self.legend.html = frame["legend"]
        self._set_filters()
        self._draw_image()

    def _draw_image(self):
        """The selected example as a picture in place of the input layer."""
        if not self._image_shape:
            if self.image.data["image"]:
                self.image.data = {k: [] for k in self.image.data}
            return
        s = self.state
        width, height = graph.image_extent(s.network.sizes, self._image_shape)
        picture = np.flipud(np.asarray(s.stepper.X[s.example]).reshape(self._image_shape))
        data = {"image": [picture], "x": [-width / 2], "y": [-height / 2], "dw": [width],
                "dh": [height]}
        # Sent only when it changes: a step or a training frame keeps the picture.
        shown = self.image.data
        if not (shown["image"] and graph.same_values(shown["image"][0].ravel(), picture.ravel())
                and all(shown[k] == data[k] for k in ("x", "y", "dw", "dh"))):
            self.image.data = data

    def _set_filters(self):
        """Hide the bias units and their edges when asked, and always in W, b, where b is
        a number on each unit, not a unit (the data stays)."""
        s = self.state
        wb = self._notation == "wb"
        with_bias = s.show_bias and not wb
        layer = np.asarray(self._layout["layer"])
        bias = np.asarray(self._layout["is_bias"])
        shown = np.ones(len(bias), dtype=bool) if with_bias else ~bias
        if self._image_shape:  # pixels are drawn as the picture, not as nodes
            shown &= ~((layer == 1) & ~bias)
        units, biases = (shown & ~bias).tolist(), (shown & bias).tolist()
        edges = (np.ones(len(self._index.source), dtype=bool) if with_bias
                 else self._index.source > 0).tolist()
        filters = [(self._unit_filter, units), (self._bias_filter, biases),
                   (self._edge_filter, edges)]
        if self._b_r is not None:  # a bar under every unit after the input
            filters.append((self._b_filter, (wb & ~bias & (layer >= 2)).tolist()))
        for f, value in filters:
            if f.booleans != value:
                f.booleans = value
        label = "+1" if with_bias else ""  # the labels are drawn for every row
        if self._label.args["bias"] != label:
            self._label.args = {**self._label.args, "bias": label}

    def set_failing(self, params, why: str = "failed the last gradient check"):
        """Highlight the edges of these (l, j, i) parameters (those drawn); the note under
        the graph says they are the parameters that ``why``."""
        wanted = set(params)
        index = self._index
        rows = [k for k, key in enumerate(zip(index.layer, index.target, index.source))
                if (int(key[0]), int(key[1]), int(key[2])) in wanted]
        edges = self._edge_layout
        self.failing.data = {c: [float(edges[c][k]) for k in rows] for c in ("x0", "y0", "x1", "y1")}
        self._failing_text = f"Pink dashed edges: parameters that {why}." if rows else ""
        self._write_note()

    def mark_units(self, units, why: str):
        """Ring the units (l, j) in pink dashes (those drawn); the note under the graph says
        they are the units that ``why``.  The ring's renderer is made on first use: the app
        never marks units (Explorer.check does, in a notebook)."""
        if self._marked is None:
            self._marked = ColumnDataSource(name="marked_units", data={"x": [], "y": [], "size": []})
            self.figure.add_glyph(self._marked, Scatter(
                x="x", y="y", size="size", marker="circle", fill_alpha=0, line_color=FAILING,
                line_width=3, line_dash="dashed"), level="overlay")
        wanted = set(units)
        layout = self._layout
        rows = [k for k, (l, u) in enumerate(zip(layout["layer"], layout["unit"]))
                if (int(l), int(u)) in wanted]
        self._marked.data = {"x": [float(layout["x"][k]) for k in rows],
                             "y": [float(layout["y"][k]) for k in rows],
                             "size": [float(layout["ring_size"][k]) + 10 for k in rows]}
        self._marked_text = f"Pink dashed rings: the units that {why}." if rows else ""
        self._write_note()

    def _on_tap(self, indices):
        if indices:
            k = indices[0]
            index = self._index
            self.selected_edge = (int(index.layer[k]), int(index.target[k]), int(index.source[k]))


def _sub(j, i):
    """The subscript of Θ_ji: "12", or "12,3" when either index has two digits."""
    return f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}"
