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
* A worker keeps the examples it was sent (``Job.data_key``), so after a run's
  first slices (one per worker) a slice carries only the weights.  The digits'
  examples are 1 MB: sent with each of the 40 slices a second that ten trainers
  take, pickling and piping them cost the server a tenth of a core, and held its
  GIL against the students' clicks.  A worker that has not got them (or has
  dropped them) says so (``NEED_DATA``), and the session sends them again.

The pool has as many workers as the cores this process may use and starts on
first use.  Workers are forked from a small server process (``forkserver``)
that imported the engine and scipy's optimizer once, so they never inherit
the web server's threads.  Like every multiprocessing child, a worker still
imports the server's main *script* (not ``python -m`` modules): under the
``panel`` console script that is Panel itself, about 1 s and 40 MB per worker,
once for the server's life.  A worker that dies breaks the whole executor, so
every run in flight then stops with a message; the next submit starts a new
one.  No Panel here.
"""
from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import select
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

import numpy as np

from engine import Network, train
from engine.training import DIVERGED

SLICE_SECONDS = 0.05  # a slice's length: short enough for turns, long enough to be cheap
# L-BFGS starts afresh each slice, losing its curvature memory: in slices of 1, 3 or 5
# iterations blobs needed 317, 204 and 62 iterations against 32 in one run.
LBFGS_MIN_ITERATIONS = 20
ERROR = "error"       # Slice.reason when train raised
NEED_DATA = "need data"  # Slice.reason: the worker has not got the job's examples; send them
EXAMPLES_KEPT_MB = 256   # what a worker keeps of the examples it was sent, those used last


@dataclass(frozen=True)
class Job:
    """One slice of training, everything a worker needs to run it.  With a ``data_key``
    the examples may be left out (None): the worker then uses the ones it keeps under
    that key, sent with an earlier slice."""
    network: Network
    X: np.ndarray | None
    Y: np.ndarray | None
    method: str                 # "gd" or "lbfgs"
    learning_rate: float
    batch_size: int | None      # mini-batch size, gd only
    seed: int                   # mini-batch order
    start_iteration: int        # iterations done before this slice: numbering continues
    iterations: int             # at most this many in this slice
    seconds: float = SLICE_SECONDS
    min_iterations: int = 1     # however long they take
    X_test: np.ndarray | None = None  # held-out examples, for the slice's metrics
    Y_test: np.ndarray | None = None
    data_key: str = ""          # names X, Y, X_test, Y_test (examples_key); "": always sent

    def without_examples(self) -> Job:
        """This job with its examples left out, for a worker that keeps them."""
        return replace(self, X=None, Y=None, X_test=None, Y_test=None) if self.data_key else self


def examples_key(*arrays) -> str:
    """A name for these examples that only the same values have (a digest of the shapes,
    types and bytes of each array; None counts too)."""
    digest = hashlib.blake2b(digest_size=16)
    for a in arrays:
        if a is None:
            digest.update(b"none;")
            continue
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape};".encode())
        digest.update(a.data)
    return digest.hexdigest()


# In each worker process (never in the server): the examples it was sent, by data_key,
# the one used last at the end.
_kept: OrderedDict = OrderedDict()


def _nbytes(examples) -> int:
    return sum(a.nbytes for a in examples if a is not None)


def _examples(job: Job):
    """(X, Y, X_test, Y_test) for the job: its own (then kept, if it has a key), or those
    kept under its key; None when this worker has not got them."""
    if job.X is not None:
        examples = (job.X, job.Y, job.X_test, job.Y_test)
        if job.data_key:
            _kept[job.data_key] = examples
            _kept.move_to_end(job.data_key)
            while len(_kept) > 1 and sum(map(_nbytes, _kept.values())) > EXAMPLES_KEPT_MB * 2**20:
                _kept.popitem(last=False)
        return examples
    examples = _kept.get(job.data_key)
    if examples is not None:
        _kept.move_to_end(job.data_key)
    return examples


@dataclass(frozen=True)
class Metrics:
    """How a network does: J on the test set, accuracy on the training and test sets
    (NaN where there is no test set, or for a regression)."""
    J_test: float
    acc_train: float
    acc_test: float


def accuracy(net, X, Y) -> float:
    """Share of examples classified right: argmax over K > 1 outputs, h ≥ 0.5 for K = 1."""
    h = net.predict(X)
    if h.shape[1] == 1:
        return float(np.mean((h[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)))
    return float(np.mean(np.argmax(h, axis=1) == np.argmax(Y, axis=1)))


def metrics(net, X, Y, X_test=None, Y_test=None) -> Metrics:
    """The metrics of ``net``.  Computed where the slice ran: in the server process
    numpy's BLAS runs these products on threads that spin against the workers for the
    cores (one digits trainer cost the server 105 % of a core with them, 15 % without)."""
    classify = net.loss == "cross_entropy"
    has_test = X_test is not None and len(X_test) > 0
    return Metrics(J_test=net.cost(X_test, Y_test) if has_test else np.nan,
                   acc_train=accuracy(net, X, Y) if classify else np.nan,
                   acc_test=accuracy(net, X_test, Y_test) if classify and has_test else np.nan)


@dataclass(frozen=True)
class Slice:
    """What a worker returns: where the slice got to, and why it ended."""
    network: Network            # the weights after it (the last finite ones if it diverged)
    costs: list                 # J after each iteration of the slice
    reason: str                 # engine.training's CostHistory.reason, or ERROR
    stopped: str                # the sentence that goes with it ("" if it ran its iterations)
    metrics: Metrics | None = None  # of ``network``, when the slice trained

    @property
    def out_of_time(self) -> bool:
        """Ended by the clock (or the iteration budget), not by training itself."""
        return self.reason in ("callback", "iterations")

    @property
    def diverged(self) -> bool:
        return self.reason == DIVERGED


def run_slice(job: Job) -> Slice:
    """Train for about ``job.seconds`` (in a worker process)."""
    examples = _examples(job)
    if examples is None:
        return Slice(job.network, [], NEED_DATA, "")
    X, Y, X_test, Y_test = examples
    deadline = time.perf_counter() + job.seconds
    enough = job.start_iteration + job.min_iterations

    def more(iteration, network, J):
        return iteration < enough or time.perf_counter() < deadline
    try:
        network, history = train(
            job.network, X, Y, method=job.method, learning_rate=job.learning_rate,
            iterations=job.iterations, batch_size=job.batch_size, seed=job.seed,
            start_iteration=job.start_iteration, callback=more)
    except ValueError as error:  # the engine's message, for the user as it is
        return Slice(job.network, [], ERROR, str(error))
    except Exception as error:  # anything else: say what, keep the weights
        return Slice(job.network, [], ERROR,
                     f"training failed in a worker ({type(error).__name__}: {error}).")
    return Slice(network, list(history[1:]), history.reason, history.stopped,
                 metrics(network, X, Y, X_test, Y_test) if len(history) > 1
                 else None)


def blas_threads() -> int:
    """The most threads any BLAS library of this process may use (a worker says 1)."""
    from threadpoolctl import threadpool_info
    return max((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"),
               default=1)


def _start_worker(server_pid: int):
    """One BLAS thread for the rest of this worker's life (scipy's library loaded first,
    as the fork server has done already, so that the limit reaches it too), a lower
    priority than the web server's, and an end to it when the server process ends."""
    import scipy.optimize  # noqa: F401
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=1, user_api="blas")
    _lower_priority()
    threading.Thread(target=_exit_with, args=(server_pid,), daemon=True,
                     name="backprop-explorer-watch-server").start()


