"""The weight editor, the gradient check, the input plane and the weight pictures in W, b
(``state.notation == "wb"``): the same numbers as in the notes, under W, b's names, also
after a switch in either direction, and a view in a hidden tab catching up when shown."""
import html
import re
from types import SimpleNamespace

import numpy as np
import pytest

from engine import Network, bugs
from explorer import graph
from explorer.checker import GradientChecker
from explorer.features_view import WeightImagesView
from explorer.gradcheck_view import BUGS_WB, GradientCheckView, bug_note
from explorer.graph_view import GraphView
from explorer.lazy import show
from explorer.plane_view import PlaneView
from explorer.state import ExplorerState
from explorer.weight_editor import WeightEditor

NOTES_ONLY = re.compile(r"Θ|\^\(|<sup>\(")  # what W, b never writes


def no_notes_names(*texts):
    for text in texts:
        assert not NOTES_ONLY.search(str(text)), text


# ---- the weight editor -----------------------------------------------------------------
def editor(preset="xnor"):
    s = ExplorerState(preset=preset)
    return s, WeightEditor(state=s, graph=GraphView(state=s))


def test_the_editor_offers_w_and_b_with_the_same_cells():
    s, w = editor()
    w.layer.value = 2
    theta_table = w.table.value.copy()
    assert list(w.layer.options) == ["Θ^(1)", "Θ^(2)"] and w.i.label.endswith("0 = bias)")
    s.notation = "wb"
    assert list(w.layer.options) == ["W^[1], b^[1]", "W^[2], b^[2]"] and w.layer.value == 2
    assert w.i.label == "i (from unit, 0 = b)"
    table = w.table.value
    assert list(table.columns) == ["b^[2]", "W i=1", "W i=2"]
    np.testing.assert_array_equal(table.values, theta_table.values)
    np.testing.assert_array_equal(table.values, s.network.theta(2))
    assert w.note.object.startswith("W<sup>[2]</sup> is 1 × 2 and b<sup>[2]</sup> has 1 entry")
    no_notes_names(w.note.object, *w.layer.options, *table.columns)
    # back to the notes: as it was
    s.notation = "theta"
    assert list(w.layer.options) == ["Θ^(1)", "Θ^(2)"] and w.layer.value == 2
    assert list(w.table.value.columns) == ["i=0 (bias)", "i=1", "i=2"]
    assert w.note.object.startswith("Θ<sup>(2)</sup> is 1 × 3")


def test_editing_b_in_wb_sets_the_bias_weight_theta_j0():
    s, w = editor()
    s.notation = "wb"
    w.layer.value = 2
    w._on_edit(SimpleNamespace(row=0, column="b^[2]", value=-5.0))
    assert s.network.theta(2)[0, 0] == -5.0 and s.network.theta(2)[0, 1] == 20
    w._on_edit(SimpleNamespace(row=0, column="W i=2", value=3.0))
    assert s.network.theta(2)[0, 2] == 3.0
    w.layer.value, w.j.value, w.i.value = 1, 2, 0  # b_2^[1] = Θ_20^(1)
    assert w.value.value == s.network.theta(1)[1, 0]
    w.value.value = 0.25
    w._apply()
    assert s.network.theta(1)[1, 0] == 0.25


def test_an_editor_made_in_wb_and_one_in_a_hidden_tab():
    s = ExplorerState(preset="xnor", notation="wb")
    w = WeightEditor(state=s, graph=GraphView(state=s))
    assert w.i.label == "i (from unit, 0 = b)" and list(w.table.value.columns)[0] == "b^[1]"
    show(w, False)
    s.notation = "theta"
    assert list(w.layer.options) == ["Θ^(1)", "Θ^(2)"]  # the labels at once (cheap)
    assert list(w.table.value.columns)[0] == "b^[1]"    # the table when shown
    show(w, True)
    assert list(w.table.value.columns)[0] == "i=0 (bias)"


# ---- the gradient check ----------------------------------------------------------------
def wb_parameter(theta_name):
    """Θ_j,i^(l) as W, b names it: b_j^[l] for i = 0, else W_j,i^[l]."""
    j, i, l = re.fullmatch(r"Θ_(\d+),(\d+)\^\((\d+)\)", theta_name).groups()
    return f"b_{j}^[{l}]" if i == "0" else f"W_{j},{i}^[{l}]"


def test_the_gradient_check_in_wb_names_each_layer_and_parameter():
    s = ExplorerState(preset="xnor")
    checker = GradientChecker(state=s)
    view = GradientCheckView(checker=checker, graph=GraphView(state=s))
    checker.bug = "delta_sign"  # every parameter with a gradient fails
    checker.run()
    theta_summary, theta_table = view.summary.object, view.table.value.copy()
    s.notation = "wb"
    summary, table = view.summary.object, view.table.value
    assert "<td>W<sup>[1]</sup>, b<sup>[1]</sup></td>" in summary
    assert "<td>W<sup>[2]</sup>, b<sup>[2]</sup></td>" in summary
    assert "disagree, in W^[1], b^[1], W^[2], b^[2]." in html.unescape(summary)
    assert list(table.columns) == ["parameter", "backprop dW, db", "numerical",
                                   "relative difference", "fails"]
    assert list(table["parameter"]) == [wb_parameter(p) for p in theta_table["parameter"]]
    assert "b_1^[2]" in list(table["parameter"])
    np.testing.assert_array_equal(table.iloc[:, 1:4].values, theta_table.iloc[:, 1:4].values)
    assert list(table["fails"]) == list(theta_table["fails"])
    no_notes_names(summary, *table["parameter"], *view.bug.options)
    # the same bug chosen, the same failing edges on the graph
    assert checker.bug == view.bug.value == "delta_sign"
    s.notation = "theta"
    assert view.summary.object == theta_summary
    assert list(view.table.value["parameter"]) == list(theta_table["parameter"])


