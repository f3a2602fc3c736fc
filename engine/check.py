"""Check my backprop: where a student's own backpropagation first goes wrong, and why.

``check_backprop(fn, net, X, Y)`` calls ``fn(thetas, X, Y, lam)``, the
student's code (ex4's nnCostFunction with the network's pieces handed over),
and compares every quantity it returns with the engine's, in the order a
batch iteration computes them (engine.steps.schedule): a^(1), then z^(l),
a^(l) for l = 2..L, J, δ^(L)..δ^(2), Δ^(L−1)..Δ^(1), D^(1)..D^(L−1).  The
correct values are the Stepper's, the very numbers the explorer shows.

``fn`` may return any of

* a dict with any of "J"; "a": [a^(1), …, a^(L)], each (m, s_l), with or
  without a first column of ones for the bias unit; "z": [z^(2), …, z^(L)];
  "delta": [δ^(2), …, δ^(L)], each (m, s_l); "Delta": [Δ^(1), …, Δ^(L−1)];
  "D": [D^(1), …, D^(L−1)], each shaped like Θ^(l).  Lists start at the
  quantity's first layer; None (for the dict's value or a list entry) means
  "not returned";
* (J, [D^(1), …, D^(L−1)]);
* (J, grad), grad unrolled as ex4 does, [D^(1)(:); D^(2)(:); …] in Octave's
  column-major order (``network.unroll``), a 1-D array or an (n, 1) column.

Anything else, NaN or infinity, and shapes that fit none of these are refused
with a ValueError saying what was expected, except shapes a named mistake
explains (a δ^(l) with the bias unit's entry kept, a transposed Δ^(l) or
D^(l)): those make a failing report that names the mistake.  An exception
raised by ``fn`` becomes a ``UserFunctionError`` whose cause is the original,
so its traceback still points into the student's code.

Tolerance
---------
A quantity agrees when max |yours − correct| ≤ ATOL + RTOL · max |correct|
over its entries, with ATOL = 1e-12 and RTOL = 1e-7.  Scaling by the
quantity's largest entry (not entry by entry) lets near-zero entries carry the
rounding noise of their larger neighbours, as gradient checking does.  A
correct implementation that adds in another order, loops over examples or
takes logs of h instead of softplus of z differs by 1e-16 to 2e-12 of that
scale on the presets (2e-12: the OR gate's J ≈ 5e-5 from log h); each
mistake below differs by 3e-5 or more (the digits' J with the bias weights
regularised), most by far more.  Two blind spots, as for gradient checking:
where the weight decay (λ/m)Θ is 10^5 times the data part of D (xnor and the
hand-set gates with λ = 1), a mistake in the data part of D hides within D's
tolerance (return δ too, or check with λ = 0 first); and a log(1 − h) taken
from an output h within 1e-10 of 1 loses digits the engine, which works from
z, keeps.

Diagnosis
---------
At the first difference every bug of ``engine.bugs`` and every mistake of
``engine.mistakes`` is tried on the same inputs; one whose value of that
quantity agrees with the student's (within the same tolerance) is named,
preferring one that also agrees with everything else returned.

Reading what ``fn`` returned is ``returns.py``; the named mistakes are
``mistakes.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import mistakes
from .network import Network
from .returns import dims, parse, symbol
from .stepper import Stepper
from .steps import PER_EXAMPLE, Kind

ATOL = 1e-12
RTOL = 1e-7


class UserFunctionError(RuntimeError):
    """The checked function raised; ``__cause__`` is its exception."""


@dataclass(frozen=True)
class Comparison:
    """One quantity compared: a row of the report.

    ``where`` locates the largest difference as the notes number things: for
    a, z and δ (example i, unit j), both from 1; for Δ and D (j, i) as in
    Θ_ji^(l), j from 1 and i from 0 (the bias column); None for J.
    ``yours`` and ``correct`` are the two values there.  A shape that a named
    mistake explains has ``mistake`` set, ``max_abs_diff`` inf, ``where`` None.
    """
    quantity: str              # "a", "z", "J", "delta", "Delta" or "D"
    layer: int | None          # l of a^(l), z^(l), δ^(l), Δ^(l), D^(l); None for J
    shape: tuple               # the correct shape (() for J)
    returned_shape: tuple      # as returned (a bias column or a mistake can change it)
    max_abs_diff: float
    tolerance: float
    ok: bool
    where: tuple | None = None
    yours: float | None = None
    correct: float | None = None
    mistake: str | None = None
    # Which entries are beyond the tolerance (shaped like the correct value; None for a
    # wrong shape): a view marks those units or weights.
    differs: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def symbol(self) -> str:
        return symbol(self.quantity, self.layer)

    @property
    def place(self) -> str:
        """``where`` in words: "example 3, unit 2", "j = 2, i = 0", or ""."""
        if self.where is None:
            return ""
        i, j = self.where
        return f"example {i}, unit {j}" if self.quantity in PER_EXAMPLE else f"j = {i}, i = {j}"


def _tolerance(correct) -> float:
    return ATOL + RTOL * float(np.max(np.abs(correct)))


def _agrees(yours, value) -> bool:
    value = np.asarray(value, dtype=float)
    return bool(np.max(np.abs(yours - value)) <= _tolerance(value))


def _compare(quantity, layer, r, correct) -> Comparison:
    correct = np.asarray(correct, dtype=float)
    if r.mistake is not None:
        return Comparison(quantity, layer, correct.shape, r.shape, float("inf"), _tolerance(correct),
                          False, mistake=r.mistake)
    gap = np.abs(r.value - correct)
    k = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), gap.shape))
    where = None if quantity == "J" else (
        (k[0] + 1, k[1] + 1) if quantity in PER_EXAMPLE else (k[0] + 1, k[1]))
    tolerance = _tolerance(correct)
    return Comparison(quantity, layer, correct.shape, r.shape, float(gap[k]), tolerance,
                      bool(gap[k] <= tolerance), where, float(r.value[k]), float(correct[k]),
                      differs=gap > tolerance)


def correct_values(net, X, Y):
    """(order, values): every (quantity, l) of a batch iteration up to D, in step order,
    and the Stepper's value of each."""
    s = Stepper(net, X, Y, mode="batch")
    order, values = [("a", 1)], {("a", 1): s.value("a", 1)}
    while True:
        step = s.step()
        for key in step.kind.outputs(step.layer, s.L):
            order.append(key)
            values[key] = s.value(*key)
        if step.kind is Kind.GRADIENT:
            return order, values


