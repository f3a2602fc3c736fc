"""check_backprop: a student's own backpropagation compared step by step with the engine's.

The "student" here is an independent plain-numpy backpropagation (for
sigmoid nets with the course's cross-entropy), with each mistake written into
it as a student would write it, never by calling the engine's bug switches:
the tests compare the engine with other code, not with itself.
"""
from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine
from engine import Network, bugs, check_backprop, mistakes, numerical_gradients, presets, \
    relative_difference
from engine.check import ATOL, RTOL, UserFunctionError, correct_values

REPO = Path(__file__).resolve().parents[1]


# ---- an independent backpropagation, mistakes included ------------------------------------
def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def with_ones(a):
    return np.hstack([np.ones((a.shape[0], 1)), a])


def student(thetas, X, Y, lam, mistake=None, form="dict", bias_in_a=False):
    """The notes' forward and back propagation in numpy, vectorized over examples.

    ``mistake`` writes in one named mistake; ``form`` is what is returned:
    "dict" (everything), "D list" (J, [D...]), "unrolled" (J, grad) column-major,
    "column" (J, grad as an n×1 column) or "row_major" (J, grad unrolled with ravel()).
    """
    m, L = X.shape[0], len(thetas) + 1
    a, z = {1: X}, {}
    for l in range(2, L + 1):
        z[l] = with_ones(a[l - 1]) @ thetas[l - 2].T
        a[l] = sig(z[l])
    h = a[L]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m
    first = 0 if mistake == "cost_regularises_bias" else 1
    if mistake != "cost_without_regularisation":
        J += lam / (2 * m) * sum(np.sum(T[:, first:] ** 2) for T in thetas)

    delta = {L: Y - h if mistake == "delta_sign" else h - Y}
    for l in range(L - 1, 1, -1):
        back = delta[l + 1] @ thetas[l - 1]          # column 0: the bias unit's error
        if mistake == "bias_row_kept":                # sigmoidGradient([1 z]) and no 2:end
            g = sig(with_ones(z[l]))
            delta[l] = back * g * (1 - g)
            continue
        back = back[:, 1:]
        if mistake == "no_g_prime":
            delta[l] = back
        elif mistake == "a_instead_of_z":            # sigmoidGradient(a)
            delta[l] = back * sig(a[l]) * (1 - sig(a[l]))
        elif mistake == "z_in_a_formula":            # z .* (1 - z)
            delta[l] = back * z[l] * (1 - z[l])
        else:
            delta[l] = back * a[l] * (1 - a[l])

    Delta, D = {}, {}
    for l in range(1, L):
        T = thetas[l - 1]
        reg = lam / m * T
        if mistake != "regularised_bias":
            reg[:, 0] = 0.0
        if mistake == "bias_row_kept" and l < L - 1:  # Δ^(l) has a row more; zeros keep it as it is
            reg = np.vstack([np.zeros((1, reg.shape[1])), reg])
        if mistake == "transposed":
            Delta[l] = with_ones(a[l]).T @ delta[l + 1]
            D[l] = Delta[l] / m + (reg if reg.shape == Delta[l].shape else reg.T)
            continue
        Delta[l] = delta[l + 1].T @ with_ones(a[l])
        if mistake == "notes_lambda":
            D[l] = Delta[l] / m + m * reg
        elif mistake == "no_division_by_m":
            D[l] = Delta[l] + reg
        elif mistake == "nothing_divided_by_m":
            D[l] = Delta[l] + m * reg
        else:
            D[l] = Delta[l] / m + reg

    Ds = [D[l] for l in range(1, L)]
    if form == "dict":
        shown = [with_ones(a[l]) if bias_in_a and l < L else a[l] for l in range(1, L + 1)]
        return {"J": J, "a": shown, "z": [z[l] for l in range(2, L + 1)],
                "delta": [delta[l] for l in range(2, L + 1)],
                "Delta": [Delta[l] for l in range(1, L)], "D": Ds}
    if form == "D list":
        return J, Ds
    grad = np.concatenate([d.ravel(order="C" if form == "row_major" else "F") for d in Ds])
    return J, grad[:, None] if form == "column" else grad


