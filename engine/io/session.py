"""A whole session as a human-readable JSON file, and back to the exact step.

``state_to_json`` writes the network, the data, α, the mode and the point
reached in the iteration (schema version 1, see its docstring and the
README); ``state_from_json`` reads one back, checking every field, and
``restore_stepper`` rebuilds a Stepper whose every a, z, δ, Δ, D and J is bit
for bit the saved one's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .. import validation
from ..network import Network
from ..stepper import MODES, Stepper
from ..steps import schedule_length, steps_per_example
from ..validation import frozen
from . import fields
from .strict_json import parse
from .uploads import MAX_UPLOAD_BYTES, as_text, megabytes

SCHEMA = "backprop-explorer/state"
SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = (1,)
SAVED_BY = "backprop-explorer"

MAX_NAME_CHARS = 1000          # the free-text "name" of a saved state
MAX_ITERATION = 10**9          # position.iteration
# Restoring a per-example position replays its steps, and each step copies the
# (m, s_l) arrays it writes; a file whose replay would copy more than this is
# refused (the digits presets' whole per-example iteration copies about 1.7 GB).
MAX_REPLAY_BYTES = 16 * 2**30

STATE_FIELDS = ("schema", "version", "saved_by", "name", "preset", "seed", "network",
                "training", "data", "position", "completed_update")
_REQUIRED_FIELDS = ("schema", "version", "network", "training", "data", "position")


def steps_per_iteration(L: int, m: int, mode: str) -> int:
    """len(Stepper.schedule) for a network of L layers and m examples (kept for callers
    of engine.io; it is ``engine.steps.schedule_length``)."""
    return schedule_length(L, m, mode)


def _replay_bytes(net: Network, m: int, mode: str, step: int) -> int:
    """About how many bytes restoring ``step`` steps copies (per-example mode only)."""
    if mode == "batch":
        return 0
    examples = min(m, step // steps_per_example(net.L) + 1)
    return 8 * examples * (3 * m * sum(net.sizes[1:]) + 2 * net.n_params)


@dataclass(frozen=True)
class LoadedState:
    """A checked state file.  Arrays are read-only; ``restore_stepper`` rebuilds the Stepper.

    ``thetas_before_update`` and ``update_learning_rate`` are set only when
    the saved position is a completed iteration (``step`` equals the number of
    steps in an iteration): the weights that iteration started from and the α
    its update used, which ``restore_stepper`` needs to recompute its values.
    """
    network: Network
    X: np.ndarray
    Y: np.ndarray
    X_test: np.ndarray | None
    Y_test: np.ndarray | None
    learning_rate: float
    mode: str
    preset: str | None
    seed: int | None
    name: str | None
    iteration: int
    step: int
    thetas_before_update: tuple | None = None
    update_learning_rate: float | None = None

    @property
    def steps_per_iteration(self) -> int:
        return steps_per_iteration(self.network.L, self.X.shape[0], self.mode)


def state_to_json(stepper, *, preset=None, seed=None, name=None, X_test=None, Y_test=None) -> str:
    """The whole session as indented, human-readable JSON (schema version 1).

    Example (a 2-2-1 net on XOR, 4 examples, batch mode; numbers shortened)::

        {
          "schema": "backprop-explorer/state",
          "version": 1,
          "saved_by": "backprop-explorer",
          "name": "XOR after 3 iterations",      free text or null
          "preset": "xor",                        a preset name or null
          "seed": 0,                              a whole number ≥ 0 or null
          "network": {
            "sizes": [2, 2, 1],
            "hidden": "sigmoid", "output": "sigmoid", "loss": "cross_entropy", "lam": 0.0,
            "thetas": [[[0.27, -0.31, 0.86], [...]], [[...]]]
          },
          "training": {"learning_rate": 2.0, "mode": "batch"},
          "data": {
            "X": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
            "Y": [[0.0], [1.0], [1.0], [0.0]]
          },
          "position": {"iteration": 4, "step": 5}
        }

    * ``network`` is ``Network.to_dict()`` of ``stepper.network``: the
      weights the current iteration started from, or, once its update has been
      applied (``step`` = steps per iteration), the updated weights.
    * ``data.Y`` is the (m, K) target matrix the stepper uses (class labels
      one-hot encoded).  ``data.X_test`` and ``data.Y_test`` are written only
      when given (held-out examples, same columns).
    * ``position``: ``iteration`` is ``stepper.iteration`` (1-based) and
      ``step`` is ``stepper.position``, the steps of that iteration already
      taken (0 = none; batch mode has 3L steps, per-example m(3L − 3) + 3).
    * ``completed_update`` appears only when the iteration is complete:
      ``{"thetas_before": [...], "learning_rate": α}``, the weights before the
      update and the α it used, so the iteration's a, z, δ, Δ, D and J can be
      recomputed exactly (``Stepper.last_update`` gives both).

    Numbers are written with Python's shortest exact repr, so every weight and
    value reads back bit for bit.  A state over ``MAX_UPLOAD_BYTES`` as text is
    refused here, since it could not be loaded back.
    """
    if not isinstance(stepper, Stepper):
        raise ValueError(f"state_to_json needs an engine Stepper, got {type(stepper).__name__}.")
    preset = fields.preset_name(preset, "preset")
    seed = fields.seed(seed, "seed")
    name = fields.optional_text(name, "name", MAX_NAME_CHARS)
    net = stepper.network
    if (X_test is None) != (Y_test is None):
        raise ValueError("Give both X_test and Y_test, or neither.")
    if X_test is not None:
        try:
            X_test, Y_test = net.check_data(X_test, Y_test)
        except ValueError as e:
            raise ValueError(f"X_test, Y_test: {e}") from None
    # Every number takes at least 5 characters ("0.0, "): refuse early what cannot fit.
    values = (stepper.X.size + stepper.Y.size + 2 * net.n_params
              + (0 if X_test is None else X_test.size + Y_test.size))
    if 5 * values > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"This session would be at least {megabytes(5 * values)} as a state file, over the "
            f"{MAX_UPLOAD_BYTES / 2**20:g} MB that can be loaded back, so it was not saved. Use "
            f"fewer examples or a smaller network.")
    data = {"X": stepper.X.tolist(), "Y": stepper.Y.tolist()}
    if X_test is not None:
        data["X_test"], data["Y_test"] = X_test.tolist(), Y_test.tolist()
    iteration, step = stepper.iteration, stepper.position
    update = None
    if stepper.iteration_complete:
        update = _weights_before_update(stepper)
    doc = {"schema": SCHEMA, "version": SCHEMA_VERSION, "saved_by": SAVED_BY, "name": name,
           "preset": preset, "seed": seed, "network": net.to_dict(),
           "training": {"learning_rate": float(stepper.learning_rate), "mode": stepper.mode},
           "data": data, "position": {"iteration": iteration, "step": step}}
    if update is not None:
        doc["completed_update"] = {"thetas_before": [t.tolist() for t in update[0]],
                                   "learning_rate": update[1]}
    text = _dump(doc) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"This session is {megabytes(size)} as a state file, over the {MAX_UPLOAD_BYTES / 2**20:g} MB "
            f"that can be loaded back, so it was not saved. Use fewer examples or a smaller network.")
    return text


def _dump(value, indent: int = 0) -> str:
    """JSON with objects indented, each matrix row and each list of numbers on one line."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, indent + 2)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if any(isinstance(v, (list, dict)) for v in value):
            return ("[\n" + ",\n".join(inner + _dump(v, indent + 2) for v in value)
                    + "\n" + pad + "]")
        return "[" + ", ".join(json.dumps(v, allow_nan=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _weights_before_update(stepper):
    """(thetas before the update, α it used) at a completed iteration, else None."""
    update = stepper.last_update
    if update is None:
        return None
    before, alpha = update
    return [before.theta(l).copy() for l in range(1, stepper.L)], alpha


def state_from_json(text_or_bytes) -> LoadedState:
    """Read and check a state file written by ``state_to_json``.

    Takes the file's bytes (or text).  Refused, each with a message saying
    what is wrong and where: over ``MAX_UPLOAD_BYTES``, empty, not UTF-8, not
    JSON (with line and column), not an object, a missing or wrong "schema",
    a missing, unknown or newer "version", missing or unknown fields, wrong
    types, NaN/Infinity (which Python's json would otherwise accept) or
    numbers too large for a float, a network beyond the limits or whose
    weights do not chain, data whose columns do not match the network (X
    against sizes[0], Y against sizes[-1]) or whose rows differ, class labels
    out of range, a learning rate ≤ 0, an unknown mode, a position outside the
    iteration (iteration < 1, step beyond the schedule), and a completed
    iteration whose weights are not Θ − αD of the weights before it.
    """
    doc = _document(as_text(text_or_bytes, "state file"))
    fields.optional_text(doc.get("saved_by"), "saved_by")
    name = fields.optional_text(doc.get("name"), "name", MAX_NAME_CHARS)
    preset = fields.preset_name(doc.get("preset"), "preset")
    seed = fields.seed(doc.get("seed"), "seed")
    net = Network.from_dict(doc["network"], where="network.")
    learning_rate, mode = _training(doc["training"])
    X, Y, X_test, Y_test = _data(doc["data"], net)
    iteration, step = _position(doc["position"], net, mode, X.shape[0])
    before, update_alpha = _completed_update(doc.get("completed_update"), net, X, Y, iteration,
                                             step, schedule_length(net.L, X.shape[0], mode))
    copy = lambda a: frozen(None if a is None else a.copy())  # noqa: E731
    return LoadedState(network=net, X=copy(X), Y=copy(Y), X_test=copy(X_test), Y_test=copy(Y_test),
                       learning_rate=learning_rate, mode=mode, preset=preset, seed=seed, name=name,
                       iteration=iteration, step=step, thetas_before_update=before,
                       update_learning_rate=update_alpha)


def _document(text: str) -> dict:
    """The file's top-level object, checked for schema, version and fields."""
    doc = parse(text)
    if not isinstance(doc, dict):
        raise ValueError(f"A state file holds one JSON object {{...}} at the top; this file holds "
                         f"{validation.describe(doc)}.")
    if "schema" not in doc:
        raise ValueError(f'This is not a Backprop Explorer state file: it has no "schema" field '
                         f'(expected "schema": "{SCHEMA}").')
    if doc["schema"] != SCHEMA:
        raise ValueError(f'This is not a Backprop Explorer state file: "schema" is '
                         f'{validation.describe(doc["schema"])}, expected "{SCHEMA}".')
    supported = ", ".join(map(str, SUPPORTED_VERSIONS))
    if "version" not in doc:
        raise ValueError(f'The file has no "version" field; this Backprop Explorer reads state '
                         f'files of version {supported}.')
    version = doc["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f'"version" must be a whole number such as {SCHEMA_VERSION}, got '
                         f'{validation.describe(version)}.')
    if version > max(SUPPORTED_VERSIONS):
        raise ValueError(f"The file is a version {version} state file, from a newer Backprop "
                         f"Explorer; this one reads version {supported} only. Update to open it.")
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"Unknown state file version {version}; supported: version {supported}.")
    missing = [k for k in _REQUIRED_FIELDS if k not in doc]
    if missing:
        raise ValueError(f"The file is missing the field{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(k) for k in missing)}; a state file needs "
                         f"{', '.join(_REQUIRED_FIELDS)}.")
    unknown = [k for k in doc if k not in STATE_FIELDS]
    if unknown:
        raise ValueError(f"The file has the unknown field {unknown[0]!r}; the fields of a "
                         f"version {SCHEMA_VERSION} state file are {', '.join(STATE_FIELDS)}.")
    return doc


def _training(value) -> tuple[float, str]:
    training = validation.object_fields(value, "training", ("learning_rate", "mode"))
    learning_rate = validation.finite_number(training["learning_rate"], "training.learning_rate (α)",
                                             strictly_positive=True)
    mode = training["mode"]
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"training.mode must be one of {', '.join(repr(m) for m in MODES)}, got "
                         f"{validation.describe(mode)}.")
    return learning_rate, mode


