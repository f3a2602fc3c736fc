"""The four formulas of forward and back propagation, one function each.

Both ``Network.gradients`` (all at once) and ``Stepper`` (one step at a time)
call these, so the numbers the explorer shows step by step are the very
numbers the vectorized gradient produces.

Layout: rows are examples.  a^(l) is an (m, s_l) array whose row i is the
notes' column vector a^(l) for example i, without the bias unit a_0 = 1.
Θ^(l) has shape (s_{l+1}, s_l + 1) with column 0 multiplying the bias unit.

Keyword switches such as ``g_prime="none"`` or ``regularise_bias=True``
select the deliberate mistakes of ``engine.bugs``; their defaults are the
correct formulas, so calls without them are unchanged.
"""
from __future__ import annotations

import numpy as np


def forward(theta, a, g):
    """z^(l+1) = Θ^(l) a^(l) (with a_0^(l) = 1 prepended), a^(l+1) = g(z^(l+1)).

    Row by row that is z = [1 a] Θᵀ, which equals a Θ[:, 1:]ᵀ + Θ[:, 0]:
    the bias column is added instead of building the [1 a] matrix.
    """
    z = a @ theta[:, 1:].T + theta[:, 0]
    return z, g(z)


G_PRIME = ("z", "a", "none")


def hidden_delta(theta, delta_next, z, a, activation, *, g_prime="z"):
    """δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* g'(z^(l)), with the bias row dropped.

    Row 0 of (Θ^(l))ᵀ δ^(l+1) would be the bias unit's error; a_0 = 1 is a
    constant, so that error is never used and is not computed.

    ``g_prime`` says where g' is taken: ``"z"`` is the formula above;
    ``"a"`` is the bug g'(a^(l)), a passed in as if it were z (for the
    sigmoid σ(a)(1 − σ(a))); ``"none"`` is the bug that leaves g' out.
    """
    back = delta_next @ theta[:, 1:]
    if g_prime == "z":
        return back * activation.derivative(z, a)
    if g_prime == "a":
        return back * activation.derivative(a, activation.g(a))
    if g_prime == "none":
        return back
    raise ValueError(f"Unknown g_prime {g_prime!r}: choose one of {', '.join(G_PRIME)}.")


def accumulate(delta_next, a):
    """Σ over the rows (examples) of δ^(l+1) (a^(l))ᵀ, with a_0 = 1.

    This is the notes' Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))ᵀ summed over the
    examples given: column 0 (the bias unit's a_0 = 1) is just Σ δ^(l+1).
    """
    return np.hstack([delta_next.sum(axis=0)[:, None], delta_next.T @ a])


def gradient(Delta, theta, lam, m, *, regularise_bias=False, lambda_over_m=True):
    """D^(l) = Δ^(l)/m + (λ/m) Θ^(l) for columns j ≥ 1, and Δ^(l)/m for j = 0.

    The notes write + λ Θ, without the /m.  That is not the derivative of
    their own cost, whose weight decay is (λ/(2m)) Σ Θ²: its derivative is
    (λ/m) Θ.  Gradient checking catches the difference, so we use (λ/m) Θ.

    The switches are bugs: ``regularise_bias=True`` adds the weight-decay
    term to column 0 too, ``lambda_over_m=False`` adds the notes' λΘ.
    """
    D = Delta / m
    if lam:
        first = 0 if regularise_bias else 1
        D[:, first:] += (lam / m if lambda_over_m else lam) * theta[:, first:]
    return D