# ---- the diagnosis ---------------------------------------------------------------------
def _diagnose(first, returned, correct, net, m, form):
    """(name, sentence, explains_all) for the first difference, or (None, None, False)."""
    key = (first.quantity, first.layer)
    r = returned[key]
    if r.mistake is not None:
        explains = all(_agrees(r2.undone, correct[k]) if r2.mistake == r.mistake else
                       r2.mistake is None and _agrees(r2.value, correct[k])
                       for k, r2 in returned.items())
        gap = float(np.max(np.abs(r.undone - correct[key])))
        if explains:
            after = "With that undone, it and everything else you returned are right."
        elif _agrees(r.undone, correct[key]):
            after = ("With that undone it is right, but other differences remain: there may be a "
                     "second mistake.")
        else:
            after = f"Even with that undone it differs, by up to {gap:.3g}."
        text = f"Your {first.symbol} is {dims(r.shape)}, not {dims(first.shape)}. " \
               f"{mistakes.MISTAKES[r.mistake]} {after}"
        return r.mistake, text, explains
    matches = []
    for c in mistakes.candidates(net, correct, m, unrolled=form == "unrolled"):
        if key in c.values and _agrees(r.value, c.values[key]):
            explains = all(r2.value is not None and _agrees(r2.value, c.values.get(k, correct[k]))
                           for k, r2 in returned.items())
            matches.append((c, explains))
    if not matches:
        return None, None, False
    c, explains = next((found for found in matches if found[1]), matches[0])
    text = (f"Your {first.symbol} equals backpropagation's with this mistake ({c.name}): {c.description}"
            + (" It explains everything else you returned too." if explains else
               " It does not explain all your other differences: there may be a second mistake."))
    return c.name, text, explains


def _formula(quantity, l, net) -> str:
    """How the engine computes a quantity, for a difference no known mistake explains."""
    if quantity == "delta" and l == net.L:
        g_prime = "" if net.loss_function.delta_is_a_minus_y else f" .* g'(z^({l}))"
        return f"δ^({l}) = (a^({l}) − y){g_prime}" if g_prime else f"δ^({l}) = a^({l}) − y"
    if quantity == "a" and l == 1:
        return "a^(1) = X, the inputs"
    if quantity == "J":
        return net.loss_function.formula
    return {
        "a": "a^({l}) = g(z^({l}))",
        "z": "z^({l}) = Θ^({k}) a^({k}) with a_0 = 1, i.e. [1 a^({k})] (Θ^({k}))ᵀ with a row per example",
        "delta": "δ^({l}) = (Θ^({l}))ᵀ δ^({n}) .* g'(z^({l})), the bias unit's entry dropped",
        "Delta": "Δ^({l}) = Σ_i δ^({n}) (a^({l}))ᵀ with a_0 = 1, i.e. (δ^({n}))ᵀ [1 a^({l})]",
        "D": "D^({l}) = Δ^({l})/m + (λ/m) Θ^({l}), the bias column i = 0 not regularised",
    }[quantity].format(l=l, k=l - 1, n=l + 1)


