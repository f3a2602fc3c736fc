"""Predict, then reveal: a question about what a step is about to show.

With "Predict first" on, Next step takes the step but hides its new values and
asks ``question(stepper, example, notation=...)`` about them; Reveal shows them and marks the
answer with ``check``.  The question is drawn from the numbers the step just
computed, so its answer is known here; pure Python and numpy, no Panel or Bokeh.

Per kind of step (the first form that is answerable, starting from one that
turns with the iteration and layer, so that the same step asks different things;
None when no form is answerable):

* forward: which unit of layer l is most active; is a_j^(l) above 0.5; a_j^(l) as
  a number within ±0.05 (always answerable);
* cost: will J go up or down after this iteration's update (None when J's 6 digits
  stay the same, or the update would overflow and be refused);
* output δ: the sign of δ_j^(L); else which output unit has the largest |δ|;
  else δ_j^(L) within ±0.05;
* hidden δ: which unit of layer l gets the largest |δ|; else a sign; else a number;
* update: which of four weights changes the most; else, when every weight moves
  by the same amount, will Θ_ji^(l) go up or down (one whose 4 digits change);
* accumulate (Δ) and gradient (D): no question (None).

"Answerable" means the student can tell from what the page shows: no ties and no
value that rounds onto the threshold at the displayed precision (a and δ with 3
decimals, or one significant digit below 1e-3 as in 9e-05; weights with 4
significant digits; J with 6, as the cost step's description writes it).  A
value v shown with rounding step u may be anything in [v − u/2, v + u/2]; two
values count as different only when those ranges do not meet, which holds
whichever way the page rounds a tie.

``notation="wb"`` asks the same questions, with the same answers, in W, b's names
(notation.py): a₁^[1] for a₁⁽²⁾ and layer 1 for layer 2, W₁₂^[1] for Θ₁₂⁽¹⁾, b₁^[1]
for the bias weight Θ₁₀⁽¹⁾, dW and db for D.
"""
from __future__ import annotations

import math
import re

import numpy as np

from engine import Kind

from . import notation as nt

TOLERANCE = 0.05   # for the number questions: within ±0.05
MAX_CHOICES = 4    # buttons for a "which unit / which weight" question

# Labels as explorer.graph.unit_name (a₁⁽²⁾) and graph_view._sub (Θ₁₂, Θ₁₂,₃) write them;
# those modules import Bokeh and Panel, which this one must not.
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _sub(j, i=None) -> str:
    if i is None:
        return str(j)
    return f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}"


def _name(symbol: str, sub: str, l: int) -> str:
    """For buttons and reasons: a₁⁽²⁾, Θ₁₂⁽¹⁾."""
    return symbol + sub.translate(_SUB) + f"({l})".translate(_SUP)


def _html(symbol: str, sub: str, l: int) -> str:
    """For the question's text: a<sub>1</sub><sup>(2)</sup>."""
    return f"{symbol}<sub>{sub}</sub><sup>({l})</sup>"


