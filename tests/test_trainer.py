"""Training runs and gradient checks for a session, without a browser.

Training runs in the server's worker processes, in slices; every result here
is compared with one serial call of the engine's ``train`` from the same start.
"""
import os
import signal
import time
from concurrent.futures import Future

import numpy as np
import pytest

from engine import train
from explorer.checker import GradientChecker
from explorer import files
from explorer.state import ExplorerState
from explorer.trainer import Trainer, _Run
from explorer import training_pool
from explorer.training_pool import (WORKER_NICENESS, ERROR, NEED_DATA, Job, Slice,
                                    TrainingPool, blas_threads, examples_key, run_slice,
                                    shared_pool)


def run_for(trainer, seconds, until=None):
    """Train until ``until(trainer)``, the run ends, or ``seconds`` pass; then pause."""
    trainer.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and trainer.running:
        time.sleep(0.05)
        trainer.poll()
        if until and until(trainer):
            break
    pause(trainer)


def pause(trainer):
    """Pause, and poll as the page's frame timer would until the run has ended."""
    trainer.stop()
    deadline = time.monotonic() + 20
    while trainer.running:
        assert time.monotonic() < deadline, "the run never ended"
        time.sleep(0.02)
        trainer.poll()


class CountingPool(TrainingPool):
    """A real pool that counts the slices submitted to it, and those sent with the
    examples."""
    submitted = 0
    with_examples = 0

    def submit(self, fn, *args):
        if args and isinstance(args[0], Job):
            self.submitted += 1
            self.with_examples += args[0].X is not None
        return super().submit(fn, *args)


def serial(state, start, iterations, **kwargs):
    s = state.stepper
    return train(start, s.X, s.Y, learning_rate=s.learning_rate, iterations=iterations, **kwargs)


def assert_same_weights(net, expected):
    for got, want in zip(net.thetas, expected.thetas):
        np.testing.assert_array_equal(got, want)


def test_training_moves_the_stepper_to_the_trained_weights_and_pausing_is_exact():
    state = ExplorerState(preset="xor")
    pool = CountingPool()
    trainer = Trainer(state=state, pool=pool)
    start = state.network
    run_for(trainer, 10, until=lambda t: len(t.costs["J"]) > 200)
    slices = pool.submitted
    done = state.stepper.iterations_done
    assert not trainer.running and done > 200
    assert trainer.status.startswith(f"Training paused after {done} iterations in ")
    assert trainer.costs["iteration"] == list(range(done + 1))
    # Slices in worker processes give exactly one serial run of `done` iterations.
    expected, history = serial(state, start, done)
    assert_same_weights(state.network, expected)
    assert trainer.costs["J"] == list(history)
    # Stepping resumes from there: the next iteration's forward pass uses them.
    state.step()
    np.testing.assert_array_equal(state.stepper.a[2], expected.forward(state.stepper.X)[1][2])
    assert state.stepper.iteration == done + 1
    # Paused means paused: no slice is sent after the pause.
    time.sleep(0.3)
    assert pool.submitted == slices
    pool.shutdown()


def test_mini_batches_in_slices_are_one_serial_run():
    state = ExplorerState(preset="blobs")
    trainer = Trainer(state=state, method="minibatch", batch_size=8)
    start = state.network
    run_for(trainer, 10, until=lambda t: len(t.costs["J"]) > 300)
    done = state.stepper.iterations_done
    expected, history = serial(state, start, done, batch_size=8, seed=state.seed)
    assert_same_weights(state.network, expected)
    assert trainer.costs["J"] == list(history)


def test_two_sessions_training_at_once_each_match_a_serial_run():
    states = [ExplorerState(preset="xor"), ExplorerState(preset="circle")]
    trainers = [Trainer(state=s) for s in states]
    starts = [s.network for s in states]
    for t in trainers:
        t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and min(len(t.costs["J"]) for t in trainers) < 150:
        time.sleep(0.05)
        for t in trainers:
            t.poll()
    for t in trainers:
        t.stop()
    for state, start, t in zip(states, starts, trainers):
        done = state.stepper.iterations_done
        assert done >= 150, "both sessions advanced"
        expected, history = serial(state, start, done)
        assert_same_weights(state.network, expected)
        assert t.costs["J"] == list(history)


