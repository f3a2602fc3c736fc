r"""explorer.equations: the KaTeX of each step, its numbers, its elision, and that KaTeX parses it.

Every network below is stepped through one whole iteration in both modes and
every string is checked for structure (braces, \begin/\end, nothing Panel's
HTML insertion would mangle).  The numbers are recomputed here with plain
numpy from the formulas, not taken from the engine.  The last test renders
every string with the KaTeX that Panel bundles, in Chromium.
"""
import functools
import re
from pathlib import Path

import numpy as np
import pytest

from engine import Network, Stepper, presets
from explorer.equations import latex_for_step, matrix, number

MODES = ["batch", "per_example"]


# ---- the networks ---------------------------------------------------------------------
def _random_case(sizes, seed, m, targets="labels", **settings):
    rng = np.random.default_rng(seed)
    net = Network(sizes, seed=seed, **settings)
    X = rng.normal(size=(m, sizes[0]))
    if targets == "labels":
        Y = rng.integers(0, sizes[-1], size=m).astype(float)
    else:
        Y = rng.uniform(-1, 1, size=(m, sizes[-1]))
    return net, X, Y, 0.5


def build(name):
    """(net, X, Y, α) for a case name."""
    if name in ("xnor", "worked_example", "debug", "and"):
        p = presets.load(name)
        return p.network, p.X, p.Y, p.learning_rate
    if name == "big_64_25_10":
        return _random_case([64, 25, 10], seed=1, m=4)
    if name == "deep_relu_softmax_lam":
        return _random_case([3, 4, 4, 4, 2], seed=2, m=3, hidden="relu", output="softmax", lam=0.3)
    if name == "tanh_linear_squared_lam":
        return _random_case([2, 3, 1], seed=3, m=3, targets="values", hidden="tanh",
                            output="linear", loss="squared_error", lam=0.1)
    if name == "linear_tanh_squared":
        return _random_case([2, 3, 2], seed=4, m=2, targets="values", hidden="linear",
                            output="tanh", loss="squared_error")
    raise KeyError(name)


CASES = ["xnor", "worked_example", "debug", "and", "big_64_25_10", "deep_relu_softmax_lam",
         "tanh_linear_squared_lam", "linear_tanh_squared"]


def walk(name, mode):
    """The stepper before any step, then after each step of one whole iteration."""
    net, X, Y, alpha = build(name)
    s = Stepper(net, X, Y, learning_rate=alpha, mode=mode)
    yield s
    while s.step().kind != "update":
        yield s
    yield s


def examples_to_show(s):
    """The caller's choice: the stepper's own example per example; first and last in batch."""
    step = s.last_step
    if step is not None and step.example is not None:
        return [step.example]
    return sorted({0, s.m - 1})


def at(name, mode, kind, layer=None, example=None, **style):
    """(stepper, tex) at the first step of this kind (and layer, and per-example example)."""
    for s in walk(name, mode):
        step = s.last_step
        if (step is not None and step.kind == kind and (layer is None or step.layer == layer)
                and (example is None or step.example in (None, example))):
            return s, latex_for_step(s, 0 if example is None else example, **style)
    raise AssertionError(f"no {kind} step for layer {layer} in {name}")


@functools.lru_cache(maxsize=None)
def all_strings():
    """(label, tex) for every case, mode, step and shown example."""
    out = []
    for name in CASES:
        for mode in MODES:
            for s in walk(name, mode):
                for ex in examples_to_show(s):
                    label = f"{name}/{mode}/{s.position}:{s.kind}/{s.layer}/example {ex}"
                    out.append((label, latex_for_step(s, ex)))
    return tuple(out)


# ---- independent recomputation ---------------------------------------------------------
def fmt(v, digits=3):
    """The module's number format, written out: `digits` significant digits, 10^k for g's e-form."""
    text = f"{float(v):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return "0" if text == "-0" else text


def col_tex(values, digits=3):
    return r"\begin{bmatrix} " + r" \\ ".join(fmt(v, digits) for v in values) + r" \end{bmatrix}"


def mat_tex(M, digits=3):
    return (r"\begin{bmatrix} " + r" \\ ".join(" & ".join(fmt(v, digits) for v in row) for row in M)
            + r" \end{bmatrix}")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_sigmoid(thetas, x):
    """Plain forward propagation of one example through a sigmoid network: a[l], z[l] by layer."""
    a, z = {1: np.asarray(x, dtype=float)}, {}
    for l, theta in enumerate(thetas, start=1):
        z[l + 1] = theta @ np.concatenate([[1.0], a[l]])
        a[l + 1] = sigmoid(z[l + 1])
    return a, z


