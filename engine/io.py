"""Files in and out of the engine: saved sessions, weights, data and a step log.

* ``state_to_json`` / ``state_from_json`` / ``restore_stepper``: a whole
  session (network, data, α, mode and the exact point in the iteration) as a
  human-readable JSON file, read back with strict checks and rebuilt into a
  Stepper whose every a, z, δ, Δ, D and J is bit for bit the saved one's.
* ``load_weights_npz``: Θ^(1), Θ^(2), ... from a NumPy ``.npz`` file.
* ``load_csv``: X and Y from a numeric CSV file.
* ``step_log_csv``: one whole iteration, every value of every step, as CSV, to
  check an answer worked by hand.

Every reader takes the file's bytes (as a browser upload delivers them), never
a path, and turns every kind of bad file into a ValueError a student can act
on; a refused file changes nothing.  Files over ``MAX_UPLOAD_BYTES`` (5 MB)
are refused before they are read.  Nothing here rebuilds Python objects from a
file, evaluates text or imports anything a file names: JSON is parsed by
``json``, CSV by ``csv`` and ``.npz`` members by
``numpy.load(..., allow_pickle=False)``.
"""
from __future__ import annotations

import csv
import json
import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO, StringIO

import numpy as np

from . import losses, presets, validation
from .network import Network
from .stepper import MODES, Stepper

SCHEMA = "backprop-explorer/state"
SCHEMA_VERSION = 1
SUPPORTED_VERSIONS = (1,)
SAVED_BY = "backprop-explorer"

# Files larger than this are refused before they are parsed: 5 MB holds the
# digits presets with their test set (about 1 MB as a state file) five times over.
MAX_UPLOAD_BYTES = 5 * 2**20
MAX_NAME_CHARS = 1000          # the free-text "name" of a saved state
MAX_ITERATION = 10**9          # position.iteration
# Restoring a per-example position replays its steps, and each step copies the
# (m, s_l) arrays it writes; a file whose replay would copy more than this is
# refused (the digits presets' whole per-example iteration copies about 1.7 GB).
MAX_REPLAY_BYTES = 16 * 2**30
MAX_LOG_ROWS = 1_000_000       # step_log_csv

STATE_FIELDS = ("schema", "version", "saved_by", "name", "preset", "seed", "network",
                "training", "data", "position", "completed_update")
_REQUIRED_FIELDS = ("schema", "version", "network", "training", "data", "position")

LOG_COLUMNS = ("step", "phase", "kind", "description", "quantity", "layer", "example", "j", "i",
               "value")


# ---- small helpers ------------------------------------------------------------------

def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _check_size(n: int, what: str):
    if n > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The {what} is {_mb(n)} ({n:,} bytes), over the limit of "
            f"{MAX_UPLOAD_BYTES / 2**20:g} MB ({MAX_UPLOAD_BYTES:,} bytes); it was not read.")


