"""Training in worker processes, shared by every session of one server.

A session never trains on its own threads.  It hands the pool a ``Job``: one
*slice* of training, at most ``SLICE_SECONDS`` of gradient descent or L-BFGS
from the weights it has.  A worker process runs the engine's ``train`` on it
and returns a ``Slice``: the new weights, J after each iteration, and why it
ended.  The session then submits the next slice from there (see trainer.py).

Why processes, and why slices:

* Python threads share one GIL: a session training in a thread slowed every
  other session's steps.  A worker process has its own.
* BLAS threads are a process-wide setting.  numpy's and scipy's OpenBLAS
  pools fight over the cores (L-BFGS on the digits ran 7x slower), so each
  worker uses one BLAS thread, set once when it starts; the server process
  itself is never limited.
* The pool's queue is first come, first served and a session has at most one
  slice queued, so sessions take turns: thirty students training all see
  their curves move, and a pause takes effect within one slice.

The pool has as many workers as the machine has cores and starts on first
use.  Workers are forked from a small server process (``forkserver``) that
imported the engine once, so a worker starts in milliseconds and never
inherits the web server's threads.  No Panel here.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from engine import Network, train
from engine.training import DIVERGED

SLICE_SECONDS = 0.05  # a slice's length: short enough for turns, long enough to be cheap
ERROR = "error"       # Slice.reason when train raised


@dataclass(frozen=True)
class Job:
    """One slice of training, everything a worker needs to run it."""
    network: Network
    X: np.ndarray
    Y: np.ndarray
    method: str                 # "gd" or "lbfgs"
    learning_rate: float
    batch_size: int | None      # mini-batch size, gd only
    seed: int                   # mini-batch order
    start_iteration: int        # iterations done before this slice: numbering continues
    iterations: int             # at most this many in this slice
    seconds: float = SLICE_SECONDS


@dataclass(frozen=True)
class Slice:
    """What a worker returns: where the slice got to, and why it ended."""
    network: Network            # the weights after it (the last finite ones if it diverged)
    costs: list                 # J after each iteration of the slice
    reason: str                 # engine.training's CostHistory.reason, or ERROR
    stopped: str                # the sentence that goes with it ("" if it ran its iterations)

    @property
    def out_of_time(self) -> bool:
        """Ended by the clock (or the iteration budget), not by training itself."""
        return self.reason in ("callback", "iterations")

    @property
    def diverged(self) -> bool:
        return self.reason == DIVERGED


def run_slice(job: Job) -> Slice:
    """Train for at most ``job.seconds`` (in a worker process)."""
    deadline = time.perf_counter() + job.seconds
    try:
        network, history = train(
            job.network, job.X, job.Y, method=job.method, learning_rate=job.learning_rate,
            iterations=job.iterations, batch_size=job.batch_size, seed=job.seed,
            start_iteration=job.start_iteration,
            callback=lambda iteration, network, J: time.perf_counter() < deadline)
    except ValueError as error:  # reported to the user as it is, and nothing is lost
        return Slice(job.network, [], ERROR, str(error))
    return Slice(network, list(history[1:]), history.reason, history.stopped)


def blas_threads() -> int:
    """The most threads any BLAS library of this process may use."""
    from threadpoolctl import threadpool_info
    return max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"),
               default=1)


_worker_limits = []  # in a worker process only: keeps its BLAS limit alive


def _start_worker():
    from threadpoolctl import threadpool_limits
    _worker_limits.append(threadpool_limits(limits=1, user_api="blas"))


def _context():
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        # Import the engine (and scipy's optimizer) once, in the fork server, not in
        # every worker; and not the web server's __main__, which is the default.
        ctx.set_forkserver_preload([__name__, "scipy.optimize"])
    return ctx


class TrainingPool:
    """A lazily started ``ProcessPoolExecutor`` of single-BLAS-thread workers."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or max(1, os.cpu_count() or 1)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, fn, *args) -> Future:
        """Run ``fn(*args)`` in a worker.  A pool whose worker died is replaced."""
        for attempt in (1, 2):
            with self._lock:
                if self._executor is None:
                    self._executor = ProcessPoolExecutor(
                        max_workers=self.workers, mp_context=_context(),
                        initializer=_start_worker)
                executor = self._executor
            try:
                return executor.submit(fn, *args)
            except BrokenProcessPool:
                with self._lock:
                    if self._executor is executor:
                        self._executor = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def shutdown(self):
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


@functools.cache
def shared_pool() -> TrainingPool:
    """The one pool of this server process, for every session (started on first use)."""
    return TrainingPool()
