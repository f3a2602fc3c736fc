"""Learning views in real Chromium: training runs, gradient checking, digits, the input plane."""
import math
import time

import numpy as np
from conftest import artifact_path, bokeh_data, wait_for_bokeh_model
from test_explorer import click, engine_after, expect_status, open_app, wait_for

from engine import presets


def open_tab(page, name):
    page.locator(".bk-tab", has_text=name).first.click()


def screenshot(page, name, locator=None):
    """Kept in test-artifacts/ to look at; the tests assert what the page holds."""
    if locator is not None:
        locator.scroll_into_view_if_needed()
    time.sleep(0.5)
    page.screenshot(path=str(artifact_path(name)))


def test_training_runs_and_pauses_and_stepping_resumes_from_there(page, explorer_server):
    open_app(page, explorer_server, "xor")
    open_tab(page, "Train")
    click(page, "Train")
    costs = wait_for(page, "costs", lambda d: len(d["J"]) > 50, timeout=30)
    click(page, "Pause training")
    page.get_by_text("Training paused after").first.wait_for(timeout=10000)
    time.sleep(0.5)
    costs = bokeh_data(page, "costs")
    done = costs["iteration"][-1]
    expect_status(page, f"iteration {done + 1} · step 0/")  # the next iteration, ready to step
    assert done >= 50
    assert costs["J"][-1] < costs["J"][0]  # the curve went down
    time.sleep(1.0)
    assert len(bokeh_data(page, "costs")["J"]) == len(costs["J"])  # paused means paused
    screenshot(page, "train-view.png", page.get_by_text("Training paused after").first)
    click(page, "Next step")  # stepping resumes from the trained weights
    nodes = wait_for(page, "nodes", lambda d: not all(
        math.isnan(a) for l, u, a in zip(d["layer"], d["unit"], d["a"]) if l == 2 and u > 0))
    expect_status(page, f"iteration {done + 1} · step 1/")
    edges = bokeh_data(page, "edges")
    p = presets.load("xor")
    trained = p.network.with_thetas([np.zeros((2, 3)), np.zeros((1, 3))])
    for l, j, i, t in zip(edges["layer"], edges["target"], edges["source"], edges["theta"]):
        trained = trained.with_weight(l, j, i, t)
    a2 = [a for l, u, a in zip(nodes["layer"], nodes["unit"], nodes["a"]) if l == 2 and u > 0]
    np.testing.assert_allclose(a2, trained.forward(p.X)[1][2][0], rtol=1e-9)


def test_gradient_check_passes_and_catches_an_injected_bug(page, explorer_server):
    open_app(page, explorer_server, "debug")
    open_tab(page, "Gradient check")
    click(page, "Run gradient check")
    page.get_by_text("PASS", exact=True).wait_for(timeout=20000)
    assert bokeh_data(page, "failing")["x0"] == []
    page.get_by_label("Inject a backprop bug").select_option(index=1)  # no_g_prime
    click(page, "Run gradient check")
    page.get_by_text("FAIL", exact=True).wait_for(timeout=20000)
    failing = wait_for(page, "failing", lambda d: len(d["x0"]) > 0)
    assert len(failing["x0"]) == 20  # every Θ^(1) parameter: g' is missing from δ^(2)
    screenshot(page, "gradient-check-view.png", page.get_by_text("FAIL", exact=True))


def test_digits_show_the_input_image_and_a_prediction(page, explorer_server):
    open_app(page, explorer_server, "digits")
    image = bokeh_data(page, "input_image")
    assert np.array(image["image"][0]).shape == (8, 8)
    p = presets.load("digits")
    np.testing.assert_allclose(np.flipud(np.array(image["image"][0])).ravel(), p.X[0], atol=1e-12)
    page.get_by_text("Prediction for example 1").first.wait_for()
    nodes = bokeh_data(page, "nodes")
    assert sum(1 for l, u in zip(nodes["layer"], nodes["unit"]) if l == 3) == 10
    open_tab(page, "Input plane")
    wait_for_bokeh_model(page, "weight_images")  # tabs are drawn when first opened
    weights = wait_for(page, "weight_images", lambda d: len(d["image"]) == 25)
    np.testing.assert_allclose(np.flipud(np.array(weights["image"][0])).ravel(),
                               p.network.thetas[0][0, 1:] / np.abs(p.network.thetas[0][0, 1:]).max(),
                               atol=1e-12)
    page.get_by_text("Prediction for example 1").first.scroll_into_view_if_needed()
    screenshot(page, "digits-view.png")


def test_the_decision_boundary_renders_for_a_2d_preset(page, explorer_server):
    open_app(page, explorer_server, "circle")
    open_tab(page, "Input plane")
    wait_for_bokeh_model(page, "plane_boundary")
    boundary = bokeh_data(page, "plane_boundary")
    assert len(boundary["image"]) == 1 and len(boundary["image"][0]) > 10
    contour = bokeh_data(page, "plane_contour")
    assert len(contour["xs"]) >= 1  # the h = 0.5 line
    assert len(bokeh_data(page, "plane_train")["x1"]) == 160  # 80% of the 200 points
    screenshot(page, "input-plane-view.png", page.get_by_text("Decision boundary").first)


def test_matrices_view_shows_theta_delta_and_d_of_the_layer_stepped(page, explorer_server):
    open_app(page, explorer_server, "xnor")
    for n in range(1, 7):  # forward 2, 3, cost, δ^(3), δ^(2), Δ^(2)
        click(page, "Next step")
        expect_status(page, f"step {n}/9")
    open_tab(page, "Matrices")
    wait_for_bokeh_model(page, "matrix_Delta")
    engine = engine_after("xnor", 6)
    assert engine.kind == "accumulate" and engine.layer == 2
    delta = wait_for(page, "matrix_Delta", lambda d: not any(math.isnan(v) for v in d["value"]))
    np.testing.assert_allclose(delta["value"], engine.Delta[2].ravel(), rtol=1e-12, atol=1e-15)
    theta = bokeh_data(page, "matrix_Theta")
    np.testing.assert_array_equal(theta["value"], engine.network.theta(2).ravel())
    assert (theta["j"], theta["i"]) == ([1, 1, 1], [0, 1, 2])
    assert all(math.isnan(v) for v in bokeh_data(page, "matrix_D")["value"])  # D not formed yet
    screenshot(page, "matrices-view.png", page.locator(".bk-tab", has_text="Matrices").first)
