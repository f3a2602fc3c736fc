"""Gradient checking: the notes' two-sided difference, one parameter at a time.

∂J/∂θ_p ≈ (J(θ + ε e_p) − J(θ − ε e_p)) / (2ε)

It costs two evaluations of J per parameter, which is why the notes say to
turn it off before training: backpropagation gets every partial derivative
for about the price of two.

``numerical_gradients`` gives the estimates; ``gradient_check`` compares them
with backpropagation (correct, or with one of ``engine.bugs.BUGS``) and says
where they disagree, parameter by parameter and layer by layer, and how much
slower the check was than backpropagation.

How the comparison is judged
----------------------------
With b the backpropagation gradient and n the numerical one, both unrolled
over all parameters, the check is the course's (ex4's)

    relative difference = ‖b − n‖ / ‖b + n‖,

and passes when it is at most ``threshold``, by default ``DEFAULT_THRESHOLD``
= 1e-6 with ε = 1e-4.  Measured with ε = 1e-4 (see tests/test_gradcheck.py):

* correct backpropagation gives 2e-11 to 2e-9 on the presets xor, debug,
  worked_example, blobs, circle and spiral (λ = 0 and λ = 1) and at most
  3e-8 on 400 random nets (99% below 1.3e-8); the worst case is xnor at
  λ = 0, 1.1e-7 (the hand-set gates 2e-8 to 9e-8), where J ≈ 5e-5 is
  computed as softplus(−z) + (1 − y) z, a difference of terms near 10, so J
  carries rounding noise of about 1e-15 that the division by 2ε magnifies
  (written y·softplus(−z) + (1 − y)·softplus(z) it would give 8e-10);
* every bug that changes the gradient at all gives at least 2.9e-4 on those
  presets (a_instead_of_z on worked_example with λ = 1; 1e-3 or more for the
  rest), xnor with λ = 1 aside (below), and at least 7.7e-4 on the random
  nets.

1e-6 sits about 10 times above the worst correct value and about 300 times
below the weakest bug.  The notes' 1e-9 (and even 1e-7) would fail xnor with
correct backpropagation.

What no relative measure can see: on xnor with λ = 1 the weight-decay part
of the gradient, (λ/m)Θ = ±5, is about 10^5 times its data part, so a bug in
the data part (no_g_prime, a_instead_of_z, delta_sign) moves the relative
difference by only 3e-8 to 1.3e-6.  Check with λ = 0 first, then with λ > 0
for the regularisation, as the course's exercise does.

Per parameter, the relative difference is that parameter's part of the
overall measure,

    r_p = |b_p − n_p| / ‖b + n‖   (0 when b_p = n_p, inf when only ‖b + n‖ is 0),

so that Σ_p r_p² = (overall relative difference)², and p is *failing* when
r_p > threshold.  Dividing by the parameter's own size, |b_p − n_p| /
(|b_p| + |n_p|), fails parameters whose true gradient is about 0: on xnor
the hidden-layer gradients are about 1e-11 to 1e-8 and their rounding noise
about 2e-13, an own-size difference of up to 1.3e-2 with backpropagation
correct (and 1.0 on the AND gate, whose gradient 8e-13 is pure noise).
Measured against the whole gradient, noise on a near-zero parameter is as
small as it really is.  It follows that a passing check flags no parameter,
since |b_p − n_p| ≤ ‖b − n‖; and a failing one flags at least one whenever
the overall difference exceeds ``threshold`` × √(number of parameters), which
every bug above does by far.

Per layer the report gives the layer's own ‖b − n‖ / ‖b + n‖ over its
parameters, and its part of the overall measure ‖b_l − n_l‖ / ‖b + n‖ (the
``share``).  A layer *passes* when its share is at most ``threshold``: a
layer whose gradients are all near 0 (xnor's first layer, own relative
difference 2e-5) is not failed for rounding noise, a passing check passes
every layer, and a layer with a failing parameter fails.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from . import bugs, validation
from .validation import frozen

DEFAULT_EPSILON = 1e-4
DEFAULT_THRESHOLD = 1e-6


class GradientCheckCancelled(Exception):
    """The ``progress`` callback returned False: the check stopped after ``done`` of ``total``."""

    def __init__(self, done: int, total: int):
        self.done, self.total = done, total
        super().__init__(f"Gradient check cancelled after {done} of {total} parameters.")


def _report(progress, done, total):
    if progress(done, total) is False:
        raise GradientCheckCancelled(done, total)


def numerical_gradients(net, X, Y, epsilon=DEFAULT_EPSILON, *, progress=None) -> list[np.ndarray]:
    """Two-sided difference estimates of ∂J/∂Θ^(l), shaped like ``net.thetas``.

    ``progress(done, total)``, if given, is called with done = 0 before the
    first parameter, then about every 1% of the ``total`` parameters (done
    only grows), and last with done = total.  If it returns False the loop
    stops and ``GradientCheckCancelled`` is raised.
    """
    epsilon = validation.finite_number(epsilon, "epsilon", strictly_positive=True)
    X, Y = net.check_data(X, Y)
    thetas = net.thetas
    total = sum(t.size for t in thetas)
    every = max(1, math.ceil(total / 100))
    done = 0
    if progress is not None:
        _report(progress, 0, total)
    grads = []
    for t in thetas:
        g = np.empty_like(t)
        for index in np.ndindex(*t.shape):
            original = t[index]
            t[index] = original + epsilon
            J_plus = net.cost_at(thetas, X, Y)
            t[index] = original - epsilon
            J_minus = net.cost_at(thetas, X, Y)
            t[index] = original
            g[index] = (J_plus - J_minus) / (2.0 * epsilon)
            done += 1
            if progress is not None and (done % every == 0 or done == total):
                _report(progress, done, total)
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


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter Θ_ji^(l): l = 1..L−1, j = 1..s_{l+1}, i = 0..s_l (0 = bias)."""
    l: int
    j: int
    i: int
    backprop: float
    numerical: float
    relative_difference: float  # |b − n| / ‖b + n‖ over all parameters (see the module notes)
    failing: bool               # relative_difference > threshold


