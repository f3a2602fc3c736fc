"""Training: gradient descent (full-batch or mini-batch) and L-BFGS.

Gradient descent repeats Θ^(l) := Θ^(l) − α D^(l).  "lbfgs" is the notes'
"advanced optimization": like Octave's fminunc it is handed the unrolled
cost-and-gradient function, here through scipy.optimize.minimize.

Nothing here changes how many threads BLAS uses: that is process-wide, so it
is the caller's to set (the explorer's training workers use one each).
"""
from __future__ import annotations

import numpy as np

from . import validation
from .network import Network, unroll

METHODS = ("gd", "lbfgs")
MAX_ITERATIONS = 1_000_000

# Why a run ended: CostHistory.reason.
RAN_ALL = "iterations"      # every iteration asked for
CALLBACK = "callback"       # the callback returned False
DIVERGED = "diverged"       # the cost or the weights stopped being finite
CONVERGED = "converged"     # L-BFGS met its convergence test
OPTIMIZER = "optimizer"     # L-BFGS gave up for a reason of its own (scipy's message says which)


class CostHistory(list):
    """J(Θ) on the whole training set: before training, then after each iteration.

    ``reason`` is why the run ended (one of the constants above) and
    ``stopped`` says so in a sentence; it is "" when the run did every
    iteration asked for.  When the cost or the weights stopped being finite
    the network returned is the last finite one.
    """
    reason: str = RAN_ALL
    stopped: str = ""

    def stop(self, reason: str, sentence: str):
        self.reason, self.stopped = reason, sentence

    @property
    def diverged(self) -> bool:
        return self.reason == DIVERGED


def diverged_sentence(iteration: int, J: float, hint: str) -> str:
    """The one message for a run whose cost or weights stopped being finite."""
    return (f"Diverged at iteration {iteration}: the cost became {J}. {hint}; "
            "the last finite weights were kept.")


def train(net, X, Y, method="gd", learning_rate=0.5, iterations=100, batch_size=None,
          callback=None, seed=0, start_iteration=0):
    """Train ``net`` on (X, Y); return (trained network, CostHistory).

    ``batch_size`` (gd only) gives mini-batch gradient descent: each epoch
    takes the examples in a shuffled order (drawn from ``seed`` and the epoch
    number), ``batch_size`` at a time, leaving out the last few that do not
    fill a batch.  ``callback``, if given, is called as
    callback(iteration, network, J) after each iteration; returning False
    stops training there.  Iterations are numbered from ``start_iteration`` + 1,
    so a run can be continued where another stopped:
    ``train(net, …, iterations=k)`` then ``train(trained, …, start_iteration=k)``
    is the same gradient descent, mini-batches included, as one longer run.
    L-BFGS chooses its own step sizes, so ``learning_rate``, ``batch_size``
    and ``seed`` are for "gd" only; a continued L-BFGS run starts afresh from
    the weights it is given (its curvature memory is not carried over).
    """
    if not isinstance(net, Network):
        raise ValueError(f"train needs an engine Network, got {type(net).__name__}.")
    if method not in METHODS:
        raise ValueError(f"Unknown training method {method!r}: choose one of {', '.join(METHODS)}.")
    X, Y = net.check_data(X, Y)
    iterations = validation.whole_number(iterations, "iterations", minimum=0, maximum=MAX_ITERATIONS)
    start = validation.whole_number(start_iteration, "start_iteration", minimum=0)
    if method == "lbfgs":
        if batch_size is not None:
            raise ValueError("batch_size only applies to method='gd'; L-BFGS uses the whole batch.")
        return _lbfgs(net, X, Y, iterations, callback, start)
    alpha = validation.finite_number(learning_rate, "The learning rate α", strictly_positive=True)
    m = X.shape[0]
    if batch_size is not None:
        batch_size = validation.whole_number(batch_size, "batch_size", minimum=1, maximum=m)
    seed = validation.whole_number(seed, "seed", minimum=0)
    return _gradient_descent(net, X, Y, alpha, iterations, batch_size, callback, seed, start)


def _batches(m, batch_size, seed):
    """rows(iteration): the examples of that iteration's mini-batch (all of them without batches)."""
    if batch_size is None:
        return lambda iteration: slice(None)
    per_epoch = m // batch_size
    order = {}

    def rows(iteration):
        epoch, k = divmod(iteration - 1, per_epoch)
        if epoch not in order:  # one shuffle per epoch, from (seed, epoch) alone
            order.clear()
            order[epoch] = np.random.default_rng([seed, epoch]).permutation(m)
        return order[epoch][k * batch_size:(k + 1) * batch_size]
    return rows


def _gradient_descent(net, X, Y, alpha, iterations, batch_size, callback, seed, start):
    history = CostHistory([net.cost(X, Y)])
    rows = _batches(X.shape[0], batch_size, seed)
    for it in range(start + 1, start + iterations + 1):
        batch = rows(it)
        D = net.gradients(X[batch], Y[batch])
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            thetas = [t - alpha * d for t, d in zip(net.thetas, D)]
            finite = all(np.all(np.isfinite(t)) for t in thetas)
            J = net.cost_at(thetas, X, Y) if finite else np.inf
        if not np.isfinite(J):
            history.stop(DIVERGED, diverged_sentence(
                it, J, f"The learning rate α = {alpha:g} is probably too large"))
            break
        net = net.with_thetas(thetas)
        history.append(J)
        if callback is not None and callback(it, net, J) is False:
            history.stop(CALLBACK, f"Stopped by the callback after iteration {it}.")
            break
    return net, history


class _NotFinite(Exception):
    """L-BFGS asked for the cost at weights, or got a cost, that is not finite."""


def _lbfgs(net, X, Y, iterations, callback, start):
    from scipy.optimize import minimize  # only this method needs scipy

    history = CostHistory([net.cost(X, Y)])
    if iterations == 0:
        return net, history
    last = {"net": net}  # the last accepted, finite iterate

    def cost_and_gradient(vec):
        J = np.inf
        if np.all(np.isfinite(vec)):
            with np.errstate(over="ignore", invalid="ignore"):
                J, D = net.with_vector(vec).cost_and_gradients(X, Y)
        if not np.isfinite(J):
            raise _NotFinite(J)
        return J, unroll(D)

    def on_iteration(intermediate_result):
        last["net"] = net.with_vector(intermediate_result.x)
        history.append(float(intermediate_result.fun))
        it = start + len(history) - 1
        if callback is not None and callback(it, last["net"], history[-1]) is False:
            history.stop(CALLBACK, f"Stopped by the callback after iteration {it}.")
            raise StopIteration

    try:
        result = minimize(cost_and_gradient, net.unroll(), jac=True, method="L-BFGS-B",
                          callback=on_iteration, options={"maxiter": iterations})
    except _NotFinite as error:
        history.stop(DIVERGED, diverged_sentence(
            start + len(history), error.args[0],
            "L-BFGS stepped where the cost overflows; inputs this large may need scaling"))
        return last["net"], history
    done = len(history) - 1
    if history.reason == RAN_ALL and done < iterations:
        message = str(result.message).rstrip(" :.")  # scipy's own reason, e.g. "ABNORMAL: "
        it = start + done
        if result.success:
            history.stop(CONVERGED, f"L-BFGS converged at iteration {it} (scipy: {message}).")
        else:
            history.stop(OPTIMIZER, f"L-BFGS stopped at iteration {it} without converging "
                                    f"(scipy: {message}).")
    return net.with_vector(result.x), history
