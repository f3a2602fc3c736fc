"""Trainer: continuous training for one session, without blocking the server.

Training runs in the server's worker processes (training_pool.py), one
short slice after another: when a slice comes back, its weights and costs
are recorded under a lock and the next slice is submitted at once, from the
pool's own thread, so the workers never wait for the page.  ``poll()``,
called on the session's thread at a steady frame rate, hands the latest
weights to the Stepper (``Stepper.jump``) so the graph redraws at most once
a frame however many iterations ran in between, and adds points to the
curves.  When training stops (pause, divergence, L-BFGS converging or giving
up) the stepper holds exactly the last weights trained, so stepping resumes
from there.

No Panel imports: the view that owns the frame timer calls ``poll()``.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError
from dataclasses import dataclass, field, replace

import numpy as np
import param

from concurrent.futures.process import BrokenProcessPool

from engine.training import CONVERGED, MAX_ITERATIONS

from .state import ExplorerState
from .training_pool import (ERROR, LBFGS_MIN_ITERATIONS, NEED_DATA, Job, Metrics, Slice,
                            TrainingPool, examples_key, metrics, run_slice, shared_pool)

METHODS = {"Gradient descent (full batch)": "gd", "Mini-batch gradient descent": "minibatch",
           "L-BFGS (advanced optimization)": "lbfgs"}
CURVE_POINTS_PER_FRAME = 25  # J points sent per frame; every one is kept in Python
# A pause waits this long at most for the slice in flight (it takes about 50 ms), so
# that stepping goes on from the paused weights; a later poll() finishes a slower one.
# It waits on the server's only thread, so not for long.
STOP_WAIT_S = 0.5


@dataclass
class _Run:
    """One run, shared by the session thread and the pool's thread (guarded by ``lock``)."""
    base: int                                   # iterations done before this run
    job: Job                                    # the first slice; later ones continue it
    lock: threading.Lock = field(default_factory=threading.Lock)
    settled: threading.Event = field(default_factory=threading.Event)  # no slice in flight
    stop: bool = False                          # asked to stop: submit no more slices
    future: object = None                       # the slice in flight
    done: int = 0                               # iterations finished in this run
    costs: list = field(default_factory=list)   # (iteration within the run, J) not yet polled
    latest: object = None                       # the newest Network
    metrics: Metrics | None = None              # ... and how it does
    last: Slice | None = None                   # the slice that ended the run, once it ended
    examples_due: int = 0                       # slices still to be sent with the examples

    def halt(self):
        """Submit no more slices, and drop the one queued if it has not started."""
        with self.lock:
            self.stop = True
            future = self.future
        if future is not None:
            future.cancel()  # a slice already running ends by itself, within one slice

    def end(self, piece: Slice | None):
        """The run is over: ``piece`` ended it (None: it was paused or cancelled)."""
        with self.lock:
            self.last = piece
            self.settled.set()