def written(mistake=None, **options):
    return lambda thetas, X, Y, lam: student(thetas, X, Y, lam, mistake, **options)


# ---- the networks ------------------------------------------------------------------------
def case(name, lam=None):
    """(net, X, Y one-hot): a preset, or a random sigmoid net "random 2-3-4"."""
    if name.startswith("random"):
        sizes = [int(s) for s in name.split()[1].split("-")]
        net = Network(sizes, lam=lam or 0.0, seed=3)
        rng = np.random.default_rng(3)
        X = rng.normal(size=(6, sizes[0]))
        Y = np.eye(sizes[-1])[np.arange(6) % sizes[-1]]
        return net, X, Y
    p = presets.load(name)
    net = p.network if lam is None else p.network.with_settings(lam=lam)
    return net, p.X, net.check_targets(p.Y, p.X.shape[0])


NETS = [("debug", 0.0), ("debug", 3.0), ("xnor", 0.0), ("xnor", 1.0), ("or", 0.0), ("xor", 1.0),
        ("random 2-3-4", 1.0), ("random 3-4-4-2", 0.5)]
FORMS = ["dict", "D list", "unrolled", "column"]


# ---- a correct student passes --------------------------------------------------------------
@pytest.mark.parametrize("name, lam", NETS)
@pytest.mark.parametrize("form", FORMS)
def test_correct_backprop_passes_in_every_form(name, lam, form):
    net, X, Y = case(name, lam)
    report = check_backprop(written(form=form), net, X, Y)
    assert report.passed, str(report)
    assert report.first_difference is None and report.diagnosis is None
    assert report.diagnosis_name is None
    expected_rows = 5 * net.L - 3 if form == "dict" else net.L   # a, z, J, δ, Δ, D or J and D
    assert len(report.rows) == expected_rows
    assert "Passed" in str(report)


@pytest.mark.parametrize("name, lam", NETS)
def test_a_with_its_bias_column_passes(name, lam):
    net, X, Y = case(name, lam)
    report = check_backprop(written(bias_in_a=True), net, X, Y)
    assert report.passed, str(report)
    rows = {row.symbol: row for row in report.rows}
    assert rows["a^(1)"].returned_shape == (X.shape[0], net.sizes[0] + 1)
    assert rows["a^(1)"].shape == (X.shape[0], net.sizes[0])


def test_the_digits_pass_and_the_notes_lambda_fails_there():
    net, X, Y = case("digits")
    assert check_backprop(written(form="unrolled"), net, X, Y).passed
    report = check_backprop(written("notes_lambda", form="unrolled"), net, X, Y)
    assert (report.first_difference.quantity, report.first_difference.layer) == ("D", 1)
    assert report.diagnosis_name == "notes_lambda"


@pytest.mark.parametrize("name, lam", [("debug", 3.0), ("random 2-3-4", 1.0), ("random 3-4-4-2", 0.5)])
def test_the_independent_student_is_the_true_gradient(name, lam):
    # So that "passes" means right: the student's D against two-sided differences.
    net, X, Y = case(name, lam)
    J, D = student(net.thetas, X, Y, lam, form="D list")
    assert relative_difference(D, numerical_gradients(net, X, Y)) < 1e-8
    assert J == pytest.approx(net.cost(X, Y), rel=1e-12)


def test_rows_follow_the_steps_of_a_batch_iteration():
    net, X, Y = case("random 3-4-4-2")
    report = check_backprop(written(), net, X, Y)
    assert [row.symbol for row in report.rows] == [
        "a^(1)", "z^(2)", "a^(2)", "z^(3)", "a^(3)", "z^(4)", "a^(4)", "J",
        "δ^(4)", "δ^(3)", "δ^(2)", "Δ^(3)", "Δ^(2)", "Δ^(1)", "D^(1)", "D^(2)", "D^(3)"]
    order, values = correct_values(net, X, Y)
    assert [(row.quantity, row.layer) for row in report.rows] == order
    J, D = net.cost_and_gradients(X, Y)
    assert values["J", None] == J
    for l in range(1, net.L):
        np.testing.assert_array_equal(values["D", l], D[l - 1])


