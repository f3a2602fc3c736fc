"""Gradient checking: the notes' two-sided difference, one parameter at a time.

∂J/∂θ_p ≈ (J(θ + ε e_p) − J(θ − ε e_p)) / (2ε)

It costs two evaluations of J per parameter, which is why the notes say to
turn it off before training: backpropagation gets every partial derivative
for about the price of two.
"""
from __future__ import annotations

import numpy as np

from . import validation


def numerical_gradients(net, X, Y, epsilon=1e-4) -> list[np.ndarray]:
    """Two-sided difference estimates of ∂J/∂Θ^(l), shaped like ``net.thetas``."""
    epsilon = validation.finite_number(epsilon, "epsilon", strictly_positive=True)
    X, Y = net.check_data(X, Y)
    thetas = net.thetas
    grads = []
    for t in thetas:
        g = np.empty_like(t)
        for index in np.ndindex(*t.shape):
            original = t[index]
            t[index] = original + epsilon
            J_plus = net._cost_at(thetas, X, Y)
            t[index] = original - epsilon
            J_minus = net._cost_at(thetas, X, Y)
            t[index] = original
            g[index] = (J_plus - J_minus) / (2.0 * epsilon)
        grads.append(g)
    return grads


def relative_difference(a, b) -> float:
    """‖a − b‖ / ‖a + b‖ over all parameters: about 1e-9 or less when backprop is right.

    Takes two lists of arrays (or two arrays).  Defined as 0 when both are 0.
    """
    a = np.concatenate([np.ravel(x) for x in a]) if isinstance(a, (list, tuple)) else np.ravel(a)
    b = np.concatenate([np.ravel(x) for x in b]) if isinstance(b, (list, tuple)) else np.ravel(b)
    denominator = np.linalg.norm(a + b)
    if denominator == 0.0:
        return 0.0 if np.linalg.norm(a - b) == 0.0 else float("inf")
    return float(np.linalg.norm(a - b) / denominator)
