"""The named backpropagation bugs: each one's numbers checked against an independent formula."""
import numpy as np
import pytest

from engine import Network, backprop, bugs, numerical_gradients, presets, relative_difference
from engine.activations import sigmoid

BUG_NAMES = ["no_g_prime", "regularised_bias", "notes_lambda", "a_instead_of_z", "delta_sign"]
PRESETS = ["xnor", "xor", "debug", "worked_example", "blobs"]


def load(name, lam=None):
    p = presets.load(name)
    net = p.network if lam is None else p.network.with_settings(lam=lam)
    return net, p.X, p.Y


def random_case(sizes, hidden="sigmoid", output="sigmoid", loss="cross_entropy", lam=0.0, m=5, seed=0):
    net = Network(sizes, hidden=hidden, output=output, loss=loss, lam=lam, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, sizes[0]))
    Y = rng.random((m, sizes[-1])) if loss == "cross_entropy" else rng.normal(size=(m, sizes[-1]))
    return net, X, Y


def regularisation(net, m):
    """(λ/m)Θ on the non-bias columns, 0 on the bias column: the λ part of the correct D."""
    out = []
    for t in net.thetas:
        r = net.lam / m * t
        r[:, 0] = 0.0
        out.append(r)
    return out


def test_bugs_are_named_in_order_with_one_line_descriptions():
    assert list(bugs.BUGS) == BUG_NAMES
    for name, text in bugs.BUGS.items():
        assert isinstance(text, str) and 20 < len(text) < 140 and "\n" not in text, name


@pytest.mark.parametrize("bad", ["no_gprime", "", "NO_G_PRIME", 3, "none"])
def test_unknown_bug_is_a_value_error_naming_the_valid_ones(bad):
    net, X, Y = load("xor")
    for call in (lambda: bugs.gradients(net, X, Y, bad),
                 lambda: net.cost_and_gradients(X, Y, bug=bad),
                 lambda: bugs.no_effect_reason(net, bad)):
        with pytest.raises(ValueError) as info:
            call()
        for name in BUG_NAMES:
            assert name in str(info.value)


@pytest.mark.parametrize("name", PRESETS)
def test_no_bug_is_the_true_gradient_by_two_sided_differences(name):
    net, X, Y = load(name, lam=1.0)
    D = bugs.gradients(net, X, Y, None)
    assert [d.shape for d in D] == [t.shape for t in net.thetas]
    assert relative_difference(D, numerical_gradients(net, X, Y)) < 1e-7


def cost_by_hand(net, X, Y):
    """The notes' J for a sigmoid net: −(1/m) Σ [y log h + (1 − y) log(1 − h)] + λ/(2m) Σ Θ²."""
    a = X
    for theta in net.thetas:
        a = sigmoid(a @ theta[:, 1:].T + theta[:, 0])
    m = len(X)
    data = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a)) / m
    return data + net.lam / (2 * m) * sum(np.sum(t[:, 1:] ** 2) for t in net.thetas)


@pytest.mark.parametrize("bug", BUG_NAMES)
def test_a_bug_never_changes_the_cost(bug):
    net, X, labels = load("debug", lam=1.0)
    Y = np.eye(3)[labels.astype(int)]
    assert net.cost_and_gradients(X, labels, bug=bug)[0] == pytest.approx(
        cost_by_hand(net, X, Y), rel=1e-12)


