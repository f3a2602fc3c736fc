"""Input checks that turn bad input into a ValueError a student can act on.

The limits below keep every network drawable and every step fast enough to
watch; they are documented in the README.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

MAX_LAYERS = 12          # L, counting the input and output layers
MAX_UNITS = 1024         # s_l for any one layer, bias unit not counted
MAX_EXAMPLES = 100_000   # m


def frozen(array):
    """``array``, made read-only (None stays None): every array the engine hands out is."""
    if array is not None:
        array.flags.writeable = False
    return array


def finite_number(value, name: str, *, minimum=None, strictly_positive=False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    if strictly_positive and value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value:g}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value:g}.")
    return value


def whole_number(value, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} can be at most {maximum}, got {value}.")
    return value


def sizes(values) -> list[int]:
    """Layer sizes s_1..s_L: at least two layers, each with 1..MAX_UNITS units."""
    try:
        values = list(values)
    except TypeError:
        raise ValueError(
            f"sizes must be a list of layer sizes such as [2, 2, 1], got {values!r}.") from None
    if len(values) < 2:
        raise ValueError(
            f"A network needs at least an input and an output layer, e.g. [2, 1]; got {values}.")
    if len(values) > MAX_LAYERS:
        raise ValueError(
            f"At most {MAX_LAYERS} layers are supported (input and output included); "
            f"got {len(values)}.")
    out = []
    for l, s in enumerate(values, start=1):
        out.append(whole_number(s, f"Layer {l} size s_{l}", minimum=1, maximum=MAX_UNITS))
    return out


def matrix(value, name: str, copy: bool = True) -> np.ndarray:
    """A finite float64 array.

    ``copy=True`` (the default) is for data that is kept, so later changes by
    the caller cannot leak in; one-shot calls skip the copy of a large X.
    """
    try:
        arr = np.array(value, dtype=np.float64) if copy else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must contain only numbers.") from None
    # A finite sum proves every entry finite without a boolean temporary the
    # size of X; only a sum of inf or NaN needs the entry-by-entry look.
    if not np.isfinite(arr.sum()) and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at index {tuple(int(i) for i in bad)}); "
            "every value must be a finite number.")
    return arr


def inputs(X, s1: int, copy: bool = True) -> np.ndarray:
    """X as an (m, s_1) array: one example per row, one input unit per column."""
    X = matrix(X, "X", copy)
    if X.ndim == 1 and s1 == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != s1:
        raise ValueError(
            f"X must have shape (m, {s1}): one row per example and one column per input "
            f"unit; got shape {X.shape}.")
    if X.shape[0] < 1:
        raise ValueError("X has no examples (zero rows); give at least one.")
    if X.shape[0] > MAX_EXAMPLES:
        raise ValueError(f"At most {MAX_EXAMPLES} examples are supported; got {X.shape[0]}.")
    return X


def targets(Y, m: int, K: int, loss, copy: bool = True) -> np.ndarray:
    """Y as an (m, K) float array.

    Accepted: an (m, K) array; when K > 1, a length-m vector of integer class
    labels 0..K−1 (one-hot encoded here); when K == 1, a length-m vector.
    """
    expected = (f"an array of targets of shape ({m}, {K})"
                + (f" or {m} integer class labels 0..{K - 1}" if K > 1 else f" or a vector of {m} targets"))
    Y = matrix(Y, "Y", copy)
    if Y.ndim == 1 and Y.shape[0] == m:
        if K == 1:
            Y = Y[:, None]
        else:
            if not np.all(Y == np.round(Y)):
                raise ValueError(
                    f"Y looks like class labels but has non-whole values; expected {expected}.")
            bad = (Y < 0) | (Y > K - 1)
            if np.any(bad):
                raise ValueError(
                    f"Class label {Y[bad][0]:g} is out of range: with {K} output units the "
                    f"labels must be 0..{K - 1} (0-based).")
            Y = np.eye(K)[Y.astype(int)]
    if Y.shape != (m, K):
        raise ValueError(f"Y must be {expected}; got shape {Y.shape}.")
    if loss.name == "cross_entropy" and (np.any(Y < 0) or np.any(Y > 1)):
        raise ValueError(
            "Cross-entropy targets must lie between 0 and 1 (e.g. one-hot rows); "
            f"got values from {Y.min():g} to {Y.max():g}. Use squared_error for other targets.")
    return Y


def object_fields(value, name: str, required=(), optional=()) -> dict:
    """An object read from a file with exactly these fields (optional ones may be absent).

    ``name`` names it in messages, e.g. "training" or "network"."""
    required, optional = tuple(required), tuple(optional)
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be an object {{...}} with the fields "
                         f"{', '.join(required + optional)}; got {describe(value)}.")
    missing = [k for k in required if k not in value]
    if missing:
        raise ValueError(f"{name} is missing the field{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(k) for k in missing)}.")
    unknown = [k for k in value if k not in required + optional]
    if unknown:
        raise ValueError(f"{name} has the unknown field {unknown[0]!r}; its fields are "
                         f"{', '.join(required + optional)}.")
    return value


def weight_matrices(value, name: str, shapes) -> list[np.ndarray]:
    """Θ^(1), Θ^(2), ... read from a file: a list of tables of these shapes.

    ``name`` names the list in messages, e.g. "network.thetas"."""
    shapes = list(shapes)
    if not isinstance(value, (list, tuple)) or len(value) != len(shapes):
        raise ValueError(f"{name} must be a list of {len(shapes)} weight matri"
                         f"{'ces' if len(shapes) != 1 else 'x'} [Θ^(1), ...] of shapes {shapes} "
                         f"(s_(l+1), s_l + 1); got {describe(value)}.")
    out = []
    for l, (t, shape) in enumerate(zip(value, shapes), start=1):
        item = f"{name}[{l - 1}]"
        try:
            t = number_array(t, item, ndims=(2,))
        except ValueError as e:
            raise ValueError(f"{e} ({item} is Θ^({l}).)") from None
        if t.shape != shape:
            raise ValueError(f"{item} (Θ^({l})) must have shape (s_{l + 1}, s_{l} + 1) = {shape}; "
                             f"got shape {t.shape}.")
        out.append(t)
    return out


def describe(value) -> str:
    """How a value read from a file is named in a message: null, true, the text "abc", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {text!r}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object {...}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(v) -> bool:
    return type(v) is float or type(v) is int or (
        isinstance(v, numbers.Real) and not isinstance(v, bool))


