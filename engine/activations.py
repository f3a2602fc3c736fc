"""Activation functions g and their derivatives g'.

Each activation is applied element-wise to z, except softmax, which works on
a whole row (one example's output layer).  ``derivative(z, a)`` takes both z
and a = g(z) because for the sigmoid and tanh g' is cheapest written in terms
of a, as the notes do: g'(z^(3)) = a^(3) .* (1 - a^(3)).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

# exp(500) is about 1.4e217, far from float64 overflow; beyond |z| = 500 the
# sigmoid is 0 or 1 to every printed digit, so clipping changes nothing visible.
_SIGMOID_CLIP = 500.0


def sigmoid(z):
    """g(z) = 1 / (1 + e^(-z)), safe from overflow for any finite z."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -_SIGMOID_CLIP, _SIGMOID_CLIP)))


def softmax(z):
    """softmax(z)_k = e^(z_k) / sum_j e^(z_j), row by row.

    Subtracting each row's maximum first keeps every exponent <= 0, so nothing
    overflows; the result is unchanged because the factor cancels.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Activation:
    name: str
    g: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # g'(z) from (z, a)
    formula: str  # g written out, for descriptions in the UI
    derivative_formula: str
    bounds: tuple  # (lowest, highest) a = g(z) can be; None where it is unbounded

    @property
    def signed(self) -> bool:
        """Can a = g(z) be negative?"""
        low = self.bounds[0]
        return low is None or low < 0


ACTIVATIONS = {
    "sigmoid": Activation(
        "sigmoid", sigmoid, lambda z, a: a * (1.0 - a),
        "g(z) = 1/(1 + e^(−z))", "g'(z) = a .* (1 − a)", bounds=(0.0, 1.0)),
    "tanh": Activation(
        "tanh", np.tanh, lambda z, a: 1.0 - a * a,
        "g(z) = tanh(z)", "g'(z) = 1 − a.^2", bounds=(-1.0, 1.0)),
    "relu": Activation(
        "relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float),
        "g(z) = max(0, z)", "g'(z) = [z > 0]", bounds=(0.0, None)),
    "linear": Activation(
        "linear", lambda z: z, lambda z, a: np.ones_like(z),
        "g(z) = z", "g'(z) = 1", bounds=(None, None)),
}

# Softmax is only an output activation: its Jacobian is not diagonal, so it
# never appears inside the hidden-layer rule δ = Θᵀδ .* g'(z).  With
# cross-entropy the output error is simply a − y (see losses.py).
SOFTMAX = Activation(
    "softmax", softmax, lambda z, a: a * (1.0 - a),
    "softmax(z)_k = e^(z_k) / Σ_j e^(z_j)", "∂a_k/∂z_k = a_k (1 − a_k)",
    bounds=(0.0, 1.0))

HIDDEN = tuple(ACTIVATIONS)
OUTPUT = HIDDEN + ("softmax",)


def get(name: str, *, output: bool = False) -> Activation:
    """Look an activation up by name, with a message listing the valid ones."""
    valid = OUTPUT if output else HIDDEN
    if not isinstance(name, str) or name not in valid:
        where = "output" if output else "hidden"
        raise ValueError(
            f"Unknown {where} activation {name!r}: choose one of {', '.join(valid)}.")
    return SOFTMAX if name == "softmax" else ACTIVATIONS[name]
