"""Mistakes common in ex4 solutions, for ``check_backprop``'s diagnosis.

``engine.bugs`` holds the bugs the explorer can inject (a switch in
backprop.py each).  This module adds mistakes seen in students' own
nnCostFunction that the engine never makes.  ``MISTAKES`` maps each name to a
one-line description, like ``bugs.BUGS``.

Most are recognised by value: ``candidates(net, correct, m, unrolled)``
yields one ``Candidate`` per engine bug and per mistake, whose ``values`` are
what backpropagation with that mistake gives, computed from the correct
intermediate values with backprop.py's own formulas (a switch or an argument
changed), for the quantities the mistake changes.  Keys are (quantity, l) as
in ``check.py``: ("delta", 2) is δ^(2), ("J", None) the cost.

Two change a shape, and are recognised by it: ``undo_shape`` says which
mistake explains a returned shape and gives the array back in the right one
(``bias_row_kept``: δ^(l) with a column too many, Δ^(l−1) and D^(l−1) with a
row too many; ``transposed``: Δ^(l), D^(l) of shape (s_l + 1) × s_{l+1}).
A transposed Θ-shaped matrix that is square is recognised by value instead.

g'(a) for g'(z), ex4's ``sigmoidGradient(a2)``, is the engine's own bug
``a_instead_of_z`` and is named by that.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import backprop, bugs, losses

MISTAKES = {
    "bias_row_kept": "The bias unit's row of (Θ^(l))ᵀ δ^(l+1) is kept: δ^(l) gets s_l + 1 entries "
                     "and Δ^(l−1), D^(l−1) a row too many (drop it: delta(2:end) in Octave, "
                     "delta[:, 1:] in numpy).",
    "z_in_a_formula": "The derivative g' is written in a, as the notes do, but given z: z .* (1 − z) "
                      "instead of the sigmoid's a .* (1 − a) (1 − z² instead of tanh's 1 − a²).",
    "no_division_by_m": "D = Δ + (λ/m)Θ: Δ is not divided by m.",
    "nothing_divided_by_m": "D = Δ + λΘ: neither Δ nor λ is divided by m.",
    "transposed": "Δ^(l) is transposed (Σ a^(l) δ^(l+1)ᵀ instead of Σ δ^(l+1) (a^(l))ᵀ); "
                  "Δ^(l) and D^(l) should have Θ^(l)'s shape, s_{l+1} × (s_l + 1).",
    "cost_regularises_bias": "J's (λ/2m) Σ Θ² includes the bias column Θ_j0, which the sums from "
                             "i = 1 leave out.",
    "cost_without_regularisation": "J leaves out the regularisation term (λ/2m) Σ Θ².",
}


@dataclass(frozen=True)
class Candidate:
    """What backpropagation with one mistake gives: ``values`` maps (quantity, l) to
    the wrong value, for the quantities the mistake changes (the rest are correct)."""
    name: str
    description: str
    values: dict


# ---- the backward pass with a step replaced ------------------------------------------
def _backward(net, c, m, *, output_delta=None, hidden_delta=backprop.hidden_delta,
              accumulate=backprop.accumulate, gradient=backprop.gradient) -> dict:
    """δ, Δ and D from the correct forward values ``c``, with any step swapped.

    The defaults are the engine's formulas, so ``_backward(net, c, m)`` is correct
    backpropagation and each mistake below replaces exactly one step.
    """
    L = net.L
    delta = {L: c["delta", L] if output_delta is None else output_delta}
    for l in range(L - 1, 1, -1):
        delta[l] = hidden_delta(net.theta(l), delta[l + 1], c["z", l], c["a", l], net.activation(l))
    out = {("delta", l): d for l, d in delta.items()}
    for l in range(1, L):
        out["Delta", l] = accumulate(delta[l + 1], c["a", l])
        out["D", l] = gradient(out["Delta", l], net.theta(l), net.lam, m)
    return out


def _regularisation(theta, lam, m):
    """(λ/m)Θ with the bias column 0, backprop.gradient's own term (D of a zero Δ)."""
    return backprop.gradient(np.zeros(theta.shape), theta, lam, m)