@dataclass(frozen=True)
class LayerCheck:
    """The parameters of Θ^(l) together."""
    l: int
    relative_difference: float  # ‖b_l − n_l‖ / ‖b_l + n_l‖ over this layer's parameters
    share: float                # ‖b_l − n_l‖ / ‖b + n‖, this layer's part of the overall measure
    passed: bool                # share ≤ threshold
    n_failing: int              # failing parameters in this layer


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """The result of ``gradient_check``; arrays are read-only, l counts from 1.

    ``backprop[l − 1]``, ``numerical[l − 1]`` and ``differences[l − 1]`` are
    shaped like Θ^(l): the gradients and each parameter's relative difference.
    ``rows`` has one ``ParameterCheck`` per parameter, by l, then j, then i;
    ``failing`` the (l, j, i) of those over ``threshold``, in the same order.
    """
    bug: str | None
    epsilon: float
    threshold: float
    relative_difference: float  # ‖b − n‖ / ‖b + n‖, the course's measure
    passed: bool                # relative_difference ≤ threshold
    layers: tuple[LayerCheck, ...]
    rows: tuple[ParameterCheck, ...]
    failing: tuple[tuple[int, int, int], ...]
    backprop: tuple[np.ndarray, ...]
    numerical: tuple[np.ndarray, ...]
    differences: tuple[np.ndarray, ...]
    backprop_seconds: float     # one backpropagation (cost and all gradients)
    numerical_seconds: float    # the whole numerical loop, 2 evaluations of J per parameter

    @property
    def n_params(self) -> int:
        return len(self.rows)

    @property
    def slowdown(self) -> float:
        """numerical_seconds / backprop_seconds: how many backpropagations the check cost."""
        if self.backprop_seconds <= 0.0:
            return float("inf")
        return self.numerical_seconds / self.backprop_seconds

    @property
    def message(self) -> str:
        """One line for students, e.g. "Passed: relative difference 2.3e-11 ≤ 1e-06 ..."."""
        r, t = self.relative_difference, self.threshold
        if self.passed:
            return (f"Passed: relative difference {r:.2g} ≤ {t:.0e}; backpropagation agrees with "
                    f"the numerical gradient (ε = {self.epsilon:g}).")
        where = ", ".join(f"Θ^({c.l})" for c in self.layers if not c.passed)
        if not self.failing:
            return (f"Failed: relative difference {r:.2g} > {t:.0e}; the disagreement is spread "
                    f"thinly over many parameters{', in ' + where if where else ''}.")
        return (f"Failed: relative difference {r:.2g} > {t:.0e}; {len(self.failing)} of "
                f"{self.n_params} parameters disagree, in {where}.")


