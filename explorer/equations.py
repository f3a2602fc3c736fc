r"""The equation of the step just taken, as KaTeX source filled in with its numbers.

``latex_for_step(stepper, example)`` looks at ``stepper.last_step`` and
returns one ``aligned`` block of at most two display lines in the course
notes' notation: the step's formula, then the same formula with the actual
matrices and vectors of the selected example (bias a_0 = 1 first, Θ's bias
column 0 first).  Nothing here imports Panel; the strings are plain KaTeX
(no \newcommand, no packages) with no ``$`` and no ``<`` in them, so a
caller can hand ``"$$" + tex + "$$"`` to ``pn.pane.LaTeX`` (whose KaTeX view
inserts the text as HTML before rendering it).

One function per step kind; each returns the two lines as (left, right)
pairs that ``_aligned`` lines up on the first ``=``:

* ``_forward``       z^(l) = Θ^(l−1) [1; a^(l−1)],  a^(l) = g(z^(l))
* ``_cost``          J(Θ) = data term + λ term = J
* ``_output_delta``  δ^(L) = a^(L) − y   (or (a − y) .* g'(z) for squared error)
* ``_hidden_delta``  δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* g'(z^(l)), bias row dropped
* ``_accumulate``    Δ^(l) = Σ_i δ^(l+1)(i) (a^(l)(i))ᵀ  /  Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))ᵀ
* ``_gradient``      D^(l) = (1/m) Δ^(l) + (λ/m) Θ^(l)
* ``_update``        Θ^(l) := Θ^(l) − α D^(l)

With ``notation="wb"`` each step is written in W, b instead (explorer/notation.py: the
input is layer 0, W^[l] = Θ^(l)[:, 1:] and b^[l] = Θ^(l)[:, 0], a^[l] = a^(l+1)), with
the same numbers: W's matrix is Θ's without column 0 and b's vector is its column 0:

* ``_forward_wb``       z^[l] = W^[l] a^[l−1] + b^[l],  a^[l] = σ(z^[l])
* ``_cost_wb``          J(W, b), the λ term over W only
* ``_output_delta_wb``  δ^[L] = a^[L] − y (L the output layer)
* ``_hidden_delta_wb``  δ^[l] = (W^[l+1])ᵀ δ^[l+1] .* g'(z^[l])
* ``_accumulate_wb``    ΔW^[l] = Σ_i δ^[l](i) (a^[l−1](i))ᵀ,  Δb^[l] = Σ_i δ^[l](i)
* ``_gradient_wb``      dW^[l] = (1/m) ΔW^[l] + (λ/m) W^[l],  db^[l] = (1/m) Δb^[l]
* ``_update_wb``        W^[l] := W^[l] − α dW^[l],  b^[l] := b^[l] − α db^[l]

Numbers have ``digits`` significant digits; a value not computed yet (NaN)
shows as ``?``.  Matrices bigger than max_rows × max_cols keep their first
rows and columns and the last one, with ⋯, ⋮ and ⋱ between.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import Kind, backprop, losses

NOT_COMPUTED = "?"
SHOWN_LAYERS = 2  # gradient and update show the D and Θ of the last this-many layers


# ---- numbers and matrices ------------------------------------------------------------
def number(x, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits: 0.378, -30, 1.5\\times 10^{-5}; NaN is ``?``."""
    x = float(x)
    if np.isnan(x):
        return NOT_COMPUTED
    if np.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    text = f"{x:.{max(int(digits), 1)}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return "0" if text == "-0" else text


def _kept(n: int, limit: int) -> list:
    """Indices to show out of n: all, or the first limit − 2, None (the ellipsis), the last."""
    limit = max(int(limit), 3)
    if n <= limit:
        return list(range(n))
    return list(range(limit - 2)) + [None, n - 1]


def matrix(M, max_rows: int = 6, max_cols: int = 6, digits: int = 3) -> str:
    """A bmatrix of M's numbers, elided with \\cdots, \\vdots and \\ddots when too big."""
    M = np.atleast_2d(np.asarray(M, dtype=float))
    cols = _kept(M.shape[1], max_cols)
    lines = []
    for r in _kept(M.shape[0], max_rows):
        if r is None:
            cells = [r"\ddots" if c is None else r"\vdots" for c in cols]
        else:
            cells = [r"\cdots" if c is None else number(M[r, c], digits) for c in cols]
        lines.append(" & ".join(cells))
    return r"\begin{bmatrix} " + r" \\ ".join(lines) + r" \end{bmatrix}"


