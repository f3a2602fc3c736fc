"""Explorer.check (explorer/check_view.py): a student's backprop checked in a notebook.

The students' functions here are written in plain numpy (the notes' ex4 formulas, one
mistake each), not by the engine; the engine's check itself is tests/test_check.py."""
import numpy as np
import panel as pn
import pytest
from bokeh.document import Document

from explorer.app_layout import Explorer


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backprop(thetas, X, Y, lam, *, g_prime_at_a=False, drop_m=False):
    """ex4's backprop for any depth, returning every quantity (the notes' formulas)."""
    m = len(X)
    a, z = [X], [None]
    for theta in thetas:
        z.append(np.hstack([np.ones((m, 1)), a[-1]]) @ theta.T)
        a.append(sigmoid(z[-1]))
    h = a[-1]
    J = -np.sum(Y * np.log(h) + (1 - Y) * np.log(1 - h)) / m \
        + lam / (2 * m) * sum(np.sum(t[:, 1:] ** 2) for t in thetas)
    delta = [h - Y]
    for l in range(len(thetas) - 1, 0, -1):  # hidden layers, last first
        g = sigmoid(a[l]) * (1 - sigmoid(a[l])) if g_prime_at_a else a[l] * (1 - a[l])
        delta.insert(0, (delta[0] @ thetas[l][:, 1:]) * g)
    Delta = [d.T @ np.hstack([np.ones((m, 1)), a_l]) for d, a_l in zip(delta, a[:-1])]
    D = [(Dl if drop_m else Dl / m) + np.hstack([np.zeros((len(t), 1)), lam / m * t[:, 1:]])
         for Dl, t in zip(Delta, thetas)]
    return {"J": J, "a": a, "z": z[1:], "delta": delta, "Delta": Delta, "D": D}


def rendered(view):
    """The Bokeh models of the view as a notebook gets them."""
    root = pn.panel(view).get_root(Document())
    return {m.name: m for m in root.references() if m.name}


def test_a_correct_backprop_passes_and_marks_nothing():
    explorer = Explorer(preset="debug")
    view = explorer.check(backprop)
    assert view.report.passed
    assert view.verdict.alert_type == "success"
    assert len(view.table.object) == len(view.report.rows) == 12
    models = rendered(view)
    assert "marked_units" not in models
    assert models["failing"].data["x0"] == []


def test_a_wrong_delta_is_shown_at_its_step_with_its_units_ringed():
    explorer = Explorer(preset="debug")
    view = explorer.check(lambda *args: backprop(*args, g_prime_at_a=True))
    first = view.report.first_difference
    assert (first.quantity, first.layer) == ("delta", 2)
    assert view.report.diagnosis_name == "a_instead_of_z"
    s = view.shown
    # δ^(2) is the 5th step of a batch iteration of a 3-layer net: a^(2), a^(3), J, δ^(3), δ^(2).
    assert s.stepper.position == 5 and s.stepper.last_step.kind.name == "HIDDEN_DELTA"
    assert s.example == first.where[0] - 1
    assert explorer.state.stepper.position == 0 and explorer.state.example == 0  # the session stays
    models = rendered(view)
    ringed = models["marked_units"].data
    nodes = models["nodes"].data
    hidden = [k for k, (l, u) in enumerate(zip(nodes["layer"], nodes["unit"])) if l == 2 and u > 0]
    expected = {(nodes["x"][k], nodes["y"][k]) for k in hidden}
    assert set(zip(ringed["x"], ringed["y"])) == expected  # every hidden unit's δ is off
    assert "δ^(2)" in view.verdict.object.replace("&#94;", "^").replace("&#40;", "(").replace("&#41;", ")")
    assert "differ" in view.graph.note.object


def test_a_wrong_D_dashes_its_weights_at_the_gradient_step():
    explorer = Explorer(preset="debug")
    explorer.state.lam = 1.0
    view = explorer.check(lambda *args: backprop(*args, drop_m=True))
    first = view.report.first_difference
    assert (first.quantity, first.layer) == ("D", 1)  # a, z, J, δ and Δ agree
    assert view.shown.stepper.last_step.kind.name == "GRADIENT"
    dashed = rendered(view)["failing"].data
    assert len(dashed["x0"]) == int(first.differs.sum()) > 0


def test_a_function_that_raises_is_reported_and_the_session_stays():
    explorer = Explorer(preset="debug")
    at = explorer.state.stepper.position

    def broken(thetas, X, Y, lam):
        raise KeyError("<img src=x onerror=alert(1)>")

    view = explorer.check(broken)
    assert view.report is None and view.verdict.alert_type == "danger"
    assert "could not run" in view.verdict.object and "<img" not in view.verdict.object
    assert explorer.state.stepper.position == at
    rendered(view)


def test_the_check_shows_the_step_in_the_iteration_the_session_is_in():
    """From further on in the iteration (or past its update), the graph starts the same
    iteration afresh on the weights checked and steps to the quantity; the session stays."""
    explorer = Explorer(preset="debug")
    for _ in range(7):
        explorer.state.step()
    net = explorer.state.network
    view = explorer.check(lambda *args: backprop(*args, g_prime_at_a=True))
    s = view.shown
    assert (s.stepper.iteration, s.stepper.position) == (1, 5)
    assert s.network is net or np.array_equal(s.network.unroll(), net.unroll())
    assert explorer.state.stepper.position == 7
    explorer.state.finish_iteration()  # after the update: the next iteration, new weights
    view = explorer.check(lambda *args: backprop(*args, g_prime_at_a=True))
    assert (view.shown.stepper.iteration, view.shown.stepper.position) == (2, 5)
    assert view.report.first_difference.quantity == "delta"
