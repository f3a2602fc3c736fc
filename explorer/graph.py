"""The network graph's data: where each node and edge goes, and its colours.

Pure functions of the engine's state that return plain columns (lists and
numpy arrays) for Bokeh's ColumnDataSources named ``nodes`` and ``edges``.
The testing contract (README) fixes these columns:

* nodes: ``layer`` (1-based), ``unit`` (0 = bias), ``z``, ``a``, ``delta``;
* edges: ``layer`` (l of Θ^(l)), ``source`` (unit i of layer l, 0 = bias),
  ``target`` (unit j of layer l + 1), ``theta`` (Θ_ji^(l)), ``grad`` (D_ji^(l)).

Values not computed yet in the current iteration are NaN.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from bokeh.palettes import PuOr11, RdBu11, Viridis256

from engine import Kind

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


def colours(values, palette, low, high, nan=NOT_COMPUTED):
    """Each value's palette colour on a linear scale from low to high (NaN -> ``nan``)."""
    values = np.asarray(values, dtype=float)
    span = (high - low) or 1.0
    index = np.clip((np.nan_to_num(values) - low) / span * len(palette), 0, len(palette) - 1)
    return [palette[int(k)] if np.isfinite(v) else nan for k, v in zip(index, values)]


IMAGE_WIDTH = 0.8  # x-units taken by an input image (layers are 1 apart)


def image_extent(sizes, image_shape):
    """(width, height) in plot units of the input image: about square on screen."""
    rows, cols = image_shape
    height = 0.45 * max(sizes[1:]) + 0.7
    return IMAGE_WIDTH * cols / max(rows, cols), height * rows / max(rows, cols)


def span(sizes, image_shape=None) -> int:
    """How many units tall the drawing is: the input image takes no more than a layer."""
    return max(sizes[1:]) if image_shape else max(sizes)


def layout(sizes, image_shape=None):
    """Node columns that depend only on the shape: layers left to right,
    units top to bottom, and each non-output layer's bias unit in a top row.

    With ``image_shape`` (rows, cols) the input units sit on the pixels of an
    image drawn in place of layer 1, row by row from the top left.
    """
    L = len(sizes)
    top = span(sizes, image_shape) / 2 + 0.7
    cols = {"layer": [], "unit": [], "x": [], "y": [], "name": []}
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
            cols["name"].append("bias a<sub>0</sub><sup>(%d)</sup> = +1" % l if j == 0
                                else "a<sub>%d</sub><sup>(%d)</sup>" % (j, l))
    cols["is_bias"] = [u == 0 for u in cols["unit"]]
    cols["marker"] = ["square" if b else "circle" for b in cols["is_bias"]]
    return cols


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


def activation_scale(net, X):
    """(palette, low, high, title) for node fill: sequential for values in
    [0, 1] (sigmoid, softmax, relu), diverging around 0 for signed ones."""
    signed = net.activation(2).signed or (net.L > 2 and net.activation(net.L).signed) \
        or float(np.min(X)) < 0
    if signed:
        return SIGNED_ACTIVATION, -1.0, 1.0, "activation a"
    return SEQUENTIAL, 0.0, 1.0, "activation a"


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


def edge_style(theta, grad, by: str):
    """Width ∝ |Θ|; colour by Θ's sign, or by D on a diverging scale."""
    biggest = float(np.max(np.abs(theta))) if theta.size else 0.0
    # Thinner lines when there are many, so the nodes stay visible.
    widest = float(np.clip(600 / max(len(theta), 1), 2.0, 7.0))
    width = 0.6 + widest * np.abs(theta) / (biggest or 1.0)
    if by == "grad":
        g = np.abs(grad[np.isfinite(grad)])
        vmax = float(g.max()) if g.size and g.max() > 0 else 1.0
        return width, colours(grad, DIVERGING, -vmax, vmax, nan="#d0d0d0"), vmax
    return width, np.where(theta >= 0, POSITIVE, NEGATIVE).tolist(), biggest


def max_abs(values) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def short(v: float) -> str:
    """A number for a node label: 3 decimals, or 1 significant digit if tiny."""
    return f"{v:.3f}" if v == 0 or abs(v) >= 1e-3 else f"{v:.0e}"


def number_labels(a, delta, is_bias, prefix=None):
    """Text beside each node: a, and δ once it is computed (after ``prefix``, e.g. a class)."""
    out = []
    prefix = prefix or [""] * len(a)
    for ai, di, bias, pre in zip(a, delta, is_bias, prefix):
        if bias:
            out.append("+1")
        elif np.isnan(ai):
            out.append(pre.rstrip(": "))
        else:
            out.append(pre + f"a={short(ai)}" + ("" if np.isnan(di) else f"  δ={short(di)}"))
    return out


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


def symmetry_sentence(groups: dict, zeros: bool) -> str:
    """The caption's warning about identical hidden units ('' when there are none)."""
    if not groups:
        return ""
    parts = [f"units {', '.join(map(str, g))} of layer {l}"
             for l, layer_groups in groups.items() for g in layer_groups]
    who = f"U{parts[0][1:]} are identical" + "".join(f", and so are {p}" for p in parts[1:])
    why = ("with zero initial weights every hidden unit computes the same thing and gets the "
           "same update — the symmetry problem" if zeros else
           "they have the same incoming weights, so they compute the same thing and get the same "
           "update, for ever — the symmetry problem")
    return f"{who}: {why}."