@dataclass(frozen=True)
class _Style:
    max_rows: int = 6
    max_cols: int = 6
    digits: int = 3

    def num(self, x) -> str:
        return number(x, self.digits)

    def mat(self, M) -> str:
        return matrix(M, self.max_rows, self.max_cols, self.digits)

    def col(self, v) -> str:
        return self.mat(np.reshape(v, (-1, 1)))

    def row(self, v) -> str:
        return self.mat(np.reshape(v, (1, -1)))


# ---- pieces of notation --------------------------------------------------------------
def _sup(name: str, l) -> str:
    return f"{name}^{{({l})}}"


def _with_bias(v) -> np.ndarray:
    """[1; v]: the bias unit a_0 = 1 first."""
    return np.concatenate([[1.0], np.asarray(v, dtype=float)])


def _g_of(activation: str, arg: str) -> str:
    """g(arg) written with the activation's own name."""
    return {"sigmoid": rf"\sigma\left({arg}\right)",
            "tanh": rf"\tanh\left({arg}\right)",
            "relu": rf"\max\left(0,\, {arg}\right)",
            "linear": arg,
            "softmax": rf"\mathrm{{softmax}}\left({arg}\right)"}[activation]


def _wsup(name: str, l) -> str:
    """name^[l]: W, b's superscript (the input is layer 0)."""
    return f"{name}^{{[{l}]}}"


def _g_prime(activation: str, l, sup=_sup) -> str:
    """g'(z^(l)) written as the notes do, from a where possible."""
    a, z = sup("a", l), sup("z", l)
    return {"sigmoid": rf"{a} \mathbin{{.*}} (1 - {a})",
            "softmax": rf"{a} \mathbin{{.*}} (1 - {a})",
            "tanh": rf"1 - {a} \mathbin{{.*}} {a}",
            "relu": rf"[\, {z} \gt 0 \,]",
            "linear": "1"}[activation]


def _example_note(stepper, ex: int, before: str = "") -> str:
    """\text{example i of m} with i 1-based, as the notes count examples."""
    return rf"\text{{{before}example {ex + 1} of {stepper.m}}}"


def _bias_first(tex: str, l) -> str:
    """A vector with the bias unit first, labelled as such underneath."""
    return rf"\underbrace{{{tex}}}_{{\text{{bias }} a_0^{{({l})}} = 1 \text{{ first}}}}"


def _aligned(*lines) -> str:
    """Lines given as (left, right) pairs, lined up on the = that starts each right side."""
    return (r"\begin{aligned} "
            + r" \\[0.6em] ".join(f"{left} &{right}" for left, right in lines)
            + r" \end{aligned}")


def symbolic(step, stepper) -> str:
    """The formula of a schedule step (engine ``Step``) with no numbers in it."""
    l, L = step.layer, stepper.L
    if step.kind is Kind.FORWARD:
        return (rf"z^{{({l})}} = \Theta^{{({l - 1})}} a^{{({l - 1})}},"
                rf"\quad a^{{({l})}} = g(z^{{({l})}})")
    if step.kind is Kind.COST:
        return r"J(\Theta)"
    if step.kind is Kind.OUTPUT_DELTA:
        if stepper.network.loss_function.delta_is_a_minus_y:
            return rf"\delta^{{({L})}} = a^{{({L})}} - y"
        return rf"\delta^{{({L})}} = (a^{{({L})}} - y) \mathbin{{.*}} g'(z^{{({L})}})"
    if step.kind is Kind.HIDDEN_DELTA:
        return (rf"\delta^{{({l})}} = (\Theta^{{({l})}})^\top \delta^{{({l + 1})}}"
                rf" \mathbin{{.*}} g'(z^{{({l})}})")
    if step.kind is Kind.ACCUMULATE:
        if step.example is None:
            return (rf"\Delta^{{({l})}} = \sum_{{i=1}}^{{m}} \delta^{{({l + 1})(i)}}"
                    rf" \big(a^{{({l})(i)}}\big)^\top")
        return rf"\Delta^{{({l})}} := \Delta^{{({l})}} + \delta^{{({l + 1})}} \big(a^{{({l})}}\big)^\top"
    if step.kind is Kind.GRADIENT:
        return r"D^{(l)} = \frac{1}{m}\Delta^{(l)} + \frac{\lambda}{m}\Theta^{(l)}"
    if step.kind is Kind.UPDATE:
        return r"\Theta^{(l)} := \Theta^{(l)} - \alpha D^{(l)}"
    raise ValueError(f"Unknown step kind {step.kind!r}.")


