"""engine.steps: the kinds of step, their names and outputs, and the schedule's length."""
import csv
import io
import json

import numpy as np
import pytest

from engine import Kind, Network, Stepper
from engine.steps import NOTATION, schedule, schedule_length


@pytest.mark.parametrize("mode", ["batch", "per_example"])
@pytest.mark.parametrize("L", [2, 3, 4, 6])
@pytest.mark.parametrize("m", [1, 2, 5])
def test_the_schedule_length_formula_counts_the_schedule(L, m, mode):
    assert schedule_length(L, m, mode) == len(schedule(L, m, mode))
    # batch: L − 1 forward, cost, L − 1 deltas, L − 1 accumulations, gradient, update
    if mode == "batch":
        assert len(schedule(L, m, mode)) == (L - 1) + 1 + (L - 1) + (L - 1) + 2


def test_a_kind_is_its_documented_name():
    assert [k.value for k in Kind] == ["forward", "cost", "output_delta", "hidden_delta",
                                       "accumulate", "gradient", "update"]
    assert Kind.FORWARD == "forward" and {"forward": 1}[Kind.FORWARD] == 1
    assert f"{Kind.HIDDEN_DELTA}" == str(Kind.HIDDEN_DELTA) == "hidden_delta"
    assert json.dumps([Kind.COST]) == '["cost"]'
    out = io.StringIO()
    csv.writer(out).writerow([Kind.UPDATE])
    assert out.getvalue().strip() == "update"
    assert [k.phase for k in Kind] == ["forward", "cost", "backward", "backward", "accumulate",
                                       "update", "update"]
    assert Kind.OUTPUT_DELTA.phase_title == "Backward"


def test_symbols_are_the_notes_notation():
    assert Kind.FORWARD.symbol(3) == "z^(3), a^(3)"
    assert Kind.HIDDEN_DELTA.symbol(2) == Kind.OUTPUT_DELTA.symbol(2) == "δ^(2)"
    assert Kind.ACCUMULATE.symbol(1) == "Δ^(1)"
    assert Kind.COST.symbol(None) == "J(Θ)"


@pytest.mark.parametrize("mode", ["batch", "per_example"])
def test_each_steps_outputs_are_exactly_what_it_changed(mode):
    rng = np.random.default_rng(0)
    net = Network([3, 4, 2, 2], seed=1)
    s = Stepper(net, rng.normal(size=(3, 3)), rng.integers(0, 2, 3), mode=mode)
    names = [(q, l) for q in ("a", "z", "delta") for l in range(2, 5)] + \
            [(q, l) for q in ("Delta", "D", "Theta") for l in range(1, 4)] + [("J", None)]

    def snapshot():
        return {key: np.array(s.value(*key), copy=True) for key in names}

    for _ in range(s.steps_per_iteration):
        before = snapshot()
        step = s.step()
        after = snapshot()
        changed = {key for key in names
                   if not np.array_equal(before[key], after[key], equal_nan=True)}
        assert changed == set(step.kind.outputs(step.layer, s.L)) - {("Theta", None)}, step
    assert set(NOTATION) == {q for q, _ in names} | {"a"}
