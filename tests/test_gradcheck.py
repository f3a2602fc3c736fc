"""gradient_check: pass/fail at each level, the failing parameters, progress, cancelling, timing."""
import dataclasses
import inspect
import math

import numpy as np
import pytest

from engine import Network, bugs, numerical_gradients, presets, relative_difference
from engine.gradcheck import (DEFAULT_THRESHOLD, GradientCheck, GradientCheckCancelled, LayerCheck,
                              ParameterCheck, gradient_check)
from engine.losses import VALID_OUTPUTS

PRESETS = ["xnor", "xor", "debug", "worked_example", "blobs"]
DATA_BUGS = ["no_g_prime", "a_instead_of_z", "delta_sign"]   # wrong in the data part of D
LAMBDA_BUGS = ["regularised_bias", "notes_lambda"]           # wrong in the λ part of D
COMBOS = [(loss, out) for loss, outs in VALID_OUTPUTS.items() for out in outs]


def load(name, lam=0.0):
    p = presets.load(name)
    return p.network.with_settings(lam=lam), p.X, p.Y


def applicable(bug, lams=(0.0, 1.0)):
    """(preset, λ) pairs where the bug changes the gradient (λ bugs only with λ > 0).

    Data bugs are checked at λ = 0 only on xnor: with λ = 1 its weight decay
    (λ/m)Θ = ±5 swamps the 1e-5 data gradient (see the next test)."""
    cases = []
    for name in PRESETS:
        for lam in lams:
            net, X, _ = load(name, lam)
            if bugs.no_effect_reason(net, bug, len(X)) is None and not (name == "xnor" and lam and bug in DATA_BUGS):
                cases.append((name, lam))
    return cases


def test_defaults():
    params = inspect.signature(gradient_check).parameters
    assert params["epsilon"].default == 1e-4
    assert params["threshold"].default == DEFAULT_THRESHOLD == 1e-6
    assert params["bug"].default is None and params["progress"].default is None
    assert inspect.signature(numerical_gradients).parameters["epsilon"].default == 1e-4


# ---- correct backpropagation passes, every bug fails ------------------------------------
@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_correct_backprop_passes_on_the_presets_with_room_to_spare(name, lam):
    net, X, Y = load(name, lam)
    check = gradient_check(net, X, Y)
    assert check.passed and check.bug is None
    # Measured: 1.1e-7 on xnor at λ = 0 (rounding in its tiny J), 2e-9 or less otherwise.
    assert check.relative_difference < (2e-7 if name == "xnor" else 1e-8)
    assert check.failing == ()
    assert all(layer.passed and layer.n_failing == 0 for layer in check.layers)
    assert not any(row.failing for row in check.rows)
    assert check.message.startswith("Passed")


@pytest.mark.parametrize("bug, name, lam",
                         [(bug, name, lam) for bug in bugs.BUGS for name, lam in applicable(bug)])
def test_every_bug_fails_on_every_preset_it_applies_to(bug, name, lam):
    net, X, Y = load(name, lam)
    check = gradient_check(net, X, Y, bug=bug)
    assert not check.passed and check.bug == bug
    assert check.relative_difference > 1e-4   # measured: 2.9e-4 at the least
    assert check.failing
    assert check.message.startswith("Failed")


def test_every_bug_is_checked_on_several_presets():
    for bug in bugs.BUGS:
        assert len({name for name, _ in applicable(bug)}) >= 3, bug


def test_weight_decay_can_swamp_data_bugs_on_xnor():
    # The documented blind spot of any relative measure: (λ/m)Θ = ±5 against data gradients of 1e-5.
    net, X, Y = load("xnor", lam=1.0)
    assert gradient_check(net, X, Y, bug="no_g_prime").relative_difference < 1e-6
    assert not gradient_check(load("xnor")[0], X, Y, bug="no_g_prime").passed


def random_cases(n, seed=0):
    rng = np.random.default_rng(seed)
    while n:
        sizes = [int(s) for s in rng.integers(1, 6, size=rng.integers(2, 5))]
        hidden = str(rng.choice(["sigmoid", "tanh", "relu", "linear"]))
        loss, output = COMBOS[rng.integers(len(COMBOS))]
        lam = float(rng.choice([0.0, 1.0]))
        m = int(rng.integers(1, 7))
        net = Network(sizes, hidden=hidden, output=output, loss=loss, lam=lam, seed=int(rng.integers(10_000)))
        X = rng.normal(size=(m, sizes[0]))
        K = sizes[-1]
        if loss == "cross_entropy" and output == "softmax":
            Y = rng.integers(0, K, size=m) if K > 1 else np.ones((m, 1))
        elif loss == "cross_entropy":
            Y = rng.random((m, K))
        else:
            Y = rng.normal(size=(m, K))
        z, _ = net.forward(X)
        if any(np.min(np.abs(z[l])) < 5e-3 for l in z if net.activation(l).name == "relu"):
            continue  # ε-differences across a relu kink are not derivatives
        n -= 1
        yield net, X, Y


