"""The network's formulas, each recomputed here from the notes' definitions."""
import math

import numpy as np
import pytest

from engine import Network
from engine.activations import sigmoid, softmax


def loop_forward(thetas, x, g):
    """Forward propagation for one example with explicit sums, as in "Model representation I"."""
    a = list(x)
    for l, theta in enumerate(thetas):
        a = [g[l](theta[j][0] + sum(theta[j][i + 1] * a[i] for i in range(len(a))))
             for j in range(len(theta))]
    return a


def scalar_sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_sizes_and_theta_shapes_follow_the_notes():
    net = Network([3, 5, 3])
    assert net.sizes == [3, 5, 3]
    assert net.L == 3
    assert [t.shape for t in net.thetas] == [(5, 4), (3, 6)]
    assert all(t.dtype == np.float64 for t in net.thetas)


def test_thetas_are_copies_so_callers_cannot_change_the_network():
    net = Network([2, 2, 1], seed=3)
    before = net.thetas
    net.thetas[0][0, 0] = 123.0
    np.testing.assert_array_equal(net.thetas[0], before[0])


def test_random_init_is_uniform_within_epsilon_and_reproducible():
    sizes = [400, 25, 10]
    a, b, c = Network(sizes, seed=7), Network(sizes, seed=7), Network(sizes, seed=8)
    for l, (t, s_in, s_out) in enumerate(zip(a.thetas, sizes[:-1], sizes[1:])):
        eps = math.sqrt(6) / math.sqrt(s_in + s_out)
        assert np.all(np.abs(t) <= eps)
        # A uniform draw fills its interval: the extremes come close to ±ε.
        assert t.max() > 0.95 * eps and t.min() < -0.95 * eps
        np.testing.assert_array_equal(t, b.thetas[l])
        assert not np.array_equal(t, c.thetas[l])


def test_zero_init_gives_identical_hidden_units_the_symmetry_problem():
    net = Network([2, 3, 1], init="zeros")
    X = np.array([[0.0, 1.0], [1.0, 0.5]])
    a2 = net.forward(X)[1][2]
    assert np.all(a2 == a2[:, :1])
    D = net.gradients(X, [1.0, 0.0])
    assert np.all(D[0] == D[0][0])  # every hidden unit gets the same update


def test_predict_matches_explicit_sums_for_each_activation():
    rng = np.random.default_rng(0)
    thetas = [rng.normal(size=(4, 4)), rng.normal(size=(2, 5))]
    X = rng.normal(size=(3, 3))
    scalar = {"sigmoid": scalar_sigmoid, "tanh": math.tanh, "relu": lambda z: max(z, 0.0),
              "linear": lambda z: z}
    for hidden in scalar:
        net = Network.from_thetas(thetas, hidden=hidden, output="linear", loss="squared_error")
        expected = [loop_forward(thetas, x, [scalar[hidden], lambda z: z]) for x in X]
        np.testing.assert_allclose(net.predict(X), expected, rtol=1e-13, atol=1e-13)


def test_softmax_output_rows_sum_to_one_and_match_the_formula():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0]])
    h = softmax(z)
    np.testing.assert_allclose(h.sum(axis=1), 1.0)
    e = [math.exp(v) for v in (1.0, 2.0, 3.0)]
    np.testing.assert_allclose(h[0], [v / sum(e) for v in e], rtol=1e-14)
    np.testing.assert_allclose(h[1], h[0][[0, 1, 2]][[1, 2, 0]], rtol=1e-12)  # shift-invariant


def test_sigmoid_does_not_overflow_for_large_z():
    with np.errstate(all="raise"):
        g = sigmoid(np.array([-1e4, -745.0, -30.0, 0.0, 30.0, 1e4]))
    assert g[0] == 0.0 or g[0] < 1e-200
    assert g[-1] == 1.0 and g[3] == 0.5
    assert g[2] == pytest.approx(scalar_sigmoid(-30.0), rel=1e-12)


def course_cost(h, Y, thetas, lam):
    m = len(h)
    J = -sum(Y[i][k] * math.log(h[i][k]) + (1 - Y[i][k]) * math.log(1 - h[i][k])
             for i in range(m) for k in range(len(h[0]))) / m
    return J + lam / (2 * m) * sum(v * v for t in thetas for row in t for v in row[1:])


