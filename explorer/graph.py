"""The network graph's data: where each node and edge goes, and what it shows.

Pure functions of the engine's state that return plain columns (lists and
numpy arrays) for Bokeh's ColumnDataSources named ``nodes`` and ``edges``.
The testing contract (README) fixes these columns:

* nodes: ``layer`` (1-based), ``unit`` (0 = bias), ``z``, ``a``, ``delta``;
* edges: ``layer`` (l of Θ^(l)), ``source`` (unit i of layer l, 0 = bias),
  ``target`` (unit j of layer l + 1), ``theta`` (Θ_ji^(l)), ``grad`` (D_ji^(l)).

Values not computed yet in the current iteration are NaN.  More columns: ``b``, the bias
weight into each unit (b^[l]_j = Θ^(l)[j, 0], NaN for the input units and the bias rows),
and for the W, b notation (notation.py) ``name`` and ``shown_layer`` say what a view
calls a unit; ``layer`` and ``unit`` stay the notes' in either notation, and the bias
rows stay in ``nodes`` (the view hides them).  ``layout`` and
``edge_index`` give the columns fixed by the network's shape; ``frame`` what
changes as it steps: only numbers (a, z, δ, Θ, D and their scales), which
the page turns into colours, widths and labels (graph_view.py), so that a
step costs the same whether the server or the page's step tape makes it.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from bokeh.palettes import PuOr11, RdBu11, Viridis256

from engine import Kind

from . import notation as nt

MAX_EDGES = 3000         # more than this and only each unit's strongest inputs are drawn
NUMBERS_MAX_UNITS = 30   # numbers are written on the nodes up to this many units

# Colour-blind-safe palettes.  Diverging ones run negative -> positive; with
# RdBu reversed, negative is red and positive blue everywhere (δ, Θ and D).
SEQUENTIAL = Viridis256
DIVERGING = tuple(reversed(RdBu11))
SIGNED_ACTIVATION = PuOr11
POSITIVE, NEGATIVE = DIVERGING[-2], DIVERGING[1]
NOT_COMPUTED = "#ffffff"
BIAS_FILL = "#fff7bc"


IMAGE_WIDTH = 0.8  # x-units taken by an input image (layers are 1 apart)


def image_extent(sizes, image_shape):
    """(width, height) in plot units of the input image: about square on screen."""
    rows, cols = image_shape
    height = 0.45 * max(sizes[1:]) + 0.7
    return IMAGE_WIDTH * cols / max(rows, cols), height * rows / max(rows, cols)


def span(sizes, image_shape=None) -> int:
    """How many units tall the drawing is: the input image takes no more than a layer."""
    return max(sizes[1:]) if image_shape else max(sizes)


def layout(sizes, image_shape=None, notation: str = "theta"):
    """Node columns that depend only on the shape: layers left to right,
    units top to bottom, and each non-output layer's bias unit in a top row.

    With ``image_shape`` (rows, cols) the input units sit on the pixels of an
    image drawn in place of layer 1, row by row from the top left.  ``name``
    and ``shown_layer`` are written in ``notation`` (``unit_names``).
    """
    L, K = len(sizes), sizes[-1]
    top = span(sizes, image_shape) / 2 + 0.7
    cols = {"layer": [], "unit": [], "x": [], "y": [], "name": [], "prefix": [], "role": []}
    if image_shape:
        width, height = image_extent(sizes, image_shape)
        rows, ncols = image_shape
    for l, s in enumerate(sizes, start=1):
        units = ([0] if l < L else []) + list(range(1, s + 1))
        for j in units:
            cols["layer"].append(l)
            cols["unit"].append(j)
            if l == 1 and j > 0 and image_shape:
                r, c = divmod(j - 1, ncols)
                cols["x"].append((c + 0.5) / ncols * width - width / 2)
                cols["y"].append(height / 2 - (r + 0.5) / rows * height)
            else:
                cols["x"].append(float(l - 1))
                cols["y"].append(top if j == 0 else (s - 1) / 2 - (j - 1))
            cols["prefix"].append(f"{j - 1}: " if l == L and K > 1 else "")  # the class
            cols["role"].append("bias" if j == 0 else "pixel" if l == 1 and image_shape
                                else "unit")
    cols["is_bias"] = [u == 0 for u in cols["unit"]]
    cols.update(unit_names(cols["layer"], cols["unit"], notation))
    return cols


def unit_names(layers, units, notation: str = "theta") -> dict:
    """The columns ``name`` (a₁⁽²⁾, or a₁^[1] in W, b) and ``shown_layer`` (the layer
    number a view writes: l, or l − 1 in W, b, where the input is layer 0)."""
    names = [(f"bias {unit_name(0, l, notation=notation)} = +1" if j == 0
              else unit_name(j, l, notation=notation)) for l, j in zip(layers, units)]
    return {"name": names, "shown_layer": [nt.unit_layer(l, notation) for l in layers]}


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def unit_name(j: int, l: int, symbol: str = "a", notation: str = "theta") -> str:
    """a_j^(l) with Unicode sub- and superscripts, for Bokeh text and tooltips: a₁⁽²⁾.
    In W, b the unit of the notes' layer l is a_j^[l − 1]: a₁^[1] (no superscript [ ])."""
    if nt.is_wb(notation):
        return symbol + str(j).translate(_SUB) + f"^[{l - 1}]"
    return symbol + str(j).translate(_SUB) + f"({l})".translate(_SUP)