def _data(value, net: Network):
    """(X, Y, X_test, Y_test) from the "data" object (the test set may be None)."""
    data = validation.object_fields(value, "data", ("X", "Y"), ("X_test", "Y_test"))
    X = fields.inputs(data["X"], "data.X", net)
    Y = fields.targets(data["Y"], "data.Y", net, X.shape[0], "data.X")
    if (data.get("X_test") is None) != (data.get("Y_test") is None):
        raise ValueError("data has only one of X_test and Y_test; give both (held-out examples "
                         "and their targets) or neither.")
    if data.get("X_test") is None:
        return X, Y, None, None
    X_test = fields.inputs(data["X_test"], "data.X_test", net)
    Y_test = fields.targets(data["Y_test"], "data.Y_test", net, X_test.shape[0], "data.X_test")
    return X, Y, X_test, Y_test


def _position(value, net: Network, mode: str, m: int) -> tuple[int, int]:
    """(iteration, step) from the "position" object, the step within the schedule."""
    position = validation.object_fields(value, "position", ("iteration", "step"))
    iteration = validation.whole_number(position["iteration"], "position.iteration", minimum=1,
                                        maximum=MAX_ITERATION)
    N = schedule_length(net.L, m, mode)
    step = position["step"]
    if isinstance(step, bool) or not isinstance(step, (int, float)) or step != int(step) \
            or not 0 <= step <= N:
        raise ValueError(
            f"position.step (the steps of the iteration already taken) must be a whole number "
            f"0..{N}: an iteration of this {'-'.join(map(str, net.sizes))} network in {mode} mode "
            f"with m = {m} has {N} steps; got {validation.describe(step)}.")
    step = int(step)
    if _replay_bytes(net, m, mode, step) > MAX_REPLAY_BYTES:
        raise ValueError(
            f"Restoring step {step} in per-example mode would replay the loop over {m} examples, "
            f"too much work to do on loading; save the session in batch mode or with fewer examples.")
    return iteration, step


