"""Stepper: one iteration of gradient descent, taken one layer at a time.

(One class, with one small method per kind of step: about 400 lines, kept together.)

Each ``step()`` does exactly one thing and says what it did:

* ``forward``      z^(l) = Θ^(l−1) a^(l−1), a^(l) = g(z^(l))   for l = 2..L
* ``cost``         J(Θ)
* ``output_delta`` δ^(L)
* ``hidden_delta`` δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* g'(z^(l))       for l = L−1..2
* ``accumulate``   Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))ᵀ            for l = L−1..1
* ``gradient``     D^(l) = Δ^(l)/m + (λ/m) Θ^(l)  (bias column not regularised)
* ``update``       Θ^(l) := Θ^(l) − α D^(l)

In ``"batch"`` mode each step works on all m examples at once, the matrices
vectorized as in the notes' "Model representation II".  In ``"per_example"``
mode it follows the notes' for-loop: forward, δ and Δ for example 1, then
example 2, ..., and J, D and the update after the last example.

State, keyed by layer number as in the notes (a[1] is X):

* ``a[l]`` (l = 1..L), ``z[l]`` and ``delta[l]`` (l = 2..L): (m, s_l) arrays,
  row i for example i, bias unit not included (a_0 = 1 always);
* ``Delta[l]`` and ``D[l]`` (l = 1..L−1): shaped like Θ^(l);
* ``J``: the cost.

A value not computed yet in the current iteration is NaN: whole arrays at
the start of an iteration, single rows for the examples the per-example loop
has not reached.  a[1] = X is known from the start.  Δ^(l) is NaN until its
first accumulation (the notes' "set Δ = 0" happens as part of that step).

Every array handed out is read-only, and each step makes new arrays rather
than changing old ones, so a history of earlier states costs only what each
step made.  ``back()`` restores the previous state bit for bit.  The history
holds at most ``max_history`` states (default 1000) and at most
``max_history_bytes`` of arrays made by those steps (default 256 MB); the
oldest states are dropped first, but the last step can always be undone.
"""
from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from . import backprop, steps, validation
from .network import Network
from .steps import PHASES, Kind, Step  # noqa: F401  (PHASES and Step: part of this module's API)
from .validation import frozen

MODES = ("batch", "per_example")


def _of(step, attribute):
    return None if step is None else getattr(step, attribute)


@dataclass(frozen=True)
class _State:
    net: Network
    iteration: int            # 1-based number of the iteration in progress
    position: int             # index in the schedule of the last step taken; −1 before any
    a: dict
    z: dict
    delta: dict
    Delta: dict
    D: dict
    J: float = float("nan")
    description: str = ""
    made_bytes: int = field(default=0)  # bytes of the arrays the step that led here created
    update: tuple | None = None  # (network before, α) once this iteration's update is applied