class _Names:
    """How a question writes units, weights and layers, given the notes' l, j, i: in the
    notes a₁⁽²⁾ of layer 2 and Θ₁₂⁽¹⁾; in W, b (graph.unit_name, graph.edge_name) a₁^[1]
    of layer 1, W₁₂^[1], and b₁^[1] for the bias weight Θ₁₀⁽¹⁾ (notation.py's rules)."""

    def __init__(self, notation: str = "theta"):
        self.notation = notation
        self.wb = nt.is_wb(notation)

    def layer(self, l: int) -> int:
        """The number of the notes' layer l of units: the input is layer 0 in W, b."""
        return nt.unit_layer(l, self.notation)

    def sup_html(self, l: int) -> str:
        """The superscript of the notes' layer l of units: <sup>(2)</sup>, <sup>[1]</sup>."""
        return f"<sup>{nt.sup(self.layer(l), self.notation)}</sup>"

    def unit(self, symbol: str, j: int, l: int, html: bool = False) -> str:
        """a_j^(l), z_j^(l) or δ_j^(l): a₁⁽²⁾ or a₁^[1]; with ``html`` for the question's text."""
        if html:
            return f"{symbol}<sub>{j}</sub>{self.sup_html(l)}"
        if self.wb:
            return symbol + str(j).translate(_SUB) + "^" + nt.sup(self.layer(l), self.notation)
        return _name(symbol, _sub(j), l)

    def weight(self, l: int, j: int, i: int, html: bool = False) -> str:
        """Θ_ji^(l): Θ₁₂⁽¹⁾, or W₁₂^[1], b₁^[1] (i = 0) in W, b."""
        if not self.wb:
            return (_html if html else _name)("Θ", _sub(j, i), l)
        symbol, sub = nt.entry_symbol("Θ", i, self.notation), _sub(j) if i == 0 else _sub(j, i)
        if html:
            return f"{symbol}<sub>{sub}</sub><sup>{nt.sup(l, self.notation)}</sup>"
        return symbol + sub.translate(_SUB) + "^" + nt.sup(l, self.notation)

    def gradient(self, i: int) -> str:
        """What moves Θ_ji^(l) in the update: D, or dW, db (i = 0) in W, b."""
        return nt.entry_symbol("D", i, self.notation)

    def update_rule(self, i: int | None = None) -> str:
        """Θ := Θ − αD; in W, b the rule of W or b (i = 0), or both (i None)."""
        if not self.wb:
            return "Θ := Θ − αD"
        rules = {"W": "W := W − α dW", "b": "b := b − α db"}
        return ", ".join(rules.values()) if i is None else rules["b" if i == 0 else "W"]


# ---- what the page shows, and how far a shown value may be from the true one ----

def _shown(v: float) -> str:
    """a or δ as the graph's labels write it (graph_view's ``short``): 0.593, 9e-05."""
    v = float(v) + 0.0  # −0.0 becomes 0.0: the page writes 0.000, not -0.000
    return f"{v:.3f}" if v == 0 or abs(v) >= 1e-3 else f"{v:.0e}"


def _half_step(values) -> np.ndarray:
    """Half the rounding step of ``_shown`` for each value: 5e-4, or half a unit of the
    one significant digit below 1e-3; 0 for an exact 0, which shows as 0.000."""
    v = np.abs(np.asarray(values, dtype=float))
    out = np.where(v == 0, 0.0, 5e-4)
    small = (v > 0) & (v < 1e-3)
    out[small] = 0.5 * 10.0 ** np.floor(np.log10(v[small]))
    return out


def _half_step_sig(values, digits: int) -> np.ndarray:
    """Half the rounding step of ``digits`` significant digits (0 for an exact 0)."""
    v = np.abs(np.asarray(values, dtype=float))
    with np.errstate(divide="ignore"):
        exponent = np.floor(np.log10(np.where(v > 0, v, 1.0)))
    return np.where(v > 0, 0.5 * 10.0 ** (exponent - digits + 1), 0.0)


def _below(values, half, k) -> np.ndarray:
    """Which values are visibly smaller than values[k] (value k itself is not)."""
    return values + half < values[k] - half[k]


def _clear_best(values, half) -> int | None:
    """The index of the largest value if it is visibly larger than every other, else None."""
    k = int(np.argmax(values))
    below = _below(values, half, k)
    below[k] = True
    return k if below.all() else None


# ---- questions about one layer's units: a or δ of the example shown ----------

def _choice(text, choices, answer, reason) -> dict:
    return {"text": text, "kind": "choice", "choices": list(choices), "answer": int(answer),
            "tolerance": 0.0, "reason": reason}


def _units(n: int) -> str:
    return f"{n} unit{'s' if n != 1 else ''}"


def _units_in_turn(s: int, turn: int) -> list[int]:
    """Units 1..s starting from one that moves on with ``turn``."""
    return [(turn + k) % s + 1 for k in range(s)]