def test_lbfgs_that_converges_says_so_in_scipys_words_and_records_accuracy():
    state = ExplorerState(preset="blobs")
    trainer = Trainer(state=state, method="lbfgs")
    run_for(trainer, 20)
    done = state.stepper.iterations_done
    assert trainer.status.startswith(f"Training stopped after {done} iterations in ")
    assert f"L-BFGS converged at iteration {done} (scipy: CONVERGENCE" in trainer.status
    assert state.notice[1:] == ("info", trainer.status)
    h, labels = state.network.predict(state.stepper.X), np.argmax(state.stepper.Y, axis=1)
    right = np.argmax(h, axis=1) == labels
    assert trainer.metrics["acc_train"][-1] == right.sum() / len(right)
    # The metrics are worked out in the worker, for the weights it returned.
    h_test = state.network.predict(state.X_test)
    right_test = np.argmax(h_test, axis=1) == np.argmax(state.Y_test, axis=1)
    assert trainer.metrics["acc_test"][-1] == right_test.sum() / len(right_test) > 0.8
    assert len(state.X_test) == 30 and state.network.lam == 0
    J_test = -np.mean(np.sum(state.Y_test * np.log(h_test), axis=1))  # softmax, no λ
    assert trainer.metrics["J_test"][-1] == pytest.approx(J_test, rel=1e-9)


def big_inputs_state():
    """A relu regression on inputs of about 1e20, loaded from a CSV file."""
    state = ExplorerState(preset="xor")
    state.param.update(hidden="relu", output="linear", loss="squared_error", hidden_layers="3")
    rng = np.random.default_rng(0)
    X, y = rng.uniform(0.5, 2, (6, 2)) * 1e20, rng.normal(size=6)
    rows = [f"{a!r},{b!r},{c!r}" for (a, b), c in zip(X.tolist(), y.tolist())]
    assert files.load_data(state, "\n".join(rows).encode(), "big.csv")
    return state


def test_lbfgs_that_gives_up_says_so_and_does_not_claim_convergence():
    state = big_inputs_state()
    trainer = Trainer(state=state, method="lbfgs")
    run_for(trainer, 20)
    assert "without converging (scipy: ABNORMAL" in trainer.status
    assert "converged" not in trainer.status.replace("without converging", "")
    assert state.notice[1] == "error"
    assert np.isfinite(state.network.unroll()).all()


@pytest.mark.parametrize("method", ["gd", "minibatch"])
def test_a_diverging_run_stops_with_the_learning_rate_named_and_the_last_finite_weights(method):
    state = ExplorerState(preset="blobs")
    state.param.update(loss="squared_error", output="linear")
    state.learning_rate = 50.0
    start = state.network
    trainer = Trainer(state=state, method=method, batch_size=4)
    run_for(trainer, 20)
    assert not trainer.running
    assert state.notice[1] == "error" and state.notice[2] == trainer.status
    expected, history = serial(state, start, 1000, seed=state.seed,
                               batch_size=4 if method == "minibatch" else None)
    assert history.diverged and trainer.status == history.stopped
    assert "α = 50 is probably too large" in trainer.status
    assert_same_weights(state.network, expected)
    assert trainer.costs["J"] == list(history)


def test_a_new_preset_stops_training_and_clears_the_curves():
    state = ExplorerState(preset="xor")
    trainer = Trainer(state=state)
    trainer.start()
    time.sleep(0.2)
    state.preset = "circle"
    assert not trainer.running and trainer.costs["J"] == []
    time.sleep(0.3)
    assert not trainer.poll()
    assert trainer.status == "Training stopped: the network was rebuilt."


def test_cancelling_a_run_submits_no_more_slices():
    pool = CountingPool(workers=1)
    try:
        state = ExplorerState(preset="digits")
        trainer = Trainer(state=state, pool=pool)
        trainer.start()
        deadline = time.monotonic() + 20
        while pool.submitted < 3:
            assert time.monotonic() < deadline, "training never got going"
            time.sleep(0.02)
        assert trainer.cancel() and not trainer.running
        time.sleep(0.5)  # the slice in flight ends within one slice
        count = pool.submitted
        time.sleep(0.5)
        assert pool.submitted == count
    finally:
        pool.shutdown()


def test_a_worker_that_dies_is_reported_and_a_new_one_takes_over():
    pool = TrainingPool(workers=1)
    try:
        worker = pool.submit(os.getpid).result(timeout=30)
        state = ExplorerState(preset="digits")
        trainer = Trainer(state=state, pool=pool)
        trainer.start()
        time.sleep(0.3)
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while trainer.running:
            assert time.monotonic() < deadline
            time.sleep(0.05)
            trainer.poll()
        assert trainer.status.startswith("Training stopped: a training worker stopped unexpectedly")
        assert trainer.status.endswith("Press Train to carry on.")
        assert np.isfinite(state.network.unroll()).all()
        done = state.stepper.iterations_done
        run_for(trainer, 20, until=lambda t: state.stepper.iterations_done > done + 5)
        assert state.stepper.iterations_done > done + 5
        assert pool.submit(os.getpid).result(timeout=30) != worker
    finally:
        pool.shutdown()