WORKER_NICENESS = 10


def _lower_priority():
    """Training takes the cores the web server leaves: a click waits for no slice.
    (Where the system has no nice, as on Windows, workers keep the server's priority.)"""
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):
        pass


def _exit_with(server_pid: int):
    """Exit when the server has gone.  A server killed outright (SIGKILL, or SIGTERM
    without a handler) never shuts its pool down, and a worker waiting for work holds
    both ends of its queue's pipe, so it would wait for ever."""
    try:
        # Linux: readable once the server exits, even before its parent reaps it.
        gone = os.pidfd_open(server_pid)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd here: ask every second instead
        while True:
            time.sleep(1.0)
            try:
                os.kill(server_pid, 0)
            except ProcessLookupError:
                os._exit(0)
    select.select([gone], [], [])
    os._exit(0)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _context():
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        # Import the engine (and scipy's optimizer) once, in the fork server, not in
        # every worker; and not the web server's __main__, which is the default.
        ctx.set_forkserver_preload([__name__, "scipy.optimize"])
    return ctx


class FrameShare:
    """How often each session that trains may draw a frame, so that all their frames
    together take at most ``share`` of one core of the server.

    Each training session reports what its frames cost (ms, the last one's); every one
    of them then draws a frame every ``max(floor, total cost / share)`` ms.  One session
    on the digits (about 6-10 ms a frame) keeps the full rate; ten share 30 % of a core
    and get a frame every 300 ms or so, and stepping sessions keep the rest.
    """

    def __init__(self, share: float = 0.3):
        self.share = share
        self._costs: dict = {}
        self._lock = threading.Lock()

    def report(self, session, ms: float):
        with self._lock:
            self._costs[session] = float(ms)

    def leave(self, session):
        with self._lock:
            self._costs.pop(session, None)

    @property
    def training(self) -> int:
        return len(self._costs)

    def period(self, floor: float) -> int:
        """ms between one session's frames."""
        with self._lock:
            total = sum(self._costs.values())
        return int(max(floor, total / self.share))


class TrainingPool:
    """A lazily started ``ProcessPoolExecutor`` of single-BLAS-thread workers, and the
    share of the server's time their sessions' frames may take (``frames``)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or max(1, _cores())
        self.frames = FrameShare()
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the training pool was shut down")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=_context(), initializer=_start_worker,
                    initargs=(os.getpid(),))
            return self._executor

    def submit(self, fn, *args) -> Future:
        """Run ``fn(*args)`` in a worker.  A pool broken by a dead worker is replaced once."""
        executor = self._current()
        try:
            return executor.submit(fn, *args)
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    self._executor = None
        return self._current().submit(fn, *args)

    def shutdown(self):
        """Stop the workers; later submits raise RuntimeError."""
        with self._lock:
            executor, self._executor, self._closed = self._executor, None, True
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


WORKERS_VARIABLE = "BACKPROP_EXPLORER_TRAINING_WORKERS"


@functools.cache
def shared_pool() -> TrainingPool:
    """The one pool of this server process, for every session (started on first use).
    As many workers as cores, or as $BACKPROP_EXPLORER_TRAINING_WORKERS says (the
    command line's --training-workers: servers that share a machine share its cores)."""
    return TrainingPool(workers=int(os.environ.get(WORKERS_VARIABLE) or 0) or None)
