"""Step tapes for the page: what each step of the iteration ahead shows, worked out ahead.

``display_tape`` records the rest of the stepper's iteration with the engine
(``engine.tape.record``, on a fork: the stepper does not move) and, after each
step, asks ``frame_of(stepper)`` what the page shows there: a dict of the
graph's numeric columns and scales, the status line, the equation...  (the
same functions the server's views draw with).  Each step keeps only what
changed since the step before, numpy arrays included, which the page receives
as typed arrays.  The page replays the frames (player.py) and tells the server
where it got to.  No Panel here.

A tape looks like::

    {"id": 7, "origin": [iteration, position],   # the stepper's point before the first step
     "back": True,                                # the stepper can step back from there
     "first": frame,                              # what the page shows at the origin
     "steps": [{"at": [iteration, position], "frame": changes}, ...],
     "ends": True,                                # the last step completes the iteration
     "error": ""}                                 # why the step after the last is refused
"""
from __future__ import annotations

from engine.tape import record

from .graph import same_values

# Per-example iterations of big data sets are sent in pieces of this many steps.
MAX_TAPE_STEPS = 60


# The entries of a frame that are sets of columns, sent column by column (the page merges
# them: js/player.js ``merge``); every other entry (a question, the band...) is sent whole.
COLUMNS = ("nodes", "edges")


def changes(before: dict, after: dict) -> dict:
    """The entries of frame ``after`` that differ from ``before`` (column by column
    for the sets of columns)."""
    out = {}
    for key, value in after.items():
        old = before.get(key)
        if key in COLUMNS:
            inner = {k: v for k, v in value.items() if not same_values(old.get(k) if old else None, v)}
            if inner:
                out[key] = inner
        elif not same_values(old, value):
            out[key] = value
    return out


def display_tape(stepper, frame_of, tape_id: int, max_steps: int = MAX_TAPE_STEPS,
                 back: bool | None = None, first: dict | None = None):
    """(the tape for the page, the stepper at its end, the frame there) from the
    stepper's point on.

    The stepper at the end is a fork (``engine.tape.Tape.end``): the next tape is
    recorded from there, with ``back=True`` (the page steps back into the tape
    before it) and ``first`` the frame at its end, which is then not worked out
    again."""
    frames = []
    tape = record(stepper, None, max_steps=max_steps,
                  observe=lambda twin: frames.append(frame_of(twin)))
    first = frame_of(stepper) if first is None else first
    steps, before = [], first
    for taped, frame in zip(tape.steps, frames):
        steps.append({"at": [taped.iteration, taped.position], "frame": changes(before, frame)})
        before = frame
    end = tape.end
    return ({"id": tape_id, "origin": [stepper.iteration, stepper.position],
             "back": stepper.can_go_back if back is None else back, "first": first,
             "steps": steps, "ends": bool(steps) and end.iteration_complete, "error": tape.error},
            end, before)
