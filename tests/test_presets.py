"""Presets: the notes' hand-set gates, the worked 2-2-2 example, the gradient-checking
debug net, XOR and the 2-D toy sets.  Expected values are recomputed here from the
published formulas, never copied from the engine's output."""
import math

import numpy as np
import pytest

from engine import Network, Stepper, presets, train

ALL_PRESETS = ["and", "or", "not", "nor", "xnor", "xor", "worked_example", "debug",
               "circle", "spiral", "blobs", "digits", "digits_softmax"]
TOY_SETS = ["circle", "spiral", "blobs"]


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


# ---- the catalogue -----------------------------------------------------------------

def test_names_lists_every_preset():
    assert set(presets.names()) == set(ALL_PRESETS)


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_every_preset_has_a_one_line_description(name):
    description = presets.names()[name]
    assert isinstance(description, str) and description.strip()
    assert "\n" not in description


@pytest.mark.parametrize("name", ALL_PRESETS)
def test_every_preset_loads_with_consistent_data(name):
    p = presets.load(name)
    assert p.name == name
    assert p.description == presets.names()[name]
    assert isinstance(p.network, Network)
    assert p.X.shape == (p.Y.shape[0], p.network.sizes[0])
    assert p.learning_rate > 0
    p.network.cost(p.X, p.Y)  # X and Y fit the network


@pytest.mark.parametrize("name", list(presets.names()))
def test_every_preset_is_read_only(name):
    p = presets.load(name)
    arrays = [p.X, p.Y, p.X_test, p.Y_test, *(p.network.theta(l) for l in range(1, p.network.L))]
    for array in (a for a in arrays if a is not None):
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 123.0


def test_sessions_sharing_a_cached_preset_cannot_change_it_for_each_other():
    import panel as pn

    from explorer.state import ExplorerState

    cached = pn.cache(presets.load)  # as the app builds each preset once per server
    a = ExplorerState(preset="digits", load_preset=cached)
    shared = cached("digits")
    assert cached("digits") is shared
    before = [shared.X.copy(), shared.Y.copy(), shared.X_test.copy()]
    for array in (shared.X, shared.Y, shared.X_test, shared.Y_test):
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 99.0
    a.finish_iteration()
    a.test_fraction = 0.3
    b = ExplorerState(preset="digits", load_preset=cached)
    for got, want in zip([shared.X, shared.Y, shared.X_test], before):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(b.stepper.X, ExplorerState(preset="digits").stepper.X)


def test_unknown_preset_names_the_valid_choices():
    with pytest.raises(ValueError, match=r"Unknown preset 'nope'.*choose one of.*xnor.*blobs"):
        presets.load("nope")


# ---- hand-set logic gates ----------------------------------------------------------

GATES = {
    # name: (weights, inputs, truth table, hand formula for h)
    "and": ([[[-30, 20, 20]]], [(0, 0), (0, 1), (1, 0), (1, 1)], [0, 0, 0, 1],
            lambda x1, x2: sigma(-30 + 20 * x1 + 20 * x2)),
    "or": ([[[-10, 20, 20]]], [(0, 0), (0, 1), (1, 0), (1, 1)], [0, 1, 1, 1],
           lambda x1, x2: sigma(-10 + 20 * x1 + 20 * x2)),
    "not": ([[[10, -20]]], [(0,), (1,)], [1, 0],
            lambda x1: sigma(10 - 20 * x1)),
    "nor": ([[[10, -20, -20]]], [(0, 0), (0, 1), (1, 0), (1, 1)], [1, 0, 0, 0],
            lambda x1, x2: sigma(10 - 20 * x1 - 20 * x2)),
    "xnor": ([[[-30, 20, 20], [10, -20, -20]], [[-10, 20, 20]]],
             [(0, 0), (0, 1), (1, 0), (1, 1)], [1, 0, 0, 1],
             lambda x1, x2: sigma(-10 + 20 * sigma(-30 + 20 * x1 + 20 * x2)
                                  + 20 * sigma(10 - 20 * x1 - 20 * x2))),
}


@pytest.mark.parametrize("name", GATES)
def test_gate_weights_are_the_notes_numbers(name):
    thetas = presets.load(name).network.thetas
    expected = GATES[name][0]
    assert len(thetas) == len(expected)
    for got, want in zip(thetas, expected):
        np.testing.assert_array_equal(got, np.array(want, dtype=float))


