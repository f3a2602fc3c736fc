"""Training: gradient descent (full-batch or mini-batch) and L-BFGS.

Gradient descent repeats Θ^(l) := Θ^(l) − α D^(l).  "lbfgs" is the notes'
"advanced optimization": like Octave's fminunc it is handed the unrolled
cost-and-gradient function, here through scipy.optimize.minimize.
"""
from __future__ import annotations

import numpy as np

from . import validation
from .network import Network, unroll

METHODS = ("gd", "lbfgs")
MAX_ITERATIONS = 1_000_000


class CostHistory(list):
    """J(Θ) on the whole training set: before training, then after each iteration.

    ``stopped`` says why training ended early ("" when it ran every iteration):
    a callback that returned False, or a cost or weights that stopped being
    finite, in which case the network returned is the last finite one.
    """
    stopped: str = ""

    @property
    def diverged(self) -> bool:
        return self.stopped.startswith("Diverged")


def train(net, X, Y, method="gd", learning_rate=0.5, iterations=100, batch_size=None,
          callback=None, seed=0):
    """Train ``net`` on (X, Y); return (trained network, CostHistory).

    ``batch_size`` (gd only) gives mini-batch gradient descent: each iteration
    takes one step on the next ``batch_size`` examples of a shuffled order,
    reshuffled (from ``seed``) each time the data runs out.  ``callback``, if
    given, is called as callback(iteration, network, J) after each iteration;
    returning False stops training there.  L-BFGS chooses its own step
    sizes, so ``learning_rate``, ``batch_size`` and ``seed`` are for "gd" only.
    """
    if not isinstance(net, Network):
        raise ValueError(f"train needs an engine Network, got {type(net).__name__}.")
    if method not in METHODS:
        raise ValueError(f"Unknown training method {method!r}: choose one of {', '.join(METHODS)}.")
    X, Y = net.check_data(X, Y)
    iterations = validation.whole_number(iterations, "iterations", minimum=0, maximum=MAX_ITERATIONS)
    if method == "lbfgs":
        if batch_size is not None:
            raise ValueError("batch_size only applies to method='gd'; L-BFGS uses the whole batch.")
        return _lbfgs(net, X, Y, iterations, callback)
    alpha = validation.finite_number(learning_rate, "The learning rate α", strictly_positive=True)
    m = X.shape[0]
    if batch_size is not None:
        batch_size = validation.whole_number(batch_size, "batch_size", minimum=1, maximum=m)
    return _gradient_descent(net, X, Y, alpha, iterations, batch_size, callback,
                             validation.whole_number(seed, "seed", minimum=0))


def _gradient_descent(net, X, Y, alpha, iterations, batch_size, callback, seed):
    history = CostHistory([net.cost(X, Y)])
    rng = np.random.default_rng(seed)
    order, start = np.arange(X.shape[0]), X.shape[0]
    for it in range(1, iterations + 1):
        if batch_size is None:
            rows = slice(None)
        else:
            if start + batch_size > len(order):
                order, start = rng.permutation(X.shape[0]), 0
            rows = order[start:start + batch_size]
            start += batch_size
        D = net.gradients(X[rows], Y[rows])
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            thetas = [t - alpha * d for t, d in zip(net.thetas, D)]
            finite = all(np.all(np.isfinite(t)) for t in thetas)
            J = net._cost_at(thetas, X, Y) if finite else np.inf
        if not np.isfinite(J):
            history.stopped = (
                f"Diverged at iteration {it}: the cost became {J}. The learning rate "
                f"α = {alpha:g} is probably too large; the last finite weights were kept.")
            break
        net = net.with_thetas(thetas)
        history.append(J)
        if callback is not None and callback(it, net, J) is False:
            history.stopped = f"Stopped by the callback after iteration {it}."
            break
    return net, history


def _lbfgs(net, X, Y, iterations, callback):
    from scipy.optimize import minimize  # only this method needs scipy

    history = CostHistory([net.cost(X, Y)])
    if iterations == 0:
        return net, history

    def cost_and_gradient(vec):
        J, D = net.with_vector(vec).cost_and_gradients(X, Y)
        return J, unroll(D)

    def on_iteration(intermediate_result):
        history.append(float(intermediate_result.fun))
        if callback is not None and callback(
                len(history) - 1, net.with_vector(intermediate_result.x), history[-1]) is False:
            history.stopped = f"Stopped by the callback after iteration {len(history) - 1}."
            raise StopIteration

    # numpy and scipy each bring their own OpenBLAS; with both thread pools
    # awake they fight over the cores (measured: digits, 69 iterations, 3.1 s
    # against 0.25 s).  One BLAS thread is plenty for matrices this small.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(cost_and_gradient, net.unroll(), jac=True, method="L-BFGS-B",
                          callback=on_iteration, options={"maxiter": iterations})
    return net.with_vector(result.x), history
