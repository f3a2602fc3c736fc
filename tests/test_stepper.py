"""The layer-by-layer Stepper: equivalence with plain gradient descent, exact undo, state."""
import numpy as np
import pytest

from engine import Network, Stepper, presets, train

MODES = ["batch", "per_example"]


def small_problem(seed=0, lam=0.5, sizes=(3, 4, 2, 3), output="sigmoid"):
    rng = np.random.default_rng(seed)
    net = Network(list(sizes), hidden="tanh", output=output, lam=lam, seed=seed)
    X = rng.normal(size=(5, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=5)
    return net, X, labels


def snapshot(s):
    """Everything the stepper exposes, deep-copied."""
    return {
        "thetas": s.network.thetas, "J": s.J, "iteration": s.iteration,
        "position": s.position, "description": s.description, "phase": s.phase,
        "layer": s.layer, "example": s.example,
        **{f"{name}{l}": np.array(v) for name in ("a", "z", "delta", "Delta", "D")
           for l, v in getattr(s, name).items()},
    }


def assert_same(x, y):
    assert x.keys() == y.keys()
    for key in x:
        if key == "thetas":
            for p, q in zip(x[key], y[key]):
                assert np.array_equal(p, q)  # bit for bit
        elif isinstance(x[key], np.ndarray):
            assert np.array_equal(x[key], y[key], equal_nan=True), key
        elif isinstance(x[key], float) and np.isnan(x[key]):
            assert np.isnan(y[key])
        else:
            assert x[key] == y[key], key


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("output,lam", [("sigmoid", 0.0), ("sigmoid", 0.5), ("softmax", 2.0)])
def test_one_iteration_is_one_gradient_descent_step(mode, output, lam):
    net, X, labels = small_problem(lam=lam, output=output)
    alpha = 0.3
    expected = [t - alpha * d for t, d in zip(net.thetas, net.gradients(X, labels))]
    stepper = Stepper(net, X, labels, learning_rate=alpha, mode=mode)
    stepper.run_iteration()
    for got, want in zip(stepper.network.thetas, expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert stepper.J == pytest.approx(net.cost(X, labels), rel=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_several_iterations_match_train(mode):
    net, X, labels = small_problem(seed=3)
    stepper = Stepper(net, X, labels, learning_rate=0.7, mode=mode)
    for _ in range(4):
        stepper.run_iteration()
    trained, history = train(net, X, labels, learning_rate=0.7, iterations=4)
    for got, want in zip(stepper.network.thetas, trained.thetas):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert stepper.iteration == 4 and stepper.iteration_complete
    assert stepper.J == pytest.approx(history[3], rel=1e-12)  # J of the 4th iteration's start


@pytest.mark.parametrize("mode", MODES)
def test_forward_steps_reproduce_predict(mode):
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels, mode=mode)
    while stepper.kind != "cost":
        stepper.step()
    z, a = net.forward(X)
    # Row-by-row and whole-matrix products may round differently in the last bit.
    for l in range(2, net.L + 1):
        np.testing.assert_allclose(stepper.a[l], a[l], rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(stepper.z[l], z[l], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(stepper.a[net.L], net.predict(X), rtol=1e-14, atol=1e-15)


def test_per_example_loop_gives_the_batch_deltas_and_Delta():
    net, X, labels = small_problem(lam=1.0)
    batch = Stepper(net, X, labels, mode="batch")
    loop = Stepper(net, X, labels, mode="per_example")
    while batch.next_step.kind != "gradient":
        batch.step()
    while loop.next_step.kind != "cost":
        loop.step()
    for l in range(1, net.L):
        np.testing.assert_allclose(loop.Delta[l], batch.Delta[l], rtol=1e-13, atol=1e-14)
    for l in range(2, net.L + 1):
        np.testing.assert_allclose(loop.delta[l], batch.delta[l], rtol=1e-13, atol=1e-15)


def test_Delta_grows_example_by_example_as_in_the_notes_loop():
    net, X, labels = small_problem()
    Y = np.eye(3)[labels]
    stepper = Stepper(net, X, labels, mode="per_example")
    z, a = net.forward(X)
    L = net.L
    expected = np.zeros_like(net.thetas[0])
    for i in range(len(X)):
        # The notes' body for example i, written out with the bias unit prepended.
        delta = {L: a[L][i] - Y[i]}
        for l in range(L - 1, 1, -1):
            delta[l] = (net.thetas[l - 1].T @ delta[l + 1])[1:] * (1 - a[l][i] ** 2)  # tanh'
        expected = expected + np.outer(delta[2], np.concatenate([[1.0], X[i]]))
        while not (stepper.kind == "accumulate" and stepper.layer == 1):
            stepper.step()
        assert stepper.example == i
        np.testing.assert_allclose(stepper.Delta[1], expected, rtol=1e-12, atol=1e-15)
        stepper.step()


def test_values_not_computed_yet_are_nan():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels, mode="per_example")
    assert stepper.phase is None and stepper.position == 0
    np.testing.assert_array_equal(stepper.a[1], X)  # the input is known from the start
    for name in ("z", "delta", "Delta", "D"):
        assert all(np.isnan(v).all() for v in getattr(stepper, name).values())
    assert np.isnan(stepper.J)
    stepper.step()  # forward, layer 2, example 0
    assert not np.isnan(stepper.z[2][0]).any()
    assert np.isnan(stepper.z[2][1:]).all() and np.isnan(stepper.z[3]).all()


def test_a_new_iteration_starts_blank_with_the_updated_weights():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels)
    stepper.run_iteration()
    updated = stepper.network
    stepper.step()
    assert stepper.iteration == 2 and stepper.position == 1
    assert np.isnan(stepper.delta[net.L]).all() and np.isnan(stepper.D[1]).all()
    np.testing.assert_array_equal(stepper.a[2], updated.forward(X)[1][2])


def test_batch_schedule_and_descriptions():
    p = presets.load("xnor")
    stepper = Stepper(p.network, p.X, p.Y)
    seen = []
    for _ in range(stepper.steps_per_iteration):
        stepper.step()
        seen.append((stepper.phase, stepper.kind, stepper.layer, stepper.description))
    assert [s[:3] for s in seen] == [
        ("forward", "forward", 2), ("forward", "forward", 3), ("cost", "cost", None),
        ("backward", "output_delta", 3), ("backward", "hidden_delta", 2),
        ("accumulate", "accumulate", 2), ("accumulate", "accumulate", 1),
        ("update", "gradient", None), ("update", "update", None)]
    text = [s[3] for s in seen]
    assert text[1] == "Forward, layer 3: z^(3) = Θ^(2) a^(2), a^(3) = g(z^(3))"
    assert text[3] == "Backward, layer 3 (output): δ^(3) = a^(3) − y"
    assert "δ^(2) = (Θ^(2))ᵀ δ^(3) .* g'(z^(2))" in text[4]
    assert "Δ^(1)" in text[6] and "δ^(2) (a^(1))ᵀ" in text[6]
    assert "D^(l) = Δ^(l)/m + (λ/m) Θ^(l)" in text[7]
    assert "Θ^(l) := Θ^(l) − α D^(l)" in text[8]
    assert f"{p.network.cost(p.X, p.Y):.6g}" in text[2]


def test_per_example_schedule_follows_the_loop():
    p = presets.load("xnor")
    stepper = Stepper(p.network, p.X, p.Y, mode="per_example")
    kinds = [(s.kind, s.layer, s.example) for s in stepper.schedule]
    one = [("forward", 2), ("forward", 3), ("output_delta", 3), ("hidden_delta", 2),
           ("accumulate", 2), ("accumulate", 1)]
    expected = [(k, l, i) for i in range(4) for k, l in one]
    expected += [("cost", None, None), ("gradient", None, None), ("update", None, None)]
    assert kinds == expected
    stepper.step()
    assert stepper.example == 0 and "example 1 of 4" in stepper.description


def test_squared_error_output_delta_includes_g_prime():
    p = presets.load("worked_example")
    stepper = Stepper(p.network, p.X, p.Y)
    while stepper.kind != "output_delta":
        stepper.step()
    a3 = stepper.a[3]
    np.testing.assert_allclose(stepper.delta[3], (a3 - p.Y) * a3 * (1 - a3), rtol=1e-14)
    assert "(a^(3) − y) .* g'(z^(3))" in stepper.description


@pytest.mark.parametrize("mode", MODES)
def test_back_restores_every_previous_state_bit_for_bit(mode):
    net, X, labels = small_problem(lam=0.5)
    stepper = Stepper(net, X, labels, mode=mode)
    states = [snapshot(stepper)]
    for _ in range(2 * stepper.steps_per_iteration + 3):  # across two updates
        stepper.step()
        states.append(snapshot(stepper))
    for expected in reversed(states[:-1]):
        assert stepper.back()
        assert_same(snapshot(stepper), expected)
    assert not stepper.back() and not stepper.can_go_back


def test_stepping_again_after_back_gives_the_same_numbers():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels)
    stepper.run_iteration()
    after = snapshot(stepper)
    for _ in range(4):
        stepper.back()
    for _ in range(4):
        stepper.step()
    assert_same(snapshot(stepper), after)


def test_reset_returns_to_the_start_and_can_be_undone():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels)
    start = snapshot(stepper)
    stepper.run_iteration()
    stepper.step()
    before_reset = snapshot(stepper)
    stepper.reset()
    assert_same(snapshot(stepper), {**start, "description": stepper.description})
    stepper.back()
    assert_same(snapshot(stepper), before_reset)


