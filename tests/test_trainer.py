"""Training runs and gradient checks for a session, without a browser."""
import time

import numpy as np
import pytest

from engine import train
from explorer.checker import GradientChecker
from explorer.state import ExplorerState
from explorer.trainer import Trainer, accuracy


def run_for(trainer, seconds, until=None):
    trainer.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and trainer.running:
        time.sleep(0.05)
        trainer.poll()
        if until and until(trainer):
            break
    trainer.stop()


def test_training_moves_the_stepper_to_the_trained_weights_and_pausing_is_exact():
    state = ExplorerState(preset="xor")
    trainer = Trainer(state=state)
    start = state.network
    run_for(trainer, 10, until=lambda t: len(t.costs["J"]) > 200)
    done = state.stepper.iterations_done
    assert not trainer.running and done > 200 and "paused" in trainer.status
    assert trainer.costs["iteration"][-1] == done and len(trainer.costs["J"]) == done + 1
    # The trained weights are exactly `done` iterations of gradient descent from the start.
    expected, history = train(start, state.stepper.X, state.stepper.Y,
                              learning_rate=state.learning_rate, iterations=done)
    for got, want in zip(state.network.thetas, expected.thetas):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    np.testing.assert_allclose(trainer.costs["J"], history, rtol=1e-10)
    # Stepping resumes from there: the next iteration's forward pass uses them.
    state.step()
    np.testing.assert_array_equal(state.stepper.a[2], expected.forward(state.stepper.X)[1][2])
    assert state.stepper.iteration == done + 1


def test_lbfgs_and_mini_batches_run_and_record_accuracy():
    state = ExplorerState(preset="blobs")
    trainer = Trainer(state=state, method="lbfgs")
    run_for(trainer, 20)
    assert "finished" in trainer.status or "paused" in trainer.status
    assert trainer.metrics["acc_train"][-1] == accuracy(state.network, state.stepper.X, state.stepper.Y)
    assert trainer.metrics["acc_test"][-1] > 0.8 and len(state.X_test) == 30
    trainer.method, trainer.batch_size = "minibatch", 8
    run_for(trainer, 5, until=lambda t: t.metrics["iteration"][-1] > state.stepper.iterations_done)
    assert trainer.costs["J"]


def test_a_diverging_run_stops_with_the_learning_rate_named_and_finite_weights():
    state = ExplorerState(preset="worked_example")
    state.loss, state.output = "squared_error", "linear"
    state.learning_rate = 50.0
    trainer = Trainer(state=state)
    run_for(trainer, 20)
    assert not trainer.running
    assert state.notice[1] == "error" and "learning rate" in state.notice[2]
    assert np.isfinite(state.network.unroll()).all()
    assert np.isfinite(trainer.costs["J"]).all()


def test_a_new_preset_stops_training_and_clears_the_curves():
    state = ExplorerState(preset="xor")
    trainer = Trainer(state=state)
    trainer.start()
    time.sleep(0.2)
    state.preset = "circle"
    assert not trainer.running and trainer.costs["J"] == []


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