def cells(tex):
    """Every cell of every bmatrix in tex, as strings."""
    out = []
    for body in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex):
        for row in body.split(r"\\"):
            out.extend(cell.strip() for cell in row.split("&"))
    return out


def bmatrix_shapes(tex):
    shapes = []
    for body in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex):
        rows = body.split(r"\\")
        shapes.append((len(rows), max(len(r.split("&")) for r in rows)))
    return shapes


def check_structure(tex):
    assert tex.strip(), "empty string"
    depth, i = 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            i += 2  # \{, \}, \\ and the first letter of a command
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            assert depth >= 0, f"unbalanced }} at {i}: {tex[max(0, i - 60):i + 1]}"
        i += 1
    assert depth == 0, "unbalanced braces"
    stack = []
    for which, env in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if which == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"\\end{{{env}}} does not close the open environment"
    assert not stack, f"unclosed environments {stack}"
    # Panel's KaTeX pane inserts the text as HTML and then looks for $...$ delimiters.
    assert "$" not in tex and "<" not in tex
    assert not re.search(r"&[A-Za-z#]", tex), "&name or &# would read as an HTML entity"
    assert tex.isascii(), "non-ASCII text makes KaTeX warn in strict mode"
    assert not re.search(r"\bnan\b|\binf\b", tex, re.IGNORECASE)
    assert r"\newcommand" not in tex


# ---- every step, every case -------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", CASES)
def test_every_step_is_well_formed(name, mode):
    kinds = set()
    for s in walk(name, mode):
        kinds.add(s.kind)
        for ex in examples_to_show(s):
            tex = latex_for_step(s, ex)
            check_structure(tex)
            for rows, cols in bmatrix_shapes(tex):
                assert rows <= 6 and cols <= 6
            if s.kind is not None:
                assert r"\begin{aligned}" in tex and "?" not in tex  # everything shown is computed
    expected = {None, "forward", "cost", "output_delta", "accumulate", "gradient", "update"}
    if build(name)[0].L > 2:
        expected.add("hidden_delta")
    assert kinds == expected


def test_before_any_step_shows_the_next_formula_without_numbers():
    s = Stepper(*build("xnor")[:3])
    tex = latex_for_step(s, 0)
    check_structure(tex)
    assert r"z^{(2)} = \Theta^{(1)} a^{(1)}" in tex
    assert "Next step" in tex and r"\text{" in tex
    assert "bmatrix" not in tex
    assert not re.search(r"\d\.\d", tex.replace("[0.4em]", ""))


def test_after_reset_it_is_symbolic_again():
    s = Stepper(*build("debug")[:3])
    s.step(), s.step()
    s.reset()
    assert "bmatrix" not in latex_for_step(s, 0)


# ---- the numbers ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_worked_example_forward_layer_2(mode):
    # z^(2) = Θ^(1) [1; x] with Θ^(1) = [.35 .15 .20; .35 .25 .30] and x = (.05, .10)
    z = [0.35 + 0.15 * 0.05 + 0.20 * 0.10, 0.35 + 0.25 * 0.05 + 0.30 * 0.10]
    for digits in (3, 4):
        s, tex = at("worked_example", mode, "forward", 2, digits=digits)
        assert col_tex(z, digits) in tex
        assert col_tex(sigmoid(np.array(z)), digits) in tex
        assert col_tex([1, 0.05, 0.10], digits) in tex  # [1; a^(1)], bias first
        assert mat_tex([[0.35, 0.15, 0.20], [0.35, 0.25, 0.30]], digits) in tex
    s, tex = at("worked_example", mode, "forward", 2, digits=4)
    assert "0.3775" in cells(tex) and "0.3925" in cells(tex)
    assert r"\sigma" in tex


@pytest.mark.parametrize("mode", MODES)
def test_worked_example_output_delta_squared_error(mode):
    net, X, Y, _ = build("worked_example")
    a, z = forward_sigmoid(net.thetas, X[0])
    o, t = a[3], Y[0]
    delta = (o - t) * o * (1 - o)
    np.testing.assert_allclose(delta, [0.138498562, -0.038098236], atol=1e-8)  # the classic numbers
    s, tex = at("worked_example", mode, "output_delta")
    assert r"(a^{(3)} - y) \mathbin{.*} g'(z^{(3)})" in tex
    for v in (o, t, o * (1 - o), delta):
        assert col_tex(v) in tex


