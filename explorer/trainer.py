"""Trainer: continuous training for one session, without blocking the server.

The engine's ``train`` runs in a worker thread; its callback only records
the latest network and cost under a lock.  ``poll()``, called on the
session's own thread at a steady frame rate, hands the latest weights to
the Stepper (``Stepper.jump``) so the graph redraws at most once a frame
however many iterations ran in between, and adds a point to the curves.
When training stops (pause, divergence, L-BFGS converging) the stepper
holds exactly the last weights trained, so stepping resumes from there.

No Panel imports: the view that owns the frame timer calls ``poll()``.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import param
from threadpoolctl import threadpool_limits

from engine import train

from .state import ExplorerState

METHODS = {"Gradient descent (full batch)": "gd", "Mini-batch gradient descent": "minibatch",
           "L-BFGS (advanced optimization)": "lbfgs"}
MAX_ITERATIONS = 1_000_000  # per run; pause stops it long before
YIELD_EVERY_S, YIELD_FOR_S = 0.02, 0.002  # the worker sleeps 2 ms every 20 ms
CURVE_POINTS_PER_FRAME = 25  # J points sent per frame; every one is kept in Python


@dataclass
class _Run:
    """What the worker thread shares with the session thread (guarded by ``lock``)."""
    base: int                                    # iterations done before this run
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    costs: list = field(default_factory=list)    # (iteration within the run, J)
    latest: tuple | None = None                  # (iteration within the run, network)
    final: tuple | None = None                   # (network, CostHistory) when done
    error: str = ""


def accuracy(net, X, Y) -> float:
    """Share of examples classified right: argmax over K > 1 outputs, h ≥ 0.5 for K = 1."""
    h = net.predict(X)
    if h.shape[1] == 1:
        return float(np.mean((h[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
    return float(np.mean(np.argmax(h, axis=1) == np.argmax(Y, axis=1)))


class Trainer(param.Parameterized):
    state = param.ClassSelector(class_=ExplorerState)
    method = param.Selector(objects=METHODS, default="gd")
    batch_size = param.Integer(default=16, bounds=(1, None), doc="Examples per mini-batch")
    running = param.Boolean(default=False)
    status = param.String(default="", doc="One line on the run in progress or just ended")
    frame = param.Integer(default=0, doc="Bumped whenever the curves gained points")

    def __init__(self, **params):
        super().__init__(**params)
        self._run: _Run | None = None
        self._thread: threading.Thread | None = None
        self.reset_curves()
        self.state.param.watch(lambda e: self._on_new_network(), ["structure", "rebuilt"])

    # ---- curves ---------------------------------------------------------------
    def reset_curves(self):
        """Drop every recorded point: (iteration, J) for training, and the
        sparser per-frame metrics (iteration, J_test, accuracy train / test)."""
        self.costs = {"iteration": [], "J": []}
        self.metrics = {"iteration": [], "J_test": [], "acc_train": [], "acc_test": []}
        self._sent = (0, 0)

    def new_points(self):
        """Points added since the last call: (costs, metrics), for streaming to a plot.

        At most CURVE_POINTS_PER_FRAME evenly spaced cost points (the last one
        always included): thousands of iterations a second would otherwise make
        the browser's curve ever slower to draw.
        """
        c, m = self._sent
        self._sent = (len(self.costs["J"]), len(self.metrics["iteration"]))
        n = len(self.costs["J"]) - c
        keep = slice(c, None) if n <= CURVE_POINTS_PER_FRAME else \
            np.unique(np.linspace(c, c + n - 1, CURVE_POINTS_PER_FRAME).astype(int))
        pick = (lambda v: v[keep]) if isinstance(keep, slice) else (lambda v: [v[i] for i in keep])
        return ({k: pick(v) for k, v in self.costs.items()},
                {k: v[m:] for k, v in self.metrics.items()})

    def record_metrics(self, iteration, net):
        s = self.state
        X, Y = s.stepper.X, s.stepper.Y
        classify = s.network.loss == "cross_entropy"
        self.metrics["iteration"].append(iteration)
        has_test = s.X_test is not None and len(s.X_test) > 0
        self.metrics["J_test"].append(net.cost(s.X_test, s.Y_test) if has_test else np.nan)
        self.metrics["acc_train"].append(accuracy(net, X, Y) if classify else np.nan)
        self.metrics["acc_test"].append(accuracy(net, s.X_test, s.Y_test)
                                        if classify and has_test else np.nan)

    def _on_new_network(self):
        """A new network or data set: abandon the run (its weights belong to
        the old network) and start the curves afresh."""
        run, self._run = self._run, None
        if run is not None:
            run.stop.set()
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._thread = None
            self.running = False
            self.status = "Training stopped: the network was rebuilt."
        self.reset_curves()
        self.frame += 1

    # ---- running ----------------------------------------------------------------
    def start(self):
        if self.running:
            return
        s = self.state
        s.playing = False
        stepper = s.stepper
        net, X, Y = stepper.network, stepper.X, stepper.Y
        method = "gd" if self.method == "minibatch" else self.method
        batch = min(self.batch_size, stepper.m) if self.method == "minibatch" else None
        run = _Run(base=stepper.iterations_done)
        if not self.costs["J"]:
            self.costs["iteration"].append(run.base)
            self.costs["J"].append(net.cost(X, Y))
            self.record_metrics(run.base, net)

        pause = {"at": time.perf_counter()}

        def callback(iteration, network, J):
            with run.lock:
                run.costs.append((iteration, J))
                run.latest = (iteration, network)
            # A tight pure-Python loop would hold the GIL nearly all the time and
            # starve the session thread that draws; give it a moment now and then.
            now = time.perf_counter()
            if now - pause["at"] > YIELD_EVERY_S:
                time.sleep(YIELD_FOR_S)
                pause["at"] = time.perf_counter()
            return not run.stop.is_set()

        def work():
            # One BLAS thread: with numpy's pool awake on both cores, the session
            # thread (and the browser) starved; digits trained 10x slower.
            try:
                with threadpool_limits(limits=1, user_api="blas"):
                    result = train(net, X, Y, method=method, learning_rate=stepper.learning_rate,
                                   iterations=MAX_ITERATIONS, batch_size=batch, callback=callback,
                                   seed=s.seed)
            except Exception as error:  # reported on the session thread by poll()
                with run.lock:
                    run.error = str(error)
            else:
                with run.lock:
                    run.final = result

        self._run, self._started = run, time.perf_counter()
        self._thread = threading.Thread(target=work, name="backprop-explorer-train", daemon=True)
        self.running = True
        self.status = "Training…"
        self._thread.start()

    def stop(self):
        """Ask the worker to stop, wait for it, and apply where it got to."""
        if self._run is None:
            return
        self._run.stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.poll()

    def poll(self) -> bool:
        """Apply the worker's progress to the session (call on the session's thread).

        Returns True when anything changed.
        """
        run = self._run
        if run is None:
            return False
        with run.lock:
            costs, run.costs = run.costs, []
            latest, final, error = run.latest, run.final, run.error
        s = self.state
        if costs:
            self.costs["iteration"].extend(run.base + i for i, _ in costs)
            self.costs["J"].extend(J for _, J in costs)
        done = final is not None or bool(error)
        if final is not None:
            net, history = final
            iterations = len(history) - 1
        elif latest is not None:
            iterations, net = latest
        else:
            iterations, net = 0, None
        applied = s.stepper.iterations_done - run.base
        if net is not None and iterations > applied:
            s.stepper.jump(net, iterations - applied, description=(
                f"Trained to iteration {run.base + iterations} "
                f"({_method_name(self.method)}); J = {self.costs['J'][-1]:.6g}."))
            self.record_metrics(run.base + iterations, net)
            s.version += 1
        if done:
            self._finish(final, error, iterations)
        if costs or done:
            self.frame += 1
        return bool(costs) or done

    def _finish(self, final, error, iterations):
        self._run, self._thread = None, None
        self.running = False
        seconds = time.perf_counter() - self._started
        if error:
            self.status = f"Training stopped: {error}"
            self.state.say("error", self.status)
            return
        stopped = final[1].stopped
        if final[1].diverged:
            self.status = stopped
            self.state.say("error", stopped)
        else:
            how = "paused" if "callback" in stopped else "finished (converged)"
            self.status = (f"Training {how} after {iterations} iterations in {seconds:.1f} s; "
                           f"J = {self.costs['J'][-1]:.6g}.")
            self.state.say("info", self.status)


def _method_name(method: str) -> str:
    return {v: k for k, v in METHODS.items()}[method]