def _largest(values, l, symbol, magnitude, what, names) -> dict | None:
    """Which unit of layer l has the largest value (|value| with ``magnitude``)?  Only
    when one unit is visibly ahead of all the others; at most MAX_CHOICES buttons: it
    and its closest visible rivals, in unit order."""
    size = np.abs(values) if magnitude else values
    if len(size) < 2 or not np.all(np.isfinite(size)):
        return None
    best = _clear_best(size, _half_step(size))
    if best is None:
        return None
    rivals = [int(k) for k in np.argsort(-size, kind="stable") if k != best][:MAX_CHOICES - 1]
    units = sorted([best] + rivals)

    def told(k):
        name = names.unit(symbol, k + 1, l)
        return f"|{name}| = {_shown(size[k])}" if magnitude else f"{name} = {_shown(size[k])}"
    subset = len(units) < len(values)
    rest = (f" and the other {_units(len(values) - len(units))} of layer {names.layer(l)}"
            if subset else "")
    reason = (f"{told(best)} is larger than "
              + ", ".join(told(k) for k in units if k != best) + rest + ".")
    text = (("Which of these units" if subset else "Which unit")
            + f" of layer {names.layer(l)} {what}?")
    return _choice(text, [names.unit(symbol, k + 1, l) for k in units], units.index(best),
                   reason)


def _above_half(stepper, l, e, turn, names) -> dict | None:
    """Is a_j^(l) above 0.5?  Not for a value that shows as 0.500."""
    a, z = stepper.a[l][e], stepper.z[l][e]
    sigmoid = stepper.network.activation(l).name == "sigmoid"
    for j in _units_in_turn(len(a), turn):
        v = float(a[j - 1])
        if not math.isfinite(v) or abs(v - 0.5) <= 5e-4:  # 0.5004 shows as 0.500
            continue
        above = v > 0.5
        why = (f", since {names.unit('z', j, l)} = {_shown(float(z[j - 1]))} is "
               f"{'positive' if above else 'negative'}: g(z) is above 0.5 exactly when z is"
               if sigmoid else "")
        return _choice(f"Is {names.unit('a', j, l, html=True)} above 0.5?", ["Yes", "No"],
                       0 if above else 1,
                       f"{names.unit('a', j, l)} = {_shown(v)}, {'above' if above else 'below'} "
                       f"0.5{why}.")
    return None


def _sign(values, l, symbol, turn, names, why=None) -> dict | None:
    """What is the sign of δ_j^(l)?  Not for a δ that is exactly 0 (shown 0.000)."""
    for j in _units_in_turn(len(values), turn):
        v = float(values[j - 1])
        if v == 0 or not math.isfinite(v):
            continue
        word = "positive" if v > 0 else "negative"
        detail = why(j) if why else ""
        return _choice(f"What is the sign of {names.unit(symbol, j, l, html=True)}?",
                       ["Positive", "Negative"], 0 if v > 0 else 1,
                       f"{names.unit(symbol, j, l)} = {detail}{_shown(v)}: {word}.")
    return None


def _number(values, l, symbol, turn, names, why=None) -> dict | None:
    """What is a_j^(l) (or δ), within ±0.05?  Answerable whenever the value is finite."""
    j = _units_in_turn(len(values), turn)[0]
    v = float(values[j - 1])
    if not math.isfinite(v):
        return None
    return {"text": f"What is {names.unit(symbol, j, l, html=True)}? Within ±{TOLERANCE:g}.",
            "kind": "number", "choices": [], "answer": v, "tolerance": TOLERANCE,
            "reason": f"{names.unit(symbol, j, l)} = {why(j) if why else ''}{_shown(v)}."}


# ---- one function per kind of step ---------------------------------------------

def _forward(stepper, step, e, names):
    l = step.layer
    a, z = stepper.a[l][e], stepper.z[l][e]
    turn = stepper.iteration - 1 + (step.example or 0)

    def g_of_z(j):
        return f"g({_shown(float(z[j - 1]))}) = "
    forms = (lambda: _largest(a, l, "a", False, "will be most active", names),
             lambda: _above_half(stepper, l, e, turn, names),
             lambda: _number(a, l, "a", turn, names, g_of_z))
    first = (turn + l - 2) % len(forms)
    for k in range(len(forms)):
        q = forms[(first + k) % len(forms)]()
        if q is not None:
            return q
    return None