def _raw_bytes(data, what: str) -> bytes:
    """The upload as bytes, checked for type, size and emptiness."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
    else:
        raise ValueError(f"The {what} must be given as its contents (bytes), "
                         f"got {type(data).__name__}.")
    _check_size(len(data), what)
    if not data.strip():
        raise ValueError(f"The {what} is empty.")
    return data


def _text(data, what: str) -> str:
    """The upload as text: str is taken as it is, bytes must be UTF-8 (a BOM is fine)."""
    if isinstance(data, str):
        _check_size(len(data.encode("utf-8", "surrogatepass")), what)
        text = data[1:] if data.startswith("\ufeff") else data
    else:
        raw = _raw_bytes(data, what)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(
                f"The {what} is not UTF-8 text: byte 0x{raw[e.start]:02x} at position {e.start} "
                f"is not valid UTF-8. Save the file as UTF-8 text and try again.") from None
    if not text.strip():
        raise ValueError(f"The {what} is empty.")
    return text


def _frozen(a):
    if a is not None:
        a.flags.writeable = False
    return a


def steps_per_iteration(L: int, m: int, mode: str) -> int:
    """len(Stepper.schedule) for a network of L layers and m examples."""
    if mode == "batch":
        return 3 * L
    return m * (3 * L - 3) + 3


def _replay_bytes(sizes, m: int, mode: str, step: int) -> int:
    """About how many bytes restoring ``step`` steps copies (per-example mode only)."""
    if mode == "batch":
        return 0
    examples = min(m, step // (3 * len(sizes) - 3) + 1)
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 8 * examples * (3 * m * sum(sizes[1:]) + 2 * n_params)


# ---- the JSON file -------------------------------------------------------------------

class _NotANumber:
    """What NaN, Infinity or an overlong number in the JSON text becomes.

    Python's json accepts NaN and Infinity, which JSON does not have; they are
    kept as this marker so the field they sit in is named when it is refused.
    """

    def __init__(self, token: str):
        self.token = token

    def __repr__(self):
        if self.token in ("NaN", "Infinity", "-Infinity"):
            return f"{self.token}, which JSON does not allow"
        shown = self.token if len(self.token) <= 20 else self.token[:17] + "..."
        return f"{shown}, a number too large for a float"


def _parse_float(token: str):
    value = float(token)
    return value if math.isfinite(value) else _NotANumber(token)


def _parse_int(token: str):
    # Python refuses to convert integers of over 4300 digits; 300 is already
    # beyond any float.
    return int(token) if len(token) <= 300 else _NotANumber(token)


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateField(
                f"The field {key!r} appears twice in the same object; each field may appear once.")
        seen[key] = value
    return seen


class _DuplicateField(ValueError):
    pass


def _parse_json(text: str):
    try:
        return json.loads(text, parse_constant=_NotANumber, parse_float=_parse_float,
                          parse_int=_parse_int, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise ValueError(f"The file is not valid JSON: {e.msg} at line {e.lineno}, "
                         f"column {e.colno}.") from None
    except _DuplicateField as e:
        raise ValueError(str(e)) from None
    except RecursionError:
        raise ValueError("The file's JSON is nested too deeply to be a state file.") from None


def _object(value, name: str, required=(), optional=()) -> dict:
    """A JSON object with exactly these fields (optional ones may be missing or null)."""
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object {{...}} with the fields "
                         f"{', '.join(required + optional)}; got {validation.describe(value)}.")
    missing = [k for k in required if k not in value]
    if missing:
        raise ValueError(f"{name} is missing the field{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(k) for k in missing)}.")
    unknown = [k for k in value if k not in required + optional]
    if unknown:
        raise ValueError(f"{name} has the unknown field {unknown[0]!r}; its fields are "
                         f"{', '.join(required + optional)}.")
    return value


def _optional_text(value, name: str, limit: int | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text or null, got {validation.describe(value)}.")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{name} can be at most {limit} characters long, got {len(value)}.")
    return value


def _check_preset(value, name: str) -> str | None:
    value = _optional_text(value, name)
    if value is not None and value not in presets.names():
        raise ValueError(f"{name} {value!r} is not a preset: choose one of "
                         f"{', '.join(presets.names())}, or null.")
    return value


def _check_seed(value, name: str) -> int | None:
    return None if value is None else validation.whole_number(value, name, minimum=0)


def _data_X(value, name: str, net: Network) -> np.ndarray:
    s1 = net.sizes[0]
    X = validation.number_array(value, name, ndims=(1, 2) if s1 == 1 else (2,))
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no examples (no rows); it needs at least one.")
    if X.shape[1] != s1:
        raise ValueError(
            f"{name} has {X.shape[1]} column{'s' if X.shape[1] != 1 else ''} but the network has "
            f"s_1 = {s1} input unit{'s' if s1 != 1 else ''} (network.sizes[0]); each row of {name} "
            f"is one example with one value per input unit.")
    try:
        return net.check_inputs(X, copy=False)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


def _data_Y(value, name: str, net: Network, m: int, x_name: str) -> np.ndarray:
    K = net.sizes[-1]
    Y = validation.number_array(value, name, ndims=(1, 2))
    if Y.shape[0] != m:
        raise ValueError(f"{name} has {Y.shape[0]} row{'s' if Y.shape[0] != 1 else ''} but "
                         f"{x_name} has {m} example{'s' if m != 1 else ''}; they must match.")
    if Y.ndim == 2 and Y.shape[1] != K:
        raise ValueError(
            f"{name} has {Y.shape[1]} column{'s' if Y.shape[1] != 1 else ''} but the network has "
            f"s_L = {K} output unit{'s' if K != 1 else ''} (network.sizes[-1]); give one column "
            f"per output unit" + (f", or a list of {m} class labels 0..{K - 1}." if K > 1 else "."))
    if Y.ndim == 1 and K > 1:
        for i, label in enumerate(Y):
            if label != np.round(label) or not 0 <= label <= K - 1:
                raise ValueError(
                    f"{name}[{i}] is {label:g}, not a class label: with {K} output units the "
                    f"labels must be whole numbers 0..{K - 1} (0-based).")
    try:
        return net.check_targets(Y, m, copy=False)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


def _thetas_like(value, name: str, net: Network) -> list[np.ndarray]:
    shapes = [net.theta(l).shape for l in range(1, net.L)]
    if not isinstance(value, (list, tuple)) or len(value) != len(shapes):
        raise ValueError(f"{name} must be a list of {len(shapes)} weight matrices shaped like "
                         f"network.thetas {shapes}; got {validation.describe(value)}.")
    out = []
    for l, (t, shape) in enumerate(zip(value, shapes), start=1):
        t = validation.number_array(t, f"{name}[{l - 1}]", ndims=(2,))
        if t.shape != shape:
            raise ValueError(f"{name}[{l - 1}] (Θ^({l})) must have shape {shape}, like "
                             f"network.thetas[{l - 1}]; got {t.shape}.")
        out.append(t)
    return out


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
    preset = _check_preset(preset, "preset")
    seed = _check_seed(seed, "seed")
    name = _optional_text(name, "name", MAX_NAME_CHARS)
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
            f"This session would be at least {_mb(5 * values)} as a state file, over the "
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
            f"This session is {_mb(size)} as a state file, over the {MAX_UPLOAD_BYTES / 2**20:g} MB "
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
    text = _text(text_or_bytes, "state file")
    doc = _parse_json(text)
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
    _optional_text(doc.get("saved_by"), "saved_by")
    name = _optional_text(doc.get("name"), "name", MAX_NAME_CHARS)
    preset = _check_preset(doc.get("preset"), "preset")
    seed = _check_seed(doc.get("seed"), "seed")

    net = Network.from_dict(doc["network"], where="network.")

    training = _object(doc["training"], "training", ("learning_rate", "mode"))
    lr = validation.finite_number(training["learning_rate"], "training.learning_rate (α)",
                                  strictly_positive=True)
    mode = training["mode"]
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"training.mode must be one of {', '.join(repr(m) for m in MODES)}, got "
                         f"{validation.describe(mode)}.")

    data = _object(doc["data"], "data", ("X", "Y"), ("X_test", "Y_test"))
    X = _data_X(data["X"], "data.X", net)
    Y = _data_Y(data["Y"], "data.Y", net, X.shape[0], "data.X")
    X_test = Y_test = None
    if (data.get("X_test") is None) != (data.get("Y_test") is None):
        raise ValueError("data has only one of X_test and Y_test; give both (held-out examples "
                         "and their targets) or neither.")
    if data.get("X_test") is not None:
        X_test = _data_X(data["X_test"], "data.X_test", net)
        Y_test = _data_Y(data["Y_test"], "data.Y_test", net, X_test.shape[0], "data.X_test")

    position = _object(doc["position"], "position", ("iteration", "step"))
    iteration = validation.whole_number(position["iteration"], "position.iteration", minimum=1,
                                        maximum=MAX_ITERATION)
    m, N = X.shape[0], steps_per_iteration(net.L, X.shape[0], mode)
    step = position["step"]
    if isinstance(step, bool) or not isinstance(step, (int, float)) or step != int(step) \
            or not 0 <= step <= N:
        raise ValueError(
            f"position.step (the steps of the iteration already taken) must be a whole number "
            f"0..{N}: an iteration of this {'-'.join(map(str, net.sizes))} network in {mode} mode "
            f"with m = {m} has {N} steps; got {validation.describe(step)}.")
    step = int(step)
    if _replay_bytes(net.sizes, m, mode, step) > MAX_REPLAY_BYTES:
        raise ValueError(
            f"Restoring step {step} in per-example mode would replay the loop over {m} examples, "
            f"too much work to do on loading; save the session in batch mode or with fewer examples.")

    before = update_alpha = None
    update = doc.get("completed_update")
    if step == N:
        if update is None:
            raise ValueError(
                f"position.step = {N} means iteration {iteration} is complete, which needs the "
                f'field "completed_update" (the weights before the update). To start from the '
                f'weights in "network" instead, set "position" to '
                f'{{"iteration": {iteration + 1}, "step": 0}}.')
        update = _object(update, "completed_update", ("thetas_before", "learning_rate"))
        before = _thetas_like(update["thetas_before"], "completed_update.thetas_before", net)
        update_alpha = validation.finite_number(
            update["learning_rate"], "completed_update.learning_rate (α)", strictly_positive=True)
        _check_update(net, net.with_thetas(before), update_alpha, X, Y, iteration)
        before = tuple(_frozen(t) for t in before)
    elif update is not None:
        raise ValueError(
            f'"completed_update" belongs only to a completed iteration (position.step = {N}); '
            f"position.step is {step}. Remove it.")

    return LoadedState(network=net, X=_frozen(X.copy()), Y=_frozen(Y.copy()),
                       X_test=_frozen(None if X_test is None else X_test.copy()),
                       Y_test=_frozen(None if Y_test is None else Y_test.copy()),
                       learning_rate=lr, mode=mode, preset=preset, seed=seed, name=name,
                       iteration=iteration, step=step, thetas_before_update=before,
                       update_learning_rate=update_alpha)


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


# ---- weights from .npz ----------------------------------------------------------------

_THETA_NAME = re.compile(r"theta_?(\d+)", re.IGNORECASE)
_ARR_NAME = re.compile(r"arr_(\d+)")


def load_weights_npz(data, net: Network) -> Network:
    """``net`` with its weights replaced by the Θ matrices in an ``.npz`` file.

    The arrays are found by name: ``Theta1``, ``Theta2``, ... (the course's
    names; ``theta_1``, ``Theta_1`` and any letter case work too), or, for a
    file written as ``np.savez(f, Theta1, Theta2)`` without names, ``arr_0``,
    ``arr_1``, ... in order.  Other arrays in the file (X, y, ...) are ignored
    when named Θs are found.  Each must have exactly the shape of ``net``'s
    Θ^(l), (s_{l+1}, s_l + 1) with the bias in column 0, and hold finite
    numbers.  Members are read with ``numpy.load(..., allow_pickle=False)``,
    so an array of Python objects is refused, and no member is read past the
    size its shape needs.  Returns ``net.with_thetas(...)``: ``net`` itself
    never changes.
    """
    if not isinstance(net, Network):
        raise ValueError(f"load_weights_npz needs the engine Network whose weights to replace, "
                         f"got {type(net).__name__}.")
    raw = _raw_bytes(data, "weights file")
    if raw.startswith(b"\x93NUMPY"):
        raise ValueError("This is a .npy file, which holds a single array. Save the weight "
                         "matrices together in an .npz file: np.savez(f, Theta1=..., Theta2=...).")
    if raw[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ValueError("This is not an .npz file (a zip archive written by numpy.savez, e.g. "
                         "np.savez(f, Theta1=..., Theta2=...)); it does not start like one.")
    try:
        archive = zipfile.ZipFile(BytesIO(raw))
        members = {info.filename[:-4]: info for info in archive.infolist()
                   if info.filename.endswith(".npy")}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValueError("The .npz file is damaged: it cannot be opened as a zip archive.") from None
    n = net.L - 1
    wanted = f"Theta1..Theta{n}" if n > 1 else "Theta1"
    by_name, by_order = {}, {}
    for key in members:
        if (found := _THETA_NAME.fullmatch(key)):
            l = int(found.group(1))
            if l in by_name:
                raise ValueError(f"The file has both {by_name[l]!r} and {key!r} for Θ^({l}); "
                                 f"keep one.")
            by_name[l] = key
        elif (found := _ARR_NAME.fullmatch(key)):
            by_order[int(found.group(1)) + 1] = key
    listed = ", ".join(sorted(members)) or "nothing"
    if by_name and by_order:
        raise ValueError(f"The file mixes named weights ({', '.join(by_name.values())}) with "
                         f"unnamed arrays ({', '.join(by_order.values())}); use one or the other.")
    chosen = by_name or by_order
    if not chosen:
        raise ValueError(f"The file has no weight matrices: expected arrays named {wanted} (or "
                         f"unnamed, as np.savez writes them, arr_0..arr_{n - 1}); it holds {listed}.")
    extra = sorted(l for l in chosen if not 1 <= l <= n)
    if extra:
        raise ValueError(f"The file has {chosen[extra[0]]!r}, but this network "
                         f"{'-'.join(map(str, net.sizes))} has only {n} weight "
                         f"matri{'ces' if n != 1 else 'x'} ({wanted}).")
    absent = [l for l in range(1, n + 1) if l not in chosen]
    if absent:
        raise ValueError(f"The file has no Θ^({absent[0]}): this network needs {n} weight "
                         f"matri{'ces' if n != 1 else 'x'} named {wanted} (or arr_0..arr_{n - 1}); "
                         f"it holds {listed}.")
    thetas = []
    for l in range(1, n + 1):
        key, shape = chosen[l], net.theta(l).shape
        limit = 8 * shape[0] * shape[1] + 65536       # the data plus a generous header
        info = members[key]
        try:
            if info.file_size > limit:
                blob = b""
            else:
                with archive.open(info) as member:
                    blob = member.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError,
                NotImplementedError, ValueError):
            raise ValueError(f"{key} in the .npz file is damaged and cannot be read.") from None
        if not blob or len(blob) > limit:
            raise ValueError(f"{key} in the file is far larger than Θ^({l}) of this network "
                             f"(shape {shape}); it was not read.")
        if not blob.startswith(b"\x93NUMPY"):
            raise ValueError(f"{key} in the .npz file is not a numpy array.")
        try:
            arr = np.load(BytesIO(blob), allow_pickle=False)
        except (ValueError, OSError, EOFError):
            if _holds_objects(blob):
                raise ValueError(f"{key} in the .npz file contains Python objects; only numeric "
                                 f"arrays are accepted, nothing is unpickled.") from None
            raise ValueError(f"{key} in the .npz file is damaged and cannot be read.") from None
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
            kind = arr.dtype if isinstance(arr, np.ndarray) else type(arr).__name__
            raise ValueError(f"{key} holds {kind} values; weights must be numbers "
                             f"(float or int).")
        if arr.shape != shape:
            hint = ""
            if arr.shape == shape[::-1]:
                hint = " It looks transposed."
            elif arr.shape == (shape[0], shape[1] - 1):
                hint = " Column 0, the bias weights, seems to be missing."
            raise ValueError(
                f"{key} has shape {arr.shape}, but Θ^({l}) of this network "
                f"{'-'.join(map(str, net.sizes))} must have shape (s_{l + 1}, s_{l} + 1) = "
                f"{shape}, the bias in column 0.{hint}")
        try:
            thetas.append(validation.matrix(arr, key))
        except ValueError as e:
            raise ValueError(f"{e} It was read from the .npz file.") from None
    return net.with_thetas(thetas)


def _holds_objects(npy: bytes) -> bool:
    """Does this .npy member's header declare an array of Python objects?"""
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    try:
        f = BytesIO(npy)
        reader = readers.get(np.lib.format.read_magic(f))
        return reader is not None and reader(f)[2].hasobject
    except (ValueError, OSError, EOFError):
        return False