def test_blas_threads_are_limited_in_the_workers_only():
    before = blas_threads()
    if before == 1:
        pytest.skip("BLAS has one thread here anyway (one core, or OPENBLAS_NUM_THREADS=1)")
    state = ExplorerState(preset="digits")
    trainer = Trainer(state=state, method="lbfgs")
    trainer.start()
    time.sleep(0.3)
    assert blas_threads() == before  # while training
    assert shared_pool().submit(blas_threads).result(timeout=30) == 1
    pause(trainer)
    assert blas_threads() == before


def test_workers_run_at_a_lower_priority_than_the_server():
    expected = min(19, os.nice(0) + WORKER_NICENESS)
    assert shared_pool().submit(os.nice, 0).result(timeout=30) == expected


def test_a_slice_that_cannot_run_returns_the_engines_message_and_the_same_weights():
    state = ExplorerState(preset="xor")
    job = Job(network=state.network, X=state.stepper.X, Y=state.stepper.Y, method="gd",
              learning_rate=1.0, batch_size=99, seed=0, start_iteration=0, iterations=10)
    piece = shared_pool().submit(run_slice, job).result(timeout=30)
    assert piece.reason == ERROR and "batch_size" in piece.stopped and piece.costs == []
    assert_same_weights(piece.network, state.network)


@pytest.mark.parametrize("bug", ["none", "no_g_prime", "regularised_bias", "notes_lambda",
                                 "a_instead_of_z", "delta_sign"])
def test_the_gradient_checker_passes_correct_backprop_and_fails_each_bug(bug):
    state = ExplorerState(preset="debug")
    state.lam = 1.0 if bug in ("regularised_bias", "notes_lambda") else 0.0
    checker = GradientChecker(state=state, bug=bug)
    result = checker.run()
    assert checker.progress == 100
    assert result.passed == (bug == "none")
    assert bool(result.failing) == (bug != "none")


def test_a_pool_that_is_shut_down_refuses_work_and_training_says_so():
    pool = TrainingPool(workers=1)
    pool.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(os.getpid)
    state = ExplorerState(preset="xor")
    start = state.network
    trainer = Trainer(state=state, pool=pool)
    trainer.start()
    trainer.poll()
    assert not trainer.running
    assert trainer.status.startswith("Training stopped: the training workers could not be reached")
    assert state.notice[1] == "error"
    assert_same_weights(state.network, start)


def test_an_lbfgs_slice_takes_its_minimum_of_iterations_however_short_its_time():
    state = ExplorerState(preset="digits")
    job = Job(network=state.network, X=state.stepper.X, Y=state.stepper.Y, method="lbfgs",
              learning_rate=1.0, batch_size=None, seed=0, start_iteration=7, iterations=1000,
              seconds=0.0, min_iterations=20)
    piece = run_slice(job)
    assert piece.reason == "callback" and len(piece.costs) == 20
    expected, history = train(state.network, state.stepper.X, state.stepper.Y, method="lbfgs",
                              iterations=20)
    assert_same_weights(piece.network, expected)
    assert piece.costs == list(history[1:])