def test_a_subset_with_gaps_is_checked_alone():
    net, X, Y = case("debug")
    full = student(net.thetas, X, Y, 0.0)
    report = check_backprop(lambda *args: {"delta": [None, full["delta"][1]], "D": None}, net, X, Y)
    assert report.passed and [row.symbol for row in report.rows] == ["δ^(3)"]


# ---- the tolerance -------------------------------------------------------------------------
def perturbed(key, index, relative):
    """A correct dict with one entry of (quantity, l) moved by ``relative`` of the quantity's max."""
    quantity, l = key

    def fn(thetas, X, Y, lam):
        out = student(thetas, X, Y, lam)
        if quantity == "J":
            out["J"] += relative * abs(out["J"])
            return out
        first = {"a": 1, "z": 2, "delta": 2, "Delta": 1, "D": 1}[quantity]
        value = out[quantity][l - first]
        value[index] += relative * np.max(np.abs(value))
        return out
    return fn


@pytest.mark.parametrize("key, index", [(("D", 1), (2, 0)), (("delta", 2), (1, 3)),
                                        (("z", 3), (4, 2)), (("J", None), None)])
def test_float_noise_passes_and_a_small_real_difference_fails(key, index):
    net, X, Y = case("debug", 3.0)
    assert check_backprop(perturbed(key, index, 1e-12), net, X, Y).passed
    report = check_backprop(perturbed(key, index, 1e-5), net, X, Y)
    first = report.first_difference
    assert (first.quantity, first.layer) == key
    assert first.tolerance == pytest.approx(ATOL + RTOL * np.max(np.abs(correct_values(net, X, Y)[1][key])))
    assert first.max_abs_diff > first.tolerance


def test_where_counts_as_the_notes_do():
    net, X, Y = case("debug")
    first = check_backprop(perturbed(("D", 1), (2, 0), 1e-3), net, X, Y).first_difference
    assert first.where == (3, 0) and first.place == "j = 3, i = 0"   # Θ_30^(1): row 3, bias column
    first = check_backprop(perturbed(("delta", 2), (1, 3), 1e-3), net, X, Y).first_difference
    assert first.where == (2, 4) and first.place == "example 2, unit 4"
    first = check_backprop(perturbed(("J", None), None, 1e-3), net, X, Y).first_difference
    assert first.where is None and first.yours != first.correct


def test_a_difference_no_mistake_explains_gives_the_formula():
    net, X, Y = case("debug")
    report = check_backprop(perturbed(("delta", 2), (1, 3), 1e-3), net, X, Y)
    assert report.diagnosis is None and report.diagnosis_name is None
    text = str(report)
    assert "First difference: δ^(2) at example 2, unit 4" in text
    assert "No known mistake gives your δ^(2)" in text
    assert "δ^(2) = (Θ^(2))ᵀ δ^(3) .* g'(z^(2))" in text


# ---- every bug and every named mistake is found and named ----------------------------------
# mistake: (net, λ, first difference when everything is returned, when (J, grad) is)
FOUND = {
    "no_g_prime": ("debug", 0.0, ("delta", 2), ("D", 1)),
    "regularised_bias": ("debug", 3.0, ("D", 1), ("D", 1)),
    "notes_lambda": ("debug", 3.0, ("D", 1), ("D", 1)),
    "a_instead_of_z": ("debug", 0.0, ("delta", 2), ("D", 1)),
    "delta_sign": ("debug", 0.0, ("delta", 3), ("D", 1)),
    "bias_row_kept": ("debug", 0.0, ("delta", 2), ("D", 1)),
    "z_in_a_formula": ("debug", 0.0, ("delta", 2), ("D", 1)),
    "no_division_by_m": ("debug", 3.0, ("D", 1), ("D", 1)),
    "nothing_divided_by_m": ("debug", 3.0, ("D", 1), ("D", 1)),
    "transposed": ("debug", 0.0, ("Delta", 2), ("D", 1)),
    "cost_regularises_bias": ("debug", 3.0, ("J", None), ("J", None)),
    "cost_without_regularisation": ("debug", 3.0, ("J", None), ("J", None)),
}