def _cost(stepper, step, e, names):
    """Up or down: J now, against J on the weights after this iteration's update
    (a fork finishes the iteration: the rest of backprop and the update, as stepping would)."""
    twin = stepper.fork()
    try:
        twin.run_iteration()
    except ValueError:  # the update would overflow and is refused: nothing to predict
        return None
    J, J_after = float(stepper.J), float(twin.network.cost(stepper.X, stepper.Y))
    if not (math.isfinite(J) and math.isfinite(J_after)):
        return None
    half = _half_step_sig([J, J_after], 6)
    if abs(J_after - J) <= half.sum():  # the same J to the 6 digits the page writes
        return None
    down = J_after < J
    return _choice("Will J go up or down after this iteration's update?", ["Up", "Down"],
                   1 if down else 0,
                   f"J goes from {J:.6g} to {J_after:.6g} after {names.update_rule()} "
                   f"(α = {stepper.learning_rate:g}): {'down' if down else 'up'}.")


def _output_delta(stepper, step, e, names):
    L = step.layer
    delta, a, y = stepper.delta[L][e], stepper.a[L][e], stepper.Y[e]
    turn = stepper.iteration - 1 + (step.example or 0)

    def a_minus_y(j):  # δ^(L) = a^(L) − y, when the loss makes it so
        if not stepper.network.loss_function.delta_is_a_minus_y:
            return ""
        return f"{names.unit('a', j, L)} − y{_sub(j).translate(_SUB)} = " \
               f"{_shown(float(a[j - 1]))} − {float(y[j - 1]):g} = "
    return (_sign(delta, L, "δ", turn, names, a_minus_y)
            or _largest(delta, L, "δ", True, f"gets the largest |δ{names.sup_html(L)}|", names)
            or _number(delta, L, "δ", turn, names, a_minus_y))


def _hidden_delta(stepper, step, e, names):
    l = step.layer
    delta = stepper.delta[l][e]
    turn = stepper.iteration - 1 + (step.example or 0)
    return (_largest(delta, l, "δ", True, f"gets the largest |δ{names.sup_html(l)}|", names)
            or _sign(delta, l, "δ", turn, names)
            or _number(delta, l, "δ", turn, names))


def _update(stepper, step, e, names):
    before, alpha = stepper.last_update
    where, old, new = [], [], []  # (l, j, i) of every weight, and Θ before and after
    for l in range(1, stepper.L):
        j, i = np.indices(before.theta(l).shape)
        where.append(np.column_stack([np.full(j.size, l), j.ravel() + 1, i.ravel()]))
        old.append(before.theta(l).ravel())
        new.append(stepper.network.theta(l).ravel())
    where, old, new = np.concatenate(where), np.concatenate(old), np.concatenate(new)

    def name(k, html=False):  # Θ₁₂⁽¹⁾ (W₁₂^[1], b₁^[1]), or for the text Θ<sub>12</sub><sup>(1)</sup>
        l, j, i = (int(x) for x in where[k])
        return names.weight(l, j, i, html)

    def moved_by(k):  # (D, Θ := Θ − αD), or in W, b dW and W's rule, db and b's for a bias
        i = int(where[k][2])
        return names.gradient(i), names.update_rule(i)
    return (_most_changed(name, moved_by, np.abs(new - old), alpha)
            or _up_or_down(name, moved_by, old, new, stepper.iteration - 1))


def _most_changed(name, moved_by, change, alpha) -> dict | None:
    """Which of four weights changes the most: the largest change |Θ_after − Θ_before| =
    α|D|, and three visibly smaller ones (the closest, a middle one and the smallest).
    "Of these": a weight tied with the largest may be left out, never offered."""
    half = _half_step_sig(change, 4)
    best = int(np.argmax(change))
    smaller = np.flatnonzero(_below(change, half, best))
    if not smaller.size:  # every weight moves by the same (OR: δ is as large at each example)
        return None
    smaller = smaller[np.argsort(-change[smaller], kind="stable")]
    n = len(smaller)
    picks = {int(smaller[round(k * (n - 1) / 2)]) for k in range(MAX_CHOICES - 1)}
    chosen = sorted([best, *picks])  # in the order of the weights: l, then j, then i
    reason = (f"{name(best)} changes by {change[best]:.4g} (α|{moved_by(best)[0]}| with "
              f"α = {alpha:g}), more than "
              + ", ".join(f"{name(k)} ({change[k]:.4g})" for k in chosen if k != best) + ".")
    return _choice("Which of these weights will change the most in this update?",
                   [name(k) for k in chosen], chosen.index(best), reason)


