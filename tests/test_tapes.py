"""Step tapes for the page (explorer/tapes.py): a frame rebuilt the page's way from a tape's
changes is the frame worked out at that point by stepping."""
import numpy as np
import pytest

from engine import Network, Stepper, presets
from explorer import quiz
from explorer.graph import same_values
from explorer.tapes import COLUMNS, display_tape


def frame_of(stepper):
    """A frame like the player's: sets of columns, a question (a dict sent whole), a band."""
    return {"nodes": {"a": np.concatenate([stepper.a[l][0] for l in range(1, stepper.L + 1)]),
                      "delta": np.concatenate([stepper.delta[l][0] for l in range(2, stepper.L + 1)])},
            "edges": {"theta": np.concatenate([t.ravel() for t in stepper.network.thetas])},
            "quiz": quiz.question(stepper, 0),
            "band": None if stepper.last_step is None else [stepper.position, stepper.L]}


def replay(tape):
    """The frames the page shows, rebuilt as js/player.js does (``frameAt``/``merge``)."""
    frame = {**tape["first"], **{k: dict(tape["first"][k]) for k in COLUMNS}}
    frames = [frame]
    for step in tape["steps"]:
        frame = {**frame, **{k: dict(frame[k]) for k in COLUMNS}}
        for key, value in step["frame"].items():
            if key in COLUMNS:
                frame[key].update(value)
            else:
                frame[key] = value
        frames.append(frame)
    return frames


def same_frame(a, b):
    return a.keys() == b.keys() and all(
        all(same_values(a[k][c], b[k][c]) for c in b[k]) if k in COLUMNS else a[k] == b[k]
        for k in b)


@pytest.mark.parametrize("name, init", [("xnor", None), ("xnor", "zeros"), ("debug", None)])
@pytest.mark.parametrize("mode", ["batch", "per_example"])
def test_the_page_rebuilds_every_frame_and_every_question_whole(name, init, mode):
    p = presets.load(name)
    net = p.network
    if init == "zeros":  # the zero-init chapter: many questions differ in a field or two
        net = Network.from_thetas([np.zeros_like(t) for t in net.thetas], hidden=net.hidden,
                                  output=net.output, loss=net.loss, lam=net.lam)
    stepper = Stepper(net, p.X, p.Y, learning_rate=p.learning_rate, mode=mode)
    tape, _, _ = display_tape(stepper, frame_of, 1, max_steps=200)
    twin = stepper.fork()
    asked = 0
    for k, frame in enumerate(replay(tape)):
        if k:
            twin.step()
        expected = frame_of(twin)
        assert same_frame(frame, expected), f"step {k}: {frame} != {expected}"
        asked += expected["quiz"] is not None
    assert asked > 0