@pytest.mark.parametrize("mode", MODES)
def test_xnor_output_delta_is_a_minus_y_for_each_example(mode):
    net, X, Y, _ = build("xnor")
    for i in range(4):
        a, _ = forward_sigmoid(net.thetas, X[i])
        s, tex = at("xnor", mode, "output_delta", example=i)
        if mode == "batch":
            tex = latex_for_step(s, i)
        assert r"\delta^{(3)} &= a^{(3)} - y" in tex and "g'" not in tex
        assert col_tex(a[3] - Y[i]) in tex and col_tex(a[3]) in tex
        assert rf"\text{{example {i + 1} of 4}}" in tex


@pytest.mark.parametrize("mode", MODES)
def test_debug_hidden_delta(mode):
    net, X, Y, _ = build("debug")
    i = 3
    y = np.eye(3)[int(Y[i])]
    a, _ = forward_sigmoid(net.thetas, X[i])
    theta2 = net.thetas[1]
    d3 = a[3] - y
    gp = a[2] * (1 - a[2])
    d2 = (theta2[:, 1:].T @ d3) * gp
    s, tex = at("debug", mode, "hidden_delta", 2, example=i)
    if mode == "batch":
        tex = latex_for_step(s, i)
    assert mat_tex(theta2[:, 1:].T) in tex  # s_2 × s_3, bias row dropped
    assert r"\text{bias row dropped}" in tex
    for v in (d3, gp, d2):
        assert col_tex(v) in tex
    assert r"a^{(2)} \mathbin{.*} (1 - a^{(2)})" in tex


def test_debug_accumulate_batch_sum_and_selected_term():
    net, X, Y, _ = build("debug")
    thetas, Yhot = net.thetas, np.eye(3)[Y.astype(int)]
    Delta = np.zeros_like(thetas[1])
    for i in range(5):
        a, _ = forward_sigmoid(thetas, X[i])
        Delta += np.outer(a[3] - Yhot[i], np.concatenate([[1.0], a[2]]))
    s, tex = at("debug", "batch", "accumulate", 2)
    tex = latex_for_step(s, 4)
    # Δ^(2) is 3 × 6: small enough to be shown whole
    assert mat_tex(Delta) in tex
    a, _ = forward_sigmoid(thetas, X[4])
    assert col_tex(a[3] - Yhot[4]) in tex
    assert mat_tex(np.outer(a[3] - Yhot[4], np.concatenate([[1.0], a[2]]))) in tex
    assert r"\sum_{i=1}^{m}" in tex and r"\delta^{(3)(5)}" in tex


def test_debug_accumulate_per_example_shows_delta_before_and_after():
    net, X, Y, _ = build("debug")
    thetas, Yhot = net.thetas, np.eye(3)[Y.astype(int)]
    terms = []
    for i in range(3):
        a, _ = forward_sigmoid(thetas, X[i])
        terms.append(np.outer(a[3] - Yhot[i], np.concatenate([[1.0], a[2]])))
    s, tex = at("debug", "per_example", "accumulate", 2, example=0)
    assert mat_tex(np.zeros((3, 6))) in tex and r"\text{ starts at } 0" in tex
    assert mat_tex(terms[0]) in tex
    s, tex = at("debug", "per_example", "accumulate", 2, example=2)
    assert mat_tex(terms[0] + terms[1]) in tex  # Δ before example 3
    assert mat_tex(terms[0] + terms[1] + terms[2]) in tex  # Δ after
    assert r"\Delta^{(2)} &:= \Delta^{(2)} + \delta^{(3)}" in tex
    assert "starts at" not in tex


@pytest.mark.parametrize("mode", MODES)
def test_cost_shows_data_term_lambda_term_and_total(mode):
    net, X, Y, _ = build("deep_relu_softmax_lam")
    m = X.shape[0]
    h = net.predict(X)
    data = -np.sum(np.eye(2)[Y.astype(int)] * np.log(h)) / m
    reg = 0.3 / (2 * m) * sum(np.sum(t[:, 1:] ** 2) for t in net.thetas)
    s, tex = at("deep_relu_softmax_lam", mode, "cost")
    assert rf"\underbrace{{{fmt(data)}}}_{{\text{{data term}}}}" in tex
    assert rf"\underbrace{{{fmt(reg)}}}_{{\lambda\text{{ term}}}}" in tex
    assert f"= {fmt(data + reg)}" in tex and fmt(s.J) == fmt(data + reg)
    assert r"\lambda = 0.3" in tex and "m = 3" in tex
    assert r"y_k^{(i)}\log h_k^{(i)}" in tex and r"(1 - y_k^{(i)})" not in tex  # softmax form


