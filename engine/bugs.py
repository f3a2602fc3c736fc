"""Realistic backpropagation bugs, for gradient checking to catch.

Each bug is a variant of the engine's own gradient computation: the same
forward pass, backward pass and accumulation as ``Network.gradients``
(``backprop.py``'s formulas, with a switch flipped), not a separate
re-implementation.  The cost J is never affected; only the gradient D is
wrong, which is exactly what the numerical gradient check exposes.

``BUGS`` maps each name to a one-line description for students, in menu
order; ``gradients(net, X, Y, bug)`` returns the D^(l) with that bug
(``bug=None`` is the correct backpropagation).  Some bugs change nothing on
some networks (dropping g' from a linear hidden layer, regularising with
λ = 0, ...); ``no_effect_reason`` says when and why.
"""
from __future__ import annotations

from dataclasses import dataclass

BUGS = {
    "no_g_prime": "Hidden-layer δ^(l) = (Θ^(l))ᵀ δ^(l+1), forgetting the factor .* g'(z^(l)).",
    "regularised_bias": "D regularises the bias column too: + (λ/m) Θ_j0^(l), though J leaves the bias weights out.",
    "notes_lambda": "D = Δ/m + λΘ, as the notes write it, instead of the derivative (λ/m)Θ of the λ/(2m) cost.",
    "a_instead_of_z": "g' is evaluated at a^(l) instead of z^(l): for the sigmoid σ(a)(1 − σ(a)) instead of a .* (1 − a).",
    "delta_sign": "Output error δ^(L) = y − a instead of a − y: a sign error that makes D point uphill.",
}


@dataclass(frozen=True)
class Variant:
    """The formula switches a bug flips (the defaults are correct backpropagation).

    * ``g_prime``: where the hidden layers' g' is taken, ``"z"``, ``"a"`` or
      ``"none"`` (see ``backprop.hidden_delta``);
    * ``regularise_bias``, ``lambda_over_m``: see ``backprop.gradient``;
    * ``negate_output_delta``: δ^(L) = −(a − y) = y − a (for squared error on a
      non-linear output, (y − a) .* g'(z^(L))).
    """
    g_prime: str = "z"
    regularise_bias: bool = False
    lambda_over_m: bool = True
    negate_output_delta: bool = False


CORRECT = Variant()
VARIANTS = {
    "no_g_prime": Variant(g_prime="none"),
    "regularised_bias": Variant(regularise_bias=True),
    "notes_lambda": Variant(lambda_over_m=False),
    "a_instead_of_z": Variant(g_prime="a"),
    "delta_sign": Variant(negate_output_delta=True),
}
assert list(VARIANTS) == list(BUGS)


def variant(bug) -> Variant:
    """The formula switches for ``bug`` (``None`` for correct backpropagation)."""
    if bug is None:
        return CORRECT
    if not isinstance(bug, str) or bug not in VARIANTS:
        raise ValueError(f"Unknown bug {bug!r}: choose one of {', '.join(BUGS)} (or None for "
                         "correct backpropagation).")
    return VARIANTS[bug]


def gradients(net, X, Y, bug=None) -> list:
    """D^(l) for l = 1..L−1 as backpropagation with ``bug`` computes them, shaped like thetas.

    ``bug=None`` gives the correct gradient, equal to ``net.gradients(X, Y)``.
    """
    return net.cost_and_gradients(X, Y, bug=bug)[1]


def no_effect_reason(net, bug, m=None) -> str | None:
    """Why ``bug`` cannot change this network's gradient, or None if it can.

    ``m`` is the number of examples (``notes_lambda`` does nothing when m = 1,
    since then λ = λ/m).  The answer depends only on the network's shape and
    settings; data can still hide a bug in rare cases (e.g. ``no_g_prime``
    on relu units whose z are all positive, where g' = 1 anyway).
    """
    variant(bug)  # checks the name
    if bug is None:
        return None
    hidden = net.L > 2
    if bug == "no_g_prime":
        if not hidden:
            return "it needs a hidden layer: with L = 2 no δ^(l) is formed with g'."
        if net.hidden == "linear":
            return "linear hidden units have g'(z) = 1, so leaving g' out changes nothing."
    if bug == "a_instead_of_z":
        if not hidden:
            return "it needs a hidden layer: with L = 2 no δ^(l) is formed with g'."
        if net.hidden in ("linear", "relu"):
            return (f"for {net.hidden} hidden units g'(a) = g'(z) (a > 0 exactly when z > 0), "
                    "so the mistake changes nothing.")
    if bug in ("regularised_bias", "notes_lambda") and net.lam == 0:
        return "it needs regularisation: with λ = 0 there is no λ term to get wrong."
    if bug == "notes_lambda" and m == 1:
        return "with m = 1 example λΘ and (λ/m)Θ are the same."
    return None