def _completed_update(update, net: Network, X, Y, iteration: int, step: int, N: int):
    """(weights before the update, its α) for a completed iteration (step N), else (None, None)."""
    if step != N:
        if update is not None:
            raise ValueError(
                f'"completed_update" belongs only to a completed iteration (position.step = {N}); '
                f"position.step is {step}. Remove it.")
        return None, None
    if update is None:
        raise ValueError(
            f"position.step = {N} means iteration {iteration} is complete, which needs the "
            f'field "completed_update" (the weights before the update). To start from the '
            f'weights in "network" instead, set "position" to '
            f'{{"iteration": {iteration + 1}, "step": 0}}.')
    update = validation.object_fields(update, "completed_update", ("thetas_before", "learning_rate"))
    before = validation.weight_matrices(update["thetas_before"], "completed_update.thetas_before",
                                        [net.theta(l).shape for l in range(1, net.L)])
    alpha = validation.finite_number(
        update["learning_rate"], "completed_update.learning_rate (α)", strictly_positive=True)
    _check_update(net, net.with_thetas(before), alpha, X, Y, iteration)
    return tuple(frozen(t) for t in before), alpha


def _check_update(after: Network, before: Network, alpha: float, X, Y, iteration: int):
    """network must be Θ_before − α D(Θ_before), up to rounding (restore checks every bit)."""
    with np.errstate(all="ignore"):
        D = before.gradients(X, Y)
        expected = [t - alpha * d for t, d in zip(before.thetas, D)]
    worst = max(float(np.max(np.abs(e - a) / (1.0 + np.abs(a))))
                for e, a in zip(expected, after.thetas))
    if not worst <= 1e-9:
        raise ValueError(
            f'"network" must hold the weights after the update of iteration {iteration}, '
            f'Θ − α D with Θ = completed_update.thetas_before and α = '
            f'completed_update.learning_rate; they differ (relative difference {worst:.2g}), so '
            f'the file was probably edited. To start from the weights in "network", remove '
            f'"completed_update" and set "position" to {{"iteration": {iteration + 1}, "step": 0}}.')