def test_cost_formula_follows_the_loss():
    _, tex = at("xnor", "batch", "cost")
    assert r"\big(1 - y_k^{(i)}\big)\log\big(1 - h_k^{(i)}\big)" in tex
    _, tex = at("worked_example", "batch", "cost")
    assert r"\frac{1}{2m}" in tex and r"\big(h_k^{(i)} - y_k^{(i)}\big)^2" in tex
    # the classic total error 0.298371109
    assert fmt(0.298371109) in tex


def test_linear_output_with_squared_error_is_a_minus_y():
    s, tex = at("tanh_linear_squared_lam", "batch", "output_delta")
    assert r"a^{(3)} - y" in tex and "g'" not in tex
    s, tex = at("tanh_linear_squared_lam", "batch", "forward", 3)
    assert r"g(z^{(3)}) = z^{(3)} =" in tex  # identity
    s, tex = at("tanh_linear_squared_lam", "batch", "hidden_delta", 2)
    assert r"1 - a^{(2)} \mathbin{.*} a^{(2)}" in tex and r"\tanh" not in tex
    s, tex = at("tanh_linear_squared_lam", "batch", "forward", 2)
    assert r"\tanh\left(z^{(2)}\right)" in tex


def test_activation_names():
    _, tex = at("deep_relu_softmax_lam", "batch", "forward", 2)
    assert r"\max\left(0,\, z^{(2)}\right)" in tex
    _, tex = at("deep_relu_softmax_lam", "batch", "forward", 5)
    assert r"\mathrm{softmax}\left(z^{(5)}\right)" in tex
    _, tex = at("deep_relu_softmax_lam", "batch", "hidden_delta", 3)
    assert r"[\, z^{(3)} \gt 0 \,]" in tex
    _, tex = at("linear_tanh_squared", "batch", "output_delta")
    assert r"1 - a^{(3)} \mathbin{.*} a^{(3)}" in tex


@pytest.mark.parametrize("mode", MODES)
def test_gradient_and_update_worked_example(mode):
    net, X, Y, alpha = build("worked_example")
    D = net.gradients(X, Y)
    s, tex = at("worked_example", mode, "gradient")
    for l, d in enumerate(D, start=1):
        assert rf"D^{{({l})}} &= {mat_tex(d)}" in tex or rf"D^{{({l})}} = {mat_tex(d)}" in tex
    assert r"\frac{1}{1}\Delta^{(l)} + \frac{0}{1}\Theta^{(l)}" in tex
    assert "bias column 0" in tex
    new = [t - alpha * d for t, d in zip(net.thetas, D)]
    # the classic updated weights w5 = 0.35891648 and w1 = 0.149780716
    assert new[1][0, 1] == pytest.approx(0.35891648) and new[0][0, 1] == pytest.approx(0.149780716)
    s, tex = at("worked_example", mode, "update", digits=5)
    for t in new:
        assert mat_tex(t, 5) in tex
    assert r"\alpha = 0.5" in tex and "0.35892" in cells(tex)


def test_gradient_with_lambda_and_many_layers_shows_the_last_two():
    net, X, Y, _ = build("deep_relu_softmax_lam")
    D = net.gradients(X, Y)
    s, tex = at("deep_relu_softmax_lam", "batch", "gradient")
    assert r"\frac{0.3}{3}\Theta^{(l)}" in tex
    assert "last 2 of 4 layers" in tex
    assert "D^{(1)}" not in tex and "D^{(2)}" not in tex
    assert mat_tex(D[2]) in tex and mat_tex(D[3]) in tex
    s, tex = at("deep_relu_softmax_lam", "batch", "update")
    assert mat_tex(s.network.thetas[3]) in tex and r"\Theta^{(1)} &=" not in tex


def test_per_example_mode_shows_the_steppers_own_example():
    s, _ = at("debug", "per_example", "forward", 2, example=2)
    assert s.last_step.example == 2
    assert latex_for_step(s, 0) == latex_for_step(s, 2) == latex_for_step(s, 4)
    assert r"\text{example 3 of 5}" in latex_for_step(s, 0)


def test_example_out_of_range_is_refused():
    s, _ = at("debug", "batch", "forward", 2)
    with pytest.raises(ValueError, match="out of range"):
        latex_for_step(s, 5)


