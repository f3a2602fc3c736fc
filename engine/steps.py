"""The steps an iteration is made of: what each kind computes, named as the notes name it.

An iteration is a schedule of ``Step``\\ s.  Each has a ``Kind``; the kind
says which phase it belongs to and which quantities it computes, and writes
them in the notes' notation (``z^(3)``, ``δ^(2)``, ``Θ := Θ − αD``).  Views,
logs and the command line all read these names from here.

A ``Kind`` is a ``str``: ``step.kind == "forward"`` holds, and it prints as
``forward``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

PHASES = ("forward", "cost", "backward", "accumulate", "update")

# The quantities a step can compute, as the notes write them.
NOTATION = {"a": "a", "z": "z", "delta": "δ", "Delta": "Δ", "D": "D", "Theta": "Θ", "J": "J"}
# Those with a row per example (the others are matrices shaped like Θ, or J).
PER_EXAMPLE = ("a", "z", "delta")


class Kind(str, Enum):
    FORWARD = "forward"            # z^(l) = Θ^(l−1) a^(l−1), a^(l) = g(z^(l))
    COST = "cost"                  # J(Θ)
    OUTPUT_DELTA = "output_delta"  # δ^(L)
    HIDDEN_DELTA = "hidden_delta"  # δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* g'(z^(l))
    ACCUMULATE = "accumulate"      # Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))ᵀ
    GRADIENT = "gradient"          # D^(l) = Δ^(l)/m + (λ/m) Θ^(l)
    UPDATE = "update"              # Θ^(l) := Θ^(l) − α D^(l)

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)

    @property
    def phase(self) -> str:
        """forward, cost, backward, accumulate or update (forming D counts as update)."""
        return _PHASE[self]

    @property
    def phase_title(self) -> str:
        """The phase as a heading: "Backward" (forming D is part of "Update")."""
        return self.phase.capitalize()

    def symbol(self, layer: int | None) -> str:
        """What the step computes, in plain text: "z^(3), a^(3)", "δ^(2)", "J(Θ)"."""
        if self is Kind.FORWARD:
            return f"z^({layer}), a^({layer})"
        if self in (Kind.OUTPUT_DELTA, Kind.HIDDEN_DELTA):
            return f"δ^({layer})"
        if self is Kind.ACCUMULATE:
            return f"Δ^({layer})"
        return {Kind.COST: "J(Θ)", Kind.GRADIENT: "D = Δ/m + (λ/m)Θ",
                Kind.UPDATE: "Θ := Θ − αD"}[self]

    def outputs(self, layer: int | None, L: int) -> tuple[tuple[str, int | None], ...]:
        """(quantity, l) of everything the step computes, e.g. (("z", 3), ("a", 3))."""
        if self is Kind.FORWARD:
            return (("z", layer), ("a", layer))
        if self is Kind.COST:
            return (("J", None),)
        if self in (Kind.OUTPUT_DELTA, Kind.HIDDEN_DELTA):
            return (("delta", layer),)
        if self is Kind.ACCUMULATE:
            return (("Delta", layer),)
        every = range(1, L)
        return tuple(("D" if self is Kind.GRADIENT else "Theta", l) for l in every)


_PHASE = {Kind.FORWARD: "forward", Kind.COST: "cost", Kind.OUTPUT_DELTA: "backward",
          Kind.HIDDEN_DELTA: "backward", Kind.ACCUMULATE: "accumulate",
          Kind.GRADIENT: "update", Kind.UPDATE: "update"}


@dataclass(frozen=True)
class Step:
    """One entry of an iteration's schedule: what is done, to which layer and example."""
    kind: Kind
    layer: int | None = None    # the layer whose values the step computes (Θ's l for accumulate)
    example: int | None = None  # 0-based example index in per-example mode, else None

    def __post_init__(self):
        object.__setattr__(self, "kind", Kind(self.kind))  # "forward" works too

    @property
    def phase(self) -> str:
        return self.kind.phase

    @property
    def symbol(self) -> str:
        return self.kind.symbol(self.layer)


def schedule(L: int, m: int, mode: str) -> tuple[Step, ...]:
    """Every step of one iteration of an L-layer network on m examples, in order.

    Batch: forward l = 2..L, cost, δ^(L), δ^(l) for l = L−1..2, Δ^(l) for
    l = L−1..1, gradient, update.  Per example: forward, δ and Δ for example
    1, then 2, ..., then the cost, gradient and update after the last one.
    """
    def one_pass(i):
        return ([Step(Kind.FORWARD, l, i) for l in range(2, L + 1)]
                + ([Step(Kind.COST)] if i is None else [])
                + [Step(Kind.OUTPUT_DELTA, L, i)]
                + [Step(Kind.HIDDEN_DELTA, l, i) for l in range(L - 1, 1, -1)]
                + [Step(Kind.ACCUMULATE, l, i) for l in range(L - 1, 0, -1)])
    if mode == "batch":
        steps = one_pass(None)
    else:
        steps = [s for i in range(m) for s in one_pass(i)] + [Step(Kind.COST)]
    return tuple(steps + [Step(Kind.GRADIENT), Step(Kind.UPDATE)])


def steps_per_example(L: int) -> int:
    """A per-example pass: forward l = 2..L, δ l = L..2, Δ l = L−1..1."""
    return 3 * L - 3


def schedule_length(L: int, m: int, mode: str) -> int:
    """len(schedule(L, m, mode)), without building it (a file names m up to 100,000)."""
    if mode == "batch":
        return 3 * L
    return m * steps_per_example(L) + 3  # then cost, gradient and update