def test_every_bug_and_mistake_has_a_case():
    assert set(FOUND) == set(bugs.BUGS) | set(mistakes.MISTAKES)


@pytest.mark.parametrize("mistake", list(FOUND))
@pytest.mark.parametrize("form", ["dict", "unrolled"])
def test_each_mistake_is_found_where_it_first_shows_and_named(mistake, form):
    name, lam, in_dict, in_grad = FOUND[mistake]
    net, X, Y = case(name, lam)
    assert bugs.no_effect_reason(net, mistake, X.shape[0]) is None if mistake in bugs.BUGS else True
    report = check_backprop(written(mistake, form=form), net, X, Y)
    first = report.first_difference
    assert not report.passed
    assert (first.quantity, first.layer) == (in_dict if form == "dict" else in_grad), str(report)
    assert report.diagnosis_name == mistake, str(report)
    assert report.explains_all, str(report)
    assert report.diagnosis.startswith(f"Your {first.symbol} ")
    assert f"Diagnosis: {report.diagnosis}" in str(report)


@pytest.mark.parametrize("mistake, first", [("a_instead_of_z", ("delta", 3)), ("no_g_prime", ("delta", 3)),
                                            ("z_in_a_formula", ("delta", 3)), ("delta_sign", ("delta", 4))])
def test_on_four_layers_the_first_hidden_delta_is_found(mistake, first):
    net, X, Y = case("random 3-4-4-2", 0.5)
    report = check_backprop(written(mistake), net, X, Y)
    assert (report.first_difference.quantity, report.first_difference.layer) == first
    assert report.diagnosis_name == mistake and report.explains_all


@pytest.mark.parametrize("form, first", [("dict", ("Delta", 2)), ("D list", ("D", 1)),
                                         ("unrolled", ("D", 1))])
def test_a_square_transposed_delta_is_found_by_its_values(form, first):
    net, X, Y = case("random 2-3-4", 1.0)      # Θ^(1) is 3×3 and Θ^(2) 4×4
    assert all(t.shape[0] == t.shape[1] for t in net.thetas)
    report = check_backprop(written("transposed", form=form), net, X, Y)
    assert (report.first_difference.quantity, report.first_difference.layer) == first
    assert report.first_difference.mistake is None     # same shape: seen by value
    assert report.diagnosis_name == "transposed" and report.explains_all


def test_a_grad_unrolled_row_by_row_is_named_as_transposed_or_ravel():
    net, X, Y = case("debug", 3.0)
    report = check_backprop(written(form="row_major"), net, X, Y)
    assert (report.first_difference.quantity, report.first_difference.layer) == ("D", 1)
    assert report.diagnosis_name == "transposed"
    assert "ravel(order='F')" in report.diagnosis


@pytest.mark.parametrize("mistake, shape, other", [("bias_row_kept", (6, 4), "(J, [D^(1), …])"),
                                                   ("transposed", (4, 5), "(J, [D^(1), …])")])
def test_a_mistake_seen_in_a_shape_is_diagnosed_not_refused(mistake, shape, other):
    net, X, Y = case("debug")
    report = check_backprop(written(mistake, form="D list"), net, X, Y)
    first = report.first_difference
    assert (first.quantity, first.layer, first.returned_shape) == ("D", 1, shape)
    assert first.mistake == mistake and first.max_abs_diff == float("inf") and first.where is None
    assert report.diagnosis_name == mistake
    assert "With that undone, it and everything else you returned are right." in report.diagnosis
    text = str(report)
    assert f"WRONG SHAPE {shape[0]}×{shape[1]}" in text and other in text


