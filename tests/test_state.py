"""ExplorerState without a browser: stepping, settings, and refusing bad settings."""
import numpy as np
import pytest

from engine import Network, Stepper, presets
from explorer.state import ExplorerState, parse_hidden_layers


def thetas_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.thetas, b.thetas))


def test_starts_with_the_xnor_preset_and_its_settings():
    s = ExplorerState()
    p = presets.load("xnor")
    assert s.preset == "xnor" and s.network.sizes == [2, 2, 1]
    assert thetas_equal(s.network, p.network)
    assert (s.hidden_layers, s.hidden, s.loss, s.learning_rate) == ("2", "sigmoid", "cross_entropy", 1.0)


def test_an_unknown_preset_falls_back_to_xnor_and_says_so():
    s = ExplorerState(preset="nope")
    assert s.preset == "xnor"
    assert s.notice[1] == "error" and "nope" in s.notice[2]


def test_stepping_matches_the_engine_and_tells_the_views():
    s = ExplorerState(preset="debug")
    p = presets.load("debug")
    engine = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    told = []
    s.param.watch(lambda *events: told.append([e.name for e in events]),
                  ["stepped", "rebuilt", "reshaped"])
    for _ in range(4):
        s.step()
        engine.step()
    assert told == [["stepped"]] * 4
    assert s.stepper.description == engine.description
    np.testing.assert_array_equal(s.stepper.delta[3], engine.delta[3])
    s.back()  # forward 2, forward 3, cost, δ^(3): back to just after the cost
    assert s.stepper.kind == "cost" and s.stepper.position == 3
    assert np.isnan(s.stepper.delta[3]).all() and s.stepper.J == engine.J
    s.finish_iteration()
    engine.run_iteration()
    assert thetas_equal(s.network, engine.network)
    s.reset()
    assert thetas_equal(s.network, p.network) and s.stepper.position == 0


def test_per_example_mode_makes_the_shown_example_follow_the_loop():
    s = ExplorerState(preset="xnor")
    s.mode = "per_example"
    assert s.stepper.mode == "per_example"
    for _ in range(7):  # six steps per example in a 2-2-1 net: the 7th is example 2
        s.step()
    assert s.example == 1 == s.stepper.example
    s.example = 3
    assert s.example == 1 and "follows" in s.notice[2]


def test_changing_the_architecture_rebuilds_with_new_weights_and_says_so():
    s = ExplorerState(preset="xor")
    told = []
    s.param.watch(lambda *events: told.append({e.name for e in events}),
                  ["stepped", "rebuilt", "reshaped"])
    s.hidden_layers = "3, 2"
    assert s.network.sizes == [2, 3, 2, 1]
    assert told == [{"stepped", "rebuilt", "reshaped"}]
    assert s.notice[1] == "success" and "2-3-2-1" in s.notice[2]
    expected = Network([2, 3, 2, 1], seed=s.seed)
    assert thetas_equal(s.network, expected)
    s.hidden_layers = "none"
    assert s.network.sizes == [2, 1]


def test_changing_an_activation_keeps_the_weights_and_the_shape():
    s = ExplorerState(preset="xnor")
    before = s.network
    told = []
    s.param.watch(lambda *events: told.append({e.name for e in events}),
                  ["stepped", "rebuilt", "reshaped"])
    s.hidden = "tanh"
    assert s.network.hidden == "tanh" and thetas_equal(s.network, before)
    assert told == [{"stepped", "rebuilt"}]


@pytest.mark.parametrize("name, value, words", [
    ("output", "tanh", "cross_entropy loss does not work with tanh outputs"),
    ("hidden_layers", "two", "whole numbers separated by commas"),
    ("hidden_layers", "0", "at least 1"),
    ("hidden_layers", ", ".join(["3"] * 11), "At most 12 layers"),
    ("lam", -1.0, "at least 0"),
    ("learning_rate", 0.0, "greater than 0"),
    ("learning_rate", float("nan"), "finite"),
    ("seed", -3, "at least 0"),
])
def test_an_invalid_setting_shows_the_engines_message_and_keeps_the_network(name, value, words):
    s = ExplorerState(preset="xnor")
    s.step()
    before_net, before_pos, before_value = s.network, s.stepper.position, getattr(s, name)
    s.param.update(**{name: value})
    assert s.notice[1] == "error" and words in s.notice[2]
    assert "not changed" in s.notice[2]
    assert getattr(s, name) == before_value  # the widget shows the old value again
    assert thetas_equal(s.network, before_net) and s.stepper.position == before_pos