# ---- one function per step kind ------------------------------------------------------
def _forward(s, step, ex, st):
    l = step.layer
    g = s.network.activation(l).name
    z, a = s.z[l][ex], s.a[l][ex]
    first = (_sup("z", l),
             rf"= \Theta^{{({l - 1})}} {_sup('a', l - 1)} = {st.mat(s.network.theta(l - 1))}"
             rf" {_bias_first(st.col(_with_bias(s.a[l - 1][ex])), l - 1)} = {st.col(z)}")
    second = (_sup("a", l),
              rf"= g({_sup('z', l)}) = {_g_of(g, _sup('z', l))} = {st.col(a)}"
              rf"\qquad {_example_note(s, ex)}")
    return [first, second]


_DATA_TERM = {
    "cross_entropy": r"-\frac{1}{m}\sum_{i=1}^{m}\sum_{k=1}^{K}\Big[y_k^{(i)}\log h_k^{(i)}"
                     r" + \big(1 - y_k^{(i)}\big)\log\big(1 - h_k^{(i)}\big)\Big]",
    "softmax": r"-\frac{1}{m}\sum_{i=1}^{m}\sum_{k=1}^{K} y_k^{(i)}\log h_k^{(i)}",
    "squared_error": r"\frac{1}{2m}\sum_{i=1}^{m}\sum_{k=1}^{K}\big(h_k^{(i)} - y_k^{(i)}\big)^2",
}
_LAMBDA_TERM = (r"\frac{\lambda}{2m}\sum_{l=1}^{L-1}\sum_{i=1}^{s_l}\sum_{j=1}^{s_{l+1}}"
                r"\big(\Theta_{ji}^{(l)}\big)^2")


def _cost(s, step, ex, st):
    net, L, m = s.network, s.L, s.m
    loss = net.loss_function
    key = "softmax" if loss.output == "softmax" else loss.name
    with np.errstate(all="ignore"):  # NaN (not computed) gives ?, not a warning
        data = float(np.sum(loss.data_cost(s.z[L], s.a[L], s.Y))) / m
    reg = losses.regularization(net.thetas, net.lam, m)
    first = (r"J(\Theta)", rf"= {_DATA_TERM[key]} + {_LAMBDA_TERM}")
    second = ("", rf"= \underbrace{{{st.num(data)}}}_{{\text{{data term}}}}"
                  rf" + \underbrace{{{st.num(reg)}}}_{{\lambda\text{{ term}}}} = {st.num(s.J)}"
                  rf"\qquad h = {_sup('a', L)},\ m = {m},\ \lambda = {number(net.lam, 6)}")
    return [first, second]


def _output_delta(s, step, ex, st, sup=_sup, shift=0):
    """δ^(L) (``sup``, ``shift``: in W, b, _wsup and 1, as δ^[L−1])."""
    L = s.L
    K = L - shift
    z, a, y, d = s.z[L][ex], s.a[L][ex], s.Y[ex], s.delta[L][ex]
    delta = sup(r"\delta", K)
    if s.network.loss_function.delta_is_a_minus_y:
        return [(delta, rf"= {sup('a', K)} - y = {st.col(a)} - {st.col(y)} = {st.col(d)}"
                        rf"\qquad {_example_note(s, ex)}")]
    g, gp = _derivative(s, L, z, a)
    first = (delta, rf"= ({sup('a', K)} - y) \mathbin{{.*}} g'({sup('z', K)})"
                    rf" = \left({st.col(a)} - {st.col(y)}\right) \mathbin{{.*}} {st.col(gp)}")
    return [first, _delta_result(s, L, ex, st, g, sup, shift)]


