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


# ---- why a run ended -------------------------------------------------------------------

def scipy_lbfgs(net, X, Y, iterations):
    """scipy's L-BFGS-B on the unrolled cost, called directly: its own verdict."""
    from scipy.optimize import minimize

    from engine.network import unroll

    def fun(v):
        J, D = net.with_vector(v).cost_and_gradients(X, Y)
        return J, unroll(D)
    return minimize(fun, net.unroll(), jac=True, method="L-BFGS-B",
                    options={"maxiter": iterations})


def unscaled(seed=0, scale=1e20, sizes=(2, 3, 1)):
    """A relu regression on inputs far too large: L-BFGS cannot cope with it."""
    net = Network(list(sizes), hidden="relu", output="linear", loss="squared_error", seed=seed)
    rng = np.random.default_rng(seed)
    return net, rng.uniform(0.5, 2, (6, sizes[0])) * scale, rng.normal(size=(6, 1))


def test_lbfgs_that_converges_says_so_in_scipys_words():
    net, X, y = xor()
    trained, history = train(net, X, y, method="lbfgs", iterations=1000)
    result = scipy_lbfgs(net, X, y, 1000)
    assert result.success and result.nit < 1000
    assert history.reason == "converged" and not history.diverged
    assert len(history) - 1 == result.nit
    assert str(result.message).rstrip(" :.") in history.stopped
    assert history.stopped.startswith(f"L-BFGS converged at iteration {result.nit} (scipy: ")
    np.testing.assert_allclose(trained.unroll(), result.x, rtol=0, atol=1e-12)


def test_lbfgs_that_gives_up_reports_scipys_reason_not_convergence():
    net, X, y = unscaled()
    result = scipy_lbfgs(net, X, y, 500)
    assert not result.success and result.nit < 500  # scipy itself gave up
    trained, history = train(net, X, y, method="lbfgs", iterations=500)
    assert history.reason == "optimizer"
    assert "converged" not in history.stopped.replace("without converging", "")
    assert str(result.message).rstrip(" :.") in history.stopped
    assert np.isfinite(trained.unroll()).all()
    assert history[-1] == pytest.approx(trained.cost(X, y), rel=1e-12)


def test_lbfgs_whose_cost_overflows_stops_as_diverged_with_the_last_finite_weights():
    net, X, y = unscaled(scale=1e40)
    seen = []
    trained, history = train(net, X, y, method="lbfgs", iterations=500,
                             callback=lambda it, n, J: seen.append((it, n)))
    assert history.diverged and history.reason == "diverged"
    iteration = len(history)  # the one that failed, after len(history) - 1 accepted
    assert history.stopped.startswith(f"Diverged at iteration {iteration}: the cost became ")
    assert history.stopped.endswith("the last finite weights were kept.")
    assert seen and seen[-1][0] == iteration - 1
    np.testing.assert_array_equal(trained.unroll(), seen[-1][1].unroll())
    assert np.isfinite(history).all() and np.isfinite(trained.unroll()).all()


@pytest.mark.parametrize("batch_size", [None, 1])
def test_gradient_descent_and_mini_batches_that_diverge_keep_the_last_finite_weights(batch_size):
    net = Network.from_thetas([[[0.0, 1.0]]], output="linear", loss="squared_error")
    X, y = np.array([[10.0], [9.0]]), np.array([0.0, 1.0])
    seen = []
    trained, history = train(net, X, y, learning_rate=1.0, iterations=1000, batch_size=batch_size,
                             callback=lambda it, n, J: seen.append(n))
    assert history.diverged
    assert history.stopped.startswith(f"Diverged at iteration {len(history)}: the cost became ")
    assert "α = 1 is probably too large" in history.stopped
    assert history.stopped.endswith("the last finite weights were kept.")
    np.testing.assert_array_equal(trained.unroll(), seen[-1].unroll())
    assert history[-1] == pytest.approx(trained.cost(X, y), rel=1e-12)
    if batch_size is None:  # one more full step from there is indeed not finite
        with np.errstate(all="ignore"):
            step = [t - 1.0 * d for t, d in zip(trained.thetas, trained.gradients(X, y))]
            J = np.sum((step[0][0, 0] + step[0][0, 1] * X[:, 0] - y) ** 2) / 4
        assert not np.isfinite(J)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_a_run_continued_from_where_it_stopped_is_the_same_run(batch_size):
    p = presets.load("blobs")
    whole, h = train(p.network, p.X, p.Y, learning_rate=0.5, iterations=50, batch_size=batch_size,
                     seed=3)
    first, h1 = train(p.network, p.X, p.Y, learning_rate=0.5, iterations=20, batch_size=batch_size,
                      seed=3)
    seen = []
    second, h2 = train(first, p.X, p.Y, learning_rate=0.5, iterations=30, batch_size=batch_size,
                       seed=3, start_iteration=20, callback=lambda it, n, J: seen.append(it))
    np.testing.assert_array_equal(second.unroll(), whole.unroll())
    assert list(h1) + list(h2[1:]) == list(h)
    assert seen == list(range(21, 51))


def test_each_epoch_of_mini_batches_visits_every_example_once():
    net, X, y = xor()
    used = []

    def which(before, after):
        """The example whose one-example step turns ``before`` into ``after``."""
        for i in range(4):
            step = [t - d for t, d in zip(before.thetas, before.gradients(X[i:i + 1], y[i:i + 1]))]
            if all(np.array_equal(a, b) for a, b in zip(step, after.thetas)):
                return i
        raise AssertionError("no single example explains this step")

    previous = [net]

    def callback(it, network, J):
        used.append(which(previous[0], network))
        previous[0] = network

    train(net, X, y, learning_rate=1.0, iterations=12, batch_size=1, seed=5, callback=callback)
    epochs = [used[k:k + 4] for k in range(0, 12, 4)]
    assert all(sorted(e) == [0, 1, 2, 3] for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1  # reshuffled between epochs