# ---- data from CSV ----------------------------------------------------------------------

def _column(c: int) -> str:
    """1 → A, 27 → AA, as a spreadsheet labels columns."""
    letters = ""
    while c:
        c, r = divmod(c - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _as_number(cell: str):
    """float(cell) for a plain decimal number, else None."""
    cell = cell.strip()
    if not cell or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def load_csv(data, n_inputs: int, n_outputs: int, loss, targets: list[str] | None = None):
    """(X, Y) from a numeric CSV file, X of shape (m, n_inputs), Y of shape (m, n_outputs).

    One example per row.  A first row with no number in it is a header of
    column names.  Which columns are targets:

    * by default the last ``n_outputs`` columns (one per output unit);
    * when ``n_outputs`` > 1 and the file has ``n_inputs`` + 1 columns, the
      last column holds class labels 0..n_outputs − 1 (one-hot encoded in Y);
    * ``targets=["y1", "y2"]`` names the target columns (a header is needed):
      ``n_outputs`` of them, or one label column; every other column is an
      input, in file order.

    Commas separate values (a first line with semicolons or tabs and no comma
    uses those); blank lines are skipped.  ``loss`` is "cross_entropy" or
    "squared_error" (or an object with that ``name``); cross-entropy targets
    must lie in 0..1.  Errors give the row and column as a spreadsheet shows
    them (both from 1, e.g. "row 3, column B").
    """
    n_inputs = validation.whole_number(n_inputs, "n_inputs (input units s_1)", minimum=1,
                                       maximum=validation.MAX_UNITS)
    K = validation.whole_number(n_outputs, "n_outputs (output units s_L)", minimum=1,
                                maximum=validation.MAX_UNITS)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    if loss_name not in losses.LOSSES:
        raise ValueError(f"Unknown loss {loss!r}: choose one of {', '.join(losses.LOSSES)}.")
    if targets is not None:
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, (list, tuple)) or not targets \
                or not all(isinstance(t, str) for t in targets):
            raise ValueError("targets must be a list of column names such as ['y'], or None.")
        if len(set(targets)) != len(targets):
            raise ValueError(f"targets names a column twice: {list(targets)}.")
    text = _text(data, "CSV file")
    first_line = next(line for line in text.splitlines() if line.strip())
    delimiter = "," if "," in first_line else ";" if ";" in first_line else \
        "\t" if "\t" in first_line else ","
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        for r, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                records.append((r, cells))
    except csv.Error as e:
        raise ValueError(f"The CSV file cannot be read at row {reader.line_num}: {e}.") from None

    if not records:
        raise ValueError("The CSV file has no data rows.")
    header = None
    if all(_as_number(c) is None for c in records[0][1]):
        header = [c.strip() for c in records[0][1]]
        records = records[1:]
    if not records:
        raise ValueError("The CSV file has no data rows" + (", only a header." if header else "."))
    if len(records) > validation.MAX_EXAMPLES:
        raise ValueError(f"At most {validation.MAX_EXAMPLES:,} examples are supported; the CSV "
                         f"file has {len(records):,} rows.")
    k = len(header) if header is not None else len(records[0][1])
    reference = "the header" if header is not None else f"row {records[0][0]}"

    def where(r, c):
        name = f', "{header[c - 1]}"' if header is not None and header[c - 1] else ""
        return f"row {r}, column {c} ({_column(c)}{name})"

    labels = False
    if targets is not None:
        if header is None:
            raise ValueError("Naming target columns needs a header row (column names in the "
                             "first row); this CSV file has none.")
        for t in targets:
            if t not in header:
                raise ValueError(f"Target column {t!r} is not in the header; the columns are "
                                 f"{', '.join(repr(h) for h in header)}.")
            if header.count(t) > 1:
                raise ValueError(f"The header has more than one column named {t!r}.")
        if len(targets) == K:
            target_cols = [header.index(t) for t in targets]
        elif len(targets) == 1 and K > 1:
            target_cols, labels = [header.index(targets[0])], True
        else:
            raise ValueError(f"Name {K} target column{'s' if K != 1 else ''} (one per output unit)"
                             + (" or one column of class labels" if K > 1 else "")
                             + f"; got {len(targets)}.")
        input_cols = [c for c in range(k) if c not in target_cols]
        if len(input_cols) != n_inputs:
            raise ValueError(
                f"The CSV file has {k} columns; without the {len(target_cols)} target "
                f"column{'s' if len(target_cols) != 1 else ''} that leaves {len(input_cols)} "
                f"input{'s' if len(input_cols) != 1 else ''}, but the network has s_1 = {n_inputs} "
                f"input units.")
    elif k == n_inputs + K:
        input_cols, target_cols = list(range(n_inputs)), list(range(n_inputs, k))
    elif K > 1 and k == n_inputs + 1:
        input_cols, target_cols, labels = list(range(n_inputs)), [n_inputs], True
    else:
        raise ValueError(
            f"The CSV file has {k} column{'s' if k != 1 else ''}, but this network needs "
            f"{n_inputs + K} ({n_inputs} input{'s' if n_inputs != 1 else ''} and {K} "
            f"target{'s' if K != 1 else ''})"
            + (f" or {n_inputs + 1} ({n_inputs} input{'s' if n_inputs != 1 else ''} and one "
               f"column of class labels 0..{K - 1})" if K > 1 else "") + ".")

    values = np.empty((len(records), k))
    for n, (r, cells) in enumerate(records):
        if len(cells) != k:
            raise ValueError(f"Row {r} has {len(cells)} value{'s' if len(cells) != 1 else ''} but "
                             f"{reference} has {k}; every row needs the same number of columns.")
        for c, cell in enumerate(cells, start=1):
            value = _as_number(cell)
            if value is None:
                if not cell.strip():
                    raise ValueError(f"The cell at {where(r, c)} is empty; every cell must hold "
                                     f"a number.")
                hint = (" If row 1 is a header, every cell in it must be a name."
                        if header is None and n == 0 else "")
                shown = cell.strip() if len(cell.strip()) <= 30 else cell.strip()[:27] + "..."
                raise ValueError(f"The cell at {where(r, c)} holds the text {shown!r}, not a "
                                 f"number.{hint}")
            if not math.isfinite(value):
                word = cell.strip().lower().lstrip("+-")
                what = ("no NaN or infinity" if word in ("nan", "inf", "infinity")
                        else "this one is too large for a float")
                raise ValueError(f"The cell at {where(r, c)} is {cell.strip()!r}; every value must "
                                 f"be a finite number ({what}).")
            values[n, c - 1] = value
    X = values[:, input_cols]
    if labels:
        col = target_cols[0]
        for n, (r, _) in enumerate(records):
            v = values[n, col]
            if v != round(v) or not 0 <= v <= K - 1:
                raise ValueError(f"The class label {v:g} at {where(r, col + 1)} is out of range: "
                                 f"with {K} output units the labels must be 0..{K - 1} (0-based).")
        Y = np.eye(K)[values[:, col].astype(int)]
    else:
        Y = values[:, target_cols]
        if loss_name == "cross_entropy":
            bad = np.argwhere((Y < 0) | (Y > 1))
            if bad.size:
                n, t = bad[0]
                raise ValueError(
                    f"The target {Y[n, t]:g} at {where(records[n][0], target_cols[t] + 1)} is "
                    f"outside 0..1; cross-entropy targets must lie between 0 and 1. Use "
                    f"squared_error for other targets.")
    return np.ascontiguousarray(X), np.ascontiguousarray(Y)


