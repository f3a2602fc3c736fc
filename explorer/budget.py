"""Budget: how big one session may get on a server that many people share.

The engine's own limits (engine/validation.py) keep a network drawable; they
allow ten layers of 1024 units, 9.5 million weights, which one link can ask
for.  On a class's server that is one student's 1 GB.  So the server gives
every session a budget, and refuses networks, data and files beyond it, with
a message that names the limit and the option that changes it:

* ``max_params``: the weights Θ, bias columns included (``--max-params``);
* ``max_session_mb``: the session's arrays: the data, the values of a step
  (``memory_bytes``) and, in what is left, its undo history
  (``--max-session-mb``).

The defaults fit 30 sessions in about 2 GB with room to spare: the digits
preset needs 1,885 weights and about 5 MB.  No Panel here: the state checks
its budget, and the command line sets it (serving.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from engine import validation

DEFAULT_MAX_PARAMS = 100_000
DEFAULT_MAX_SESSION_MB = 48
MB = 2**20


def weights(sizes) -> int:
    """Entries of every Θ^(l), s_{l+1} × (s_l + 1), bias columns included."""
    return sum(s_next * (s + 1) for s, s_next in zip(sizes, sizes[1:]))


def memory_bytes(sizes, m: int) -> int:
    """An upper bound on the bytes a Stepper holds for this network on m examples
    with no undo history, in either mode (tests/test_budget.py checks it against
    tracemalloc): X and a^(1) with its bias column; a, z, δ and the copies a step
    makes of them for every later layer; Θ, Δ, D, the gradient, and the copies the
    per-example loop makes of them as it accumulates."""
    first, *rest = sizes
    return 8 * (m * (3 * (first + 1) + 6 * sum(s + 1 for s in rest)) + 9 * weights(sizes))


@dataclass(frozen=True)
class Budget:
    """The most one session may hold (see the module's docstring)."""
    max_params: int = DEFAULT_MAX_PARAMS
    max_session_mb: float = DEFAULT_MAX_SESSION_MB

    def __post_init__(self):
        validation.whole_number(self.max_params, "--max-params", minimum=1)
        validation.finite_number(self.max_session_mb, "--max-session-mb", strictly_positive=True)

    def check(self, sizes, m: int) -> None:
        """Raise ValueError, naming the limit and its option, if a network of ``sizes``
        on ``m`` examples does not fit.  Call it before building anything."""
        sizes = validation.sizes(sizes)  # the engine's own message for a bad shape first
        n = weights(sizes)
        if n > self.max_params:
            raise ValueError(
                f"A {'-'.join(map(str, sizes))} network has {n:,} weights; this server allows "
                f"{self.max_params:,} per session. Use fewer or smaller hidden layers (whoever "
                f"runs the server can raise the limit with --max-params).")
        need = memory_bytes(sizes, m)
        if need > self.max_session_mb * MB:
            raise ValueError(
                f"A {'-'.join(map(str, sizes))} network on {m:,} examples needs about "
                f"{need / MB:,.0f} MB; this server allows {self.max_session_mb:g} MB per "
                f"session. Use fewer examples or a smaller network (whoever runs the server "
                f"can raise the limit with --max-session-mb).")

    def history_bytes(self, sizes, m: int) -> int:
        """What is left of the session's memory for its undo history (the last step can
        always be undone, whatever this says)."""
        return max(0, int(self.max_session_mb * MB) - memory_bytes(sizes, m))
