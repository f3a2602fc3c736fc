"""Checks of the fields a session file holds, each naming the field in its message."""
from __future__ import annotations

import numpy as np

from .. import presets, validation
from ..network import Network


def optional_text(value, name: str, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text or null, got {validation.describe(value)}.")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{name} can be at most {limit} characters long, got {len(value)}.")
    return value


def preset_name(value, name: str) -> str | None:
    value = optional_text(value, name)
    if value is not None and value not in presets.names():
        raise ValueError(f"{name} {value!r} is not a preset: choose one of "
                         f"{', '.join(presets.names())}, or null.")
    return value


def seed(value, name: str) -> int | None:
    return None if value is None else validation.whole_number(value, name, minimum=0)


def inputs(value, name: str, net: Network) -> np.ndarray:
    s1 = net.sizes[0]
    X = validation.number_array(value, name, ndims=(1, 2) if s1 == 1 else (2,))
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no examples (no rows); it needs at least one.")
    if X.shape[1] != s1:
        raise ValueError(
            f"{name} has {X.shape[1]} column{'s' if X.shape[1] != 1 else ''} but the network has "
            f"s_1 = {s1} input unit{'s' if s1 != 1 else ''} (network.sizes[0]); each row of {name} "
            f"is one example with one value per input unit.")
    try:
        return net.check_inputs(X, copy=False)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


def targets(value, name: str, net: Network, m: int, x_name: str) -> np.ndarray:
    K = net.sizes[-1]
    Y = validation.number_array(value, name, ndims=(1, 2))
    if Y.shape[0] != m:
        raise ValueError(f"{name} has {Y.shape[0]} row{'s' if Y.shape[0] != 1 else ''} but "
                         f"{x_name} has {m} example{'s' if m != 1 else ''}; they must match.")
    if Y.ndim == 2 and Y.shape[1] != K:
        raise ValueError(
            f"{name} has {Y.shape[1]} column{'s' if Y.shape[1] != 1 else ''} but the network has "
            f"s_L = {K} output unit{'s' if K != 1 else ''} (network.sizes[-1]); give one column "
            f"per output unit" + (f", or a list of {m} class labels 0..{K - 1}." if K > 1 else "."))
    if Y.ndim == 1 and K > 1:
        for i, label in enumerate(Y):
            if label != np.round(label) or not 0 <= label <= K - 1:
                raise ValueError(
                    f"{name}[{i}] is {label:g}, not a class label: with {K} output units the "
                    f"labels must be whole numbers 0..{K - 1} (0-based).")
    try:
        return net.check_targets(Y, m, copy=False)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