def _hidden_delta(s, step, ex, st):
    l = step.layer
    g, gp = _derivative(s, l, s.z[l][ex], s.a[l][ex])
    theta_t = s.network.theta(l)[:, 1:].T
    first = (_sup(r"\delta", l),
             rf"= (\Theta^{{({l})}})^\top \delta^{{({l + 1})}} \mathbin{{.*}} g'({_sup('z', l)})"
             rf" = \left(\underbrace{{{st.mat(theta_t)}}}_{{\text{{bias row dropped}}}}"
             rf" {st.col(s.delta[l + 1][ex])}\right)"
             rf" \mathbin{{.*}} {st.col(gp)}")
    return [first, _delta_result(s, l, ex, st, g)]


def _derivative(s, l, z, a):
    """(g of layer l, g'(z^(l)) for one example)."""
    g = s.network.activation(l)
    with np.errstate(all="ignore"):
        return g, g.derivative(z, a)


def _delta_result(s, l, ex, st, g, sup=_sup, shift=0):
    """The second line of a δ step: δ^(l)'s numbers, and which g' was used."""
    k = l - shift
    return ("", rf"= {st.col(s.delta[l][ex])}\qquad g'({sup('z', k)}) = {_g_prime(g.name, k, sup)},"
                rf"\quad {_example_note(s, ex)}")


def _accumulated_before(s, l, ex) -> np.ndarray:
    """Δ^(l) as it was before example ``ex`` of the per-example loop: 0 for the first."""
    if ex == 0:
        return np.zeros_like(np.asarray(s.Delta[l], dtype=float))
    return backprop.accumulate(np.asarray(s.delta[l + 1][:ex]), np.asarray(s.a[l][:ex]))


def _accumulate(s, step, ex, st):
    l = step.layer
    d_next, a_ex = s.delta[l + 1][ex], _with_bias(s.a[l][ex])
    term = np.outer(d_next, a_ex)
    if step.example is None:  # batch: the whole sum, then the selected example's term
        first = (_sup(r"\Delta", l), rf"= \sum_{{i=1}}^{{m}} \delta^{{({l + 1})(i)}}"
                                     rf" \big(a^{{({l})(i)}}\big)^\top = {st.mat(s.Delta[l])}"
                                     rf"\qquad m = {s.m}")
        second = (rf"\delta^{{({l + 1})({ex + 1})}} \big(a^{{({l})({ex + 1})}}\big)^\top",
                  rf"= {st.col(d_next)} {_bias_first(st.row(a_ex), l)} = {st.mat(term)}"
                  rf"\qquad {_example_note(s, ex, 'term of ')}")
        return [first, second]
    # per example: the Δ before this example (0 for the first) plus this example's term
    before = _accumulated_before(s, l, ex)
    first = (_sup(r"\Delta", l),
             rf":= \Delta^{{({l})}} + \delta^{{({l + 1})}} \big(a^{{({l})}}\big)^\top"
             rf" = {st.mat(before)} + {st.col(d_next)} {_bias_first(st.row(a_ex), l)}")
    start = rf",\ \Delta^{{({l})}} \text{{ starts at }} 0" if ex == 0 else ""
    second = ("", rf"= {st.mat(s.Delta[l])}\qquad {_example_note(s, ex)}{start}")
    return [first, second]


def _last_layers(s, name, values, sup=_sup):
    """'name^(l) = matrix' for the last SHOWN_LAYERS layers, and a note if some are left out."""
    layers = list(range(1, s.L))[-SHOWN_LAYERS:]
    shown = [(sup(name, l), rf"= {values(l)}") for l in layers]
    note = (rf"\quad \text{{(last {len(layers)} of {s.L - 1} layers shown)}}"
            if len(layers) < s.L - 1 else "")
    return shown, note


def _second_line(shown):
    """Several 'X = matrix' parts on one line: the first is the line's (left, right) pair."""
    (left, right), rest = shown[0], shown[1:]
    return (left, right + "".join(rf"\qquad {lft} {rgt}" for lft, rgt in rest))


