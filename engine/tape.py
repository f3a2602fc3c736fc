"""A tape: the steps of an iteration recorded ahead, to be replayed without stepping.

``record(stepper, examples)`` steps a fork of the stepper (``Stepper.fork``) to
the end of its iteration, or ``max_steps`` steps, and keeps for each step what
it computed, by the names ``Kind.outputs`` gives (``("delta", 3)`` is δ^(3)):
a, z and δ for the rows of ``examples`` only, and Δ, D, Θ and J whole.  The
stepper itself does not move.  Replaying the tape gives what stepping would
give, bit for bit: ``values_at(k)`` is the state after ``k`` of its steps.

A browser replays a tape to step with no server in between (explorer/player.py);
a file could carry one for a walkthrough with no server at all.
"""
from __future__ import annotations

from dataclasses import dataclass


from .steps import PER_EXAMPLE, Step


@dataclass(frozen=True)
class TapeStep:
    step: Step                  # kind, layer and example
    iteration: int              # the iteration it belongs to
    position: int               # steps of that iteration taken, this one included
    values: dict                # {(quantity, l): what the step computed}
    description: str            # the stepper's one line on it


@dataclass(frozen=True)
class Tape:
    examples: tuple             # the rows of a, z and δ kept, in this order
    start: dict                 # {(quantity, l): value} of everything before the first step
    iteration: int              # where the tape starts: this iteration,
    position: int               # after this many of its steps
    steps: tuple                # TapeStep, in order
    end: object = None          # the forked Stepper after the last step, to record on from
    error: str = ""             # why the next step cannot be taken, if one was refused

    def __len__(self):
        return len(self.steps)

    def values_at(self, k: int) -> dict:
        """Every value after ``k`` of the tape's steps (0: at its start)."""
        values = dict(self.start)
        for taped in self.steps[:k]:
            values.update(taped.values)
        return values


def _rows(stepper, quantity, l, rows):
    """The value, only the rows ``rows`` of a per-example quantity (a, z, δ)."""
    value = stepper.value(quantity, l)
    return value[list(rows)] if quantity in PER_EXAMPLE else value


def snapshot(stepper, examples) -> dict:
    """{(quantity, l): value} of everything the stepper holds, rows of ``examples`` only."""
    rows = list(examples)
    out = {("J", None): stepper.J}
    for quantity in PER_EXAMPLE:
        for l in range(1 if quantity == "a" else 2, stepper.L + 1):
            out[(quantity, l)] = _rows(stepper, quantity, l, rows)
    for quantity in ("Delta", "D", "Theta"):
        for l in range(1, stepper.L):
            out[(quantity, l)] = stepper.value(quantity, l)
    return out


def record(stepper, examples, max_steps: int | None = None, observe=None) -> Tape:
    """The rest of the stepper's iteration (at most ``max_steps`` steps), as a Tape.

    After an update the iteration is complete, and the tape holds the whole next
    one.  ``examples`` are the rows of a, z and δ to keep (0-based); ``None`` keeps
    no values at all (``start`` and each step's ``values`` empty), for a caller that
    takes what it wants through ``observe``.  ``observe``,
    if given, is called with the forked stepper after each step, to take from it
    whatever else is wanted of that point (the explorer takes what it draws).
    A step the stepper refuses (an update that would overflow) ends the tape
    before it, with the stepper's message in ``error``.
    """
    keep = examples is not None
    rows = tuple(int(e) for e in examples) if keep else ()
    twin = stepper.fork()
    start = snapshot(twin, rows) if keep else {}
    iteration, position = twin.iteration, twin.position
    if twin.iteration_complete:
        iteration, position = iteration + 1, 0
    left = twin.steps_per_iteration - position
    count = left if max_steps is None else min(left, max_steps)
    steps, error = [], ""
    for _ in range(count):
        try:
            step = twin.step()
        except ValueError as refused:  # e.g. an update that overflows: the tape stops before it
            error = str(refused)
            break
        if not keep:
            values = {}
        elif twin.position == 1:  # a new iteration: everything else is not computed yet again
            values = snapshot(twin, rows)
        else:
            values = {(quantity, l): _rows(twin, quantity, l, rows)
                      for quantity, l in step.kind.outputs(step.layer, twin.L)}
        steps.append(TapeStep(step, twin.iteration, twin.position, values, twin.description))
        if observe is not None:
            observe(twin)
    return Tape(rows, start, iteration, position, tuple(steps), end=twin, error=error)