def test_the_gradient_check_before_a_run_and_the_bug_menu_in_wb():
    s = ExplorerState(preset="xnor")
    checker = GradientChecker(state=s)
    view = GradientCheckView(checker=checker, graph=GraphView(state=s))
    theta = (view.summary.object, dict(view.bug.options))
    s.notation = "wb"
    assert "∂J/∂W<sub>ji</sub><sup>[l]</sup> and ∂J/∂b<sub>j</sub><sup>[l]</sup>" in \
        view.summary.object
    assert list(view.bug.options.values()) == list(theta[1].values())
    no_notes_names(view.summary.object, *view.bug.options)
    assert set(BUGS_WB) == set(bugs.BUGS)  # a new bug needs its W, b text
    s.notation = "theta"
    assert (view.summary.object, dict(view.bug.options)) == theta


@pytest.mark.parametrize("sizes, lam, m, bug", [
    ([2, 1], 0.0, 4, "no_g_prime"), ([2, 2, 1], 0.0, 4, "notes_lambda"),
    ([2, 2, 1], 1.0, 1, "notes_lambda")])
def test_why_a_bug_cannot_show_in_wb(sizes, lam, m, bug):
    reason = bugs.no_effect_reason(Network(sizes, lam=lam), bug, m)
    assert reason and bug_note(reason, "theta") == reason
    no_notes_names(bug_note(reason, "wb"))
    if "L = 2" in reason:
        assert "L = 1" in bug_note(reason, "wb")


# ---- the input plane -------------------------------------------------------------------
def image(view):
    return view.boundary.data["image"][0]


def test_the_plane_in_wb_names_units_and_layers_as_wb():
    s = ExplorerState(preset="xnor")
    s.init = "zeros"  # identical hidden units: the symmetry warning
    view = PlaneView(state=s)
    theta = (view.caption.object, view.tiles_caption.object, list(view.units.data["name"]),
             image(view).copy())
    s.notation = "wb"
    tiles = view.tile_list
    assert list(view.units.data["name"]) == [graph.unit_name(j, l, notation="wb")
                                             for l, j in tiles] == ["a₁^[1]", "a₂^[1]"]
    assert list(view.tile_titles.data["text"]) == ["a₁^[1] ≡", "a₂^[1] ≡"]
    assert "Units 1, 2 of layer 1 are identical" in view.tiles_caption.object
    assert "h<sub>W,b</sub>(x)" in view.caption.object
    assert view._boundary_pane.object.title.text == "Decision boundary: h_W,b(x) over the input plane"
    np.testing.assert_array_equal(image(view), theta[3])
    no_notes_names(view.caption.object, view.tiles_caption.object)
    s.notation = "theta"
    assert (view.caption.object, view.tiles_caption.object,
            list(view.units.data["name"])) == theta[:3]
    assert "Units 1, 2 of layer 2 are identical" in view.tiles_caption.object


def test_a_hidden_plane_catches_up_with_the_notation_when_shown():
    s = ExplorerState(preset="xor")
    view = PlaneView(state=s)
    show(view, False)
    s.notation = "wb"
    assert view.units.data["name"][0] == "a₁⁽²⁾"  # not yet: the tab is hidden
    show(view, True)
    assert view.units.data["name"][0] == "a₁^[1]"
    none = PlaneView(state=ExplorerState(preset="and", notation="wb"))
    assert "g(W<sup>[1]</sup>x + b<sup>[1]</sup>)" in none.tiles_caption.object
    no_notes_names(none.tiles_caption.object, none.caption.object)


# ---- the weight pictures ---------------------------------------------------------------
def test_weight_pictures_in_wb_and_no_redraw_on_a_step_that_changes_no_weight():
    s = ExplorerState(preset="digits")
    view = WeightImagesView(state=s)
    images = view.source.data["image"]
    s.notation = "wb"
    assert view.bar.title == "W (each picture scaled to its max |W|)"
    assert "W<sub>j1</sub><sup>[1]</sup>" in view.caption.object
    no_notes_names(view.caption.object, view.bar.title)
    for a, b in zip(images, view.source.data["image"]):
        np.testing.assert_array_equal(a, b)
    sent = view.source.data["image"]
    s.step()  # forward: no weight changes, nothing is sent again
    assert view.source.data["image"] is sent
    s.finish_iteration()  # the update: new pictures
    assert view.source.data["image"] is not sent
    s.notation = "theta"
    assert view.bar.title.startswith("Θ") and "Θ<sub>j1</sub><sup>(1)</sup>" in view.caption.object