def test_learning_rate_applies_to_the_next_update_without_a_rebuild():
    s = ExplorerState(preset="xnor")
    s.step()
    s.learning_rate = 0.25
    assert s.stepper.learning_rate == 0.25 and s.stepper.position == 1


def test_loading_a_preset_replaces_data_and_settings():
    s = ExplorerState()
    s.preset = "blobs"
    p = presets.load("blobs")
    assert s.network.sizes == [2, 4, 3] and s.output == "softmax"
    assert s.m == 120 and len(s.X_test) == 30 and s.test_fraction == 0.2  # 150 split 80/20
    pooled = np.concatenate([s.stepper.X, s.X_test])
    np.testing.assert_array_equal(np.sort(pooled, axis=0), np.sort(p.X, axis=0))
    assert "blobs" in s.notice[2]


def test_set_weight_goes_through_the_engine_and_bad_values_are_refused():
    s = ExplorerState(preset="xnor")
    s.set_weight(2, 1, 0, -5.0)
    assert s.network.thetas[1][0, 0] == -5.0
    s.set_weight(2, 3, 0, 1.0)
    assert s.notice[1] == "error" and "at most 1" in s.notice[2]
    assert s.network.thetas[1][0, 0] == -5.0


def test_parse_hidden_layers():
    assert parse_hidden_layers("4, 3") == [4, 3]
    assert parse_hidden_layers("4 3") == [4, 3]
    assert parse_hidden_layers("") == [] == parse_hidden_layers("none")


def test_the_explorer_renders_without_a_server_as_in_a_notebook():
    import panel as pn

    from explorer.app_layout import Explorer

    explorer = Explorer(preset="debug")
    root = pn.panel(explorer).get_root()
    assert root is not None
    explorer.state.step()
    nodes = explorer.graph.nodes.data
    assert {"layer", "unit", "z", "a", "delta"} <= set(nodes)
    assert not np.isnan(nodes["a"][np.asarray(nodes["layer"]) == 2][1:]).any()


def test_large_nets_draw_only_the_strongest_edges_and_say_so():
    from explorer import graph
    from explorer.app_layout import Explorer

    explorer = Explorer(preset="xnor")
    s = explorer.state
    rng = np.random.default_rng(0)
    s.replace(Stepper(Network([400, 25, 10], seed=1), rng.random((5, 400)), np.arange(5) % 10))
    edges = explorer.graph.edges.data
    assert len(edges["theta"]) <= graph.MAX_EDGES
    assert "strongest" in explorer.graph.note.object and "10285" in explorer.graph.note.object
    theta = s.network.theta(1)
    for j in (1, 13, 25):  # each unit keeps its largest |Θ| inputs
        kept = [abs(t) for l, tj, t in zip(edges["layer"], edges["target"], edges["theta"])
                if l == 1 and tj == j]
        assert min(kept) >= np.sort(np.abs(theta[j - 1]))[-len(kept)]
    assert sum(1 for l in edges["layer"] if l == 2) == 10 * 26  # few enough to keep all


def test_a_rebuild_keeps_the_example_shown_and_new_data_starts_at_the_first():
    from explorer.app_layout import Explorer

    explorer = Explorer(preset="xnor")
    s = explorer.state
    s.example = 3
    s.hidden = "tanh"  # same data, same shape
    assert s.example == 3
    s.hidden_layers = "4"  # same data, a new shape: the graph is laid out again
    assert s.network.sizes == [2, 4, 1] and s.example == 3 and s.notice[1] == "success"
    nodes = explorer.graph.nodes.data
    assert sum(1 for l, u in zip(nodes["layer"], nodes["unit"]) if l == 2 and u > 0) == 4
    np.testing.assert_array_equal(
        [a for l, u, a in zip(nodes["layer"], nodes["unit"], nodes["a"]) if l == 1 and u > 0],
        s.stepper.X[3])
    s.preset = "debug"  # new data
    assert s.example == 0 and s.network.sizes == [3, 5, 3]


@pytest.mark.parametrize("preset, fraction", [("digits", 0.5), ("blobs", 0.05), ("blobs", 0.15)])
def test_the_test_split_keeps_the_share_asked_for(preset, fraction):
    s = ExplorerState(preset=preset)
    told = []
    s.param.watch(lambda *events: told.append({e.name for e in events}), ["rebuilt"])
    s.test_fraction = fraction
    assert s.test_fraction == fraction and told == [{"rebuilt"}]
    assert abs(len(s.X_test) / (len(s.X_test) + s.m) - fraction) < 0.02
