"""Backpropagation against the notes' numerical gradient check, on many random nets."""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import Network, numerical_gradients, relative_difference
from engine.losses import VALID_OUTPUTS

COMBOS = [(loss, out) for loss, outs in VALID_OUTPUTS.items() for out in outs]


def near_relu_kink(net, X, epsilon=1e-4):
    """True if a relu unit's z is within a few ε of 0, where ε-differences cross the kink."""
    z, _ = net.forward(X)
    layers = [l for l in z if net.activation(l).name == "relu"]
    return any(np.min(np.abs(z[l])) < 50 * epsilon for l in layers)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    hidden=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    combo=st.sampled_from(COMBOS),
    lam=st.sampled_from([0.0, 0.01, 1.0, 3.0]),
    m=st.integers(1, 6),
    seed=st.integers(0, 10_000),
)
def test_backprop_matches_numerical_gradients(sizes, hidden, combo, lam, m, seed):
    loss, output = combo
    net = Network(sizes, hidden=hidden, output=output, loss=loss, lam=lam, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, sizes[0]))
    K = sizes[-1]
    if loss == "cross_entropy" and output == "softmax":
        Y = rng.integers(0, K, size=m) if K > 1 else np.ones((m, 1))
    elif loss == "cross_entropy":
        Y = rng.random((m, K))  # soft targets in [0, 1] are allowed
    else:
        Y = rng.normal(size=(m, K))
    assume(not near_relu_kink(net, X))
    backprop = net.gradients(X, Y)
    numeric = numerical_gradients(net, X, Y, epsilon=1e-4)
    assert [d.shape for d in backprop] == [t.shape for t in net.thetas]
    assert relative_difference(backprop, numeric) < 1e-7


def test_notes_D_without_the_over_m_fails_the_gradient_check():
    """The notes' D = Δ/m + λΘ is not the derivative of their λ/(2m) cost."""
    rng = np.random.default_rng(0)
    net = Network([3, 5, 3], lam=3.0, seed=0)
    X, labels = rng.normal(size=(5, 3)), np.array([1, 2, 0, 1, 2])
    m = len(X)
    D = net.gradients(X, labels)
    numeric = numerical_gradients(net, X, labels)
    notes_D = [d.copy() for d in D]
    for d, t in zip(notes_D, net.thetas):
        d[:, 1:] += 3.0 * t[:, 1:] - 3.0 / m * t[:, 1:]  # λΘ instead of (λ/m)Θ
    assert relative_difference(D, numeric) < 1e-9
    assert relative_difference(notes_D, numeric) > 1e-2


def test_gradient_of_a_single_sigmoid_unit_is_the_logistic_regression_gradient():
    # With no hidden layer, D = (1/m) Σ (h − y) x + (λ/m)θ (bias unregularised).
    rng = np.random.default_rng(4)
    theta = rng.normal(size=(1, 4))
    X, y, lam = rng.normal(size=(7, 3)), rng.integers(0, 2, 7).astype(float), 0.5
    net = Network.from_thetas([theta], lam=lam)
    h = 1 / (1 + np.exp(-(X @ theta[0, 1:] + theta[0, 0])))
    expected = np.concatenate([[np.mean(h - y)], (h - y) @ X / 7 + lam / 7 * theta[0, 1:]])
    np.testing.assert_allclose(net.gradients(X, y)[0][0], expected, rtol=1e-12)


@pytest.mark.parametrize("epsilon", [1e-3, 1e-4, 1e-5])
def test_numerical_gradients_are_two_sided_differences(epsilon):
    net = Network([2, 2, 1], seed=5)
    X, y = np.array([[0.3, -0.2]]), np.array([1.0])
    numeric = numerical_gradients(net, X, y, epsilon=epsilon)
    vec = net.unroll()
    for p in (0, 3, len(vec) - 1):
        plus, minus = vec.copy(), vec.copy()
        plus[p] += epsilon
        minus[p] -= epsilon
        expected = (net.with_vector(plus).cost(X, y) - net.with_vector(minus).cost(X, y)) / (2 * epsilon)
        assert np.concatenate([g.ravel(order="F") for g in numeric])[p] == pytest.approx(expected, rel=1e-12)