SERVER_THAT_DIES = """
import os, signal, sys
from explorer.training_pool import TrainingPool
if __name__ == "__main__":
    pool = TrainingPool(workers=2)
    pids = {pool.submit(os.getpid).result(timeout=60) for _ in range(8)}
    print(" ".join(map(str, pids)), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # no atexit, no executor shutdown
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie has ended too
        return f.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_end_when_the_server_is_killed(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "server.py"
    script.write_text(SERVER_THAT_DIES)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=os.getcwd())
    pids = [int(p) for p in done.stdout.split()]
    assert pids and done.returncode == -signal.SIGKILL, done.stderr
    deadline = time.monotonic() + 15
    while any(alive(p) for p in pids):
        assert time.monotonic() < deadline, f"workers {pids} outlived their server"
        time.sleep(0.2)


def test_the_servers_pool_takes_its_size_from_the_command_line(monkeypatch):
    from explorer.training_pool import WORKERS_VARIABLE
    monkeypatch.setenv(WORKERS_VARIABLE, "3")
    assert shared_pool.__wrapped__().workers == 3  # a pool of its own: made, not started
    monkeypatch.delenv(WORKERS_VARIABLE)
    assert shared_pool.__wrapped__().workers == len(os.sched_getaffinity(0))


def gd_job(state, key="", seconds=60.0):
    """20 iterations of gradient descent (unless ``seconds`` run out first)."""
    s = state.stepper
    return Job(network=state.network, X=s.X, Y=s.Y, method="gd", learning_rate=s.learning_rate,
               batch_size=None, seed=0, start_iteration=0, iterations=20, seconds=seconds,
               data_key=key)


def test_a_worker_keeps_the_examples_it_was_sent_and_trains_the_same_without_them(monkeypatch):
    monkeypatch.setattr(training_pool, "_kept", type(training_pool._kept)())  # a new worker
    state = ExplorerState(preset="xor")
    key = examples_key(state.stepper.X, state.stepper.Y, None, None)
    job = gd_job(state, key)
    bare = job.without_examples()
    assert bare.X is None and bare.Y is None and bare.data_key == key
    unknown = run_slice(bare)  # not sent yet: the worker asks for them
    assert unknown.reason == NEED_DATA and unknown.costs == []
    assert_same_weights(unknown.network, state.network)
    sent = run_slice(job)
    kept = run_slice(bare)
    expected, history = serial(state, state.network, 20)
    for piece in (sent, kept):
        assert piece.reason == "iterations" and piece.costs == list(history[1:])
        assert_same_weights(piece.network, expected)
    # Without a key the examples always go with the job.
    assert gd_job(state).without_examples().X is state.stepper.X


def test_examples_keys_name_the_values_and_workers_keep_only_the_newest_within_their_limit(
        monkeypatch):
    a = np.arange(12.0).reshape(6, 2)
    b = a.copy()
    b[5, 1] += 1e-9
    assert examples_key(a, a[:, :1], None, None) == examples_key(a.copy(), a[:, :1].copy(), None, None)
    assert examples_key(a, a[:, :1], None, None) != examples_key(b, a[:, :1], None, None)
    assert examples_key(a, a[:, :1], None, None) != examples_key(a, a[:, :1], a, a[:, :1])
    assert examples_key(a.reshape(3, 4), None) != examples_key(a, None)
    monkeypatch.setattr(training_pool, "_kept", type(training_pool._kept)())
    monkeypatch.setattr(training_pool, "EXAMPLES_KEPT_MB", 1)
    xor = ExplorerState(preset="xor")

    def send(X):
        key = examples_key(X, xor.stepper.Y, None, None)
        job = Job(network=xor.network, X=X, Y=xor.stepper.Y, method="gd", learning_rate=1,
                  batch_size=None, seed=0, start_iteration=0, iterations=1, data_key=key)
        training_pool._examples(job)
        return job
    small = [send(np.full((100, 200), k)) for k in range(3)]  # 160 KB each: all kept
    assert list(training_pool._kept) == [j.data_key for j in small]
    training_pool._examples(small[0].without_examples())  # used: now the newest
    mid = send(np.zeros((400, 200)))  # 640 KB: over the limit with all three
    # The one used least lately goes (small[1]), not the first sent (small[0]).
    assert list(training_pool._kept) == [small[2].data_key, small[0].data_key, mid.data_key]
    big = send(np.zeros((4000, 200)))  # 6.4 MB: over the limit alone, kept all the same
    assert list(training_pool._kept) == [big.data_key]  # the older ones go first
    assert training_pool._examples(small[1].without_examples()) is None


def test_a_run_sends_its_examples_with_its_first_slices_only_though_workers_take_turns():
    """With both workers started, idle workers take turns at the pool's queue: a run's
    slices alternate between them.  Each gets the examples once; after that the slices
    carry only the weights."""
    pool = CountingPool(workers=2)
    try:
        # Two slices at once start both workers (the pool starts them as work needs them).
        for future in [pool.submit(time.sleep, 0.5), pool.submit(time.sleep, 0.5)]:
            future.result(timeout=60)
        pool.submitted = pool.with_examples = 0
        state = ExplorerState(preset="xor")
        start = state.network
        trainer = Trainer(state=state, pool=pool)
        run_for(trainer, 2.0)  # slices of about 50 ms
        assert pool.submitted >= 10
        assert pool.with_examples <= 2 * pool.workers  # the first two, and two after a miss
        done = state.stepper.iterations_done
        expected, history = serial(state, start, done)
        assert_same_weights(state.network, expected)
        assert trainer.costs["J"] == list(history)
    finally:
        pool.shutdown()


def test_a_worker_without_the_examples_gets_the_slice_again_with_them_unless_paused():
    pool = CountingPool(workers=1)
    try:
        state = ExplorerState(preset="xor")
        trainer = Trainer(state=state, pool=pool)
        s = state.stepper
        job = gd_job(state, examples_key(s.X, s.Y, None, None)).without_examples()
        missed = Future()
        missed.set_result(Slice(job.network, [], NEED_DATA, ""))  # a worker's answer
        paused = _Run(base=0, job=job)
        paused.halt()
        trainer._on_slice(paused, missed)
        assert paused.settled.is_set() and paused.last is None and pool.submitted == 0
        going = _Run(base=0, job=gd_job(state, job.data_key, seconds=0.05))
        trainer._on_slice(going, missed)  # sent again, with the examples
        assert pool.submitted == 1 and pool.with_examples == 1
        deadline = time.monotonic() + 30
        while going.done == 0:  # the worker trains it
            assert time.monotonic() < deadline, "the slice sent again never trained"
            time.sleep(0.02)
        going.halt()
        assert going.settled.wait(30)
    finally:
        pool.shutdown()