class Stepper:
    """Stepper(net, X, Y, learning_rate=α, mode="batch" | "per_example")."""

    def __init__(self, net, X, Y, learning_rate=0.5, mode="batch",
                 max_history=1000, max_history_bytes=256 * 2**20):
        if not isinstance(net, Network):
            raise ValueError(f"Stepper needs an engine Network, got {type(net).__name__}.")
        if mode not in MODES:
            raise ValueError(f"Unknown mode {mode!r}: choose one of {', '.join(MODES)}.")
        self._X, self._Y = net.check_data(X, Y, copy=True)
        frozen(self._X)
        frozen(self._Y)
        self.learning_rate = learning_rate
        self._mode = mode
        self.max_history = validation.whole_number(max_history, "max_history", minimum=1)
        self.max_history_bytes = validation.whole_number(max_history_bytes, "max_history_bytes", minimum=0)
        self._initial_net = net
        self._schedule = steps.schedule(net.L, self.m, mode)
        # One shared all-NaN array per shape marks "not computed yet"; it is
        # read-only, so every fresh iteration can point at the same one.
        self._blank = {}
        self._history: deque[_State] = deque()
        self._history_bytes = 0
        self._state = self._fresh_iteration(net, iteration=1)

    @property
    def mode(self) -> str:
        """"batch" or "per_example", fixed for the stepper's life (make a new one to change)."""
        return self._mode

    @property
    def learning_rate(self) -> float:
        """α, used by the next update step; may be changed between steps."""
        return self._alpha

    @learning_rate.setter
    def learning_rate(self, value):
        self._alpha = validation.finite_number(value, "The learning rate α", strictly_positive=True)

    # ---- the schedule -------------------------------------------------------
    @property
    def schedule(self) -> tuple[Step, ...]:
        """Every step of one iteration, in order."""
        return self._schedule

    @property
    def steps_per_iteration(self) -> int:
        return len(self._schedule)

    # ---- read-only views of the state ------------------------------------------
    @property
    def network(self) -> Network:
        """The network with the current weights (updated after each ``update`` step)."""
        return self._state.net

    @property
    def X(self):
        return self._X

    @property
    def Y(self):
        """Targets as an (m, K) array (class labels are one-hot encoded)."""
        return self._Y

    @property
    def m(self) -> int:
        return self._X.shape[0]

    @property
    def L(self) -> int:
        return self._state.net.L

    # a, z, δ (by layer l = 1..L or 2..L), Δ and D (by l = 1..L−1): read-only mappings.
    a = property(lambda self: MappingProxyType(self._state.a), doc="a^(l), (m, s_l) arrays; a[1] is X")
    z = property(lambda self: MappingProxyType(self._state.z), doc="z^(l) for l = 2..L")
    delta = property(lambda self: MappingProxyType(self._state.delta), doc="δ^(l) for l = 2..L")
    Delta = property(lambda self: MappingProxyType(self._state.Delta), doc="Δ^(l), shaped like Θ^(l)")
    D = property(lambda self: MappingProxyType(self._state.D), doc="D^(l), shaped like Θ^(l)")

    J = property(lambda self: self._state.J,
                 doc="The cost J(Θ) of this iteration, NaN until its ``cost`` step.")
    iteration = property(lambda self: self._state.iteration,
                         doc="1-based number of the iteration the last step belongs to.")

    @property
    def position(self) -> int:
        """How many steps of the current iteration have been taken."""
        return self._state.position + 1

    @property
    def last_step(self) -> Step | None:
        p = self._state.position
        return self._schedule[p] if p >= 0 else None

    @property
    def next_step(self) -> Step:
        p = self._state.position
        return self._schedule[0] if p == len(self._schedule) - 1 else self._schedule[p + 1]

    # The last step's phase, kind and layer; None before the first step.
    phase = property(lambda self: _of(self.last_step, "phase"),
                     doc="forward, cost, backward, accumulate or update")
    kind = property(lambda self: _of(self.last_step, "kind"),
                    doc='What the last step computed: a ``Kind``, equal to its name ("forward")')
    layer = property(lambda self: _of(self.last_step, "layer"), doc="The layer it concerned")

    @property
    def example(self) -> int | None:
        """0-based index of the example the per-example loop is on (None in batch mode)."""
        if self.mode == "batch":
            return None
        step = self.last_step or self.next_step
        if step.example is None:  # cost, gradient and update come after the last example
            return self.m - 1
        return step.example

    def value(self, quantity: str, l: int | None = None):
        """A quantity by the name ``Kind.outputs`` gives it: ``value("delta", 3)`` is
        δ^(3), ``value("Theta", 1)`` Θ^(1) and ``value("J")`` the cost."""
        if quantity == "J":
            return self.J
        if quantity == "Theta":
            return self.network.theta(l)
        if quantity not in ("a", "z", "delta", "Delta", "D"):
            raise KeyError(quantity)
        return getattr(self._state, quantity)[l]  # the arrays themselves are read-only

    @property
    def iteration_complete(self) -> bool:
        return self._state.position == len(self._schedule) - 1

    @property
    def description(self) -> str:
        """One line on the step just taken, with its equation in the notes' notation."""
        return self._state.description

    @property
    def can_go_back(self) -> bool:
        return bool(self._history)

    @property
    def history_length(self) -> int:
        return len(self._history)

    # ---- moving -----------------------------------------------------------------
    def step(self) -> Step:
        """Take the next step and return it."""
        state = self._state
        if self.iteration_complete:
            state = self._fresh_iteration(state.net, state.iteration + 1)
        position = state.position + 1
        step = self._schedule[position]
        new_state = self._DO[step.kind](self, state, step)
        self._push(replace(new_state, position=position))
        return step

    def back(self) -> bool:
        """Undo the last step (or reset), exactly.  False when there is nothing to undo."""
        if not self._history:
            return False
        self._state = self._history.pop()
        self._history_bytes -= self._state.made_bytes
        return True

    def reset(self):
        """Back to the starting weights and an untouched first iteration (undoable)."""
        self._push(self._fresh_iteration(self._initial_net, iteration=1))

    def set_weight(self, l: int, j: int, i: int, value: float):
        """Set Θ_ji^(l) (indexed as in ``Network.with_weight``), undoably.

        Everything computed from the old weight is cleared (NaN) until it is
        recomputed.  In batch mode a^(1..l) and z^(2..l) do not depend on
        Θ^(l), so they are kept and the next step is the forward step to layer
        l + 1.  In per-example mode Δ already holds earlier examples' terms
        made with the old weight, so the iteration starts again.  Editing
        after an update starts the next iteration.
        """
        s = self._state
        net = s.net.with_weight(l, j, i, value)  # checks l, j, i and value
        old = s.net.theta(l)[j - 1, i]
        complete = self.iteration_complete
        new = self._fresh_iteration(net, s.iteration + 1 if complete else s.iteration)
        kept_forward_steps = 0
        if self.mode == "batch" and not complete:
            kept_forward_steps = min(s.position + 1, l - 1)  # forward to layers 2..l
        kept = range(2, kept_forward_steps + 2)
        stale_from = max(kept, default=1) + 1
        self._push(replace(
            new, position=kept_forward_steps - 1,
            a={**new.a, **{k: s.a[k] for k in kept}}, z={**new.z, **{k: s.z[k] for k in kept}},
            description=(f"Edited Θ_{j},{i}^({l}) from {old:.4g} to {float(value):.4g}: values "
                         f"from layer {stale_from} on are stale (cleared) until recomputed.")))

    @property
    def last_update(self):
        """(network before, α) of this iteration's update once it is applied, else None.

        After the update, a, z, δ, Δ and D were computed with the weights
        before it; ``network`` already holds the weights after it.
        """
        return self._state.update if self.iteration_complete else None

    @property
    def iterations_done(self) -> int:
        """How many updates Θ := Θ − αD have been applied since the start."""
        return self.iteration if self.iteration_complete else self.iteration - 1

    def fork(self) -> "Stepper":
        """A copy at this very point, without the history: stepping it leaves this one
        as it is.  The arrays are shared, which is safe: they are read-only, and a step
        makes new ones rather than changing old ones."""
        twin = copy.copy(self)
        twin._history = deque()
        twin._history_bytes = 0
        return twin

    def jump(self, net, iterations: int, description: str = ""):
        """Carry on from weights trained elsewhere (e.g. by ``train``), undoably.

        ``net`` holds the weights after ``iterations`` more iterations; the
        next step starts the following iteration from them, so stepping
        resumes exactly where training stopped.
        """
        if not isinstance(net, Network) or net.sizes != self.network.sizes:
            raise ValueError(f"jump needs a Network of sizes {self.network.sizes}.")
        iterations = validation.whole_number(iterations, "iterations", minimum=0)
        new = self._fresh_iteration(net, self.iterations_done + iterations + 1)
        self._push(replace(new, description=description or
                           f"Jumped {iterations} iterations ahead: iteration {new.iteration} is next."))

    def run_iteration(self) -> Step:
        """Step until an update has been applied: finishes the current iteration,
        or runs a whole new one when the current one is already complete."""
        step = self.step()
        while step.kind is not Kind.UPDATE:
            step = self.step()
        return step

    def _push(self, new_state):
        # The history's size is what the steps leading to its states made; the
        # arrays those states share with later ones are not counted twice.
        self._history.append(self._state)
        self._history_bytes += self._state.made_bytes
        self._state = new_state
        # One undo is always kept, however large the step.
        while len(self._history) > self.max_history or (
                len(self._history) > 1 and self._history_bytes > self.max_history_bytes):
            self._history_bytes -= self._history.popleft().made_bytes

    # ---- the steps ------------------------------------------------------------
    def _nan(self, shape):
        if shape not in self._blank:
            self._blank[shape] = frozen(np.full(shape, np.nan))
        return self._blank[shape]

    def _fresh_iteration(self, net, iteration) -> _State:
        m, sizes = self.m, net.sizes
        return _State(
            net=net, iteration=iteration, position=-1,
            a={1: self._X, **{l: self._nan((m, sizes[l - 1])) for l in range(2, net.L + 1)}},
            z={l: self._nan((m, sizes[l - 1])) for l in range(2, net.L + 1)},
            delta={l: self._nan((m, sizes[l - 1])) for l in range(2, net.L + 1)},
            Delta={l: self._nan(net.theta(l).shape) for l in range(1, net.L)},
            D={l: self._nan(net.theta(l).shape) for l in range(1, net.L)},
            description=f"Iteration {iteration} ready: nothing computed yet.")

    def _rows(self, step):
        """The examples a step works on: all of them, or the one the loop is on."""
        return slice(None) if step.example is None else slice(step.example, step.example + 1)

    def _write(self, old, rows, values):
        """A new read-only array equal to ``old`` with ``rows`` replaced."""
        if rows == slice(None):
            return frozen(np.ascontiguousarray(values, dtype=float))
        new = old.copy()
        new[rows] = values
        return frozen(new)

    def _where(self, step) -> str:
        if step.example is None:
            return ""
        return f", example {step.example + 1} of {self.m}"

    def _do_forward(self, s, step):
        l, rows = step.layer, self._rows(step)
        g = s.net.activation(l)
        z_rows, a_rows = backprop.forward(s.net.theta(l - 1), s.a[l - 1][rows], g.g)
        z = self._write(s.z[l], rows, z_rows)
        a = self._write(s.a[l], rows, a_rows)
        gname = "softmax" if g.name == "softmax" else "g"
        text = (f"Forward, layer {l}{self._where(step)}: z^({l}) = Θ^({l - 1}) a^({l - 1}), "
                f"a^({l}) = {gname}(z^({l}))")
        return replace(s, z={**s.z, l: z}, a={**s.a, l: a}, description=text,
                       made_bytes=z.nbytes + a.nbytes)

    def _do_cost(self, s, step):
        L = self.L
        J = s.net.cost_from_output(s.z[L], s.a[L], self._Y)
        text = f"Cost: {s.net.loss_function.formula} = {J:.6g}"
        return replace(s, J=J, description=text, made_bytes=0)

    def _do_output_delta(self, s, step):
        L, rows = self.L, self._rows(step)
        loss, g = s.net.loss_function, s.net.activation(L)
        values = loss.output_delta(s.z[L][rows], s.a[L][rows], self._Y[rows], g.derivative)
        delta = self._write(s.delta[L], rows, values)
        rule = f"a^({L}) − y" if loss.delta_is_a_minus_y else f"(a^({L}) − y) .* g'(z^({L}))"
        text = f"Backward, layer {L} (output){self._where(step)}: δ^({L}) = {rule}"
        return replace(s, delta={**s.delta, L: delta}, description=text, made_bytes=delta.nbytes)

    def _do_hidden_delta(self, s, step):
        l, rows = step.layer, self._rows(step)
        values = backprop.hidden_delta(s.net.theta(l), s.delta[l + 1][rows], s.z[l][rows],
                                       s.a[l][rows], s.net.activation(l))
        delta = self._write(s.delta[l], rows, values)
        text = (f"Backward, layer {l}{self._where(step)}: "
                f"δ^({l}) = (Θ^({l}))ᵀ δ^({l + 1}) .* g'(z^({l})), bias row dropped")
        return replace(s, delta={**s.delta, l: delta}, description=text, made_bytes=delta.nbytes)

    def _do_accumulate(self, s, step):
        l, rows = step.layer, self._rows(step)
        term = backprop.accumulate(s.delta[l + 1][rows], s.a[l][rows])
        old = s.Delta[l]
        first = step.example in (None, 0)  # Δ starts at 0 in each iteration
        Delta = frozen(term if first else old + term)
        if step.example is None:
            text = (f"Accumulate, layer {l}: Δ^({l}) := Σ_i δ^({l + 1}) (a^({l}))ᵀ "
                    f"summed over the {self.m} example{'s' if self.m != 1 else ''}")
        else:
            text = f"Accumulate, layer {l}{self._where(step)}: Δ^({l}) := Δ^({l}) + δ^({l + 1}) (a^({l}))ᵀ"
        return replace(s, Delta={**s.Delta, l: Delta}, description=text, made_bytes=Delta.nbytes)

    def _do_gradient(self, s, step):
        D = {l: frozen(backprop.gradient(s.Delta[l], s.net.theta(l), s.net.lam, self.m))
             for l in range(1, self.L)}
        text = (f"Gradient: D^(l) = Δ^(l)/m + (λ/m) Θ^(l) for every l, bias column unregularised "
                f"(m = {self.m}, λ = {s.net.lam:g})")
        return replace(s, D=D, description=text, made_bytes=sum(d.nbytes for d in D.values()))

    def _do_update(self, s, step):
        alpha = self.learning_rate
        with np.errstate(over="ignore", invalid="ignore"):  # reported just below
            thetas = [s.net.theta(l) - alpha * s.D[l] for l in range(1, self.L)]
        if not all(np.all(np.isfinite(t)) for t in thetas):
            raise ValueError(
                f"This update would make some weights infinite or NaN, so it was not applied. "
                f"The learning rate α = {alpha:g} is probably too large: lower it and reset.")
        net = s.net.with_thetas(thetas)
        text = f"Update: Θ^(l) := Θ^(l) − α D^(l) for every l (α = {alpha:g})"
        return replace(s, net=net, description=text, made_bytes=8 * net.n_params,
                       update=(s.net, alpha))

    _DO = {Kind.FORWARD: _do_forward, Kind.COST: _do_cost, Kind.OUTPUT_DELTA: _do_output_delta,
           Kind.HIDDEN_DELTA: _do_hidden_delta, Kind.ACCUMULATE: _do_accumulate,
           Kind.GRADIENT: _do_gradient, Kind.UPDATE: _do_update}