def test_run_iteration_finishes_the_iteration_in_progress():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels, mode="per_example")
    for _ in range(7):
        stepper.step()
    stepper.run_iteration()
    assert stepper.iteration == 1 and stepper.iteration_complete
    stepper.run_iteration()
    assert stepper.iteration == 2 and stepper.iteration_complete


def test_history_is_bounded_by_count_and_by_bytes():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels, max_history=5)
    for _ in range(20):
        stepper.step()
    assert stepper.history_length == 5
    assert sum(stepper.back() for _ in range(10)) == 5

    big = Stepper(net, np.zeros((2000, 3)), np.zeros(2000, dtype=int), max_history_bytes=200_000)
    for _ in range(30):
        big.step()
    kept, position = big.history_length, big.position
    assert 1 < kept < 30
    assert big._history_bytes <= 200_000
    assert sum(big.back() for _ in range(30)) == kept  # every kept step can be undone, no more
    assert not big.can_go_back and big.position == position - kept

    # A single step bigger than the budget is still kept: the last step can always be undone.
    tiny = Stepper(net, np.zeros((2000, 3)), np.zeros(2000, dtype=int), max_history_bytes=1000)
    tiny.step()
    tiny.step()
    assert tiny.history_length == 1 and tiny._history_bytes > 1000
    assert tiny.back() and not tiny.can_go_back and tiny.position == 1