def test_a_shape_mistake_with_more_wrong_says_so():
    net, X, Y = case("debug")
    J, D = student(net.thetas, X, Y, 0.0, "bias_row_kept", form="D list")
    report = check_backprop(lambda *args: (J, [D[0], D[1] + 1.0]), net, X, Y)
    assert report.diagnosis_name == "bias_row_kept" and not report.explains_all
    assert "other differences remain" in report.diagnosis
    report = check_backprop(lambda *args: (J, [D[0] + 1.0, D[1]]), net, X, Y)
    assert report.diagnosis_name == "bias_row_kept" and not report.explains_all
    assert "Even with that undone it differs, by up to 1." in report.diagnosis


def test_a_kept_bias_row_in_delta_is_diagnosed_by_its_shape():
    net, X, Y = case("debug")
    report = check_backprop(written("bias_row_kept"), net, X, Y)
    assert report.first_difference.returned_shape == (5, 6)
    assert report.diagnosis.startswith("Your δ^(2) is 5×6, not 5×5.")


def test_a_second_mistake_is_said_to_be_possible():
    net, X, Y = case("debug", 3.0)

    def two_mistakes(thetas, X, Y, lam):
        out = student(thetas, X, Y, lam, "a_instead_of_z")
        out["J"] += 0.5  # and a wrong cost besides
        return out
    report = check_backprop(two_mistakes, net, X, Y)
    assert report.first_difference.quantity == "J" and report.diagnosis is None
    out = student(net.thetas, X, Y, 3.0, "a_instead_of_z")
    out["D"][1] = out["D"][1] + 1.0
    report = check_backprop(lambda *args: out, net, X, Y)
    assert report.diagnosis_name == "a_instead_of_z" and not report.explains_all
    assert "second mistake" in report.diagnosis


@pytest.mark.parametrize("bug", list(bugs.BUGS))
@pytest.mark.parametrize("name, lam", [("debug", 3.0), ("random 3-4-4-2", 0.5)])
def test_engine_bug_values_are_the_engines_gradients_with_that_bug(bug, name, lam):
    net, X, Y = case(name, lam)
    _, correct = correct_values(net, X, Y)
    values = mistakes.engine_bug(bug, net, correct, X.shape[0])
    for l, D in enumerate(net.cost_and_gradients(X, Y, bug=bug)[1], start=1):
        np.testing.assert_allclose(values["D", l], D, rtol=0, atol=1e-15)


def test_the_diagnosis_names_mistakes_in_one_line_each():
    for name, text in mistakes.MISTAKES.items():
        assert 20 < len(text) < 200 and "\n" not in text and text[0].isupper(), name
    assert not set(mistakes.MISTAKES) & set(bugs.BUGS)


# ---- what is refused ------------------------------------------------------------------------
def returning(make):
    """A function that returns make(correct dict, J, D list)."""
    def fn(thetas, X, Y, lam):
        full = student(thetas, X, Y, lam)
        return make(full, full["J"], full["D"])
    return fn