def _gradient(s, step, ex, st):
    m, lam = s.m, s.network.lam
    shown, note = _last_layers(s, "D", lambda l: st.mat(s.D[l]))
    first = ("D^{(l)}", rf"= \frac{{1}}{{m}}\Delta^{{(l)}} + \frac{{\lambda}}{{m}}\Theta^{{(l)}}"
                        rf" = \frac{{1}}{{{m}}}\Delta^{{(l)}} + \frac{{{number(lam, 6)}}}{{{m}}}"
                        rf"\Theta^{{(l)}}\qquad \text{{no }} \lambda \text{{ term on the bias column 0}}"
                        + note)
    return [first, _second_line(shown)]


def _update(s, step, ex, st):
    thetas = s.network.thetas
    shown, note = _last_layers(s, r"\Theta", lambda l: st.mat(thetas[l - 1]))
    first = (r"\Theta^{(l)}", rf":= \Theta^{{(l)}} - \alpha D^{{(l)}}"
                              rf"\qquad \alpha = {number(s.learning_rate, 6)},\quad"
                              rf" \text{{new weights:}}" + note)
    return [first, _second_line(shown)]


# ---- the same steps in W, b --------------------------------------------------------------
# Θ^(l) is [b^[l] W^[l]]; a^(l), z^(l), δ^(l) are a^[l−1], z^[l−1], δ^[l−1].
def symbolic_wb(step, stepper) -> str:
    """The formula of a schedule step in W, b, with no numbers in it."""
    l, K = step.layer, stepper.L - 1
    if step.kind is Kind.FORWARD:
        k = l - 1
        return (rf"z^{{[{k}]}} = W^{{[{k}]}} a^{{[{k - 1}]}} + b^{{[{k}]}},"
                rf"\quad a^{{[{k}]}} = g(z^{{[{k}]}})")
    if step.kind is Kind.COST:
        return r"J(W, b)"
    if step.kind is Kind.OUTPUT_DELTA:
        if stepper.network.loss_function.delta_is_a_minus_y:
            return rf"\delta^{{[{K}]}} = a^{{[{K}]}} - y"
        return rf"\delta^{{[{K}]}} = (a^{{[{K}]}} - y) \mathbin{{.*}} g'(z^{{[{K}]}})"
    if step.kind is Kind.HIDDEN_DELTA:
        k = l - 1
        return (rf"\delta^{{[{k}]}} = (W^{{[{k + 1}]}})^\top \delta^{{[{k + 1}]}}"
                rf" \mathbin{{.*}} g'(z^{{[{k}]}})")
    if step.kind is Kind.ACCUMULATE:
        if step.example is None:
            return (rf"\Delta W^{{[{l}]}} = \sum_{{i=1}}^{{m}} \delta^{{[{l}](i)}}"
                    rf" \big(a^{{[{l - 1}](i)}}\big)^\top,\quad"
                    rf" \Delta b^{{[{l}]}} = \sum_{{i=1}}^{{m}} \delta^{{[{l}](i)}}")
        return (rf"\Delta W^{{[{l}]}} := \Delta W^{{[{l}]}} + \delta^{{[{l}]}}"
                rf" \big(a^{{[{l - 1}]}}\big)^\top,\quad"
                rf" \Delta b^{{[{l}]}} := \Delta b^{{[{l}]}} + \delta^{{[{l}]}}")
    if step.kind is Kind.GRADIENT:
        return (r"dW^{[l]} = \frac{1}{m}\Delta W^{[l]} + \frac{\lambda}{m}W^{[l]},"
                r"\quad db^{[l]} = \frac{1}{m}\Delta b^{[l]}")
    if step.kind is Kind.UPDATE:
        return r"W^{[l]} := W^{[l]} - \alpha\, dW^{[l]},\quad b^{[l]} := b^{[l]} - \alpha\, db^{[l]}"
    raise ValueError(f"Unknown step kind {step.kind!r}.")