def number_array(value, name: str, ndims=(1, 2)) -> np.ndarray:
    """A finite float64 array from nested lists of numbers, as read from a file.

    Stricter than ``matrix``: every entry must be an int or a float (not
    true/false, text or null, which numpy would quietly convert or refuse
    without saying where), the rows of a table must all be lists of the same
    length, and every value must be finite.  ``ndims`` says which shapes are
    allowed: 1 (a list of numbers) and/or 2 (a list of rows).  A numeric
    ndarray is accepted as it is.  Messages name the bad entry as
    ``name[row][column]``, counting from 0 as JSON and Python do.
    """
    words = " or ".join({1: "a list of numbers", 2: "a table (a list of rows of numbers)"}[n]
                        for n in ndims)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise ValueError(f"{name} must hold numbers; got an array of {value.dtype}.")
        if value.ndim not in ndims:
            raise ValueError(f"{name} must be {words}; got an array of shape {value.shape}.")
        return matrix(value, name)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be {words}, got {describe(value)}.")
    nested = [isinstance(row, (list, tuple)) for row in value]
    if value and all(nested):
        if 2 not in ndims:
            raise ValueError(f"{name} must be {words}; got a list of lists.")
        width = len(value[0])
        for r, row in enumerate(value):
            if len(row) != width:
                raise ValueError(
                    f"{name}[{r}] has {len(row)} value{'s' if len(row) != 1 else ''} but {name}[0] "
                    f"has {width}; every row must have the same length.")
            for c, v in enumerate(row):
                if not _is_number(v):
                    raise ValueError(f"{name}[{r}][{c}] must be a finite number, got {describe(v)}.")
    else:
        if any(nested):
            r = nested.index(True) if not nested[0] else nested.index(False)
            raise ValueError(
                f"{name} mixes numbers and lists ({name}[0] is {describe(value[0])}, "
                f"{name}[{r}] is {describe(value[r])}); it must be {words}.")
        if 1 not in ndims:
            if not value:
                raise ValueError(f"{name} is empty; it must be {words} with at least one row.")
            raise ValueError(f"{name} must be {words}; got a flat list of numbers.")
        for c, v in enumerate(value):
            if not _is_number(v):
                raise ValueError(f"{name}[{c}] must be a finite number, got {describe(v)}.")
    try:
        arr = np.array(value, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"{name} holds a number too large for a float (over about 1.8e308).") from None
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = "".join(f"[{int(i)}]" for i in bad)
        raise ValueError(f"{name}{where} must be a finite number, got {arr[tuple(bad)]}.")
    return arr