def test_on_random_nets_correct_passes_and_every_bug_that_changes_d_fails():
    seen = {bug: 0 for bug in bugs.BUGS}
    for net, X, Y in random_cases(60):
        correct = gradient_check(net, X, Y)
        assert correct.passed and correct.failing == (), net
        D = net.gradients(X, Y)
        for bug in bugs.BUGS:
            bad = bugs.gradients(net, X, Y, bug)
            effect = relative_difference(bad, D)
            if bugs.no_effect_reason(net, bug, len(X)) is not None:
                assert effect == 0.0
            if effect > 1e-5:   # dead relu units or a 1-class softmax can leave D unchanged
                check = gradient_check(net, X, Y, bug=bug)
                assert not check.passed and check.failing, (net, bug)
                seen[bug] += 1
    assert all(count >= 5 for count in seen.values()), seen


# ---- where the failures are ----------------------------------------------------------------
@pytest.mark.parametrize("name", PRESETS)
def test_regularised_bias_flags_only_bias_weights(name):
    net, X, Y = load(name, lam=1.0)
    check = gradient_check(net, X, Y, bug="regularised_bias")
    assert check.failing and all(i == 0 for _, _, i in check.failing)
    # Every bias weight that is not 0 is flagged.
    flagged = set(check.failing)
    for l, t in enumerate(net.thetas, start=1):
        for j in range(1, t.shape[0] + 1):
            assert ((l, j, 0) in flagged) == (t[j - 1, 0] != 0)


@pytest.mark.parametrize("name", [name for name, _ in applicable("notes_lambda", lams=(1.0,))])
def test_notes_lambda_flags_only_non_bias_weights(name):   # not worked_example: m = 1, λ = λ/m
    net, X, Y = load(name, lam=1.0)
    check = gradient_check(net, X, Y, bug="notes_lambda")
    assert check.failing and all(i >= 1 for _, _, i in check.failing)
    assert all(not layer.passed for layer in check.layers)


@pytest.mark.parametrize("bug", ["no_g_prime", "a_instead_of_z"])
@pytest.mark.parametrize("name", ["xnor", "xor", "debug", "worked_example", "blobs"])
def test_hidden_delta_bugs_flag_the_layers_before_the_last_only(bug, name):
    net, X, Y = load(name)
    check = gradient_check(net, X, Y, bug=bug)
    L = net.L
    assert check.failing and all(l <= L - 2 for l, _, _ in check.failing)
    assert [layer.passed for layer in check.layers] == [False] * (L - 2) + [True]
    assert check.layers[-1].n_failing == 0


def test_hidden_delta_bugs_on_a_deep_net_flag_every_layer_but_the_last():
    net = Network([3, 4, 4, 4, 2], hidden="tanh", seed=3)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(5, 3)), rng.random((5, 2))
    for bug in ("no_g_prime", "a_instead_of_z"):
        check = gradient_check(net, X, Y, bug=bug)
        assert {l for l, _, _ in check.failing} == {1, 2, 3}
        assert [layer.passed for layer in check.layers] == [False, False, False, True]


@pytest.mark.parametrize("name", PRESETS)
def test_delta_sign_flags_every_parameter_with_a_gradient(name):
    net, X, Y = load(name)
    check = gradient_check(net, X, Y, bug="delta_sign")
    assert not any(layer.passed for layer in check.layers)
    expected = {(row.l, row.j, row.i) for row in check.rows if abs(row.numerical) > 1e-9}
    assert expected <= set(check.failing)


# ---- the numbers in the result ---------------------------------------------------------------
def test_rows_layers_and_arrays_fit_together():
    net, X, Y = load("debug", lam=1.0)
    check = gradient_check(net, X, Y, bug="no_g_prime")
    thetas = net.thetas
    assert check.n_params == net.n_params == len(check.rows)
    assert [(r.l, r.j, r.i) for r in check.rows] == [
        (l, j, i) for l, t in enumerate(thetas, 1) for j in range(1, t.shape[0] + 1) for i in range(t.shape[1])]
    for a, b in zip(check.backprop, bugs.gradients(net, X, Y, "no_g_prime")):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(check.numerical, numerical_gradients(net, X, Y)):
        np.testing.assert_array_equal(a, b)
    for row in check.rows:
        assert row.backprop == check.backprop[row.l - 1][row.j - 1, row.i]
        assert row.numerical == check.numerical[row.l - 1][row.j - 1, row.i]
        assert row.relative_difference == check.differences[row.l - 1][row.j - 1, row.i]
        assert row.failing == (row.relative_difference > check.threshold)
    assert check.failing == tuple((r.l, r.j, r.i) for r in check.rows if r.failing)
    # Per-parameter differences are the overall measure's parts.
    parts = np.array([r.relative_difference for r in check.rows])
    assert math.isclose(np.sqrt(np.sum(parts ** 2)), check.relative_difference, rel_tol=1e-9)
    assert check.relative_difference == relative_difference(check.backprop, check.numerical)
    for layer, b, n in zip(check.layers, check.backprop, check.numerical):
        assert isinstance(layer, LayerCheck)
        assert layer.relative_difference == relative_difference(b, n)
        assert math.isclose(layer.share, np.linalg.norm(check.differences[layer.l - 1]), rel_tol=1e-9)
        assert layer.n_failing == sum(1 for l, _, _ in check.failing if l == layer.l)
    assert isinstance(check.rows[0], ParameterCheck)