def _forward_wb(s, step, ex, st):
    l = step.layer
    k = l - 1
    g = s.network.activation(l).name
    theta = s.network.theta(l - 1)
    a_prev = st.col(s.a[l - 1][ex])
    if k == 1:
        a_prev = rf"\underbrace{{{a_prev}}}_{{a^{{[0]}} = x}}"
    z = _wsup("z", k)
    first = (z, rf"= W^{{[{k}]}} a^{{[{k - 1}]}} + b^{{[{k}]}} = {st.mat(theta[:, 1:])} {a_prev}"
                rf" + {st.col(theta[:, 0])} = {st.col(s.z[l][ex])}")
    rule = _g_of(g, z) if g == "sigmoid" else rf"g({z}) = {_g_of(g, z)}"
    second = (_wsup("a", k), rf"= {rule} = {st.col(s.a[l][ex])}\qquad {_example_note(s, ex)}")
    return [first, second]


_LAMBDA_TERM_WB = r"\frac{\lambda}{2m}\sum_{l}\sum_{j}\sum_{i}\big(W_{ji}^{[l]}\big)^2"


def _cost_wb(s, step, ex, st):
    net, L, m = s.network, s.L, s.m
    loss = net.loss_function
    key = "softmax" if loss.output == "softmax" else loss.name
    with np.errstate(all="ignore"):
        data = float(np.sum(loss.data_cost(s.z[L], s.a[L], s.Y))) / m
    reg = losses.regularization(net.thetas, net.lam, m)
    first = (r"J(W, b)", rf"= {_DATA_TERM[key]} + {_LAMBDA_TERM_WB}")
    second = ("", rf"= \underbrace{{{st.num(data)}}}_{{\text{{data term}}}}"
                  rf" + \underbrace{{{st.num(reg)}}}_{{\lambda\text{{ term (W only)}}}}"
                  rf" = {st.num(s.J)}"
                  rf"\qquad h = {_wsup('a', L - 1)},\ m = {m},\ \lambda = {number(net.lam, 6)}")
    return [first, second]


def _output_delta_wb(s, step, ex, st):
    return _output_delta(s, step, ex, st, _wsup, shift=1)


def _hidden_delta_wb(s, step, ex, st):
    l = step.layer
    k = l - 1
    g, gp = _derivative(s, l, s.z[l][ex], s.a[l][ex])
    w_t = s.network.theta(l)[:, 1:].T
    first = (_wsup(r"\delta", k),
             rf"= (W^{{[{k + 1}]}})^\top \delta^{{[{k + 1}]}} \mathbin{{.*}} g'({_wsup('z', k)})"
             rf" = \left({st.mat(w_t)} {st.col(s.delta[l + 1][ex])}\right)"
             rf" \mathbin{{.*}} {st.col(gp)}")
    return [first, _delta_result(s, l, ex, st, g, _wsup, shift=1)]


def _accumulate_wb(s, step, ex, st):
    l = step.layer  # Θ^(l) is [b^[l] W^[l]]: the same l
    d_next, a_prev = s.delta[l + 1][ex], np.asarray(s.a[l][ex], dtype=float)
    Delta = np.asarray(s.Delta[l])
    dW, db = _wsup(r"\Delta W", l), _wsup(r"\Delta b", l)
    if step.example is None:  # batch: the whole sums, then the selected example's term
        first = (dW, rf"= \sum_{{i=1}}^{{m}} \delta^{{[{l}](i)}} \big(a^{{[{l - 1}](i)}}\big)^\top"
                     rf" = {st.mat(Delta[:, 1:])},\quad {db} = \sum_{{i=1}}^{{m}}"
                     rf" \delta^{{[{l}](i)}} = {st.col(Delta[:, 0])}\qquad m = {s.m}")
        second = (rf"\delta^{{[{l}]({ex + 1})}} \big(a^{{[{l - 1}]({ex + 1})}}\big)^\top",
                  rf"= {st.col(d_next)} {st.row(a_prev)} = {st.mat(np.outer(d_next, a_prev))}"
                  rf"\qquad {_example_note(s, ex, 'term of ')}")
        return [first, second]
    # per example: ΔW and Δb before this example (0 for the first) plus this example's terms
    before = _accumulated_before(s, l, ex)
    first = (dW, rf":= {dW} + \delta^{{[{l}]}} \big(a^{{[{l - 1}]}}\big)^\top"
                 rf" = {st.mat(before[:, 1:])} + {st.col(d_next)} {st.row(a_prev)}")
    start = r",\ \Delta W, \Delta b \text{ start at } 0" if ex == 0 else ""
    second = ("", rf"= {st.mat(Delta[:, 1:])},\quad {db} := {db} + \delta^{{[{l}]}}"
                  rf" = {st.col(before[:, 0])} + {st.col(d_next)} = {st.col(Delta[:, 0])}"
                  rf"\qquad {_example_note(s, ex)}{start}")
    return [first, second]


