"""GraphView: the network drawn with Bokeh, updated in place after each step."""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import (BooleanFilter, BoxAnnotation, CDSView, ColorBar, ColumnDataSource,
                          HoverTool, LinearColorMapper, PrintfTickFormatter, TapTool, Title)
from bokeh.palettes import Greys256
from bokeh.plotting import figure
from panel.viewable import Viewer

from . import graph
from .entry import entry
from .state import ExplorerState

HEIGHT = 340  # px: the graph, its legend and the equation fit a 1280×800 screen


def _sub(j, i):
    return f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}"


def _value(v):
    return "not computed yet" if np.isnan(v) else f"{v:.4g}"


class GraphView(Viewer):
    """Nodes coloured by a (fill) and δ (ring), edges by Θ or D.

    Each session gets its own figure and sources; after a step only the
    columns whose values changed are sent, inside one ``hold``.
    """

    state = param.ClassSelector(class_=ExplorerState)
    selected_edge = param.Tuple(default=None, allow_None=True, length=3,
                                doc="(l, j, i) of the edge clicked last")

    def __init__(self, **params):
        super().__init__(**params)
        self.nodes = ColumnDataSource(name="nodes")
        self.edges = ColumnDataSource(name="edges")
        self._sent = {"nodes": {}, "edges": {}}
        self._edges_key = None
        self._symmetry = (None, "")  # (network, its symmetry warning): worked out once per weights
        self.legend = pn.pane.HTML(margin=(0, 10), styles={"font-size": "15px"})
        self.figure = self._make_figure()
        self._relayout()
        self._pane = pn.pane.Bokeh(self.figure, sizing_mode="stretch_width", height=HEIGHT)
        s = self.state
        s.param.watch(self._on_change, ["rebuilt", "stepped", "edges_by", "example",
                                        "show_bias", "show_numbers"])
        # A click on an edge arrives as a browser change of the selection.
        tap = entry(self._on_tap)
        self.edges.selected.on_change("indices", lambda attr, old, new: tap(new))

    def __panel__(self):
        return pn.Column(self._pane, self.legend, sizing_mode="stretch_width")

    # ---- building ---------------------------------------------------------------
    def _make_figure(self):
        p = figure(name="graph", tools="pan,wheel_zoom,reset,save", toolbar_location="above",
                   output_backend="canvas", sizing_mode="stretch_width", height=HEIGHT,
                   x_axis_type=None, y_axis_type=None, outline_line_color=None)
        p.toolbar.autohide = True
        p.grid.visible = False
        self._band = BoxAnnotation(left=0, right=0, fill_color="#ffd92f", fill_alpha=0.3,
                                   line_alpha=0, visible=False, level="underlay")
        p.add_layout(self._band)
        self._edge_filter = BooleanFilter(booleans=[])
        self._node_filter = BooleanFilter(booleans=[])
        self._edge_r = p.segment("x0", "y0", "x1", "y1", source=self.edges, line_width="width",
                                 line_color="color", line_alpha=0.75,
                                 view=CDSView(filter=self._edge_filter))
        self._edge_r.nonselection_glyph = None
        # An image input (handwritten digits) is drawn as the picture itself,
        # over the ends of its edges, so they seem to leave from its pixels.
        self.image = ColumnDataSource(name="input_image", data={"image": [], "x": [], "y": [],
                                                                 "dw": [], "dh": []})
        self._image_r = p.image(image="image", x="x", y="y", dw="dw", dh="dh", source=self.image,
                                color_mapper=LinearColorMapper(palette=tuple(reversed(Greys256)),
                                                               low=0, high=1))
        # Parameters that failed the last gradient check, drawn over their edges.
        self.failing = ColumnDataSource(name="failing", data={"x0": [], "y0": [], "x1": [], "y1": []})
        p.segment("x0", "y0", "x1", "y1", source=self.failing, line_width=5, line_color="#e7298a",
                  line_dash="dashed", legend_label="failed the gradient check")
        p.legend.location = "bottom_left"
        p.legend.label_text_font_size = "13px"
        p.legend.visible = False
        self._ring_r = p.scatter("x", "y", source=self.nodes, size="ring_size", marker="marker",
                                 fill_alpha=0, line_color="ring", line_width=7,
                                 view=CDSView(filter=self._node_filter))
        self._node_r = p.scatter("x", "y", source=self.nodes, size="size", marker="marker",
                                 fill_color="fill", line_color="outline", line_width=2,
                                 view=CDSView(filter=self._node_filter))
        self._text_r = p.text("x", "y", text="label", source=self.nodes, text_align="left",
                              text_baseline="middle", x_offset="label_offset", text_font_size="14px",
                              text_color="#111111", background_fill_color="white",
                              background_fill_alpha=0.85, padding=1,
                              view=CDSView(filter=self._node_filter))
        p.add_tools(HoverTool(renderers=[self._node_r], tooltips="@tip{safe}"),
                    HoverTool(renderers=[self._edge_r], tooltips="@tip{safe}", line_policy="interp"),
                    TapTool(renderers=[self._edge_r]))
        self._fill_mapper = LinearColorMapper(palette=graph.SEQUENTIAL, low=0, high=1)
        self._delta_mapper = LinearColorMapper(palette=graph.DIVERGING, low=-1, high=1)
        self._edge_mapper = LinearColorMapper(palette=graph.DIVERGING, low=-1, high=1)
        bar = dict(width=12, title_text_font_size="13px", major_label_text_font_size="12px",
                   title_standoff=6, padding=4, formatter=PrintfTickFormatter(format="%.2g"))
        self._fill_bar = ColorBar(color_mapper=self._fill_mapper, title="a (fill)", **bar)
        self._delta_bar = ColorBar(color_mapper=self._delta_mapper, title="δ (ring)", **bar)
        self._edge_bar = ColorBar(color_mapper=self._edge_mapper, title="D (edges)", visible=False, **bar)
        for b in (self._fill_bar, self._delta_bar, self._edge_bar):
            p.add_layout(b, "right")
        p.min_border_right = 30
        self._note = Title(text="", text_font_style="italic", text_font_size="13px", text_color="#555555")
        p.add_layout(self._note, "below")
        return p

    def _on_change(self, *events):
        # A new network (new activations too) is laid out again: its colour scale may change.
        if any(e.name == "rebuilt" for e in events):
            self._relayout()
        else:
            self.refresh()

    def _relayout(self):
        """New shape: lay the nodes out again and send every column."""
        s = self.state
        net = s.network
        shape = s.image_shape
        self._image_shape = shape if shape and np.prod(shape) == net.sizes[0] else None
        self._layout = graph.layout(net.sizes, self._image_shape)
        self._index = graph.edge_index(net, image=self._image_shape is not None)
        self._palette, low, high, _ = graph.activation_scale(net, s.stepper.X)
        self._fill_mapper.update(palette=self._palette, low=low, high=high)
        n_max = graph.span(net.sizes, self._image_shape)
        # One unit of y is about HEIGHT px / (n_max + 1.8); a node takes 75% of it.
        self._size = float(np.clip(0.75 * HEIGHT / (n_max + 1.8), 6, 44))
        self._numbers_allowed = n_max <= graph.NUMBERS_MAX_UNITS
        self.figure.x_range.update(start=-0.5 if self._image_shape else -0.35, end=net.L - 1 + 0.8)
        top = n_max / 2 + 0.7
        self.figure.y_range.update(start=-top + 0.3, end=top + 0.7)
        # Labels shrink with the spacing between units, down to 10 px.
        unit_px = HEIGHT / (2 * top + 0.4)
        self._text_r.glyph.text_font_size = f"{int(np.clip(0.45 * unit_px, 10, 15))}px"
        shown, total = len(self._index.layer), self._index.total
        self._note.text = ("" if shown == total else
                           f"Showing the strongest {shown} of {total} edges (largest |Θ| into each unit"
                           + (f"; {graph.IMAGE_EDGES_PER_UNIT} pixels each from the input image)"
                              if self._image_shape else ")") + ".")
        self._sent = {"nodes": {}, "edges": {}}
        self._edges_key = None
        self._refresh(full=True)
        self.failing.data = {"x0": [], "y0": [], "x1": [], "y1": []}

    # ---- updating -------------------------------------------------------------
    def _node_columns(self):
        s = self.state
        lay = self._layout
        z, a, delta = graph.node_values(s.stepper, s.example, lay)
        computed = ~np.isnan(a)
        dmax = graph.max_abs(delta)
        fill = graph.colours(a, self._palette, self._fill_mapper.low, self._fill_mapper.high)
        fill = [graph.BIAS_FILL if b else f for b, f in zip(lay["is_bias"], fill)]
        ring = graph.colours(delta, graph.DIVERGING, -dmax, dmax, nan="rgba(0,0,0,0)")
        tips = [self._node_tip(name, l, zi, ai, di)
                for name, l, zi, ai, di in zip(lay["name"], lay["layer"], z, a, delta)]
        numbers = s.show_numbers and self._numbers_allowed
        L, K = s.network.L, s.network.sizes[-1]
        classes = [f"{u - 1}: " if l == L and K > 1 else "" for l, u in zip(lay["layer"], lay["unit"])]
        labels = graph.number_labels(a, delta, lay["is_bias"], classes) if numbers else \
            ["+1" if b else c.rstrip(": ") for b, c in zip(lay["is_bias"], classes)]
        if self._image_shape:  # the picture stands for the input units
            labels = ["" if l == 1 and u > 0 else t for l, u, t in zip(lay["layer"], lay["unit"], labels)]
        return {
            **lay, "z": z, "a": a, "delta": delta, "fill": fill, "ring": ring,
            "outline": ["#333333" if c else "#bbbbbb" for c in computed],
            "size": [self._size] * len(z), "ring_size": [self._size + 9] * len(z),
            "label": labels, "label_offset": [self._size / 2 + 8] * len(z), "tip": tips,
        }, dmax

    @staticmethod
    def _node_tip(name, l, z, a, delta):
        if "bias" in name:
            return f"<b>{name}</b><br>layer {l}: the bias unit is always 1"
        lines = [f"<b>{name}</b> (layer {l})", f"a = {_value(a)}"]
        if l > 1:
            zname = name.replace("a<sub>", "z<sub>", 1)
            dname = name.replace("a<sub>", "δ<sub>", 1)
            lines += [f"{zname} = {_value(z)}", f"{dname} = {_value(delta)}"]
        return "<br>".join(lines)

    def _edge_columns(self):
        # Θ and D only change on update and gradient steps; the engine makes new
        # arrays when they do, so the same objects mean the same columns.
        s = self.state
        key = (s.network, *s.stepper.D.values(), self._index, s.edges_by)
        old = self._edges_key
        if old is not None and len(old) == len(key) and key[-1] == old[-1] \
                and all(a is b for a, b in zip(key[:-1], old[:-1])):
            return self._edges_cache
        self._edges_key = key
        self._edges_cache = self._compute_edge_columns()
        return self._edges_cache

    def _compute_edge_columns(self):
        s = self.state
        layers, targets, sources = self._index.layer, self._index.target, self._index.source
        theta, grad = graph.edge_values(s.stepper, self._index)
        width, colour, vmax = graph.edge_style(theta, grad, s.edges_by)
        x, y = np.asarray(self._layout["x"]), np.asarray(self._layout["y"])
        key = {(l, u): k for k, (l, u) in enumerate(zip(self._layout["layer"], self._layout["unit"]))}
        src = np.array([key[(l, i)] for l, i in zip(layers, sources)], dtype=int)
        dst = np.array([key[(l + 1, j)] for l, j in zip(layers, targets)], dtype=int)
        tips = [f"Θ<sub>{_sub(j, i)}</sub><sup>({l})</sup> = {_value(t)}<br>"
                f"D<sub>{_sub(j, i)}</sub><sup>({l})</sup> = {_value(g)}"
                for l, j, i, t, g in zip(layers, targets, sources, theta, grad)]
        return {
            "layer": layers, "source": sources, "target": targets, "theta": theta, "grad": grad,
            "x0": x[src], "y0": y[src], "x1": x[dst], "y1": y[dst],
            "width": width, "color": colour, "tip": tips,
        }, vmax

    def refresh(self, full=False):
        """Send the columns that changed since the last refresh."""
        self._refresh(full)

    def _refresh(self, full=False):
        nodes, dmax = self._node_columns()
        edges, vmax = self._edge_columns()
        s = self.state
        self._send(self.nodes, "nodes", nodes, full)
        self._send(self.edges, "edges", edges, full)
        self._delta_mapper.update(low=-dmax, high=dmax)
        by_grad = s.edges_by == "grad"
        self._edge_bar.visible = by_grad
        self.legend.object = self._legend_html(by_grad, dmax, np.isfinite(nodes["delta"]).any())
        if by_grad:
            self._edge_mapper.update(low=-vmax, high=vmax)
        band = graph.highlight(s.stepper.last_step, s.network.L)
        self._band.visible = band is not None
        if band:
            self._band.update(left=band[0], right=band[1])
        self._set_filters()
        self._draw_image()

    def _legend_html(self, by_grad, dmax, has_delta):
        swatch = '<span style="display:inline-block;width:26px;height:5px;background:{};' \
                 'vertical-align:middle;margin:0 4px 0 12px"></span>'
        edges = ("edges coloured by the gradient D (colour bar), width ∝ |Θ|" if by_grad else
                 f"{swatch.format(graph.POSITIVE)}Θ &gt; 0{swatch.format(graph.NEGATIVE)}Θ &lt; 0"
                 "&nbsp; width ∝ |Θ|")
        ring = f"ring: δ, scaled to max |δ| = {dmax:.3g}" if has_delta else "ring: δ (not computed yet)"
        prediction = self.prediction_html()
        net = self.state.network
        if self._symmetry[0] is not net:
            self._symmetry = (net, graph.symmetry_sentence(graph.identical_units(net),
                                                           self.state.init == "zeros"))
        same = self._symmetry[1]
        warning = f'<span style="color:#b35806"><b>≡</b> {same}</span><br>' if same else ""
        return (warning + (f"{prediction}<br>" if prediction else "")
                + f"<b>Edges</b> {edges} &nbsp;·&nbsp; <b>Nodes</b> fill: a, {ring}, "
                "white = not computed yet, ■ = bias unit +1")

    def _send(self, source, key, columns, full):
        sent = self._sent[key]
        if full or not sent:
            source.data = dict(columns)
        elif columns is not sent:
            # One update for all changed columns: BokehJS then redraws once.
            changed = {name: values for name, values in columns.items()
                       if not _same(sent.get(name), values)}
            if changed:
                source.data.update(changed)
        self._sent[key] = columns

    def _draw_image(self):
        """The selected example as a picture in place of the input layer."""
        if not self._image_shape:
            if self.image.data["image"]:
                self.image.data = {k: [] for k in self.image.data}
            return
        s = self.state
        width, height = graph.image_extent(s.network.sizes, self._image_shape)
        picture = np.flipud(np.asarray(s.stepper.X[s.example]).reshape(self._image_shape))
        self.image.data = {"image": [picture], "x": [-width / 2], "y": [-height / 2],
                           "dw": [width], "dh": [height]}

    def prediction_html(self) -> str:
        """The network's answer for the example shown, against its label."""
        s = self.state
        if s.network.loss != "cross_entropy":
            return ""
        h = s.network.predict(s.stepper.X[s.example:s.example + 1])[0]
        y = s.stepper.Y[s.example]
        if h.size == 1:
            guess, label, conf = int(h[0] >= 0.5), int(y[0] >= 0.5), h[0]
        else:
            guess, label, conf = int(np.argmax(h)), int(np.argmax(y)), h.max()
        mark = "✓" if guess == label else "✗"
        return (f"<b>Prediction</b> for example {s.example + 1}: <b>{guess}</b> "
                f"(h = {conf:.3f}) · label {label} {mark}")

    def _set_filters(self):
        """Hide the bias units and their edges when asked (the data stays)."""
        s = self.state
        bias = np.asarray(self._layout["is_bias"])
        nodes = np.ones(len(bias), dtype=bool) if s.show_bias else ~bias
        if self._image_shape:  # pixels are drawn as the picture, not as nodes
            nodes &= ~((np.asarray(self._layout["layer"]) == 1) & ~bias)
        nodes = nodes.tolist()
        edges = (np.ones(len(self._index.source), dtype=bool) if s.show_bias
                 else self._index.source > 0).tolist()
        if self._node_filter.booleans != nodes:
            self._node_filter.booleans = nodes
        if self._edge_filter.booleans != edges:
            self._edge_filter.booleans = edges

    def set_failing(self, params):
        """Highlight the edges of these (l, j, i) parameters (those drawn)."""
        wanted = set(params)
        layers, targets, sources = self._index.layer, self._index.target, self._index.source
        rows = [k for k, key in enumerate(zip(layers, targets, sources))
                if (int(key[0]), int(key[1]), int(key[2])) in wanted]
        edges = self._sent["edges"]
        self.failing.data = {c: [float(edges[c][k]) for k in rows] for c in ("x0", "y0", "x1", "y1")}
        self.figure.legend.visible = bool(rows)

    def _on_tap(self, indices):
        if indices:
            k = indices[0]
            index = self._index
            self.selected_edge = (int(index.layer[k]), int(index.target[k]), int(index.source[k]))


def _same(old, new) -> bool:
    if old is None or len(old) != len(new):
        return False
    if isinstance(new, np.ndarray) and new.dtype.kind == "f":
        return np.array_equal(np.asarray(old, dtype=float), new, equal_nan=True)
    return list(old) == list(new)