def _up_or_down(name, moved_by, old, new, turn) -> dict | None:
    """Will Θ_ji^(l) go up or down?  Only for a weight whose 4 significant digits change."""
    visible = np.flatnonzero(np.abs(new - old) > _half_step_sig(old, 4) + _half_step_sig(new, 4))
    if not visible.size:
        return None
    k = int(visible[turn % visible.size])
    up = new[k] > old[k]
    gradient, rule = moved_by(k)
    return _choice(f"Will {name(k, html=True)} go up or down in this update?", ["Up", "Down"],
                   0 if up else 1,
                   f"{name(k)} goes from {old[k]:.4g} to {new[k]:.4g}: {'up' if up else 'down'}, "
                   f"as {gradient} is {'negative' if up else 'positive'} and {rule}.")


_ASK = {Kind.FORWARD: _forward, Kind.COST: _cost, Kind.OUTPUT_DELTA: _output_delta,
        Kind.HIDDEN_DELTA: _hidden_delta, Kind.UPDATE: _update}


def question(stepper, example: int, notation: str = "theta") -> dict | None:
    """The question to ask before showing what ``stepper.last_step`` computed, or None.

    ``example`` (0-based) is the example the graph shows; in per-example mode the
    step's own example is asked about.  The same stepper point gives the same
    question.  The dict is plain JSON data::

        {"text": "Which unit of layer 2 will be most active?",  # HTML, <sub>/<sup>
         "kind": "choice",            # or "number"
         "choices": ["a₁⁽²⁾", "a₂⁽²⁾"],  # button labels; [] for "number"
         "answer": 0,                 # index into choices, or the value for "number"
         "tolerance": 0.0,            # ±0.05 for "number"
         "reason": "a₁⁽²⁾ = 0.731 is larger than a₂⁽²⁾ = 0.269."}  # one line, after Reveal

    ``notation="wb"``: the same question and answer in W, b's names ("Which unit of
    layer 1 ...", a₁^[1], W₁₂^[1], b₁^[1]); "theta" writes the notes' as above.
    """
    step = stepper.last_step
    ask = _ASK.get(step.kind) if step is not None else None
    if ask is None:
        return None
    e = example if step.example is None else step.example
    return ask(stepper, step, e, _Names(notation))


# ASCII digits only: Python's float() reads other scripts' digits, JavaScript's Number()
# does not.
_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")
_INDEX = re.compile(r"\s*[0-9]+\s*")


def check(q: dict, answer) -> bool:
    """Is ``answer`` right?  The page checks the same way in JavaScript:

    * "choice": right when ``answer`` is the index ``q["answer"]`` (an int, or a
      string of digits);
    * "number": right when ``answer`` (a finite number, or a decimal string such as
      "0.73", "-.5" or "2e-3", spaces around allowed) is x with
      |x − q["answer"]| ≤ q["tolerance"], in double precision.

    Anything else (empty text, "nan", a bool, a malformed question) is wrong: False.
    """
    try:
        if isinstance(answer, bool):
            return False
        if q["kind"] == "choice":
            if isinstance(answer, str):
                answer = int(answer) if _INDEX.fullmatch(answer) else None
            return isinstance(answer, (int, np.integer)) and int(answer) == q["answer"]
        if q["kind"] == "number":
            if isinstance(answer, str):
                if not _NUMBER.fullmatch(answer):
                    return False
                answer = float(answer)
            if not isinstance(answer, (int, float, np.integer)) or not math.isfinite(answer):
                return False
            return abs(float(answer) - float(q["answer"])) <= float(q["tolerance"])
    except (KeyError, TypeError, ValueError):
        pass
    return False