# ---- the report --------------------------------------------------------------------------
FORM_NAMES = {"dict": "a dict", "D list": "(J, [D^(1), …])", "unrolled": "(J, grad) unrolled"}


@dataclass(frozen=True, eq=False)
class BackpropReport:
    """The result of ``check_backprop``: ``rows`` in step order, one per quantity returned.

    ``first_difference`` is the first row that does not agree (None when
    ``passed``); ``diagnosis`` a sentence naming the mistake that explains it
    and ``diagnosis_name`` its key in ``engine.bugs.BUGS`` or
    ``engine.mistakes.MISTAKES`` (both None when no known mistake does);
    ``explains_all`` whether that mistake also gives everything else returned.
    ``str(report)`` is a plain-text table followed by the verdict.
    """
    rows: tuple[Comparison, ...]
    form: str          # "dict", "D list" or "unrolled"
    sizes: tuple
    m: int
    lam: float
    diagnosis: str | None = None
    diagnosis_name: str | None = None
    explains_all: bool = False
    hint: str | None = None  # the engine's formula for the first difference

    @property
    def passed(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def first_difference(self) -> Comparison | None:
        return next((row for row in self.rows if not row.ok), None)

    def __str__(self):
        head = (f"Your backpropagation, returned as {FORM_NAMES[self.form]}, against the engine's: "
                f"sizes {list(self.sizes)}, m = {self.m}, λ = {self.lam:g}.\n"
                f"A quantity agrees when max |yours − correct| ≤ {ATOL:g} + {RTOL:g} · max |correct|.\n")
        table = [("quantity", "shape", "max |diff|", "tolerance", "result")]
        for row in self.rows:
            if row.mistake:
                result = f"WRONG SHAPE {dims(row.returned_shape)}"
            else:
                result = "ok" if row.ok else "DIFFERS" + (f" (most at {row.place})" if row.place else "")
            diff = "—" if row.mistake else f"{row.max_abs_diff:.2g}"
            table.append((row.symbol, dims(row.shape) if row.shape else "number", diff,
                          f"{row.tolerance:.2g}", result))
        widths = [max(len(line[c]) for line in table) for c in range(4)]
        lines = ["  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[4]
                 for line in table]
        return head + "\n" + "\n".join(lines) + "\n\n" + self.verdict

    @property
    def verdict(self) -> str:
        """The lines under the table: passed, or the first difference and its diagnosis."""
        first = self.first_difference
        if first is None:
            n = len(self.rows)
            return f"Passed: {'all ' if n > 1 else ''}{n} quantit{'ies' if n > 1 else 'y'} you returned " \
                   "agree with the engine's."
        if first.mistake:
            text = f"First difference: {first.symbol} has the wrong shape."
        else:
            at = f" at {first.place}" if first.place else ""
            text = (f"First difference: {first.symbol}{at}: yours {first.yours:.6g}, "
                    f"correct {first.correct:.6g}.")
        if self.diagnosis:
            return f"{text}\nDiagnosis: {self.diagnosis}"
        return f"{text}\nNo known mistake gives your {first.symbol}. The engine computes {self.hint}."


# ---- the check -------------------------------------------------------------------------
def check_backprop(fn, net, X, Y) -> BackpropReport:
    """Compare ``fn(thetas, X, Y, lam)`` with the engine's backpropagation on ``net``.

    ``fn`` gets copies: thetas = [Θ^(1), …, Θ^(L−1)], each s_{l+1} × (s_l + 1)
    with the bias in column 0; X (m, s_1); Y (m, s_L), class labels one-hot
    encoded; lam = net.lam.  See the module notes for what it may return.
    """
    if not isinstance(net, Network):
        raise ValueError(f"check_backprop needs an engine Network, got {type(net).__name__}.")
    if not callable(fn):
        raise ValueError(f"check_backprop needs a function fn(thetas, X, Y, lam); got {type(fn).__name__}.")
    X, Y = net.check_data(X, Y, copy=True)
    m = X.shape[0]
    order, correct = correct_values(net, X, Y)
    try:
        result = fn(net.thetas, X.copy(), Y.copy(), float(net.lam))
    except Exception as error:
        name = getattr(fn, "__name__", "the function")
        raise UserFunctionError(f"{name}(thetas, X, Y, lam) raised {type(error).__name__}: {error}") \
            from error
    form, returned = parse(result, correct, net, m)
    rows = tuple(_compare(*key, returned[key], correct[key]) for key in order if key in returned)
    report = BackpropReport(rows, form, tuple(net.sizes), m, float(net.lam))
    first = report.first_difference
    if first is None:
        return report
    name, text, explains = _diagnose(first, returned, correct, net, m, form)
    return BackpropReport(rows, form, tuple(net.sizes), m, float(net.lam), text, name, explains,
                          _formula(first.quantity, first.layer, net))