def test_state_arrays_are_read_only():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels)
    stepper.run_iteration()
    with pytest.raises(ValueError):
        stepper.a[2][0, 0] = 1.0
    with pytest.raises(ValueError):
        stepper.D[1][0, 0] = 1.0
    with pytest.raises(TypeError):
        stepper.a[2] = None


def test_a_diverging_update_is_refused_and_leaves_the_state_alone():
    net = Network.from_thetas([[[0.0, 1e150]]], output="linear", loss="squared_error")
    stepper = Stepper(net, [[1.0]], [0.0], learning_rate=1e200)
    while stepper.next_step.kind != "update":
        stepper.step()
    before = snapshot(stepper)
    with pytest.raises(ValueError, match="learning rate"):
        stepper.step()
    assert_same(snapshot(stepper), before)


def test_learning_rate_can_change_between_steps_but_only_to_a_valid_value():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels, learning_rate=0.1)
    stepper.learning_rate = 0.4
    expected = [t - 0.4 * d for t, d in zip(net.thetas, net.gradients(X, labels))]
    stepper.run_iteration()
    for got, want in zip(stepper.network.thetas, expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    for bad in (-5.0, 0.0, float("nan")):
        with pytest.raises(ValueError, match="learning rate"):
            stepper.learning_rate = bad
    assert stepper.learning_rate == 0.4
    with pytest.raises(AttributeError):
        stepper.mode = "per_example"


def test_set_weight_keeps_upstream_values_and_recomputes_downstream():
    net, X, labels = small_problem()  # 3-4-2-3
    stepper = Stepper(net, X, labels)
    while stepper.kind != "accumulate":
        stepper.step()
    a2, z2 = np.array(stepper.a[2]), np.array(stepper.z[2])
    stepper.set_weight(2, 1, 0, 0.75)  # Θ_10^(2): bias into unit 1 of layer 3
    edited = net.with_weight(2, 1, 0, 0.75)
    assert edited.thetas[1][0, 0] == 0.75
    np.testing.assert_array_equal(stepper.a[2], a2)  # layer 2 does not depend on Θ^(2)
    np.testing.assert_array_equal(stepper.z[2], z2)
    for l in (3, 4):
        assert np.isnan(stepper.a[l]).all() and np.isnan(stepper.delta[l]).all()
    assert np.isnan(stepper.J) and all(np.isnan(d).all() for d in stepper.Delta.values())
    assert stepper.next_step.kind == "forward" and stepper.next_step.layer == 3
    assert "stale" in stepper.description and "layer 3" in stepper.description
    stepper.run_iteration()
    expected = [t - 0.5 * d for t, d in zip(edited.thetas, edited.gradients(X, labels))]
    for got, want in zip(stepper.network.thetas, expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_set_weight_is_undoable_and_checked():
    net, X, labels = small_problem()
    for mode in MODES:
        stepper = Stepper(net, X, labels, mode=mode)
        for _ in range(5):
            stepper.step()
        before = snapshot(stepper)
        stepper.set_weight(1, 4, 3, -2.0)
        assert stepper.network.thetas[0][3, 3] == -2.0
        if mode == "per_example":
            assert stepper.position == 0  # Δ held old terms: the loop starts again
        assert stepper.back()
        assert_same(snapshot(stepper), before)
        for bad in [(0, 1, 0, 1.0), (1, 0, 0, 1.0), (1, 5, 0, 1.0), (1, 1, 4, 1.0), (1, 1, 0, np.nan)]:
            with pytest.raises(ValueError):
                stepper.set_weight(*bad)
        assert_same(snapshot(stepper), before)


def test_jump_carries_on_from_trained_weights_and_can_be_undone():
    net, X, labels = small_problem()
    stepper = Stepper(net, X, labels, learning_rate=0.3)
    stepper.run_iteration()
    stepper.step()  # part way into iteration 2: that partial work is dropped
    before = snapshot(stepper)
    trained, _ = train(stepper.network, X, labels, learning_rate=0.3, iterations=5)
    stepper.jump(trained, 5)
    assert stepper.iterations_done == 6 and stepper.position == 0 and stepper.iteration == 7
    stepper.run_iteration()
    expected, _ = train(net, X, labels, learning_rate=0.3, iterations=7)
    for got, want in zip(stepper.network.thetas, expected.thetas):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    stepper.back()
    for _ in range(stepper.steps_per_iteration - 1):
        stepper.back()
    stepper.back()
    assert_same(snapshot(stepper), before)
    with pytest.raises(ValueError, match="sizes"):
        stepper.jump(Network([3, 2, 3]), 1)