def test_cross_entropy_cost_is_the_courses_J_with_regularisation():
    rng = np.random.default_rng(1)
    thetas = [rng.normal(size=(4, 3)), rng.normal(size=(3, 5))]
    X = rng.normal(size=(6, 2))
    labels = np.array([0, 2, 1, 1, 0, 2])
    Y = np.eye(3)[labels]
    for lam in (0.0, 1.5):
        net = Network.from_thetas(thetas, lam=lam)
        h = [loop_forward(thetas, x, [scalar_sigmoid] * 2) for x in X]
        expected = course_cost(h, Y, thetas, lam)
        assert net.cost(X, labels) == pytest.approx(expected, rel=1e-12)
        assert net.cost(X, Y) == pytest.approx(expected, rel=1e-12)


def test_softmax_cross_entropy_and_squared_error_costs():
    rng = np.random.default_rng(2)
    thetas = [rng.normal(size=(3, 3)), rng.normal(size=(2, 4))]
    X, lam = rng.normal(size=(5, 2)), 0.7
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    reg = lam / (2 * 5) * sum(float(np.sum(t[:, 1:] ** 2)) for t in thetas)
    net = Network.from_thetas(thetas, output="softmax", lam=lam)
    h = []
    for x in X:
        z = loop_forward(thetas, x, [scalar_sigmoid, lambda v: v])
        h.append([math.exp(v) / sum(math.exp(w) for w in z) for v in z])
    expected = -sum(Y[i][k] * math.log(h[i][k]) for i in range(5) for k in range(2)) / 5 + reg
    assert net.cost(X, Y) == pytest.approx(expected, rel=1e-12)

    net = Network.from_thetas(thetas, hidden="tanh", output="linear", loss="squared_error", lam=lam)
    h = [loop_forward(thetas, x, [math.tanh, lambda v: v]) for x in X]
    expected = sum((h[i][k] - Y[i][k]) ** 2 for i in range(5) for k in range(2)) / (2 * 5) + reg
    assert net.cost(X, Y) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_stays_finite_when_outputs_saturate():
    # z = ±800 makes h exactly 0 or 1 in floating point; log(0) would be −inf.
    net = Network.from_thetas([[[800.0, 0.0]]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        wrong = net.cost([[0.0]], [0.0])
        right = net.cost([[0.0]], [1.0])
    assert wrong == pytest.approx(800.0, rel=1e-12)  # −log(1 − σ(800)) = log(1 + e^800) ≈ 800
    assert right == 0.0 or right < 1e-300
    soft = Network.from_thetas([[[800.0, 0.0], [-800.0, 0.0]]], output="softmax")
    assert soft.cost([[0.0]], [1]) == pytest.approx(1600.0, rel=1e-12)


def test_labels_and_vector_targets_are_accepted():
    net = Network([2, 3])
    X = np.zeros((3, 2))
    assert net.cost(X, [0, 2, 1]) == net.cost(X, np.eye(3)[[0, 2, 1]])
    single = Network([2, 1])
    assert single.cost(X, [0.0, 1.0, 1.0]) == single.cost(X, [[0.0], [1.0], [1.0]])


def test_unroll_is_octave_column_major_and_with_vector_inverts_it():
    t1 = np.arange(6.0).reshape(2, 3)
    t2 = 10 + np.arange(3.0).reshape(1, 3)
    net = Network.from_thetas([t1, t2])
    # Theta1(:) in Octave walks down column 0, then column 1, ...
    expected = [t1[0, 0], t1[1, 0], t1[0, 1], t1[1, 1], t1[0, 2], t1[1, 2], 10, 11, 12]
    np.testing.assert_array_equal(net.unroll(), expected)
    again = net.with_vector(net.unroll() * 2)
    np.testing.assert_array_equal(again.thetas[0], 2 * t1)
    np.testing.assert_array_equal(again.thetas[1], 2 * t2)
    assert again.settings() == net.settings()


def test_with_weight_and_with_settings_return_new_networks():
    net = Network([2, 2, 1], seed=1)
    edited = net.with_weight(2, 1, 1, 5.0)  # Θ_11^(2): j counts from 1, i = 0 is the bias
    assert edited.thetas[1][0, 1] == 5.0 and net.thetas[1][0, 1] != 5.0
    tanh = net.with_settings(hidden="tanh", lam=2.0)
    assert (tanh.hidden, tanh.lam, net.hidden) == ("tanh", 2.0, "sigmoid")
    np.testing.assert_array_equal(tanh.thetas[0], net.thetas[0])


def test_with_vector_takes_an_octave_column_vector_too():
    net = Network([2, 3, 1], seed=2)
    again = net.with_vector(net.unroll()[:, None])
    np.testing.assert_array_equal(again.unroll(), net.unroll())