# ---- elision and formatting ------------------------------------------------------------
def test_big_network_forward_is_elided_and_short():
    s, tex = at("big_64_25_10", "batch", "forward", 2)
    check_structure(tex)
    for mark in (r"\cdots", r"\vdots", r"\ddots"):
        assert mark in tex
    assert len(tex) < 6000
    assert bmatrix_shapes(tex)[0] == (6, 6)  # Θ^(1) 25 × 65 shown as 6 × 6
    theta = s.network.theta(1)
    first_row = " & ".join([fmt(v) for v in theta[0, :4]] + [r"\cdots", fmt(theta[0, -1])])
    last_row = " & ".join([fmt(v) for v in theta[-1, :4]] + [r"\cdots", fmt(theta[-1, -1])])
    assert first_row in tex and last_row in tex
    z = s.z[2][0]
    shown = [fmt(v) for v in z[:4]] + [r"\vdots", fmt(z[-1])]
    assert r"\begin{bmatrix} " + r" \\ ".join(shown) + r" \end{bmatrix}" in tex


def test_big_network_every_string_is_bounded():
    for label, tex in all_strings():
        assert len(tex) < 6000, label


def test_smaller_limits_are_respected():
    for s in walk("big_64_25_10", "batch"):
        tex = latex_for_step(s, 1, max_rows=4, max_cols=5, digits=2)
        check_structure(tex)
        for rows, cols in bmatrix_shapes(tex):
            assert rows <= 4 and cols <= 5


def test_matrix_elision_keeps_first_rows_and_the_last():
    M = np.arange(100.0).reshape(10, 10)
    tex = matrix(M, max_rows=6, max_cols=6)
    assert tex == (r"\begin{bmatrix} 0 & 1 & 2 & 3 & \cdots & 9 \\ 10 & 11 & 12 & 13 & \cdots & 19"
                   r" \\ 20 & 21 & 22 & 23 & \cdots & 29 \\ 30 & 31 & 32 & 33 & \cdots & 39"
                   r" \\ \vdots & \vdots & \vdots & \vdots & \ddots & \vdots"
                   r" \\ 90 & 91 & 92 & 93 & \cdots & 99 \end{bmatrix}")
    assert matrix(np.ones((6, 6))).count(r"\\") == 5  # 6 rows: not elided
    assert r"\cdots" not in matrix(np.ones((6, 6)))


def test_numbers():
    assert number(0.3775, 4) == "0.3775"
    assert number(-30.0) == "-30"
    assert number(-0.0) == "0"
    assert number(1.5e-5) == r"1.5\times 10^{-5}"
    assert number(-2.5e7, 2) == r"-2.5\times 10^{7}"
    assert number(float("nan")) == "?"
    assert matrix([[np.nan, 1.0]]) == r"\begin{bmatrix} ? & 1 \end{bmatrix}"


# ---- KaTeX ----------------------------------------------------------------------------
def find_katex() -> Path:
    import panel

    base = Path(panel.__file__).parent / "dist" / "bundled" / "katex"
    found = sorted(base.rglob("katex.min.js"))
    if not found:
        pytest.fail(f"Panel's bundled KaTeX was not found: no katex.min.js under {base}.")
    return found[-1]


_RENDER_ALL = """(strings) => strings.map((tex) => {
  try {
    katex.renderToString(tex, { throwOnError: true, displayMode: true, strict: "error" });
    return null;
  } catch (e) {
    return String(e && e.message ? e.message : e);
  }
})"""


def test_katex_parses_every_string(page):
    """Every string rendered by Panel's bundled KaTeX, in the Chromium the browser tests use."""
    page.set_content("<!doctype html><html><head></head><body></body></html>")
    page.add_script_tag(path=str(find_katex()))
    version = page.evaluate("() => katex.version")
    labelled = list(all_strings())
    labelled.append(("control: a broken string must fail", r"\frac{1}"))
    errors = page.evaluate(_RENDER_ALL, [tex for _, tex in labelled])
    assert len(errors) == len(labelled)
    assert errors[-1] is not None, "the broken control string rendered: the check is not working"
    failures = [(label, tex, err) for (label, tex), err in zip(labelled[:-1], errors[:-1]) if err]
    assert not failures, "KaTeX {} could not render {} of {} strings; first:\n{}".format(
        version, len(failures), len(errors) - 1,
        "\n\n".join(f"{label}\n{err}\n{tex}" for label, tex, err in failures[:3]))
    assert len(labelled) > 300