REFUSED = [
    (lambda f, J, D: "J and grad", "returned str"),
    (lambda f, J, D: None, "returned NoneType"),
    (lambda f, J, D: J, "returned float"),
    (lambda f, J, D: (J, D, 3), "3-item tuple"),
    (lambda f, J, D: {}, "nothing to check"),
    (lambda f, J, D: {"grad": D}, "'grad'"),
    (lambda f, J, D: {"J": None, "D": None}, "nothing to check"),
    (lambda f, J, D: {"a": f["a"][1:]}, "should list a^(1)…a^(3), 3 arrays (a^(1) is X); got 2"),
    (lambda f, J, D: {"z": f["a"]}, "should list z^(2)…z^(3), 2 arrays (there is no z^(1)); got 3"),
    (lambda f, J, D: {"delta": f["delta"][0]}, "should be a list [δ^(2)…δ^(3)]"),
    (lambda f, J, D: (J, D[:1]), "should list D^(1)…D^(2), 2 arrays; got 1"),
    (lambda f, J, D: (J, [D[0][:, :3], D[1]]),
     "D^(1) should be 5×4 (s_2 × (s_1 + 1), the shape of Θ^(1)); got 5×3"),
    (lambda f, J, D: (J, [D[0], D[1][:, :-1]]), "D^(2) should be 3×6"),
    (lambda f, J, D: (J, [D[0], np.vstack([D[1], D[1][:1]])]), "D^(2) should be 3×6"),  # no bias row there
    (lambda f, J, D: {"a": [f["a"][0], with_ones(f["a"][1]) * 2, f["a"][2]]}, "first column is not all ones"),
    (lambda f, J, D: {"z": [f["z"][0], f["z"][1].T]}, "It looks transposed: rows must be examples"),
    (lambda f, J, D: {"delta": [f["delta"][0], with_ones(f["delta"][1])]}, "δ^(3) should be 5×3"),
    (lambda f, J, D: (J, np.ones(37)),
     "grad has 37 entries, but the unrolled gradient [D^(1)(:); …; D^(2)(:)] for sizes [3, 5, 3] "
     "has 38 (5×4 + 3×6)"),
    (lambda f, J, D: (J, np.ones((2, 19))), "a vector (1-D, or an n×1 column); got 2×19"),
    (lambda f, J, D: (float("nan"), D), "J (the first value returned) has NaN"),
    (lambda f, J, D: (J, [D[0] * np.nan, D[1]]), "D^(1) has NaN or infinity"),
    (lambda f, J, D: {"J": J, "delta": [f["delta"][0], f["delta"][1] + np.inf]},
     "every value must be a finite"),
    (lambda f, J, D: ("0.3", D), "must be numbers; got str"),
    (lambda f, J, D: (True, D), "must be a number; got True"),
    (lambda f, J, D: (np.array([J, J]), D), "must be one number"),
    (lambda f, J, D: (J, [D[0].astype(complex), D[1]]), "must be a numeric array"),
    (lambda f, J, D: (J, [[[1.0, 2.0], [3.0]], D[1]]), "ragged"),
    (lambda f, J, D: {"D": np.stack([D[0][:3, :4], D[1][:, :4]])}, "should be a list [D^(1)…D^(2)]"),
]


@pytest.mark.parametrize("make, message", REFUSED)
def test_malformed_returns_are_refused_with_a_message(make, message):
    net, X, Y = case("debug")
    with pytest.raises(ValueError) as info:
        check_backprop(returning(make), net, X, Y)
    assert message in str(info.value)


def test_bad_arguments_are_refused():
    net, X, Y = case("debug")
    with pytest.raises(ValueError, match="engine Network"):
        check_backprop(written(), "net", X, Y)
    with pytest.raises(ValueError, match="fn"):
        check_backprop(None, net, X, Y)


def test_an_exception_in_the_function_keeps_its_cause():
    net, X, Y = case("debug")

    def broken(thetas, X, Y, lam):
        return thetas[0] @ X  # 5×4 @ 5×3

    with pytest.raises(UserFunctionError, match=r"broken\(thetas, X, Y, lam\) raised ValueError") as info:
        check_backprop(broken, net, X, Y)
    assert isinstance(info.value.__cause__, ValueError)


def test_the_function_gets_copies_it_may_change():
    net, X, Y = case("debug", 3.0)
    before_thetas, before_X = net.thetas, X.copy()

    def vandal(thetas, X, Y, lam):
        out = copy.deepcopy(student(thetas, X, Y, lam))  # a^(1) is X itself
        for array in (*thetas, X, Y):
            array[...] = 7.0
        return out
    assert check_backprop(vandal, net, X, Y).passed
    assert check_backprop(written(), net, X, Y).passed
    for t, b in zip(net.thetas, before_thetas):
        np.testing.assert_array_equal(t, b)
    np.testing.assert_array_equal(X, before_X)


def test_labels_reach_the_function_one_hot():
    p = presets.load("debug")
    seen = {}

    def look(thetas, X, Y, lam):
        seen.update(Y=Y, lam=lam, shapes=[t.shape for t in thetas])
        return student(thetas, X, Y, lam)
    assert check_backprop(look, p.network, p.X, p.Y).passed
    np.testing.assert_array_equal(seen["Y"], np.eye(3)[[1, 2, 0, 1, 2]])
    assert seen["lam"] == 0.0 and seen["shapes"] == [(5, 4), (3, 6)]


