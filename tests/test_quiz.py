"""explorer.quiz: every question's answer is right, recomputed here from the stepper's
values or an independent network, and can be told apart at the precision the page shows."""
import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest

from engine import Kind, Network, Stepper, presets
from explorer.graph import unit_name
from explorer.quiz import check, question

SMALL = [name for name in presets.names() if not name.startswith("digits")]


# ---- what the page shows, written here from graph_view's _LABEL and tooltips ----
def shown(v):
    """a or δ as the graph's labels show it, read back as a number: 3 decimals, or one
    significant digit below 1e-3 (9e-05)."""
    return float(f"{v:.3f}") if v == 0 or abs(v) >= 1e-3 else float(f"{v:.0e}")


def sig(v, digits):
    return float(f"{v:.{digits}g}")


def theta_label(l, j, i):
    return unit_name(f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}", l, "Θ")


def unit_in(text):
    """(symbol, j, l) of the one unit a question's text names, e.g. a<sub>2</sub><sup>(3)</sup>."""
    found = re.search(r"(a|δ)<sub>(\d+)</sub><sup>\((\d+)\)</sup>", text)
    return found.group(1), int(found.group(2)), int(found.group(3))


def form(q):
    text = q["text"]
    for key, words in (("most_active", "most active"), ("above_half", "above 0.5"),
                       ("largest_delta", "largest |δ"), ("sign", "sign of"),
                       ("cost", "Will J go up or down"), ("update", "weights will change"),
                       ("weight_direction", "go up or down in this update")):
        if words in text:
            return key
    assert q["kind"] == "number", text
    return "number"


# ---- the checks every question must pass --------------------------------------------
def assert_well_formed(q):
    assert json.loads(json.dumps(q)) == q  # plain JSON data, no numpy types
    assert set(q) == {"text", "kind", "choices", "answer", "tolerance", "reason"}
    assert "\n" not in q["reason"] and q["reason"]
    if q["kind"] == "choice":
        assert type(q["answer"]) is int and 0 <= q["answer"] < len(q["choices"])
        assert len(set(q["choices"])) == len(q["choices"]) >= 2
        assert len(q["choices"]) <= 4
        assert check(q, q["answer"])
        assert not any(check(q, k) for k in range(len(q["choices"])) if k != q["answer"])
    else:
        assert q["kind"] == "number" and q["choices"] == [] and q["tolerance"] == 0.05
        assert type(q["answer"]) is float and math.isfinite(q["answer"])
        assert check(q, q["answer"]) and check(q, str(q["answer"]))
        assert not check(q, q["answer"] + 0.06)


def assert_right(s, q, example, net_before):
    """The answer, recomputed from the stepper's values (or a network of our own), and
    the right choice strictly ahead at the page's precision."""
    step = s.last_step
    e = example if step.example is None else step.example
    kind = form(q)
    picked = q["choices"][q["answer"]] if q["kind"] == "choice" else None
    if kind in ("most_active", "largest_delta"):
        l = step.layer
        values = s.a[l][e] if kind == "most_active" else np.abs(s.delta[l][e])
        symbol = "a" if kind == "most_active" else "δ"
        best = int(np.argmax(values))
        assert picked == unit_name(best + 1, l, symbol)
        others = np.delete([shown(v) for v in values], best)
        assert shown(values[best]) > others.max()  # no tie, in the whole layer
        assert set(q["choices"]) <= {unit_name(j, l, symbol) for j in range(1, len(values) + 1)}
    elif kind == "above_half":
        _, j, l = unit_in(q["text"])
        a = s.a[l][e][j - 1]
        assert f"{a:.3f}" != "0.500"
        assert picked == ("Yes" if a > 0.5 else "No")
    elif kind == "sign":
        _, j, l = unit_in(q["text"])
        d = s.delta[l][e][j - 1]
        assert np.sign(d) != 0 and picked == ("Positive" if np.sign(d) > 0 else "Negative")
    elif kind == "number":
        symbol, j, l = unit_in(q["text"])
        assert q["answer"] == (s.a if symbol == "a" else s.delta)[l][e][j - 1]
    elif kind == "cost":
        # J after the update, from a network of our own: Θ − αD with D from the
        # engine's vectorised backprop (not the stepper).
        D = net_before.gradients(s.X, s.Y)
        after = Network.from_thetas([t - s.learning_rate * d for t, d in zip(net_before.thetas, D)],
                                    **net_before.settings())
        J_after = after.cost(s.X, s.Y)
        assert sig(J_after, 6) != sig(s.J, 6)
        assert picked == ("Down" if J_after < s.J else "Up")
    elif kind == "update":
        alpha = s.learning_rate
        change = {(l, j, i): alpha * abs(s.D[l][j - 1, i]) for l in range(1, s.L)
                  for j in range(1, s.D[l].shape[0] + 1) for i in range(s.D[l].shape[1])}
        by_label = {theta_label(*key): value for key, value in change.items()}
        assert by_label[picked] == pytest.approx(max(change.values()), rel=1e-9)
        assert all(sig(by_label[picked], 4) > sig(by_label[c], 4)
                   for c in q["choices"] if c != picked)
    elif kind == "weight_direction":  # Θ := Θ − αD goes up where D is negative
        l, j, i = (int(x) for x in re.search(
            r"Θ<sub>(\d+),?(\d+)</sub><sup>\((\d+)\)</sup>", q["text"]).group(3, 1, 2))
        d = s.D[l][j - 1, i]
        after = s.network.theta(l)[j - 1, i]
        assert sig(after, 4) != sig(after + s.learning_rate * d, 4)
        assert picked == ("Up" if d < 0 else "Down")
    else:
        raise AssertionError(kind)
    return kind


