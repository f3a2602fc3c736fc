"""The input plane of a 2-input network, as data: the grid, the decision
boundary, the class colours and the hidden units to picture (no Panel).

PlaneView (plane_view.py) draws what these functions compute.
"""
from __future__ import annotations

import contourpy
import numpy as np
from bokeh.palettes import Colorblind8, RdBu11

from . import graph

GRID = 90              # the input plane is sampled on GRID × GRID points
MARGIN = 0.12          # added on each side of the data's bounding box, as a share of its span
MAX_TILES = 32         # per-unit heatmaps shown at most
TILES_PER_ROW = 8
TILE_PX = 110          # side of one per-unit heatmap, in pixels
BOUNDARY_PX = 380      # side of the decision-boundary plot's frame, in pixels
FINE_TILES = 8         # up to this many tiles use the full grid; more use every other point
MARKED = "#D55E00"     # frame of identical ("≡") units: Colorblind vermillion
POINT_LINE = "#222222"
FONT = "13px"

# Class colours (Okabe–Ito, colour-blind safe), the pale yellow last; black is kept
# for lines and outlines.
CLASS_COLOURS = tuple(Colorblind8[k] for k in (0, 1, 3, 6, 4, 5, 2))
# One output: h from 0 (red) to 1 (blue) through white at 0.5, the darkest two
# ends dropped and tinted towards white so the points (full colour) stand out.
_H_ENDS = tuple(reversed(RdBu11))[1:-1]
H_TINT = 0.35          # share of white mixed into the background


def rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[k:k + 2], 16) for k in (0, 2, 4)], dtype=float)


def _hex(colour) -> str:
    return "#%02x%02x%02x" % tuple(int(round(v)) for v in colour)


def _ramp(colours, n=256, tint=0.0) -> tuple[str, ...]:
    """n colours interpolated linearly through ``colours``, mixed with ``tint`` white."""
    stops = np.array([rgb(c) for c in colours])
    t = np.linspace(0, len(stops) - 1, n)
    k = np.minimum(t.astype(int), len(stops) - 2)
    f = (t - k)[:, None]
    mixed = stops[k] * (1 - f) + stops[k + 1] * f
    mixed = mixed + tint * (255 - mixed)
    return tuple(_hex(c) for c in mixed)


H_PALETTE = _ramp(_H_ENDS, tint=H_TINT)
SIGNED_SMOOTH = _ramp(graph.SIGNED_ACTIVATION)   # PuOr, interpolated for smooth heatmaps
POINT_COLOURS_BINARY = (_H_ENDS[0], _H_ENDS[-1])   # y = 0 red, y = 1 blue (full colour)


def class_colour(k: int) -> str:
    return CLASS_COLOURS[k % len(CLASS_COLOURS)]


# ---- pure functions -----------------------------------------------------------------

def plane_grid(X, X_test=None, n: int = GRID, margin: float = MARGIN):
    """(xs, ys, points): n values along each axis over the bounding box of X
    (and X_test) plus ``margin`` of its span on each side, and the n² points,
    row r of the image holding ys[r] (row 0 at the bottom), column c xs[c]."""
    data = np.asarray(X, dtype=float)
    if X_test is not None and len(X_test):
        data = np.concatenate([data, np.asarray(X_test, dtype=float)])
    low, high = data.min(axis=0), data.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    low, high = low - margin * span, high + margin * span
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    XX, YY = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([XX.ravel(), YY.ravel()])


def classes(Y) -> np.ndarray:
    """Each example's class: y ≥ 0.5 for one output, else argmax_k y_k."""
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1 or Y.shape[1] == 1:
        return (Y.reshape(len(Y)) >= 0.5).astype(int)
    return np.argmax(Y, axis=1)


def boundary_rgba(h, n: int) -> np.ndarray:
    """The K > 1 background as an (n, n) uint32 RGBA image.

    Each pixel has the colour of its predicted class argmax_k h_k, mixed with
    white: the more confident (max_k h_k from 1/K up to 1), the stronger the
    colour (from 12% to 60%, so the examples drawn in full colour stand out).
    """
    h = np.asarray(h, dtype=float)
    K = h.shape[1]
    k = np.argmax(h, axis=1)
    confidence = np.clip((h.max(axis=1) - 1.0 / K) / (1.0 - 1.0 / K), 0.0, 1.0)
    strength = (0.12 + 0.48 * confidence)[:, None]
    palette = np.array([rgb(class_colour(c)) for c in range(K)])
    mixed = 255.0 - strength * (255.0 - palette[k])
    rgba = np.empty((h.shape[0], 4), dtype=np.uint8)
    rgba[:, :3] = np.round(mixed)
    rgba[:, 3] = 255
    return rgba.view(np.uint32).reshape(n, n)


def contour_lines(xs, ys, Z, level):
    """(xs, ys) lists of the polylines where Z = level (Z is indexed [y, x])."""
    generator = contourpy.contour_generator(xs, ys, Z, line_type="Separate")
    lines = generator.lines(level)
    return [list(line[:, 0]) for line in lines], [list(line[:, 1]) for line in lines]


def class_boundaries(xs, ys, h, n):
    """Polylines where the predicted class changes: for each class k, the
    contour h_k − max_{c≠k} h_c = 0 (each boundary is found from both sides)."""
    out_x, out_y = [], []
    K = h.shape[1]
    for k in range(K):
        others = np.max(np.delete(h, k, axis=1), axis=1)
        margin = (h[:, k] - others).reshape(n, n)
        if margin.max() <= 0 or margin.min() >= 0:
            continue
        lx, ly = contour_lines(xs, ys, margin, 0.0)
        out_x += lx
        out_y += ly
    return out_x, out_y


def hidden_units(sizes, cap: int = MAX_TILES) -> tuple[list[tuple[int, int]], int]:
    """The (layer, unit) pairs given a heatmap, layer 2 first, and how many hidden units there are."""
    units = [(l, j) for l in range(2, len(sizes)) for j in range(1, sizes[l - 1] + 1)]
    return units[:cap], len(units)


def heatmap_scale(g, images) -> tuple[tuple[str, ...], float, float]:
    """(palette, low, high) for heatmaps of a = g(z): g's own range when it has one,
    else scaled to the largest |a| in ``images``; purple–orange if a can be negative."""
    palette = SIGNED_SMOOTH if g.signed else graph.SEQUENTIAL
    low, high = g.bounds
    if low is None or high is None:
        biggest = max(float(np.max(np.abs(im))) for im in images) or 1.0
        low, high = (-biggest if g.signed else 0.0), biggest
    return palette, low, high


def scale_words(g) -> str:
    """How the heatmaps' colours read, for the caption."""
    low, high = g.bounds
    if low is not None and high is not None:
        return (f"purple ({low:g}) to orange (+{high:g})" if g.signed
                else f"Viridis from {low:g} to {high:g}")
    return ("purple (negative) to orange (positive)" if g.signed
            else "Viridis from 0 to the largest value shown")