def test_exported_from_engine():
    assert engine.check_backprop is check_backprop
    assert "check_backprop" in engine.__all__ and "BackpropReport" in engine.__all__


def test_the_engine_still_imports_nothing_of_the_app():
    code = ("import sys, engine; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('panel', 'bokeh', 'param', 'explorer')]; print(bad); sys.exit(bool(bad))")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


# ---- the example file and the command line --------------------------------------------------
def cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_the_example_is_wrong_where_its_spoiler_says():
    spec = importlib.util.spec_from_file_location("ex4_student", REPO / "examples" / "ex4_student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    p = presets.load("debug")
    report = check_backprop(module.backprop_steps, p.network, p.X, p.Y)
    assert (report.first_difference.quantity, report.first_difference.layer) == ("delta", 2)
    assert report.diagnosis_name == "a_instead_of_z" and report.explains_all


def test_the_cli_checks_the_example_and_names_its_mistake():
    run = cli("check", "examples/ex4_student.py:nnCostFunction", "--preset", "debug")
    assert run.returncode == 1, run.stderr
    assert "First difference: D^(1)" in run.stdout
    assert "(a_instead_of_z)" in run.stdout and "D^(2)" in run.stdout
    run = cli("check", "examples/ex4_student.py:backprop_steps")
    assert run.returncode == 1 and "First difference: δ^(2)" in run.stdout


def test_the_cli_passes_a_correct_file(tmp_path):
    source = (Path(__file__).read_text().split("# ---- an independent backpropagation")[1]
              .split("\n", 1)[1].split("def written(")[0])
    (tmp_path / "mine.py").write_text("import numpy as np\n" + source)
    mine = str(tmp_path / "mine.py") + ":student"
    run = cli("check", mine, "--preset", "debug", "--lam", "3", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed: all 12 quantities" in run.stdout and "λ = 3" in run.stdout
    run = cli("check", mine, "--preset", "xnor", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("args, message", [
    (["check", "no/such/file.py:f"], "there is no file 'no/such/file.py'"),
    (["check", "examples/ex4_student.py:nnCost"], "has no function 'nnCost' (it defines sigmoid, "
                                                  "sigmoidGradient, backprop_steps, nnCostFunction)"),
    (["check", "examples/ex4_student.py:sigmoidGradient"], "error: sigmoidGradient(thetas, X, Y, lam) raised "
                                                           "TypeError"),
    (["check", "examples/ex4_student.py", "--preset", "nope"], "Unknown preset 'nope'"),
    (["check", "README.md:f"], "is not a Python file"),
])
def test_the_cli_says_what_to_do_on_a_usage_error(args, message):
    run = cli(*args)
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("error: ")
    assert message in run.stderr


def test_the_cli_refuses_a_return_it_cannot_read(tmp_path):
    (tmp_path / "odd.py").write_text("def f(thetas, X, Y, lam):\n    return 'J', [1, 2]\n")
    run = cli("check", str(tmp_path / "odd.py") + ":f")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"error: f from {tmp_path / 'odd.py'} returned something the check "
                                 "cannot read. J (the first value returned) must be numbers; got str.")


def test_the_cli_shows_the_traceback_of_a_function_that_raises(tmp_path):
    (tmp_path / "bad.py").write_text("def f(thetas, X, Y, lam):\n    return 1 / 0\n")
    run = cli("check", str(tmp_path / "bad.py") + ":f")
    assert run.returncode == 2
    assert "ZeroDivisionError" in run.stderr and "bad.py\", line 2" in run.stderr
    assert "error: f(thetas, X, Y, lam) raised ZeroDivisionError" in run.stderr


def test_the_cli_still_steps_a_preset():
    run = cli("xnor")
    assert run.returncode == 0
    assert run.stdout.startswith("xnor: XNOR from the notes")
    assert "[1.1] Forward, layer 2" in run.stdout