def _gradient_wb(s, step, ex, st):
    m, lam = s.m, s.network.lam

    def values(l):
        D = np.asarray(s.D[l])
        return rf"{st.mat(D[:, 1:])},\quad {_wsup('db', l)} = {st.col(D[:, 0])}"
    shown, note = _last_layers(s, "dW", values, _wsup)
    first = ("dW^{[l]}", rf"= \frac{{1}}{{m}}\Delta W^{{[l]}} + \frac{{\lambda}}{{m}}W^{{[l]}}"
                         rf" = \frac{{1}}{{{m}}}\Delta W^{{[l]}} + \frac{{{number(lam, 6)}}}{{{m}}}"
                         rf"W^{{[l]}},\quad db^{{[l]}} = \frac{{1}}{{{m}}}\Delta b^{{[l]}}"
                         rf"\qquad \text{{no }} \lambda \text{{ term on b}}" + note)
    return [first, _second_line(shown)]


def _update_wb(s, step, ex, st):
    thetas = s.network.thetas

    def values(l):
        theta = np.asarray(thetas[l - 1])
        return rf"{st.mat(theta[:, 1:])},\quad {_wsup('b', l)} = {st.col(theta[:, 0])}"
    shown, note = _last_layers(s, "W", values, _wsup)
    first = ("W^{[l]}", rf":= W^{{[l]}} - \alpha\, dW^{{[l]}},\quad b^{{[l]}} := b^{{[l]}}"
                        rf" - \alpha\, db^{{[l]}}\qquad \alpha = {number(s.learning_rate, 6)},\quad"
                        rf" \text{{new weights:}}" + note)
    return [first, _second_line(shown)]


_BY_KIND_WB = {Kind.FORWARD: _forward_wb, Kind.COST: _cost_wb, Kind.OUTPUT_DELTA: _output_delta_wb,
               Kind.HIDDEN_DELTA: _hidden_delta_wb, Kind.ACCUMULATE: _accumulate_wb,
               Kind.GRADIENT: _gradient_wb, Kind.UPDATE: _update_wb}

_BY_KIND = {Kind.FORWARD: _forward, Kind.COST: _cost, Kind.OUTPUT_DELTA: _output_delta,
            Kind.HIDDEN_DELTA: _hidden_delta, Kind.ACCUMULATE: _accumulate,
            Kind.GRADIENT: _gradient, Kind.UPDATE: _update}


def latex_for_step(stepper, example: int, max_rows: int = 6, max_cols: int = 6,
                   digits: int = 3, notation: str = "theta") -> str:
    """KaTeX source for ``stepper.last_step`` with its numbers, for example ``example``.

    ``example`` is 0-based.  In batch mode it picks which of the m examples'
    column vectors are shown.  In per-example mode a step that belongs to
    one example always shows that example (``stepper.example``), whatever is
    passed.  Before any step the next step's formula is shown, no numbers.
    ``notation``: "theta" (the notes) or "wb" (W, b; the same numbers).
    """
    wb = notation == "wb"
    step = stepper.last_step
    if step is None:
        formula = (symbolic_wb if wb else symbolic)(stepper.next_step, stepper)
        return (r"\begin{gathered} " + formula
                + r" \\[0.4em] \text{Nothing computed yet: press Next step} \end{gathered}")
    ex = step.example if step.example is not None else int(example)
    if not 0 <= ex < stepper.m:
        raise ValueError(f"Example {ex} is out of range: choose 0 to {stepper.m - 1}.")
    style = _Style(max_rows, max_cols, digits)
    return _aligned(*(_BY_KIND_WB if wb else _BY_KIND)[step.kind](stepper, step, ex, style))
