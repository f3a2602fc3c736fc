"""train(): gradient descent, mini-batches, L-BFGS, callbacks and divergence."""
import numpy as np
import pytest

from engine import Network, presets, train


def xor():
    p = presets.load("xor")
    return p.network, p.X, p.Y


def test_gradient_descent_repeats_theta_minus_alpha_D():
    net, X, y = xor()
    trained, history = train(net, X, y, learning_rate=0.8, iterations=5)
    expected = net
    costs = [net.cost(X, y)]
    for _ in range(5):
        expected = expected.with_thetas(
            [t - 0.8 * d for t, d in zip(expected.thetas, expected.gradients(X, y))])
        costs.append(expected.cost(X, y))
    for got, want in zip(trained.thetas, expected.thetas):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-13)
    np.testing.assert_allclose(history, costs, rtol=1e-12)
    assert history.stopped == "" and not history.diverged


def test_cost_falls_and_xor_is_learned():
    net, X, y = xor()
    trained, history = train(net, X, y, learning_rate=2.0, iterations=2000)
    assert history[-1] < 0.01 < history[0]
    assert np.all(np.diff(history) <= 1e-12)  # small α: J never rises
    np.testing.assert_array_equal(trained.predict(X).ravel() > 0.5, y == 1)


def test_mini_batch_of_the_whole_set_is_full_batch():
    net, X, y = xor()
    full, _ = train(net, X, y, learning_rate=1.0, iterations=3)
    mini, _ = train(net, X, y, learning_rate=1.0, iterations=3, batch_size=4)
    for a, b in zip(full.thetas, mini.thetas):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_a_mini_batch_step_uses_only_its_batch():
    net, X, y = xor()
    one, history = train(net, X, y, learning_rate=1.0, iterations=1, batch_size=1, seed=4)
    candidates = [[t - d for t, d in zip(net.thetas, net.gradients(X[i:i + 1], y[i:i + 1]))]
                  for i in range(4)]
    matches = [all(np.allclose(a, b, rtol=0, atol=1e-14) for a, b in zip(one.thetas, c))
               for c in candidates]
    assert sum(matches) == 1
    assert history[1] == pytest.approx(one.cost(X, y), rel=1e-12)  # J on the whole set
    again, _ = train(net, X, y, learning_rate=1.0, iterations=1, batch_size=1, seed=4)
    np.testing.assert_array_equal(again.unroll(), one.unroll())


def test_lbfgs_is_scipys_minimizer_on_the_unrolled_cost():
    net, X, y = xor()
    trained, history = train(net, X, y, method="lbfgs", iterations=200)
    assert history[0] == pytest.approx(net.cost(X, y))
    assert history[-1] == pytest.approx(trained.cost(X, y), rel=1e-9)
    assert trained.cost(X, y) < 1e-3
    np.testing.assert_array_equal(trained.predict(X).ravel() > 0.5, y == 1)


@pytest.mark.parametrize("method", ["gd", "lbfgs"])
def test_callback_sees_each_iteration_and_can_stop(method):
    net, X, y = xor()
    seen = []

    def callback(iteration, network, J):
        seen.append((iteration, J))
        assert J == pytest.approx(network.cost(X, y), rel=1e-9)
        return iteration < 3

    trained, history = train(net, X, y, method=method, iterations=50, callback=callback)
    assert [i for i, _ in seen] == [1, 2, 3]
    assert len(history) == 4 and "callback" in history.stopped


def test_divergence_stops_and_keeps_the_last_finite_weights():
    net = Network.from_thetas([[[0.0, 1.0]]], output="linear", loss="squared_error")
    X, y = np.array([[10.0]]), np.array([0.0])
    trained, history = train(net, X, y, learning_rate=1.0, iterations=1000)
    assert history.diverged and "learning rate" in history.stopped
    assert np.all(np.isfinite(trained.unroll()))
    assert np.isfinite(history).all() and len(history) < 1001
    assert history[-1] == pytest.approx(trained.cost(X, y), rel=1e-12)


def test_zero_iterations_returns_the_same_weights():
    net, X, y = xor()
    for method in ("gd", "lbfgs"):
        trained, history = train(net, X, y, method=method, iterations=0)
        np.testing.assert_array_equal(trained.unroll(), net.unroll())
        assert history == [net.cost(X, y)]
