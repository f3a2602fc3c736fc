"""What a checked backpropagation function returned, read as (quantity, l) → array.

``parse(result, correct, net, m)`` accepts the three forms ``check_backprop``
documents (a dict, (J, [D^(1), …]), (J, grad) unrolled column-major) and
returns the form's name and a ``Returned`` per quantity, keyed like the
engine's values: ("a", 1), ("delta", 2), ("D", 1), ("J", None).  Anything it
cannot read is a ValueError that says what was expected; a shape that a named
mistake explains (``mistakes.undo_shape``) is kept, with the mistake's name,
for the report to diagnose.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import mistakes
from .steps import NOTATION, PER_EXAMPLE

FORMS = ("(J, grad) as ex4's nnCostFunction does, (J, [D^(1), …]) or a dict with any of "
         "J, a, z, delta, Delta, D")
FIRST_LAYER = {"a": 1, "z": 2, "delta": 2, "Delta": 1, "D": 1}  # where each quantity's list starts


def symbol(quantity, layer) -> str:
    """"δ^(2)", "D^(1)", "J"."""
    return "J" if quantity == "J" else f"{NOTATION[quantity]}^({layer})"


def dims(shape) -> str:
    """"5×4"; "a number" for ()."""
    return "×".join(str(n) for n in shape) if shape else "a number"


@dataclass(frozen=True)
class Returned:
    value: np.ndarray | None     # in the correct shape; None when a mistake changed the shape
    shape: tuple                 # as returned
    mistake: str | None = None   # the named mistake its shape shows
    undone: np.ndarray | None = None   # the value with that mistake's shape undone


def _numbers(value, name) -> np.ndarray:
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise ValueError(f"{name} must be numbers; got {type(value).__name__}.")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists
        raise ValueError(f"{name} must be a numeric array; got a ragged list.") from None
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be a numeric array; got {array.dtype.name} values "
                         f"({type(value).__name__}).")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{name} has NaN or infinity (first at index {list(bad)}, counting from 0); "
                         "every value must be a finite number (log(0) and 0/0 are the usual causes).")
    return array


def _scalar(value, name) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number; got {value!r}.")
    array = _numbers(value, name)
    if array.size != 1:
        raise ValueError(f"{name} must be one number, the cost; got an array of shape {array.shape}.")
    return float(array.ravel()[0])


def _expected(quantity, l, shape) -> str:
    if quantity in PER_EXAMPLE:
        text = f"{dims(shape)} (m × s_{l}, one row per example)"
        return text + (f", or {shape[0]}×{shape[1] + 1} with a first column of ones for the bias unit"
                       if quantity == "a" else "")
    return f"{dims(shape)} (s_{l + 1} × (s_{l} + 1), the shape of Θ^({l}))"


def _matrix(item, quantity, l, correct, net, m) -> Returned:
    name = symbol(quantity, l)
    array = _numbers(item, name)
    shape = correct[quantity, l].shape
    if array.shape == shape:
        return Returned(array, array.shape)
    if quantity == "a" and array.shape == (shape[0], shape[1] + 1):
        if np.all(array[:, 0] == 1.0):
            return Returned(array[:, 1:], array.shape)
        raise ValueError(f"{name} has a column too many, but its first column is not all ones (the "
                         f"bias unit); it should be {_expected(quantity, l, shape)}.")
    found = mistakes.undo_shape(array, quantity, l, net, m)
    if found is not None:
        return Returned(None, array.shape, found[0], found[1])
    hint = " It looks transposed: rows must be examples." if (
        quantity in PER_EXAMPLE and array.shape == shape[::-1]) else ""
    raise ValueError(f"{name} should be {_expected(quantity, l, shape)}; got {dims(array.shape)}.{hint}")


def _listed(value, quantity, correct, net, m) -> dict:
    L = net.L
    layers = range(FIRST_LAYER[quantity], L + 1 if quantity in PER_EXAMPLE else L)
    names = f"{symbol(quantity, layers[0])}…{symbol(quantity, layers[-1])}"
    if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{quantity!r} should be a list [{names}] in layer order; got "
                         f"{type(value).__name__}.")
    if len(value) != len(layers):
        note = {"a": " (a^(1) is X)", "z": " (there is no z^(1))", "delta": " (there is no δ^(1))"}
        raise ValueError(f"{quantity!r} should list {names}, {len(layers)} arrays"
                         f"{note.get(quantity, '')}; got {len(value)}.")
    return {(quantity, l): _matrix(item, quantity, l, correct, net, m)
            for l, item in zip(layers, value) if item is not None}


def _unrolled(grad, correct, net, m) -> dict:
    vector = _numbers(grad, "grad")
    if vector.ndim == 2 and 1 in vector.shape:
        vector = vector.ravel()
    if vector.ndim != 1:
        raise ValueError(f"grad should be the unrolled gradient, a vector (1-D, or an n×1 column); got "
                         f"{dims(vector.shape)}.")
    shapes = [correct["D", l].shape for l in range(1, net.L)]
    if vector.size != sum(r * c for r, c in shapes):
        shapes = mistakes.bias_rows_kept_shapes(net)
        if vector.size != sum(r * c for r, c in shapes):
            n = sum(correct["D", l].size for l in range(1, net.L))
            parts = " + ".join(f"{dims(correct['D', l].shape)}" for l in range(1, net.L))
            raise ValueError(f"grad has {vector.size} entries, but the unrolled gradient "
                             f"[D^(1)(:); …; D^({net.L - 1})(:)] for sizes {net.sizes} has {n} ({parts}).")
    out, start = {}, 0
    for l, shape in enumerate(shapes, start=1):
        segment = vector[start:start + shape[0] * shape[1]]
        start += segment.size
        out["D", l] = _matrix(segment.reshape(shape, order="F"), "D", l, correct, net, m)
    return out


def parse(result, correct, net, m):
    """(form, {(quantity, l): Returned}) from what ``fn`` returned."""
    if isinstance(result, dict):
        unknown = [k for k in result if k not in ("J",) + tuple(FIRST_LAYER)]
        if unknown:
            raise ValueError(f"The dict has {', '.join(map(repr, unknown))}; its keys can be J, a, z, "
                             "delta, Delta and D.")
        out = {}
        for key, value in result.items():
            if value is None:
                continue
            if key == "J":
                out["J", None] = Returned(np.asarray(_scalar(value, "J")), ())
            else:
                out.update(_listed(value, key, correct, net, m))
        if not out:
            raise ValueError(f"The dict holds nothing to check; return {FORMS}.")
        return "dict", out
    if isinstance(result, (tuple, list)) and len(result) == 2:
        out = {("J", None): Returned(np.asarray(_scalar(result[0], "J (the first value returned)")), ())}
        second = result[1]
        if isinstance(second, (list, tuple)) and any(
                isinstance(x, (np.ndarray, list, tuple)) for x in second):
            out.update(_listed(second, "D", correct, net, m))
            return "D list", out
        out.update(_unrolled(second, correct, net, m))
        return "unrolled", out
    what = f"a {len(result)}-item {type(result).__name__}" if isinstance(result, (tuple, list)) \
        else type(result).__name__
    raise ValueError(f"The function returned {what}; return {FORMS}.")
