"""A session's budget on a shared server: too big is refused with the limit and its
option named, and the session stays as it was (explorer/budget.py)."""
import gc
import tracemalloc

import numpy as np
import pytest

from engine import Network, Stepper
from explorer import files
from explorer.app_layout import Explorer
from explorer.budget import DEFAULT_MAX_PARAMS, MB, Budget, memory_bytes, weights
from explorer.links import apply_link, settings_from_query
from explorer.state import ExplorerState

# The link the issue opened: ten hidden layers of 1024 units on the digits.
HUGE = ",".join(["1024"] * 10)


def snapshot(state):
    s = state.stepper
    return (s, state.network.sizes, [t.copy() for t in state.network.thetas], s.iteration,
            s.position, state.hidden_layers, state.preset)


def assert_unchanged(state, before):
    after = snapshot(state)
    assert after[0] is before[0] and after[1] == before[1] and after[3:] == before[3:]
    for a, b in zip(before[2], after[2]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sizes", [[2, 2, 1], [64, 25, 10], [3, 5, 5, 3], [400, 25, 10]])
def test_weights_count_every_theta_entry_bias_column_included(sizes):
    assert weights(sizes) == sum(theta.size for theta in Network(sizes).thetas)


@pytest.mark.parametrize("sizes, m, mode", [
    ([64, 25, 10], 1437, "batch"), ([64, 25, 10], 300, "per_example"),
    ([64, 200, 200, 10], 1000, "batch"), ([2, 512, 512, 1], 800, "batch"),
    ([2, 512, 512, 1], 200, "per_example"), ([64, 200, 200, 10], 300, "per_example"),
    ([400, 25, 10], 2000, "batch"), ([10, 1024, 1024, 10], 200, "batch")])
def test_memory_bytes_bounds_what_a_stepper_holds_through_an_iteration(sizes, m, mode):
    """tracemalloc counts numpy's buffers: the peak of building a stepper and running one
    iteration with no undo history stays under the estimate, and the estimate is no
    more than a few times what is used."""
    rng = np.random.default_rng(0)
    X = rng.random((m, sizes[0]))
    Y = (rng.random((m, sizes[-1])) > 0.5).astype(float)
    gc.collect()
    tracemalloc.start()
    try:
        stepper = Stepper(Network(sizes, seed=0), X, Y, mode=mode, max_history_bytes=0)
        stepper.run_iteration()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= memory_bytes(sizes, m) <= 6 * peak


def test_the_issues_link_is_refused_by_the_default_budget_and_the_digits_stay():
    state = ExplorerState(preset="digits")
    before = snapshot(state)
    settings, problems = settings_from_query({"hidden": [HUGE.encode()]})
    assert problems == []  # within the engine's own limits ...
    apply_link(state, settings, problems)
    assert_unchanged(state, before)  # ... not within the server's
    kind, text = state.notice[1:]
    n = weights([64, *[1024] * 10, 10])
    assert kind == "error" and f"{n:,} weights" in text and f"{DEFAULT_MAX_PARAMS:,}" in text
    assert "--max-params" in text and "The network was not changed." in text


def test_a_hidden_layers_setting_over_the_budget_is_put_back():
    state = ExplorerState(preset="xnor", budget=Budget(max_params=50))
    before = snapshot(state)
    state.hidden_layers = "20"  # 2-20-1: 81 weights
    assert_unchanged(state, before)
    assert state.hidden_layers == "2" and f"{weights([2, 20, 1])} weights" in state.notice[2]
    state.hidden_layers = "10"  # 41 weights: fits
    assert state.network.sizes == [2, 10, 1] and state.notice[1] == "success"


def test_a_network_whose_values_need_more_memory_than_the_budget_is_refused():
    state = ExplorerState(preset="digits", budget=Budget(max_session_mb=8))
    assert state.preset == "digits"
    before = snapshot(state)
    need = memory_bytes([64, 200, 10], state.stepper.m)
    assert need > 8 * MB  # and 64-200-10 has 15,010 weights: under the default
    state.hidden_layers = "200"
    assert_unchanged(state, before)
    text = state.notice[2]
    assert f"about {need / MB:,.0f} MB" in text and "8 MB per session" in text
    assert "--max-session-mb" in text


def test_holding_out_less_cannot_grow_the_session_past_its_budget():
    """A smaller test split means more training examples m, so more memory."""
    state = ExplorerState(preset="digits")
    sizes = [64, 250, 250, 10]
    budget = Budget(max_session_mb=(memory_bytes(sizes, state.stepper.m) / MB + 1))
    state = ExplorerState(preset="digits", budget=budget)
    state.hidden_layers = "250, 250"
    assert state.network.sizes == sizes  # fits with a fifth held out ...
    before = snapshot(state)
    state.test_fraction = 0.0  # ... and not with all 1797 examples
    assert memory_bytes(sizes, 1797) > budget.max_session_mb * MB
    assert_unchanged(state, before)
    assert state.test_fraction == pytest.approx(0.2, abs=0.01)
    assert "--max-session-mb" in state.notice[2] and "1,797 examples" in state.notice[2]


def test_a_data_file_over_the_budget_changes_nothing():
    state = ExplorerState(preset="xor", budget=Budget(max_session_mb=0.05))
    before = snapshot(state)
    rows = "\n".join(f"{i % 2},{i % 3 % 2},{i % 2}" for i in range(2000)).encode()
    assert not files.load_data(state, rows, "big.csv")
    assert_unchanged(state, before)
    assert "big.csv" in state.notice[2] and "--max-session-mb" in state.notice[2]
    assert "Nothing was changed." in state.notice[2]


def test_a_session_file_over_the_budget_changes_nothing():
    big = ExplorerState(preset="debug")
    text = files.save_session(big)
    state = ExplorerState(preset="xnor", budget=Budget(max_params=20))
    before = snapshot(state)
    assert not files.load_session(state, text.encode(), "debug.json")
    assert_unchanged(state, before)
    assert f"{weights(big.network.sizes)} weights" in state.notice[2]
    assert "--max-params" in state.notice[2]


def test_a_preset_over_the_budget_falls_back_to_xnor_and_says_why():
    state = ExplorerState(preset="digits", budget=Budget(max_params=1000))
    assert state.preset == "xnor" and f"{weights([64, 25, 10]):,} weights" in state.notice[2]
    state.preset = "digits"
    assert state.preset == "xnor" and state.notice[1] == "error"


def test_undo_history_gets_what_the_budget_leaves_and_the_last_step_stays_undoable():
    state = ExplorerState(preset="digits", budget=Budget(max_session_mb=8))
    s = state.stepper
    assert s.max_history_bytes == 8 * MB - memory_bytes(s.network.sizes, s.m) > 0
    # 5 MB leaves the digits less than one step's arrays (a^(2), z^(2): 2 × m × 26 × 8 B).
    tight = ExplorerState(preset="digits", budget=Budget(max_session_mb=5))
    m = tight.stepper.m
    assert tight.preset == "digits" and tight.stepper.max_history_bytes < 2 * m * 26 * 8
    tight.step()
    tight.step()
    assert tight.back() is not False and tight.stepper.position == 1
    assert not tight.stepper.can_go_back  # the step before it was dropped


def test_every_session_has_the_default_budget_unless_the_server_gives_one():
    assert Explorer().state.budget == Budget()
    assert Explorer(budget=Budget(max_params=500)).state.budget.max_params == 500


@pytest.mark.parametrize("kwargs, words", [
    ({"max_params": 0}, "--max-params must be at least 1"),
    ({"max_session_mb": -1}, "--max-session-mb must be greater than 0"),
    ({"max_session_mb": float("nan")}, "--max-session-mb must be a finite number")])
def test_a_budget_that_makes_no_sense_is_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Budget(**kwargs)