def edge_name(l: int, j: int, i: int, notation: str = "theta") -> str:
    """What an edge's tooltip says it is: "Θ₁₂⁽¹⁾: unit 2 of layer 1 → unit 1 of layer 2";
    in W, b "W₁₂^[1]: unit 2 of layer 0 → unit 1 of layer 1", or b₁^[1] from the bias."""
    sub = f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}"
    if not nt.is_wb(notation):
        return (f"{'Θ' + sub.translate(_SUB) + f'({l})'.translate(_SUP)}: unit {i} of layer {l}"
                f" → unit {j} of layer {l + 1}")
    if i == 0:
        return f"b{str(j).translate(_SUB)}^[{l}]: the bias of unit {j} of layer {l}"
    return f"W{sub.translate(_SUB)}^[{l}]: unit {i} of layer {l - 1} → unit {j} of layer {l}"


def node_values(stepper, example: int, nodes):
    """z, a and δ of the selected example for every node (bias: a = 1, z and δ NaN)."""
    n = len(nodes["layer"])
    z, a, delta = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    layer = np.asarray(nodes["layer"])
    unit = np.asarray(nodes["unit"])
    a[unit == 0] = 1.0
    for l in range(1, stepper.L + 1):
        rows = np.flatnonzero((layer == l) & (unit > 0))
        a[rows] = stepper.a[l][example]
        if l >= 2:
            z[rows] = stepper.z[l][example]
            delta[rows] = stepper.delta[l][example]
    return z, a, delta


def bias_weights(network, nodes):
    """b for every node: unit j of layer l ≥ 2 gets its bias weight Θ^(l−1)[j−1, 0]
    (= b^[l−1]_j); the input units and the bias rows NaN.  ``nodes`` laid out by
    ``layout`` for the network's sizes."""
    b = np.full(len(nodes["layer"]), np.nan)
    b[_weighted_rows(tuple(network.sizes))] = np.concatenate(
        [network.theta(l)[:, 0] for l in range(1, network.L)])
    return b


@functools.lru_cache(maxsize=64)
def _weighted_rows(sizes: tuple) -> np.ndarray:
    """The rows of ``layout(sizes)`` of the units after the input, in order (a step
    tape asks for b at every step: worked out once per shape)."""
    rows, k = [], 0
    for l, s in enumerate(sizes, start=1):
        k += l < len(sizes)  # the layer's bias row comes first
        if l >= 2:
            rows.extend(range(k, k + s))
        k += s
    return np.asarray(rows, dtype=int)


def activation_scale(net, X):
    """(palette, low, high) for node fill: sequential for values in
    [0, 1] (sigmoid, softmax, relu), diverging around 0 for signed ones."""
    signed = net.activation(2).signed or (net.L > 2 and net.activation(net.L).signed) \
        or float(np.min(X)) < 0
    if signed:
        return SIGNED_ACTIVATION, -1.0, 1.0
    return SEQUENTIAL, 0.0, 1.0


IMAGE_EDGES_PER_UNIT = 6  # from an input image, only each unit's strongest few pixels


class EdgeIndex(NamedTuple):
    """The edges drawn, one entry each: Θ_ji^(l) runs from unit i of layer l to unit j
    of layer l + 1.  ``total`` counts every edge of the network, drawn or not."""
    layer: np.ndarray
    target: np.ndarray
    source: np.ndarray
    total: int


