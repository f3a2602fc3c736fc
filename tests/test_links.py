"""Links: settings to a URL query and back, rebuilding the same network and data."""
import numpy as np
import pytest

from explorer.links import apply_link, query_from_state, settings_from_query
from explorer.state import ExplorerState


def reopen(state):
    """What a fresh browser session does with the state's link."""
    query = {k: [v.encode()] for k, v in query_from_state(state).items()}  # as session_args
    settings, problems = settings_from_query(query)
    fresh = ExplorerState(preset=settings.pop("preset"))
    apply_link(fresh, settings, problems)
    return fresh, problems


def same(a, b):
    assert a.network.sizes == b.network.sizes and a.network.settings() == b.network.settings()
    for x, y in zip(a.network.thetas, b.network.thetas):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.stepper.X, b.stepper.X)
    np.testing.assert_array_equal(a.stepper.Y, b.stepper.Y)
    assert (a.learning_rate, a.mode, a.test_fraction) == (b.learning_rate, b.mode, b.test_fraction)


def test_a_preset_link_reopens_the_preset_weights():
    state = ExplorerState(preset="xnor")
    fresh, problems = reopen(state)
    assert problems == [] and fresh.weights == "preset"
    same(state, fresh)


def test_a_link_with_changed_settings_rebuilds_the_same_network_and_data():
    state = ExplorerState(preset="circle")
    state.param.update(hidden_layers="5, 3", hidden="relu", lam=0.3, seed=7)
    state.learning_rate = 0.25
    state.mode = "per_example"
    state.test_fraction = 0.3
    query = query_from_state(state)
    assert query["hidden"] == "5,3" and query["weights"] == "random" and query["seed"] == "7"
    fresh, problems = reopen(state)
    assert problems == []
    same(state, fresh)


def test_random_weights_with_the_presets_shape_are_reproduced_too():
    state = ExplorerState(preset="xnor")
    state.seed = 3
    state.seed = 0  # back to seed 0, but the weights are now random, not the preset's
    fresh, _ = reopen(state)
    assert fresh.weights == "random"
    same(state, fresh)


@pytest.mark.parametrize("key, value, words", [
    ("preset", "nope", "preset must be one of"),
    ("hidden", "4,x", "whole numbers"),
    ("hidden", "0", "1 to 1024 units"),
    ("hidden", ",".join(["2"] * 11), "at most 10 layers"),
    ("g", "swish", "hidden activation must be one of"),
    ("lambda", "-1", "between 0 and 1e+06"),
    ("alpha", "nan", "finite"),
    ("alpha", "0", "between"),
    ("seed", "1.5", "whole number"),
    ("mode", "loop", "mode must be one of"),
    ("test", "0.9", "between 0 and 0.5"),
])
def test_malformed_link_parameters_fall_back_to_defaults_and_say_so(key, value, words):
    settings, problems = settings_from_query({"preset": "xor", key: value})
    assert len(problems) == 1 and words in problems[0] and problems[0].startswith(f"{key}=")
    state = ExplorerState(preset=settings.pop("preset", "xor"))
    default = ExplorerState(preset="xor")
    apply_link(state, settings, problems)
    assert state.notice[1] == "error" and "could not be used" in state.notice[2]
    same(state, default)


def test_a_link_whose_settings_the_engine_refuses_keeps_the_preset():
    settings, problems = settings_from_query({"preset": "xor", "output": "tanh"})
    assert problems == []  # each value is valid on its own ...
    state = ExplorerState(preset="xor")
    apply_link(state, settings, problems)
    assert state.output == "sigmoid" and "does not work with tanh" in state.notice[2]  # ... not together