@pytest.mark.parametrize("name", PRESETS)
def test_notes_lambda_adds_lambda_minus_lambda_over_m_theta_off_the_bias_column(name):
    lam = 1.0
    net, X, Y = load(name, lam=lam)
    m = len(X)
    for D, notes, theta in zip(net.gradients(X, Y), bugs.gradients(net, X, Y, "notes_lambda"), net.thetas):
        np.testing.assert_array_equal(notes[:, 0], D[:, 0])
        np.testing.assert_allclose(notes[:, 1:] - D[:, 1:], (lam - lam / m) * theta[:, 1:],
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", PRESETS)
def test_regularised_bias_adds_lambda_over_m_theta_to_the_bias_column_only(name):
    lam = 1.0
    net, X, Y = load(name, lam=lam)
    m = len(X)
    for D, bad, theta in zip(net.gradients(X, Y), bugs.gradients(net, X, Y, "regularised_bias"), net.thetas):
        np.testing.assert_array_equal(bad[:, 1:], D[:, 1:])
        np.testing.assert_allclose(bad[:, 0] - D[:, 0], lam / m * theta[:, 0], rtol=1e-12, atol=1e-15)


def test_delta_sign_on_a_single_layer_net_negates_the_logistic_regression_data_gradient():
    rng = np.random.default_rng(4)
    theta = rng.normal(size=(1, 4))
    X, y, lam = rng.normal(size=(7, 3)), rng.integers(0, 2, 7).astype(float), 0.5
    net = Network.from_thetas([theta], lam=lam)
    h = sigmoid(X @ theta[0, 1:] + theta[0, 0])
    data = np.concatenate([[np.mean(h - y)], (h - y) @ X / 7])
    reg = np.concatenate([[0.0], lam / 7 * theta[0, 1:]])
    np.testing.assert_allclose(bugs.gradients(net, X, y, "delta_sign")[0][0], -data + reg, rtol=1e-12)
    np.testing.assert_allclose(net.gradients(X, y)[0][0], data + reg, rtol=1e-12)


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_delta_sign_negates_the_whole_data_gradient_of_any_net(name, lam):
    # Every δ^(l) is linear in δ^(L), so y − a negates every Δ^(l); the λ term stays.
    net, X, Y = load(name, lam=lam)
    reg = regularisation(net, len(X))
    for D, bad, r in zip(net.gradients(X, Y), bugs.gradients(net, X, Y, "delta_sign"), reg):
        np.testing.assert_allclose(bad - r, -(D - r), rtol=1e-12, atol=1e-15)


def by_hand_hidden_layer(net, X, Y, g_prime):
    """D for a 3-layer sigmoid/tanh net with cross-entropy, written out directly."""
    T1, T2 = net.thetas
    g = sigmoid if net.hidden == "sigmoid" else np.tanh
    z2 = X @ T1[:, 1:].T + T1[:, 0]
    a2 = g(z2)
    a3 = sigmoid(a2 @ T2[:, 1:].T + T2[:, 0])
    d3 = a3 - Y
    d2 = (d3 @ T2[:, 1:]) * g_prime(z2, a2)
    m = len(X)
    ones = np.ones((m, 1))
    D1 = d2.T @ np.hstack([ones, X]) / m
    D2 = d3.T @ np.hstack([ones, a2]) / m
    return [D1, D2]


def test_no_g_prime_drops_g_prime_from_the_hidden_delta():
    net, X, Y = random_case([3, 4, 2], seed=1)
    expected = by_hand_hidden_layer(net, X, Y, lambda z, a: 1.0)
    for got, want in zip(bugs.gradients(net, X, Y, "no_g_prime"), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    correct = by_hand_hidden_layer(net, X, Y, lambda z, a: a * (1 - a))
    for got, want in zip(net.gradients(X, Y), correct):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("hidden, g_prime_of_a", [
    ("sigmoid", lambda a: sigmoid(a) * (1 - sigmoid(a))),
    ("tanh", lambda a: 1 - np.tanh(a) ** 2),
])
def test_a_instead_of_z_evaluates_g_prime_at_a(hidden, g_prime_of_a):
    net, X, Y = random_case([3, 4, 2], hidden=hidden, seed=2)
    expected = by_hand_hidden_layer(net, X, Y, lambda z, a: g_prime_of_a(a))
    for got, want in zip(bugs.gradients(net, X, Y, "a_instead_of_z"), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bug", ["no_g_prime", "a_instead_of_z"])
@pytest.mark.parametrize("name", ["xor", "debug", "worked_example", "blobs"])
def test_hidden_delta_bugs_leave_the_last_theta_alone_and_change_the_others(bug, name):
    net, X, Y = load(name)
    D, bad = net.gradients(X, Y), bugs.gradients(net, X, Y, bug)
    np.testing.assert_array_equal(bad[-1], D[-1])
    for l in range(net.L - 2):
        assert not np.allclose(bad[l], D[l], rtol=1e-3, atol=0)


def test_hidden_delta_bugs_reach_every_earlier_layer_of_a_deep_net():
    net, X, Y = random_case([3, 4, 4, 4, 2], hidden="tanh", seed=3)
    D = net.gradients(X, Y)
    for bug in ("no_g_prime", "a_instead_of_z"):
        bad = bugs.gradients(net, X, Y, bug)
        np.testing.assert_array_equal(bad[-1], D[-1])
        assert all(not np.allclose(b, d, rtol=1e-3, atol=0) for b, d in zip(bad[:-1], D[:-1]))


@pytest.mark.parametrize("sizes, hidden, lam, m, bug, reason", [
    ([2, 1], "sigmoid", 1.0, 4, "no_g_prime", "hidden layer"),
    ([2, 1], "sigmoid", 1.0, 4, "a_instead_of_z", "hidden layer"),
    ([2, 3, 1], "linear", 1.0, 4, "no_g_prime", "linear"),
    ([2, 3, 1], "linear", 1.0, 4, "a_instead_of_z", "linear"),
    ([2, 3, 1], "relu", 1.0, 4, "a_instead_of_z", "relu"),
    ([2, 3, 1], "sigmoid", 0.0, 4, "regularised_bias", "λ = 0"),
    ([2, 3, 1], "sigmoid", 0.0, 4, "notes_lambda", "λ = 0"),
    ([2, 3, 1], "sigmoid", 1.0, 1, "notes_lambda", "m = 1"),
])
def test_no_effect_reason_says_why_and_the_gradient_is_indeed_unchanged(sizes, hidden, lam, m, bug, reason):
    net, X, Y = random_case(sizes, hidden=hidden, lam=lam, m=m, seed=5)
    assert reason in bugs.no_effect_reason(net, bug, m)
    for got, want in zip(bugs.gradients(net, X, Y, bug), net.gradients(X, Y)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bug", BUG_NAMES)
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu"])
def test_where_no_reason_is_given_the_bug_changes_the_gradient(bug, hidden):
    net, X, Y = random_case([3, 4, 2], hidden=hidden, lam=1.0, m=5, seed=6)
    if bugs.no_effect_reason(net, bug, 5) is not None:
        assert (hidden, bug) == ("relu", "a_instead_of_z")
        return
    changed = any(not np.array_equal(b, d) for b, d in zip(bugs.gradients(net, X, Y, bug), net.gradients(X, Y)))
    assert changed
    assert bugs.no_effect_reason(net, None) is None


def test_backprop_defaults_are_the_correct_formulas_written_out():
    net, X, Y = random_case([3, 4, 2], lam=2.0, seed=7)
    z, a = net.forward(X)
    theta2 = net.theta(2)
    d3 = a[3] - Y
    act = net.activation(2)
    # δ^(2) = (Θ^(2))ᵀ δ^(3) .* g'(z^(2)), without the bias row; g' of the sigmoid at z
    g = sigmoid(z[2])
    np.testing.assert_allclose(backprop.hidden_delta(theta2, d3, z[2], a[2], act),
                               (d3 @ theta2[:, 1:]) * g * (1 - g), rtol=1e-12, atol=1e-15)
    # Δ^(2) = Σ_i δ^(3) (a^(2))ᵀ with a_0 = 1; D = Δ/m + (λ/m) Θ off the bias column
    Delta = backprop.accumulate(d3, a[2])
    by_hand = sum(np.outer(d3[i], np.concatenate([[1.0], a[2][i]])) for i in range(5))
    np.testing.assert_allclose(Delta, by_hand, rtol=1e-12, atol=1e-15)
    D = by_hand / 5 + 2.0 / 5 * np.hstack([np.zeros((2, 1)), theta2[:, 1:]])
    np.testing.assert_allclose(backprop.gradient(Delta, theta2, 2.0, 5), D, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="g_prime"):
        backprop.hidden_delta(theta2, d3, z[2], a[2], act, g_prime="x")