# ---- the step log -----------------------------------------------------------------------

def _log_rows(sizes, m: int, mode: str) -> int:
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    units = sum(sizes[1:])
    start = n_params + m * sizes[0] + m * sizes[-1]
    accumulate = n_params * (m if mode == "per_example" else 1)
    return start + 3 * m * units + 1 + accumulate + 2 * n_params


def step_log_csv(stepper) -> str:
    """One whole iteration as CSV, every value of every step, to check work done by hand.

    The iteration starts from ``stepper.network`` (mid-iteration, the weights
    the current iteration started from; after an update, the updated weights)
    and uses the stepper's X, Y, α and mode.  It runs on a fresh Stepper, so
    the given one is not touched.

    Long format, one value per row, with the columns
    ``step,phase,kind,description,quantity,layer,example,j,i,value``:

    * ``step``: 0 for the starting values, then 1..N, the step that produced
      the value (``Stepper.position`` after it); ``phase``, ``kind`` and
      ``description`` are the stepper's for that step (``start`` for step 0).
    * ``quantity``: ``Theta``, ``a``, ``z``, ``delta``, ``Delta``, ``D``,
      ``J`` or ``y`` (the targets).  Step 0 lists Θ, a^(1) = X and y; each
      forward step z^(l) and a^(l); cost J; the delta steps δ^(l); each
      accumulate step the whole Δ^(l) after it; the gradient step every
      D^(l); the update every new Θ^(l).
    * ``layer``: the l of the quantity as the notes write it: a^(l), z^(l),
      δ^(l) (y is given layer L), Θ^(l), Δ^(l), D^(l).  Blank for J.
    * ``example``: for a, z, δ and y the example (1-based) the value belongs
      to; for Δ in per-example mode the example whose term was just added;
      blank otherwise.
    * ``j``, ``i``: for a, z, δ and y, ``j`` is the unit (1-based, the bias
      unit is not listed) and ``i`` is blank; for Θ, Δ and D, ``j`` is the row
      (unit of layer l + 1, from 1) and ``i`` the column (unit of layer l,
      0 = bias), as in Θ_ji^(l).
    * ``value``: the float64 value, written exactly (shortest repr).

    Logs of more than ``MAX_LOG_ROWS`` rows are refused (in per-example mode
    every example's Δ matrices are listed).
    """
    if not isinstance(stepper, Stepper):
        raise ValueError(f"step_log_csv needs an engine Stepper, got {type(stepper).__name__}.")
    net = stepper.network
    rows = _log_rows(net.sizes, stepper.m, stepper.mode)
    if rows > MAX_LOG_ROWS:
        raise ValueError(
            f"The step log of one iteration would have {rows:,} rows, over the limit of "
            f"{MAX_LOG_ROWS:,}. Use batch mode, fewer examples or a smaller network.")
    s = Stepper(net, stepper.X, stepper.Y, learning_rate=stepper.learning_rate, mode=stepper.mode)
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LOG_COLUMNS)

    def vector(head, quantity, l, values, examples):
        for e in examples:
            for j, v in enumerate(values[e].tolist(), start=1):
                writer.writerow(head + (quantity, l, e + 1, j, "", repr(v)))

    def matrix(head, quantity, l, values, example=""):
        for j, row in enumerate(values.tolist(), start=1):
            for i, v in enumerate(row):
                writer.writerow(head + (quantity, l, example, j, i, repr(v)))

    L, everyone = s.L, range(s.m)
    head = (0, "start", "start", "The iteration's starting values: the weights Θ, the inputs "
            "a^(1) = X and the targets y")
    for l in range(1, L):
        matrix(head, "Theta", l, net.theta(l))
    vector(head, "a", 1, s.X, everyone)
    vector(head, "y", L, s.Y, everyone)
    for n in range(1, s.steps_per_iteration + 1):
        step = s.step()
        head = (n, step.phase, step.kind, s.description)
        examples = everyone if step.example is None else [step.example]
        if step.kind == "forward":
            vector(head, "z", step.layer, s.z[step.layer], examples)
            vector(head, "a", step.layer, s.a[step.layer], examples)
        elif step.kind == "cost":
            writer.writerow(head + ("J", "", "", "", "", repr(float(s.J))))
        elif step.kind in ("output_delta", "hidden_delta"):
            vector(head, "delta", step.layer, s.delta[step.layer], examples)
        elif step.kind == "accumulate":
            matrix(head, "Delta", step.layer, s.Delta[step.layer],
                   "" if step.example is None else step.example + 1)
        elif step.kind == "gradient":
            for l in range(1, L):
                matrix(head, "D", l, s.D[l])
        else:
            for l in range(1, L):
                matrix(head, "Theta", l, s.network.theta(l))
    return out.getvalue()