def walk(s, iterations, example):
    """Step s through ``iterations`` iterations, checking every question; the forms asked."""
    asked, predicted = [], None
    for _ in range(iterations * s.steps_per_iteration):
        net_before = s.network
        s.step()
        q = question(s, example)
        kind = s.last_step.kind
        if kind is Kind.COST and predicted is not None:  # last iteration's cost question
            J_before, answer = predicted
            assert answer == ("Down" if s.J < J_before else "Up")
            predicted = None
        if q is None:
            # the cost step, when J does not change visibly; the update, when no weight does
            assert kind in (Kind.ACCUMULATE, Kind.GRADIENT, Kind.COST, Kind.UPDATE)
            continue
        assert question(s, example) == q == question(s.fork(), example)  # deterministic
        assert_well_formed(q)
        asked.append(assert_right(s, q, example, net_before))
        if kind is Kind.COST:
            predicted = (s.J, q["choices"][q["answer"]])
    return asked


def stepper_of(name, mode="batch"):
    p = presets.load(name)
    return Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate, mode=mode)


@pytest.mark.parametrize("name", SMALL)
def test_every_question_of_two_batch_iterations_is_right(name):
    s = stepper_of(name)
    for example in sorted({0, s.m - 1}):
        asked = walk(stepper_of(name), 2, example)
        assert asked
    # A stepper moved on past the cost step: its prediction was checked against the J
    # the real stepper reached (walk asserts it at the second cost step).


@pytest.mark.parametrize("name", ["xnor", "debug"])
def test_every_question_of_two_per_example_iterations_is_right(name):
    s = stepper_of(name, "per_example")
    asked = walk(s, 2, example=0)
    assert {"cost", "update", "sign"} <= set(asked)


def test_digits_one_iteration():
    for name in ("digits", "digits_softmax"):
        asked = walk(stepper_of(name), 1, example=5)
        # forward 2, forward 3, cost, δ3, δ2, update
        assert len(asked) == 6


def test_when_every_weight_moves_alike_the_update_asks_up_or_down():
    # OR's three weights all move by α|D| = α · 1.135e-05: no "which changes the most";
    # at α = 2000 the moves show in Θ's 4 digits (20 -> 20.02), so "up or down?" is asked.
    p = presets.load("or")
    asked = walk(Stepper(p.network, p.X, p.Y, learning_rate=2000.0), 1, example=0)
    assert asked[-1] == "weight_direction"
    # at the preset's α = 1 no weight visibly moves: no question at all
    assert "weight_direction" not in walk(stepper_of("or"), 1, example=0)


def test_the_cost_question_matches_the_next_iterations_J():
    s = stepper_of("xor")
    for _ in range(5):
        s.run_iteration()
    while s.last_step.kind is not Kind.COST:
        s.step()
    q = question(s, 0)
    J = s.J
    s.run_iteration()
    while s.last_step.kind is not Kind.COST:
        s.step()
    assert sig(s.J, 6) != sig(J, 6)
    assert q["choices"][q["answer"]] == ("Down" if s.J < J else "Up")


def test_forward_questions_take_turns_with_the_iteration():
    s = stepper_of("debug")  # 5 hidden units: every form can be asked of layer 2
    forms = []
    for _ in range(3):
        s.step()
        forms.append(form(question(s, 0)))
        s.run_iteration()
    assert sorted(forms) == ["above_half", "most_active", "number"]