@pytest.mark.parametrize("name", GATES)
def test_gate_rounds_to_its_truth_table(name):
    p = presets.load(name)
    _, inputs, table, _ = GATES[name]
    np.testing.assert_array_equal(p.X, np.array(inputs, dtype=float))
    np.testing.assert_array_equal(p.Y.ravel(), table)
    np.testing.assert_array_equal(np.round(p.network.predict(p.X)).ravel(), table)


@pytest.mark.parametrize("name", GATES)
def test_gate_output_matches_the_sigmoid_formula(name):
    p = presets.load(name)
    _, inputs, _, h = GATES[name]
    expected = np.array([h(*x) for x in inputs])
    np.testing.assert_allclose(p.network.predict(p.X).ravel(), expected, rtol=0, atol=1e-12)


def test_and_of_zeros_is_one_over_one_plus_e_to_the_30():
    p = presets.load("and")
    assert p.network.predict([[0.0, 0.0]])[0, 0] == pytest.approx(1 / (1 + math.exp(30)),
                                                                  rel=1e-12)


# ---- the worked 2-2-2 example ------------------------------------------------------

def worked_example_by_hand():
    """One forward pass, E and one step of α = 0.5, scalar arithmetic throughout."""
    i1, i2, t1, t2 = 0.05, 0.10, 0.01, 0.99
    w1, w2, w3, w4, w5, w6, w7, w8 = .15, .20, .25, .30, .40, .45, .50, .55
    b1_h1 = b1_h2 = 0.35
    b2_o1 = b2_o2 = 0.60
    alpha = 0.5

    net_h1 = w1 * i1 + w2 * i2 + b1_h1
    net_h2 = w3 * i1 + w4 * i2 + b1_h2
    out_h1, out_h2 = sigma(net_h1), sigma(net_h2)
    net_o1 = w5 * out_h1 + w6 * out_h2 + b2_o1
    net_o2 = w7 * out_h1 + w8 * out_h2 + b2_o2
    out_o1, out_o2 = sigma(net_o1), sigma(net_o2)
    E = 0.5 * (t1 - out_o1) ** 2 + 0.5 * (t2 - out_o2) ** 2

    # ∂E/∂net_o = (out_o − t_o) · out_o (1 − out_o)
    d_o1 = (out_o1 - t1) * out_o1 * (1 - out_o1)
    d_o2 = (out_o2 - t2) * out_o2 * (1 - out_o2)
    dw5, dw6, db_o1 = d_o1 * out_h1, d_o1 * out_h2, d_o1
    dw7, dw8, db_o2 = d_o2 * out_h1, d_o2 * out_h2, d_o2
    # ∂E/∂net_h = Σ_o ∂E/∂net_o · w_{o,h} · out_h (1 − out_h), with the old w_{o,h}
    d_h1 = (d_o1 * w5 + d_o2 * w7) * out_h1 * (1 - out_h1)
    d_h2 = (d_o1 * w6 + d_o2 * w8) * out_h2 * (1 - out_h2)
    dw1, dw2, db_h1 = d_h1 * i1, d_h1 * i2, d_h1
    dw3, dw4, db_h2 = d_h2 * i1, d_h2 * i2, d_h2

    new = {name: old - alpha * grad for name, old, grad in [
        ("w1", w1, dw1), ("w2", w2, dw2), ("w3", w3, dw3), ("w4", w4, dw4),
        ("w5", w5, dw5), ("w6", w6, dw6), ("w7", w7, dw7), ("w8", w8, dw8),
        ("b_h1", b1_h1, db_h1), ("b_h2", b1_h2, db_h2),
        ("b_o1", b2_o1, db_o1), ("b_o2", b2_o2, db_o2)]}
    return dict(out_h=(out_h1, out_h2), out_o=(out_o1, out_o2), E=E, new=new)


@pytest.fixture(scope="module")
def hand():
    return worked_example_by_hand()


def test_worked_example_setup():
    p = presets.load("worked_example")
    assert p.network.sizes == [2, 2, 2]
    assert (p.network.hidden, p.network.output, p.network.loss) == ("sigmoid", "sigmoid",
                                                                   "squared_error")
    assert p.learning_rate == 0.5
    np.testing.assert_array_equal(p.X, [[0.05, 0.10]])
    np.testing.assert_array_equal(p.Y, [[0.01, 0.99]])