def restore_stepper(loaded: LoadedState) -> Stepper:
    """A Stepper at exactly the saved iteration and step.

    It is built on the weights the saved iteration started from, jumps to the
    saved iteration number and takes the saved number of steps, so every a,
    z, δ, Δ, D and J (and the network) equal the saved session's bit for bit.
    Going back past the restored iteration's first step shows iteration 1 with
    those weights, and ``reset()`` returns to them.
    """
    if not isinstance(loaded, LoadedState):
        raise ValueError(f"restore_stepper needs what state_from_json returns, "
                         f"got {type(loaded).__name__}.")
    complete = loaded.thetas_before_update is not None
    start = loaded.network.with_thetas(loaded.thetas_before_update) if complete else loaded.network
    alpha = loaded.update_learning_rate if complete else loaded.learning_rate
    stepper = Stepper(start, loaded.X, loaded.Y, learning_rate=alpha, mode=loaded.mode)
    if loaded.iteration > 1:
        stepper.jump(start, loaded.iteration - 1,
                     description=f"Loaded a saved state: iteration {loaded.iteration} is next.")
    for _ in range(loaded.step):
        stepper.step()
    if complete:
        if not all(np.array_equal(stepper.network.theta(l), loaded.network.theta(l))
                   for l in range(1, stepper.L)):
            raise ValueError(
                f'The weights in "network" are not exactly Θ − α D of '
                f'completed_update.thetas_before (iteration {loaded.iteration}), so this position '
                f'cannot be restored exactly; the file was probably edited. To start from '
                f'"network", remove "completed_update" and set "position" to '
                f'{{"iteration": {loaded.iteration + 1}, "step": 0}}.')
        stepper.learning_rate = loaded.learning_rate
    return stepper