def questions_of(net, X, Y, iterations=3, alpha=0.5, mode="batch"):
    s = Stepper(net, X, Y, learning_rate=alpha, mode=mode)
    out = []
    for _ in range(iterations * s.steps_per_iteration):
        s.step()
        q = question(s, 0)
        if q is not None:
            assert_well_formed(q)
            out.append((s.last_step, form(q)))
    return out


def test_zero_weights_tie_every_hidden_unit_so_no_which_unit_question():
    p = presets.load("xnor")
    net = Network([2, 2, 1], init="zeros")
    asked = questions_of(net, p.X, p.Y)
    hidden = [f for step, f in asked if step.layer == 2]
    assert hidden and not {"most_active", "largest_delta"} & set(hidden)
    # a = g(0) = 0.5 exactly and δ^(2) = 0 exactly: only numbers are left to ask
    first = [f for step, f in asked[:4]]
    assert first[0] == first[1] == "number"


def test_a_tie_for_the_largest_is_never_asked():
    # Hidden units 1 and 2 have the same weights: they tie for the largest a (their
    # bias is higher) and, with equal outgoing weights 0.7, for the largest |δ|.
    thetas = [[[2.0, 0.3, -0.2], [2.0, 0.3, -0.2], [-1.0, -0.4, 0.2]],
              [[0.2, 0.7, 0.7, -0.3]]]
    net = Network.from_thetas(thetas)
    X, Y = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.4]]), np.array([1.0, 0.0, 1.0])
    z, a = net.forward(X)
    assert np.all(a[2][:, 0] == a[2][:, 1]) and np.all(a[2][:, 0] > a[2][:, 2])
    s = Stepper(net, X, Y, learning_rate=1e-9)  # the tie lasts
    for _ in range(3 * s.steps_per_iteration):
        s.step()
        if s.last_step.layer == 2 and s.last_step.kind is Kind.HIDDEN_DELTA:
            d = np.abs(s.delta[2][0])
            assert d[0] == d[1] > d[2]
        q = question(s, 0)
        if q is not None and s.last_step.layer == 2:
            assert form(q) not in ("most_active", "largest_delta")


def one_unit(a, alpha=1e-12):
    """A 1-1 network whose only unit has a = a for the input 1 (and keeps it)."""
    z = math.log(a / (1 - a))
    net = Network.from_thetas([[[z, 0.0]]])
    return Stepper(net, np.array([[1.0]]), np.array([1.0]), learning_rate=alpha)


def forward_forms(s, iterations=3):
    forms = []
    for _ in range(iterations):
        s.step()
        assert s.last_step.kind is Kind.FORWARD
        forms.append(form(question(s, 0)))
        s.run_iteration()
    return forms


def test_a_value_shown_as_0_500_is_never_asked_above_half():
    s = one_unit(0.5004)
    assert f"{s.network.predict([[1.0]])[0, 0]:.3f}" == "0.500"
    assert "above_half" not in forward_forms(s)
    assert "above_half" in forward_forms(one_unit(0.5006))  # the control: 0.501 is asked


def test_the_update_question_offers_the_largest_change_and_three_smaller():
    s = stepper_of("digits")
    s.run_iteration()
    q = question(s, 0)
    assert form(q) == "update" and len(q["choices"]) == 4
    before, alpha = s.last_update
    moved = {theta_label(l, j, i): abs(s.network.theta(l)[j - 1, i] - before.theta(l)[j - 1, i])
             for l in range(1, s.L) for j in range(1, s.network.theta(l).shape[0] + 1)
             for i in range(s.network.theta(l).shape[1])}
    assert moved[q["choices"][q["answer"]]] == max(moved.values())


def test_labels_are_the_graphs():
    pytest.importorskip("panel")
    from explorer.graph_view import _sub
    from explorer.quiz import _name, _sub as quiz_sub
    for j, i in [(1, 2), (12, 3), (9, 9), (3, 10)]:
        assert quiz_sub(j, i) == _sub(j, i)
        assert _name("Θ", quiz_sub(j, i), 2) == unit_name(_sub(j, i), 2, "Θ")
    assert _name("a", quiz_sub(7), 3) == unit_name(7, 3) == "a₇⁽³⁾"


def test_no_question_before_the_first_step_nor_for_delta_and_gradient():
    s = stepper_of("xnor")
    assert question(s, 0) is None
    for _ in range(s.steps_per_iteration):
        s.step()
        if s.last_step.kind in (Kind.ACCUMULATE, Kind.GRADIENT):
            assert question(s, 0) is None