def test_worked_example_forward_pass(hand):
    p = presets.load("worked_example")
    _, a = p.network.forward(p.X)
    np.testing.assert_allclose(a[2], [hand["out_h"]], rtol=1e-13)
    np.testing.assert_allclose(p.network.predict(p.X), [hand["out_o"]], rtol=1e-13)


def test_worked_example_total_error(hand):
    p = presets.load("worked_example")
    assert p.network.cost(p.X, p.Y) == pytest.approx(hand["E"], rel=1e-13)


def test_worked_example_one_step_updates_every_weight_and_bias(hand):
    p = presets.load("worked_example")
    stepper = Stepper(p.network, p.X, p.Y, learning_rate=0.5)
    stepper.run_iteration()
    n = hand["new"]
    theta1, theta2 = stepper.network.thetas
    np.testing.assert_allclose(theta1, [[n["b_h1"], n["w1"], n["w2"]],
                                        [n["b_h2"], n["w3"], n["w4"]]], rtol=1e-13)
    np.testing.assert_allclose(theta2, [[n["b_o1"], n["w5"], n["w6"]],
                                        [n["b_o2"], n["w7"], n["w8"]]], rtol=1e-13)


def test_worked_example_matches_the_published_numbers():
    """The values printed in the well-known walk-through of this example."""
    p = presets.load("worked_example")
    stepper = Stepper(p.network, p.X, p.Y, learning_rate=0.5)
    assert p.network.predict(p.X)[0, 0] == pytest.approx(0.75136507, abs=1e-8)
    assert p.network.cost(p.X, p.Y) == pytest.approx(0.298371109, abs=1e-9)
    stepper.run_iteration()
    theta1, theta2 = stepper.network.thetas
    assert theta2[0, 1] == pytest.approx(0.35891648, abs=1e-8)   # w5
    assert theta1[0, 1] == pytest.approx(0.149780716, abs=1e-9)  # w1


# ---- the gradient-checking debug net -----------------------------------------------

def sin_matrix(rows, cols):
    """sin(1..rows·cols)/10 filled column by column, as debugInitializeWeights does."""
    out = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            out[r, c] = math.sin(1 + r + c * rows) / 10
    return out


def test_debug_net_weights_and_data():
    p = presets.load("debug")
    theta1, theta2 = p.network.thetas
    assert p.network.sizes == [3, 5, 3]
    np.testing.assert_allclose(theta1, sin_matrix(5, 4), rtol=0, atol=1e-15)
    np.testing.assert_allclose(theta2, sin_matrix(3, 6), rtol=0, atol=1e-15)
    # X is made like the weights: debugInitializeWeights(m, s_1 − 1), so sin(1..15)/10.
    np.testing.assert_allclose(p.X, sin_matrix(5, 3), rtol=0, atol=1e-15)
    assert theta1[1, 0] == pytest.approx(math.sin(2) / 10)  # column-major: (1,0) is sin(2)
    assert theta1[0, 1] == pytest.approx(math.sin(6) / 10)  # ... and (0,1) is sin(1 + 5)


def test_debug_net_labels_are_one_plus_i_mod_3_stored_zero_based():
    p = presets.load("debug")
    np.testing.assert_array_equal(p.Y, [1, 2, 0, 1, 2])


# ---- XOR -----------------------------------------------------------------------------