class Trainer(param.Parameterized):
    state = param.ClassSelector(class_=ExplorerState)
    method = param.Selector(objects=METHODS, default="gd")
    batch_size = param.Integer(default=16, bounds=(1, None), doc="Examples per mini-batch")
    running = param.Boolean(default=False)
    status = param.String(default="", doc="One line on the run in progress or just ended")
    frame = param.Integer(default=0, doc="Bumped whenever the curves gained points")

    def __init__(self, pool: TrainingPool | None = None, **params):
        super().__init__(**params)
        self._pool = pool or shared_pool()
        self._run: _Run | None = None
        self.reset_curves()
        self.state.param.watch(lambda e: self._on_new_network(), "rebuilt")

    @property
    def frames(self):
        """The server's FrameShare: how often this session may draw while training."""
        return self._pool.frames

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

    def record_metrics(self, iteration, measured: Metrics):
        self.metrics["iteration"].append(iteration)
        for name in ("J_test", "acc_train", "acc_test"):
            self.metrics[name].append(getattr(measured, name))

    def _on_new_network(self):
        """A new network or data set: abandon the run (its weights belong to
        the old network) and start the curves afresh."""
        if self.cancel():
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
        net = stepper.network
        minibatch = self.method == "minibatch"
        lbfgs = self.method == "lbfgs"
        # The first slice; _submit sets where each one starts and how far it may go.
        job = Job(network=net, X=stepper.X, Y=stepper.Y, method="lbfgs" if lbfgs else "gd",
                  learning_rate=stepper.learning_rate,
                  batch_size=min(self.batch_size, stepper.m) if minibatch else None,
                  seed=s.seed, start_iteration=stepper.iterations_done, iterations=MAX_ITERATIONS,
                  min_iterations=LBFGS_MIN_ITERATIONS if lbfgs else 1,
                  X_test=s.X_test, Y_test=s.Y_test,
                  data_key=examples_key(stepper.X, stepper.Y, s.X_test, s.Y_test))
        run = _Run(base=stepper.iterations_done, job=job)
        if not self.costs["J"]:
            self.costs["iteration"].append(run.base)
            self.costs["J"].append(net.cost(stepper.X, stepper.Y))
            self.record_metrics(run.base, metrics(net, stepper.X, stepper.Y, s.X_test, s.Y_test))
        self._run, self._started = run, time.perf_counter()
        self.running = True
        self.status = "Training…"
        run.examples_due = self._pool.workers
        self._submit(run, net)

    def _submit(self, run: _Run, net):
        """Send the run's next slice to the pool, from ``net``; if the pool cannot
        take it, end the run with a message that poll() reports.

        The examples go with the run's first slices, as many as the pool has workers,
        and again after a worker says it has not got them (NEED_DATA).  The session
        cannot choose the worker: idle workers take turns at the pool's queue, so the
        slice sent again after a miss would go to the worker that has them, and the next
        one back to the one that has not."""
        job = replace(run.job, network=net, start_iteration=run.base + run.done,
                      iterations=MAX_ITERATIONS - run.done)
        with run.lock:
            with_examples = run.examples_due > 0
            run.examples_due = max(0, run.examples_due - 1)
        if not with_examples:
            job = job.without_examples()
        try:
            future = self._pool.submit(run_slice, job)
        except Exception as error:  # no pool: the server is shutting down, or cannot fork
            run.end(Slice(net, [], ERROR, f"the training workers could not be reached ({error})."))
            return
        with run.lock:
            run.future = future
        # Outside the lock: a slice already done calls _on_slice at once, which takes it.
        future.add_done_callback(lambda f: self._on_slice(run, f))

    def _on_slice(self, run: _Run, future):
        """A slice came back (on the pool's thread): record it, then send the next."""
        try:
            piece = future.result()
        except CancelledError:
            piece = None
        except BrokenProcessPool as error:  # a worker died: say so, keep what was trained
            piece = Slice(run.job.network, [], ERROR,
                          f"a training worker stopped unexpectedly ({error}). "
                          "Press Train to carry on.")
        except Exception as error:  # the slice could not be sent or returned
            piece = Slice(run.job.network, [], ERROR,
                          f"a slice of training failed ({type(error).__name__}: {error}).")
        if piece is not None and piece.reason == NEED_DATA:  # nothing trained: send again
            with run.lock:
                stop = run.stop
                run.examples_due = self._pool.workers
            if stop:
                run.end(None)
            else:
                self._submit(run, piece.network)
            return
        with run.lock:
            if piece is not None:
                run.costs.extend((run.done + k, J) for k, J in enumerate(piece.costs, start=1))
                run.done += len(piece.costs)
                if piece.costs:
                    run.latest, run.metrics = piece.network, piece.metrics
            more = (piece is not None and piece.out_of_time and not run.stop
                    and run.done < MAX_ITERATIONS)
        if more:
            self._submit(run, piece.network)
        else:
            run.end(piece if piece is not None and not piece.out_of_time else None)

    def stop(self):
        """Ask the run to stop and, within STOP_WAIT_S, apply where it got to."""
        run = self._run
        if run is None:
            return
        run.halt()
        run.settled.wait(STOP_WAIT_S)
        self.poll()

    def cancel(self) -> bool:
        """Abandon the run without waiting (a rebuild, or the session closing).

        Returns True when a run was still going."""
        run, self._run = self._run, None
        if run is None:
            return False
        run.halt()
        self.running = False
        return not run.settled.is_set()

    def poll(self) -> bool:
        """Apply the run's progress to the session (call on the session's thread).

        Returns True when anything changed.
        """
        run = self._run
        if run is None:
            return False
        with run.lock:
            costs, run.costs = run.costs, []
            done, latest, measured, last = run.done, run.latest, run.metrics, run.last
            ended = run.settled.is_set()
        s = self.state
        if costs:
            self.costs["iteration"].extend(run.base + i for i, _ in costs)
            self.costs["J"].extend(J for _, J in costs)
        applied = s.stepper.iterations_done - run.base
        if latest is not None and done > applied:
            if measured is not None:
                self.record_metrics(run.base + done, measured)
            s.jump(latest, done - applied, description=(
                f"Trained to iteration {run.base + done} "
                f"({_method_name(self.method)}); J = {self.costs['J'][-1]:.6g}."))
        if ended:
            self._finish(last, done)
        if costs or ended:
            self.frame += 1
        return bool(costs) or ended

    def _finish(self, last: Slice | None, iterations: int):
        """Say how the run ended: paused (``last`` is None), or the slice that ended it."""
        self._run = None
        self.running = False
        seconds = time.perf_counter() - self._started
        J = f"J = {self.costs['J'][-1]:.6g}"
        if last is None:
            how = "paused" if iterations < MAX_ITERATIONS else "finished"
            self.status = f"Training {how} after {iterations} iterations in {seconds:.1f} s; {J}."
            self.state.say("info", self.status)
        elif last.reason == ERROR:
            self.status = f"Training stopped: {last.stopped}"
            self.state.say("error", self.status)
        elif last.diverged:
            self.status = last.stopped
            self.state.say("error", self.status)
        else:  # L-BFGS converged, or gave up: in scipy's words
            self.status = (f"Training stopped after {iterations} iterations in {seconds:.1f} s; "
                           f"{J}. {last.stopped}")
            self.state.say("info" if last.reason == CONVERGED else "error", self.status)


def _method_name(method: str) -> str:
    return {v: k for k, v in METHODS.items()}[method]
