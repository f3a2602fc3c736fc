"""Files in and out of the engine: saved sessions, weights, data and a step log.

One module per format, each small:

* ``session``: ``state_to_json`` / ``state_from_json`` / ``restore_stepper``,
  a whole session (network, data, α, mode and the exact point in the
  iteration) as a human-readable JSON file, read back with strict checks and
  rebuilt into a Stepper whose every a, z, δ, Δ, D and J is bit for bit the
  saved one's (``strict_json`` parses it);
* ``weights``: ``load_weights_npz``, Θ^(1), Θ^(2), ... from a NumPy ``.npz`` file;
* ``data``: ``load_csv``, X and Y from a numeric CSV file;
* ``step_log``: ``step_log_csv``, one whole iteration, every value of every
  step, as CSV, to check an answer worked by hand.

Every reader takes the file's bytes (as a browser upload delivers them), never
a path, and turns every kind of bad file into a ValueError a student can act
on; a refused file changes nothing.  Files over ``MAX_UPLOAD_BYTES`` (5 MB)
are refused before they are read (``uploads``).  Nothing here rebuilds Python
objects from a file, evaluates text or imports anything a file names: JSON is
parsed by ``json``, CSV by ``csv`` and ``.npz`` members by
``numpy.load(..., allow_pickle=False)``.
"""
from .data import load_csv
from .session import (MAX_ITERATION, MAX_NAME_CHARS, MAX_REPLAY_BYTES, SAVED_BY, SCHEMA,
                      SCHEMA_VERSION, STATE_FIELDS, SUPPORTED_VERSIONS, LoadedState,
                      restore_stepper, state_from_json, state_to_json, steps_per_iteration)
from .step_log import LOG_COLUMNS, MAX_LOG_ROWS, step_log_csv
from .uploads import MAX_UPLOAD_BYTES
from .weights import load_weights_npz

__all__ = ["MAX_UPLOAD_BYTES", "MAX_NAME_CHARS", "MAX_ITERATION", "MAX_REPLAY_BYTES",
           "MAX_LOG_ROWS", "SCHEMA", "SCHEMA_VERSION", "SUPPORTED_VERSIONS", "SAVED_BY",
           "STATE_FIELDS", "LOG_COLUMNS", "LoadedState", "state_to_json", "state_from_json",
           "restore_stepper", "steps_per_iteration", "load_weights_npz", "load_csv",
           "step_log_csv"]