def edge_index(net, image=False) -> EdgeIndex:
    """Which (l, j, i) edges to draw: all of them, or for nets with more than
    MAX_EDGES edges the strongest |Θ| inputs of each unit, so at most about
    MAX_EDGES are drawn (from an input image, the strongest few pixels only)."""
    layers, targets, sources = [], [], []
    total = sum(net.theta(l).size for l in range(1, net.L))
    units = sum(net.sizes[1:])
    drawn = total if total <= MAX_EDGES else max(1, MAX_EDGES // units)
    for l in range(1, net.L):
        theta = net.theta(l)
        keep = IMAGE_EDGES_PER_UNIT if (image and l == 1) else drawn
        j, i = np.meshgrid(np.arange(1, theta.shape[0] + 1), np.arange(theta.shape[1]), indexing="ij")
        if keep < theta.shape[1]:
            strongest = np.argsort(-np.abs(theta), axis=1, kind="stable")[:, :keep]
            j = np.take_along_axis(j, strongest, axis=1)
            i = np.take_along_axis(i, strongest, axis=1)
        layers.append(np.full(j.size, l))
        targets.append(j.ravel())
        sources.append(i.ravel())
    return EdgeIndex(np.concatenate(layers), np.concatenate(targets), np.concatenate(sources),
                     total)


def edge_values(stepper, index: EdgeIndex):
    """Θ_ji^(l) and D_ji^(l) (NaN until formed) for the drawn edges."""
    layers, targets, sources = index.layer, index.target, index.source
    theta = np.empty(len(layers))
    grad = np.empty(len(layers))
    for l in range(1, stepper.L):
        sel = layers == l
        theta[sel] = stepper.network.theta(l)[targets[sel] - 1, sources[sel]]
        grad[sel] = stepper.D[l][targets[sel] - 1, sources[sel]]
    return theta, grad


def widest_edge(n_edges: int) -> float:
    """Line width of the strongest edge: thinner when there are many, so the nodes show."""
    return float(np.clip(600 / max(n_edges, 1), 2.0, 7.0))


def same_values(old, new) -> bool:
    """Whether a column (or a frame's entry) is unchanged: arrays and lists element by
    element, NaN equal to NaN (not computed yet stays not computed yet); else by ==."""
    if not (isinstance(old, np.ndarray) or isinstance(new, np.ndarray)):
        return old == new
    if old is None or new is None or len(old) != len(new):
        return False
    a, b = np.asarray(old), np.asarray(new)
    if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
        return np.array_equal(a.astype(float), b.astype(float), equal_nan=True)
    return np.array_equal(a, b)


def max_abs(values) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def highlight(step, L):
    """(left, right) x-extent of the band marking what the last step touched."""
    if step is None or step.kind is Kind.COST:
        return None
    if step.kind in (Kind.GRADIENT, Kind.UPDATE):
        return (-0.5, L - 0.5)
    if step.kind is Kind.ACCUMULATE:  # Θ^(l)'s edges, between layers l and l + 1
        return (step.layer - 1 - 0.1, step.layer + 0.1)
    return (step.layer - 1 - 0.35, step.layer - 1 + 0.35)


def identical_units(network) -> dict[int, list[list[int]]]:
    """Hidden units with identical incoming weights, layer by layer.

    For each hidden layer l = 2..L−1, the units j whose rows Θ^(l−1)[j, :]
    (bias weight included) are equal are grouped; only groups of two or more
    are returned, as 1-based unit numbers: ``{layer: [[1, 2, 3], ...]}``, and
    layers without such a group are left out.  Such units compute the same
    activation for every input and get the same update, so they stay equal
    for ever (the symmetry problem; ``init="zeros"`` makes every hidden layer
    one group).  Rows count as equal when they differ by at most 1e-12 times
    the matrix's largest |Θ| (plus 1e-12), so rounding in the updates does not
    hide it.
    """
    out = {}
    for l in range(2, network.L):
        groups = _equal_rows(network.theta(l - 1))
        if groups:
            out[l] = groups
    return out


def _equal_rows(M) -> list[list[int]]:
    M = np.asarray(M, dtype=float)
    if M.shape[0] < 2:
        return []
    tol = 1e-12 * (1.0 + float(np.max(np.abs(M))))
    order = np.lexsort(M.T[::-1])  # sorted by column 0, then 1, ...: equal rows are neighbours
    groups, current = [], [order[0]]
    for k in order[1:]:
        if np.max(np.abs(M[k] - M[current[0]])) <= tol:
            current.append(k)
        else:
            groups.append(current)
            current = [k]
    groups.append(current)
    return sorted(sorted(int(k) + 1 for k in g) for g in groups if len(g) >= 2)


def symmetry_sentence(groups: dict, zeros: bool, notation: str = "theta") -> str:
    """The caption's warning about identical hidden units ('' when there are none); the
    layers numbered in ``notation``."""
    if not groups:
        return ""
    parts = [f"units {', '.join(map(str, g))} of layer {nt.unit_layer(l, notation)}"
             for l, layer_groups in groups.items() for g in layer_groups]
    who = f"U{parts[0][1:]} are identical" + "".join(f", and so are {p}" for p in parts[1:])
    why = ("with zero initial weights every hidden unit computes the same thing and gets the "
           "same update — the symmetry problem" if zeros else
           "they have the same incoming weights, so they compute the same thing and get the same "
           "update, for ever — the symmetry problem")
    return f"{who}: {why}."


def prediction_html(stepper, example: int) -> str:
    """The network's answer for the example shown, against its label ("" for regression)."""
    if stepper.network.loss != "cross_entropy":
        return ""
    h = stepper.network.predict(stepper.X[example:example + 1])[0]
    y = stepper.Y[example]
    if h.size == 1:
        guess, label, conf = int(h[0] >= 0.5), int(y[0] >= 0.5), h[0]
    else:
        guess, label, conf = int(np.argmax(h)), int(np.argmax(y)), h.max()
    mark = "✓" if guess == label else "✗"
    return (f"<b>Prediction</b> for example {example + 1}: <b>{guess}</b> "
            f"(h = {conf:.3f}) · label {label} {mark}")


def legend_html(prediction: str, symmetry: str, by_grad: bool, dmax: float,
                has_delta: bool, notation: str = "theta", compact: bool = False) -> str:
    """The lines under the graph: a symmetry warning, the prediction, what colours mean.

    ``compact``: the same in fewer words, for presenter mode's larger type (presenter.py)."""
    swatch = '<span style="display:inline-block;width:26px;height:5px;background:{};' \
             'vertical-align:middle;margin:0 4px 0 12px"></span>'
    wb = nt.is_wb(notation)
    w, d = ("W", "dW") if wb else ("Θ", "D")
    warning = f'<span style="color:#b35806"><b>≡</b> {symmetry}</span><br>' if symmetry else ""
    if compact:  # the same, in fewer words: two lines at presenter mode's size
        ring = f"ring δ (±{dmax:.3g})" if has_delta else "ring δ"
        edges = (f"by {d} (colour bar)" if by_grad else
                 f"{swatch.format(POSITIVE)}+{swatch.format(NEGATIVE)}−") + f" width ∝ |{w}|"
        nodes = f"fill a, {ring}, white: not yet, " + ("bar: b" if wb else "■ bias")
        return (warning + (f"{prediction}<br>" if prediction else "")
                + f"<b>Edges</b> {edges} · <b>Nodes</b> {nodes}")
    edges = (f"edges coloured by the gradient {d} (colour bar), width ∝ |{w}|" if by_grad else
             f"{swatch.format(POSITIVE)}{w} &gt; 0{swatch.format(NEGATIVE)}{w} &lt; 0"
             f"&nbsp; width ∝ |{w}|")
    ring = f"ring: δ, scaled to max |δ| = {dmax:.3g}" if has_delta else "ring: δ (not computed yet)"
    return (warning + (f"{prediction}<br>" if prediction else "")
            + f"<b>Edges</b> {edges} &nbsp;·&nbsp; <b>Nodes</b> fill: a, {ring}, "
            + ("white = not computed yet, bar under a unit: its b (length ∝ |b|)" if wb else
               "white = not computed yet, ■ = bias unit +1"))


def frame(stepper, example: int, nodes, index: EdgeIndex, by_grad: bool, symmetry: str,
          notation: str = "theta", compact: bool = False) -> dict:
    """What the graph shows at the stepper's point, for the example shown: the numeric
    columns of ``nodes`` (b included, in either notation) and ``edges``, the δ and D
    scales, the band, the legend (in ``notation``; ``compact`` beside the plot)."""
    z, a, delta = node_values(stepper, example, nodes)
    theta, grad = edge_values(stepper, index)
    dmax = max_abs(delta)
    return {"nodes": {"z": z, "a": a, "delta": delta, "b": bias_weights(stepper.network, nodes)},
            "edges": {"theta": theta, "grad": grad},
            "dmax": dmax, "vmax": max_abs(grad), "band": highlight(stepper.last_step, stepper.L),
            "legend": legend_html(prediction_html(stepper, example), symmetry, by_grad, dmax,
                                  bool(np.isfinite(delta).any()), notation, compact)}