def _time_backprop(net, X, Y, bug):
    """D from backpropagation and the time of one run (the fastest of a few for tiny nets)."""
    start = time.perf_counter()
    _, D = net.cost_and_gradients(X, Y, bug=bug)
    best = spent = time.perf_counter() - start
    runs = 1
    while spent < 5e-3 and runs < 50:
        start = time.perf_counter()
        net.cost_and_gradients(X, Y, bug=bug)
        seconds = time.perf_counter() - start
        best, spent, runs = min(best, seconds), spent + seconds, runs + 1
    return D, best


def gradient_check(net, X, Y, epsilon=DEFAULT_EPSILON, threshold=DEFAULT_THRESHOLD, bug=None,
                   progress=None) -> GradientCheck:
    """Compare backpropagation (with ``bug``, one of ``engine.bugs.BUGS``, or None)
    with ``numerical_gradients(net, X, Y, epsilon)``.

    ``progress(done, total)`` is passed to ``numerical_gradients``: called about
    every 1% of the parameters, and returning False cancels the check with
    ``GradientCheckCancelled``.  See the module notes for how each level
    is judged and why the default threshold is 1e-6.
    """
    bugs.variant(bug)  # a bad name fails before the slow part
    epsilon = validation.finite_number(epsilon, "epsilon", strictly_positive=True)
    threshold = validation.finite_number(threshold, "threshold", strictly_positive=True)
    X, Y = net.check_data(X, Y)

    b, backprop_seconds = _time_backprop(net, X, Y, bug)
    start = time.perf_counter()
    n = numerical_gradients(net, X, Y, epsilon, progress=progress)
    numerical_seconds = time.perf_counter() - start

    scale = float(np.linalg.norm(np.concatenate([np.ravel(x + y) for x, y in zip(b, n)])))
    differences, layers, rows, failing = [], [], [], []
    for l, (bl, nl) in enumerate(zip(b, n), start=1):
        gap = np.abs(bl - nl)
        if scale > 0.0:
            d = gap / scale
        else:
            d = np.where(gap == 0.0, 0.0, np.inf)
        bad = d > threshold
        share = float(np.linalg.norm(gap) / scale) if scale > 0.0 else (
            0.0 if not gap.any() else float("inf"))
        layers.append(LayerCheck(l, relative_difference(bl, nl), share, share <= threshold,
                                 int(bad.sum())))
        for (j, i), value in np.ndenumerate(d):
            rows.append(ParameterCheck(l, j + 1, i, float(bl[j, i]), float(nl[j, i]), float(value),
                                       bool(bad[j, i])))
            if bad[j, i]:
                failing.append((l, j + 1, i))
        differences.append(frozen(d))

    overall = relative_difference(b, n)
    return GradientCheck(
        bug=bug, epsilon=epsilon, threshold=threshold,
        relative_difference=overall, passed=overall <= threshold,
        layers=tuple(layers), rows=tuple(rows), failing=tuple(failing),
        backprop=tuple(frozen(x) for x in b), numerical=tuple(frozen(x) for x in n),
        differences=tuple(differences),
        backprop_seconds=backprop_seconds, numerical_seconds=numerical_seconds)
