"""A session's files: save and load sessions, weights and data, export a step log.

Each function takes an ExplorerState.  A file that cannot be used is refused
with a message naming it, and the session stays exactly as it was.  No Panel.
"""
from __future__ import annotations

from pathlib import PurePath

import param

from engine import Stepper, io, presets

from . import lesson

# File kinds by ending, and what loads each.
KINDS = {".json": "session", ".npz": "weights", ".csv": "data", ".yaml": "lesson", ".yml": "lesson"}


def load_file(state, data: bytes | None, filename: str) -> bool:
    """Load whatever kind of file ``filename`` names; False (and a message) if refused."""
    data = data or b""
    kind = KINDS.get(PurePath(filename).suffix.lower())
    if kind is None:
        state.say("error", f"{filename}: only .json (session), .npz (weights), .csv (data) "
                           "and .yaml (lesson) files can be loaded. Nothing was changed.")
        return False
    if len(data) > io.MAX_UPLOAD_BYTES:
        state.say("error", f"{filename} is {len(data) / 2**20:.1f} MB; files up to "
                           f"{io.MAX_UPLOAD_BYTES // 2**20} MB can be loaded. Nothing was changed.")
        return False
    return {"session": load_session, "weights": load_weights, "data": load_data,
            "lesson": load_lesson_file}[kind](state, data, filename)


def _read(state, action, filename):
    """action(), or None after saying why the file was refused."""
    try:
        return action()
    except ValueError as error:
        state.say("error", f"{filename}: {error} Nothing was changed.")
        return None


def load_lesson_file(state, data: bytes, filename: str = "lesson.yaml") -> bool:
    """A teacher's lesson (lesson.py's format), started at its first chapter."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        state.say("error", f"{filename}: a lesson file must be UTF-8 text. Nothing was changed.")
        return False
    try:
        chosen = lesson.load_lesson(text, filename)
    except ValueError as error:  # its message names the file, the chapter and the field
        state.say("error", f"{error} Nothing was changed.")
        return False
    state.param.update(lesson=chosen, lesson_name="", chapter=1)
    state.say("success", f"{filename}: the lesson {chosen.title!r}, {len(chosen.chapters)} "
                         "chapters, starts at chapter 1.")
    return True


def load_session(state, data: bytes, filename: str = "session.json") -> bool:
    """A whole session from a JSON file saved by ``save_session``."""
    def build():
        loaded = io.state_from_json(data)
        state.budget.check(loaded.network.sizes, len(loaded.X))  # before it is replayed
        return loaded, io.restore_stepper(loaded)
    result = _read(state, build, filename)
    if result is None:
        return False
    loaded, stepper = result
    with param.discard_events(state):  # where it came from; the stepper is the session
        if loaded.preset in presets.names():
            state.preset = loaded.preset
        if loaded.seed is not None:
            state.seed = loaded.seed
        state.weights = "random"
    name = f" “{loaded.name}”" if loaded.name else ""
    state.replace(stepper, loaded.X_test, loaded.Y_test,
                  f"Loaded session{name} from {filename}: {'-'.join(map(str, stepper.network.sizes))} "
                  f"network, {stepper.m} examples, iteration {stepper.iteration}, "
                  f"step {stepper.position}.")
    return True


def save_session(state, name: str = "") -> str:
    return io.state_to_json(state.stepper, preset=state.preset, seed=state.seed, name=name,
                            X_test=state.X_test, Y_test=state.Y_test)


def load_weights(state, data: bytes, filename: str = "weights.npz") -> bool:
    """Θ matrices from an .npz file, for the current architecture and data."""
    net = _read(state, lambda: io.load_weights_npz(data, state.network), filename)
    if net is None:
        return False
    stepper = Stepper(net, state.stepper.X, state.stepper.Y,
                      learning_rate=state.learning_rate, mode=state.mode)
    with param.discard_events(state):
        state.weights = "random"
    state.replace(stepper, state.X_test, state.Y_test,
                  f"Loaded the weights from {filename}; stepping starts again at iteration 1.")
    return True


def load_data(state, data: bytes, filename: str = "data.csv") -> bool:
    """A data set from a CSV file, for the current network's inputs and outputs."""
    net = state.network
    result = _read(state, lambda: io.load_csv(data, net.sizes[0], net.sizes[-1],
                                              net.loss_function), filename)
    if result is None:
        return False
    X, Y = result
    def build():
        state.budget.check(net.sizes, len(X))
        return Stepper(net, X, Y, learning_rate=state.learning_rate, mode=state.mode)
    stepper = _read(state, build, filename)
    if stepper is None:
        return False
    state.replace(stepper, None, None, f"Loaded {stepper.m} examples from {filename} (no test "
                                       "set); stepping starts again at iteration 1.")
    return True


def step_log(state) -> str:
    return io.step_log_csv(state.stepper)