def test_a_parameter_whose_true_gradient_is_zero_does_not_fail_for_rounding():
    # The AND gate's weight on x1 has gradient ~8e-13, pure rounding noise in the
    # numerical value: its own-size relative difference is 1, yet it must pass.
    p = presets.load("and")
    check = gradient_check(p.network, p.X, p.Y)
    tiny = [r for r in check.rows if abs(r.backprop) < 1e-10]
    assert tiny and all(abs(r.backprop - r.numerical) / (abs(r.backprop) + abs(r.numerical)) > 0.1
                        for r in tiny)
    assert check.passed and check.failing == ()


def test_a_layer_of_near_zero_gradients_is_judged_by_its_share_of_the_whole():
    # XNOR's hidden units are saturated, so layer 1's gradients are ~1e-5 of layer 2's:
    # its own ratio is set by rounding, its share of ‖b − n‖/‖b + n‖ is not.
    net, X, Y = load("xnor")
    check = gradient_check(net, X, Y)
    layer1 = check.layers[0]
    assert layer1.passed and layer1.share < 1e-9
    assert layer1.share < layer1.relative_difference


def test_the_result_is_frozen_and_read_only():
    net, X, Y = load("xor")
    check = gradient_check(net, X, Y)
    assert isinstance(check, GradientCheck)
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.passed = False
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.rows[0].failing = True
    for arrays in (check.backprop, check.numerical, check.differences):
        for a in arrays:
            with pytest.raises(ValueError):
                a[0, 0] = 1.0


def test_threshold_and_epsilon_are_used():
    net, X, Y = load("debug")
    check = gradient_check(net, X, Y, bug="a_instead_of_z", threshold=1e-2, epsilon=1e-3)
    assert check.passed and check.threshold == 1e-2 and check.epsilon == 1e-3   # 1.1e-3 ≤ 1e-2
    for a, b in zip(check.numerical, numerical_gradients(net, X, Y, epsilon=1e-3)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, message", [
    ({"bug": "nope"}, "no_g_prime"),
    ({"threshold": 0}, "threshold"),
    ({"threshold": float("nan")}, "threshold"),
    ({"epsilon": -1e-4}, "epsilon"),
])
def test_bad_arguments_fail_before_the_slow_part(kwargs, message):
    net, X, Y = load("xor")
    calls = []
    with pytest.raises(ValueError, match=message):
        gradient_check(net, X, Y, progress=lambda done, total: calls.append(done), **kwargs)
    assert calls == []


# ---- progress, cancelling, timing -------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[2, 2, 1], [3, 5, 3], [20, 10, 5], [30, 25, 10]])
def test_progress_is_reported_about_every_percent_and_ends_at_total(sizes):
    net = Network(sizes, seed=1)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(4, sizes[0])), rng.random((4, sizes[-1]))
    calls = []
    check = gradient_check(net, X, Y, progress=lambda done, total: calls.append((done, total)))
    total = net.n_params
    assert {t for _, t in calls} == {total}
    done = [d for d, _ in calls]
    assert done[0] == 0 and done[-1] == total
    assert all(b > a for a, b in zip(done, done[1:]))
    assert max(b - a for a, b in zip(done, done[1:])) <= math.ceil(total / 100)
    assert len(calls) <= 102
    assert check.passed


def test_progress_returning_none_or_true_carries_on():
    net, X, Y = load("debug")
    plain = numerical_gradients(net, X, Y)
    for answer in (None, True, 0):
        got = numerical_gradients(net, X, Y, progress=lambda done, total: answer)
        for a, b in zip(got, plain):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("stop_at", [0, 7, 38])
def test_progress_returning_false_cancels(stop_at):
    net, X, Y = load("debug")   # 38 parameters
    seen = []

    def progress(done, total):
        seen.append(done)
        return done != stop_at

    with pytest.raises(GradientCheckCancelled) as info:
        gradient_check(net, X, Y, progress=progress)
    assert (info.value.done, info.value.total) == (stop_at, 38)
    assert seen[-1] == stop_at and "cancelled" in str(info.value)
    with pytest.raises(GradientCheckCancelled):
        numerical_gradients(net, X, Y, progress=lambda done, total: done < 5)


def test_timing_compares_one_backprop_with_the_numerical_loop():
    net = Network([20, 10, 5], seed=0)   # 265 parameters: 530 evaluations of J
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(20, 20)), rng.random((20, 5))
    check = gradient_check(net, X, Y)
    assert check.backprop_seconds > 0 and check.numerical_seconds > 0
    assert check.slowdown == check.numerical_seconds / check.backprop_seconds
    assert check.slowdown > 1   # the notes: turn gradient checking off before training