def test_xor_is_a_random_2_2_1_net_from_the_epsilon_rule():
    p = presets.load("xor")
    assert p.network.sizes == [2, 2, 1]
    np.testing.assert_array_equal(p.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(p.Y.ravel(), [0, 1, 1, 0])
    # Θ^(l) ~ U[−ε, ε], ε = √6/√(s_l + s_{l+1}), drawn in order from default_rng(seed).
    rng = np.random.default_rng(0)
    eps1, eps2 = math.sqrt(6) / math.sqrt(2 + 2), math.sqrt(6) / math.sqrt(2 + 1)
    expected = [rng.uniform(-eps1, eps1, (2, 3)), rng.uniform(-eps2, eps2, (1, 3))]
    for got, want, eps in zip(p.network.thetas, expected, (eps1, eps2)):
        np.testing.assert_array_equal(got, want)
        assert np.all(np.abs(got) <= eps)
    for got, want in zip(p.network.thetas, Network([2, 2, 1], seed=0).thetas):
        np.testing.assert_array_equal(got, want)


def test_xor_seed_changes_the_start():
    a, b = presets.load("xor", seed=1).network.thetas, presets.load("xor", seed=2).network.thetas
    assert not np.array_equal(a[0], b[0])


def accuracy(net, X, Y):
    return float(np.mean(np.round(net.predict(X)).ravel() == Y.ravel()))


def test_xor_is_learned_by_lbfgs():
    p = presets.load("xor")
    assert accuracy(p.network, p.X, p.Y) < 1.0
    net, history = train(p.network, p.X, p.Y, method="lbfgs")
    assert accuracy(net, p.X, p.Y) == 1.0
    assert history[-1] < history[0]


def test_xor_is_learned_by_gradient_descent_at_the_presets_rate():
    p = presets.load("xor")
    net, history = train(p.network, p.X, p.Y, method="gd", learning_rate=p.learning_rate,
                         iterations=3000)
    assert not history.stopped
    assert accuracy(net, p.X, p.Y) == 1.0


# ---- 2-D toy sets ------------------------------------------------------------------

@pytest.mark.parametrize("name, m, sizes, K", [
    ("circle", 200, [2, 4, 1], 2), ("spiral", 200, [2, 8, 8, 1], 2), ("blobs", 150, [2, 4, 3], 3)])
def test_toy_set_shapes_and_labels(name, m, sizes, K):
    p = presets.load(name)
    assert p.X.shape == (m, 2)
    assert p.Y.shape == (m,)
    assert p.network.sizes == sizes
    assert set(np.unique(p.Y)) == set(range(K))


@pytest.mark.parametrize("name", TOY_SETS)
def test_toy_set_classes_are_balanced(name):
    p = presets.load(name)
    K = int(p.Y.max()) + 1
    counts = np.bincount(p.Y.astype(int), minlength=K)
    assert counts.min() >= 0.8 * len(p.Y) / K


@pytest.mark.parametrize("name", TOY_SETS)
def test_toy_set_same_seed_same_arrays(name):
    a, b = presets.load(name, seed=3), presets.load(name, seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    for ta, tb in zip(a.network.thetas, b.network.thetas):
        np.testing.assert_array_equal(ta, tb)


@pytest.mark.parametrize("name", TOY_SETS)
def test_toy_set_different_seed_different_arrays(name):
    a, b = presets.load(name, seed=3), presets.load(name, seed=4)
    assert not np.array_equal(a.X, b.X)
    assert not np.array_equal(a.network.thetas[0], b.network.thetas[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_is_a_disc_inside_a_ring(seed):
    p = presets.load("circle", seed=seed)
    r = np.hypot(p.X[:, 0], p.X[:, 1])
    assert np.all(r[p.Y == 1] <= 0.45)
    assert np.all((r[p.Y == 0] >= 0.65) & (r[p.Y == 0] <= 1.0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spiral_points_lie_on_their_own_arm(seed):
    """Arm k is at angle 3πr + πk for radius r; away from the centre, where the noise
    dominates, every point is closer in angle to its own arm than to the other."""
    p = presets.load("spiral", seed=seed)
    r = np.hypot(p.X[:, 0], p.X[:, 1])
    angle = np.arctan2(p.X[:, 1], p.X[:, 0])
    off = np.angle(np.exp(1j * (angle - 3 * np.pi * r - np.pi * p.Y)))  # wrapped to (−π, π]
    assert np.all(np.abs(off[r > 0.3]) < np.pi / 2)
    assert r.max() < 1.2


def test_blobs_are_three_softmax_classes_around_their_centres():
    p = presets.load("blobs")
    assert p.network.output == "softmax" and p.network.loss == "cross_entropy"
    assert p.network.sizes[-1] == 3
    np.testing.assert_allclose(p.network.predict(p.X).sum(axis=1), 1.0, rtol=1e-12)
    centres = np.array([p.X[p.Y == k].mean(axis=0) for k in range(3)])
    # the class means are well apart and nearly every point is nearest its own class's mean
    nearest = np.argmin(np.linalg.norm(p.X[:, None, :] - centres[None], axis=2), axis=1)
    assert np.mean(nearest == p.Y) > 0.9
    assert min(np.linalg.norm(centres[i] - centres[j])
               for i in range(3) for j in range(i + 1, 3)) > 0.5