def test_check():
    choice = {"kind": "choice", "choices": ["Up", "Down"], "answer": 1, "tolerance": 0.0}
    assert check(choice, 1) and check(choice, "1") and check(choice, " 1 ")
    assert not any(check(choice, x) for x in (0, "0", True, 1.5, "one", "", None, "١"))
    number = {"kind": "number", "choices": [], "answer": 0.731, "tolerance": 0.05}
    for right in (0.731, 0.7, 0.78, "0.7", " .75 ", "7.3e-1", "+0.69", 1 - 0.25):
        assert check(number, right), right
    for wrong in (0.67, 0.79, "0.8", "", "nan", "inf", "0x1", "0,7", "٠.٧", None, True,
                  float("nan"), [0.731]):
        assert not check(number, wrong), wrong
    assert not check({}, 1) and not check({"kind": "choice"}, 1) and not check(None, 1)


def test_the_module_imports_no_panel_bokeh_or_param():
    code = ("import sys, explorer.quiz; print(sorted({m.split('.')[0] for m in sys.modules}"
            " & {'panel', 'bokeh', 'param'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def at_cost_step(s):
    s.step()
    while s.last_step.kind is not Kind.COST:
        s.step()
    return s


def test_no_cost_question_when_J_would_not_change_in_its_6_digits():
    assert question(at_cost_step(one_unit(0.7, alpha=1e-9)), 0) is None
    q = question(at_cost_step(one_unit(0.7, alpha=1.0)), 0)  # the control: y = 1, a rises
    assert q["choices"][q["answer"]] == "Down"


# ---- W, b: the same questions, in W, b's names ---------------------------------------
_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")
_SUPS = "[⁰¹²³⁴⁵⁶⁷⁸⁹]+"  # not one range: ¹ ² ³ are Latin-1's


def _small(text):
    return text.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _weight_wb(j, i, l, html=False):
    """Θ_ji^(l) as W, b writes it: b_j^[l] for the bias column i = 0, else W_ji^[l]."""
    symbol, sub = ("b", j) if i == "0" else ("W", j + i)
    return f"{symbol}<sub>{sub}</sub><sup>[{l}]</sup>" if html else f"{symbol}{_small(sub)}^[{l}]"


def in_wb(text):
    """A question's text in the notes, its names renamed as W, b writes them (written here
    from notation.py's table, for networks of fewer than 10 units a layer): a unit of the
    notes' layer l is in layer l − 1 (a₂⁽³⁾ → a₂^[2]), Θ_ji^(l) is W_ji^[l] or b_j^[l]."""
    def down(l):
        return str(int(l.translate(_DIGITS)) - 1)
    text = re.sub(rf"([azδ][₀-₉]+)⁽({_SUPS})⁾", lambda m: f"{m[1]}^[{down(m[2])}]", text)
    text = re.sub(rf"Θ([₀-₉])([₀-₉])⁽({_SUPS})⁾",
                  lambda m: _weight_wb(*(g.translate(_DIGITS) for g in m.groups())), text)
    text = re.sub(r"([aδ]<sub>\d+</sub>|\|δ)<sup>\((\d+)\)</sup>",
                  lambda m: f"{m[1]}<sup>[{down(m[2])}]</sup>", text)
    text = re.sub(r"Θ<sub>(\d)(\d)</sub><sup>\((\d+)\)</sup>",
                  lambda m: _weight_wb(*m.groups(), html=True), text)
    return re.sub(r"layer (\d+)", lambda m: f"layer {down(m[1])}", text)


def test_in_wb_renames_as_the_notation_module_says():
    assert in_wb("a₂⁽³⁾") == "a₂^[2]" and in_wb("Θ₁₀⁽¹⁾") == "b₁^[1]"
    assert in_wb("Θ₁₂⁽²⁾ and δ₁⁽²⁾ of layer 2") == "W₁₂^[2] and δ₁^[1] of layer 1"
    assert in_wb("Is a<sub>1</sub><sup>(2)</sup> above |δ<sup>(3)</sup>|, "
                 "Θ<sub>20</sub><sup>(1)</sup>?") == \
        "Is a<sub>1</sub><sup>[1]</sup> above |δ<sup>[2]</sup>|, b<sub>2</sub><sup>[1]</sup>?"


def reason_in_wb(q_theta, q_wb):
    """The theta reason in W, b: names renamed, and the update written for the weight asked
    about (the right choice, or the one in the text): W := W − α dW, or b := b − α db."""
    reason = in_wb(q_theta["reason"])
    kind = form(q_theta)
    if kind == "cost":
        return reason.replace("Θ := Θ − αD", "W := W − α dW, b := b − α db")
    if kind in ("update", "weight_direction"):
        bias = (q_wb["choices"][q_wb["answer"]] if kind == "update"
                else re.sub("<[^>]+>", "", q_wb["text"].split()[1])).startswith("b")
        g, rule = ("db", "b := b − α db") if bias else ("dW", "W := W − α dW")
        return (reason.replace("α|D|", f"α|{g}|").replace("as D is", f"as {g} is")
                .replace("Θ := Θ − αD", rule))
    return reason


@pytest.mark.parametrize("mode", ["batch", "per_example"])
@pytest.mark.parametrize("name", ["xnor", "debug"])
def test_wb_questions_are_the_theta_questions_renamed(name, mode):
    s = stepper_of(name, mode)
    seen, names = set(), set()
    for _ in range(2 * s.steps_per_iteration):
        s.step()
        for example in sorted({0, s.m - 1}):
            theta, wb = question(s, example), question(s, example, notation="wb")
            assert question(s, example, notation="theta") == theta
            if theta is None:
                assert wb is None
                continue
            assert_well_formed(wb)
            # the same question: its kind, answer, number of choices and tolerance
            assert {k: wb[k] for k in ("kind", "answer", "tolerance")} == \
                {k: theta[k] for k in ("kind", "answer", "tolerance")}
            assert len(wb["choices"]) == len(theta["choices"]) and form(wb) == form(theta)
            # in W, b's names
            assert wb["choices"] == [in_wb(c) for c in theta["choices"]]
            assert wb["text"] == in_wb(theta["text"])
            assert wb["reason"] == reason_in_wb(theta, wb)
            for text in (wb["text"], wb["reason"], *wb["choices"]):
                assert "Θ" not in text and "⁽" not in text and "<sup>(" not in text
                assert "αD" not in text and "|D|" not in text and " D " not in text
            seen.add(form(wb))
            names.update(c[0] for c in wb["choices"])
    assert {"cost", "update", "sign"} <= seen
    assert {"b", "W"} <= names  # the update offered a bias weight b and a weight W


def test_the_forward_question_of_the_notes_layer_2_is_about_layer_1_in_wb():
    s = stepper_of("debug")
    s.step()  # forward, the notes' layer 2: the first hidden layer, layer 1 in W, b
    q, wb = question(s, 0), question(s, 0, notation="wb")
    assert q["text"] == "Which of these units of layer 2 will be most active?"
    assert wb["text"] == "Which of these units of layer 1 will be most active?"
    assert wb["choices"] == ["a₁^[1]", "a₂^[1]", "a₃^[1]", "a₄^[1]"]


def test_wb_labels_are_the_graphs():
    from explorer.graph import edge_name
    from explorer.quiz import _Names
    wb, theta = _Names("wb"), _Names("theta")
    for j, l in [(7, 3), (1, 2), (12, 4)]:
        for symbol in ("a", "z", "δ"):
            assert wb.unit(symbol, j, l) == unit_name(j, l, symbol, notation="wb")
            assert theta.unit(symbol, j, l) == unit_name(j, l, symbol)
    for l, j, i in [(1, 1, 2), (2, 12, 3), (1, 3, 10), (2, 1, 0), (1, 11, 0)]:
        assert wb.weight(l, j, i) == edge_name(l, j, i, "wb").split(":")[0]
        assert theta.weight(l, j, i) == edge_name(l, j, i).split(":")[0]
    assert wb.weight(1, 1, 0) == "b₁^[1]" and wb.weight(1, 1, 0, html=True) == \
        "b<sub>1</sub><sup>[1]</sup>"
    assert wb.unit("a", 2, 3, html=True) == "a<sub>2</sub><sup>[2]</sup>" and wb.layer(3) == 2


def test_up_or_down_in_wb_names_b_or_w_and_its_rule():
    p = presets.load("or")  # as test_when_every_weight_moves_alike_the_update_asks_up_or_down
    s = Stepper(p.network, p.X, p.Y, learning_rate=2000.0)
    s.run_iteration()
    theta, wb = question(s, 0), question(s, 0, notation="wb")
    assert form(theta) == form(wb) == "weight_direction" and wb["answer"] == theta["answer"]
    assert wb["text"] == in_wb(theta["text"]) and wb["reason"] == reason_in_wb(theta, wb)
    assert wb["text"] == "Will b<sub>1</sub><sup>[1]</sup> go up or down in this update?"
    assert wb["reason"].endswith("as db is negative and b := b − α db.")