def engine_bug(name, net, c, m) -> dict:
    """The values of backpropagation with ``engine.bugs`` bug ``name`` (its switches)."""
    v = bugs.variant(name)

    def hidden(theta, d, z, a, g):
        return backprop.hidden_delta(theta, d, z, a, g, g_prime=v.g_prime)

    def gradient(Delta, theta, lam, m):
        return backprop.gradient(Delta, theta, lam, m, regularise_bias=v.regularise_bias,
                                 lambda_over_m=v.lambda_over_m)
    L = net.L
    return _backward(net, c, m, output_delta=-c["delta", L] if v.negate_output_delta else None,
                     hidden_delta=hidden, gradient=gradient)


# ---- the named mistakes, by value --------------------------------------------------------
def _z_in_a_formula(net, c, m):
    # derivative(z, a) is written in a (a .* (1 − a) for the sigmoid); handing it z as a
    # gives z .* (1 − z).
    return _backward(net, c, m, hidden_delta=lambda theta, d, z, a, g:
                     backprop.hidden_delta(theta, d, z, z, g))


def _no_division_by_m(net, c, m):
    return {("D", l): c["Delta", l] + _regularisation(net.theta(l), net.lam, m) for l in range(1, net.L)}


def _nothing_divided_by_m(net, c, m):
    return {("D", l): c["Delta", l] + _regularisation(net.theta(l), net.lam, 1) for l in range(1, net.L)}


def _transposed(net, c, m):
    """Δ^(l)ᵀ and ex4's D = Δᵀ/m + (λ/m)Θ, where Θ^(l) is square (other shapes: undo_shape)."""
    out = {}
    for l in range(1, net.L):
        theta = net.theta(l)
        if theta.shape[0] == theta.shape[1]:
            out["Delta", l] = c["Delta", l].T
            out["D", l] = backprop.gradient(c["Delta", l].T, theta, net.lam, m)
    return out


def _cost_regularises_bias(net, c, m):
    bias = sum(float(np.sum(net.theta(l)[:, 0] ** 2)) for l in range(1, net.L))
    return {("J", None): c["J", None] + net.lam / (2.0 * m) * bias}


def _cost_without_regularisation(net, c, m):
    thetas = [net.theta(l) for l in range(1, net.L)]
    return {("J", None): c["J", None] - losses.regularization(thetas, net.lam, m)}


_BY_VALUE: dict[str, Callable] = {
    "z_in_a_formula": _z_in_a_formula,
    "no_division_by_m": _no_division_by_m,
    "nothing_divided_by_m": _nothing_divided_by_m,
    "transposed": _transposed,
    "cost_regularises_bias": _cost_regularises_bias,
    "cost_without_regularisation": _cost_without_regularisation,
}

ROW_BY_ROW = ("D^(l) is unrolled row by row: it is transposed, or was unrolled with ravel() "
              "(row-major) instead of the notes' column-major D(:), ravel(order='F').")


def candidates(net, correct, m, unrolled=False):
    """Every engine bug, then every named mistake recognised by value, as ``Candidate``\\ s.

    With ``unrolled`` (the student returned an unrolled grad) one more: each
    D^(l) unrolled row by row, which is what a transposed D^(l) or numpy's
    default ravel() gives.
    """
    for name, description in bugs.BUGS.items():
        yield Candidate(name, description, engine_bug(name, net, correct, m))
    for name, compute in _BY_VALUE.items():
        yield Candidate(name, MISTAKES[name], compute(net, correct, m))
    if unrolled:
        yield Candidate("transposed", ROW_BY_ROW, {
            ("D", l): np.ravel(correct["D", l], order="C").reshape(correct["D", l].shape, order="F")
            for l in range(1, net.L)})


# ---- the named mistakes, by shape ------------------------------------------------------
def undo_shape(array, quantity, l, net, m):
    """(name, array in the right shape) when a named mistake explains ``array``'s shape, else None."""
    sizes, L = net.sizes, net.L
    if quantity == "delta" and 2 <= l < L and array.shape == (m, sizes[l - 1] + 1):
        return "bias_row_kept", array[:, 1:]
    if quantity in ("Delta", "D"):
        rows, cols = net.theta(l).shape
        if l <= L - 2 and array.shape == (rows + 1, cols):  # built from a δ^(l+1) with its bias entry
            return "bias_row_kept", array[1:, :]
        if rows != cols and array.shape == (cols, rows):
            return "transposed", array.T
    return None


def bias_rows_kept_shapes(net) -> list[tuple[int, int]]:
    """D^(l)'s shapes with bias_row_kept: a row more wherever δ^(l+1) is a hidden layer's."""
    return [(t.shape[0] + (l <= net.L - 2), t.shape[1])
            for l, t in enumerate((net.theta(k) for k in range(1, net.L)), start=1)]
