"""One whole iteration as CSV, every value of every step, to check work done by hand."""
from __future__ import annotations

import csv
from io import StringIO

from ..stepper import Stepper
from ..steps import PER_EXAMPLE

LOG_COLUMNS = ("step", "phase", "kind", "description", "quantity", "layer", "example", "j", "i",
               "value")
MAX_LOG_ROWS = 1_000_000


def log_rows(net, m: int, mode: str) -> int:
    """How many rows ``step_log_csv`` writes: Θ, X and y at the start; z, a and δ of every
    example and unit; J; Δ once per accumulation; D; and the new Θ."""
    units = sum(net.sizes[1:])
    start = net.n_params + m * net.sizes[0] + m * net.sizes[-1]
    accumulate = net.n_params * (m if mode == "per_example" else 1)
    return start + 3 * m * units + 1 + accumulate + 2 * net.n_params


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
    rows = log_rows(net, stepper.m, stepper.mode)
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
        for quantity, l in step.kind.outputs(step.layer, L):
            value = s.value(quantity, l)
            if quantity == "J":
                writer.writerow(head + ("J", "", "", "", "", repr(float(value))))
            elif quantity in PER_EXAMPLE:
                vector(head, quantity, l, value, examples)
            else:  # in per-example mode Δ is logged after each example's term
                matrix(head, quantity, l, value,
                       "" if quantity != "Delta" or step.example is None else step.example + 1)
    return out.getvalue()
