"""engine.tape: a recorded iteration replays exactly what stepping gives, bit for bit."""
import numpy as np
import pytest

from engine import Network, Stepper, presets
from engine.tape import record, snapshot


def bits(value):
    return np.asarray(value, dtype=float).tobytes()


def assert_same(replayed, stepped):
    assert replayed.keys() == stepped.keys()
    for key in stepped:
        assert bits(replayed[key]) == bits(stepped[key]), key


def problems():
    for name in ("xnor", "worked_example", "debug", "blobs"):
        p = presets.load(name)
        yield name, p.network, p.X, p.Y
    rng = np.random.default_rng(3)
    for hidden, output, loss in (("tanh", "softmax", "cross_entropy"),
                                 ("relu", "linear", "squared_error"),
                                 ("linear", "sigmoid", "squared_error")):
        net = Network([3, 4, 3, 2], hidden=hidden, output=output, loss=loss, lam=0.7, seed=5)
        X = rng.normal(size=(5, 3))
        Y = rng.integers(0, 2, 5) if loss == "cross_entropy" else rng.normal(size=(5, 2))
        yield f"{hidden}-{output}", net, X, Y


PROBLEMS = {name: (net, X, Y) for name, net, X, Y in problems()}


@pytest.mark.parametrize("mode", ["batch", "per_example"])
@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("start", [0, 2, "end"])
def test_replaying_the_tape_is_stepping(problem, mode, start):
    net, X, Y = PROBLEMS[problem]
    stepper = Stepper(net, X, Y, learning_rate=0.3, mode=mode)
    if start == "end":
        stepper.run_iteration()
    else:
        for _ in range(start):
            stepper.step()
    examples = [0, len(X) - 1]
    before = snapshot(stepper, examples)
    tape = record(stepper, examples)
    assert_same(snapshot(stepper, examples), before)  # the stepper did not move
    assert_same(tape.values_at(0), before)
    for k, taped in enumerate(tape.steps, start=1):
        step = stepper.step()
        assert taped.step == step
        assert (taped.iteration, taped.position) == (stepper.iteration, stepper.position)
        assert taped.description == stepper.description
        assert_same(tape.values_at(k), snapshot(stepper, examples))
    assert stepper.iteration_complete  # the tape ran to the end of the iteration
    assert len(tape) == stepper.steps_per_iteration - (start if start != "end" else 0)


def test_a_tape_may_stop_early_and_keeps_only_the_rows_asked_for():
    net, X, Y = PROBLEMS["debug"]
    stepper = Stepper(net, X, Y, mode="per_example")
    tape = record(stepper, [3], max_steps=7)
    assert len(tape) == 7 and tape.examples == (3,)
    assert tape.start[("a", 2)].shape == (1, net.sizes[1])
    assert tape.steps[0].values[("z", 2)].shape == (1, net.sizes[1])


def test_a_tape_records_on_from_where_another_ended_and_shows_each_point():
    net, X, Y = PROBLEMS["xnor"]
    stepper = Stepper(net, X, Y, mode="per_example")
    seen = []
    first = record(stepper, [0], max_steps=5, observe=lambda s: seen.append(s.position))
    second = record(first.end, [0], max_steps=5)
    assert seen == [1, 2, 3, 4, 5] and stepper.position == 0
    assert (second.iteration, second.position) == (1, 5)
    for _ in range(10):
        stepper.step()
    assert_same(second.values_at(5), snapshot(stepper, [0]))


def test_a_refused_update_ends_the_tape_before_it_with_the_message():
    net = Network.from_thetas([[[0.0, 1.0]]], output="linear", loss="squared_error")
    stepper = Stepper(net, np.array([[10.0]]), np.array([0.0]), learning_rate=1e308)
    tape = record(stepper, [0])
    assert [t.step.kind for t in tape.steps] == ["forward", "cost", "output_delta", "accumulate",
                                                 "gradient"]
    assert "learning rate" in tape.error
    with pytest.raises(ValueError, match="learning rate"):
        for _ in range(6):
            stepper.step()


@pytest.mark.parametrize("mode", ["batch", "per_example"])
def test_a_tape_without_examples_keeps_no_values_but_still_steps_and_observes(mode):
    net, X, Y = PROBLEMS["xnor"]
    stepper = Stepper(net, X, Y, mode=mode)
    seen = []
    tape = record(stepper, None, observe=lambda twin: seen.append((twin.iteration, twin.position)))
    assert tape.start == {} and all(taped.values == {} for taped in tape.steps)
    assert seen == [(t.iteration, t.position) for t in tape.steps]
    assert len(seen) == stepper.steps_per_iteration and stepper.position == 0
    stepped = Stepper(net, X, Y, mode=mode)
    stepped.run_iteration()
    assert_same(snapshot(tape.end, range(len(X))), snapshot(stepped, range(len(X))))
