"""The dashboard in real Chromium against a real `panel serve explorer/app.py`."""
import math
import time

import numpy as np
import pytest
from conftest import artifact_path, bokeh_data, wait_for_bokeh_model
from playwright.sync_api import expect

from engine import Stepper, presets


def open_app(page, url, preset="xnor"):
    page.goto(f"{url}?preset={preset}")
    wait_for_bokeh_model(page, "nodes")
    wait_for_bokeh_model(page, "edges")
    return page


def wait_for(page, name, predicate, timeout=15.0):
    """Poll the named source until predicate(data) holds; return the data."""
    deadline = time.monotonic() + timeout
    data = bokeh_data(page, name)
    while not predicate(data):
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} never satisfied the condition; last data: {data}")
        time.sleep(0.1)
        data = bokeh_data(page, name)
    return data


def click(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def values(data, column, layer):
    """A column's values for the units (not the bias) of one layer, in unit order."""
    rows = sorted((u, v) for l, u, v in zip(data["layer"], data["unit"], data[column])
                  if l == layer and u > 0)
    return [v for _, v in rows]


def isnan_all(xs):
    return all(x is None or math.isnan(x) for x in xs)


def engine_after(preset, steps, mode="batch"):
    p = presets.load(preset)
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate, mode=mode)
    for _ in range(steps):
        s.step()
    return s


def test_xnor_forward_pass_shows_the_engines_numbers(page, explorer_server):
    open_app(page, explorer_server)
    data = bokeh_data(page, "nodes")
    assert isnan_all(values(data, "z", 2)) and isnan_all(values(data, "a", 3))
    click(page, "Next step")
    data = wait_for(page, "nodes", lambda d: not isnan_all(values(d, "a", 2)))
    assert isnan_all(values(data, "a", 3))  # layer 3 not computed yet
    click(page, "Next step")
    data = wait_for(page, "nodes", lambda d: not isnan_all(values(d, "a", 3)))
    engine = engine_after("xnor", 2)
    for l in (2, 3):
        np.testing.assert_allclose(values(data, "a", l), engine.a[l][0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(values(data, "z", l), engine.z[l][0], rtol=1e-12)
    np.testing.assert_allclose(values(data, "a", 1), engine.X[0])
    assert isnan_all(values(data, "delta", 3))
    # The bias units are there, marked unit 0, with a = 1.
    bias = [a for l, u, a in zip(data["layer"], data["unit"], data["a"]) if u == 0]
    assert bias == [1, 1]
    expect(page.get_by_text("Forward, layer 3: z").first).to_be_visible(timeout=10000)

    # Another example: the fourth row of the truth table, x = (1, 1).
    page.locator("select").filter(has_text="4: x = (1, 1)").select_option(label="4: x = (1, 1), y = 1")
    data = wait_for(page, "nodes", lambda d: values(d, "a", 1) == [1, 1])
    np.testing.assert_allclose(values(data, "a", 3), engine.a[3][3], rtol=1e-12)


def test_previous_step_restores_the_values(page, explorer_server):
    open_app(page, explorer_server)
    for _ in range(4):  # forward 2, forward 3, cost, δ^(3)
        click(page, "Next step")
    data = wait_for(page, "nodes", lambda d: not isnan_all(values(d, "delta", 3)))
    engine = engine_after("xnor", 4)
    np.testing.assert_allclose(values(data, "delta", 3), engine.delta[3][0], rtol=1e-12)
    click(page, "Previous step")
    data = wait_for(page, "nodes", lambda d: isnan_all(values(d, "delta", 3)))
    np.testing.assert_allclose(values(data, "a", 3), engine.a[3][0], rtol=1e-12)


def test_finish_iteration_updates_the_weights_on_the_edges(page, explorer_server):
    open_app(page, explorer_server, "debug")
    before = bokeh_data(page, "edges")
    assert isnan_all(before["grad"])
    click(page, "Finish iteration")
    data = wait_for(page, "edges", lambda d: not isnan_all(d["grad"]))
    engine = engine_after("debug", 0)
    engine.run_iteration()
    for l, j, i, theta, grad in zip(data["layer"], data["target"], data["source"],
                                    data["theta"], data["grad"]):
        assert theta == pytest.approx(engine.network.theta(l)[j - 1, i], abs=1e-12)
        assert grad == pytest.approx(engine.D[l][j - 1, i], abs=1e-12)
    assert len(data["theta"]) == 5 * 4 + 3 * 6


def test_changing_the_architecture_rebuilds_the_graph(page, explorer_server):
    open_app(page, explorer_server, "xor")
    field = page.get_by_label("Hidden layers (units in each, e.g. 4, 3)")
    field.fill("3, 2")
    field.press("Enter")
    data = wait_for(page, "nodes", lambda d: max(d["layer"]) == 4)
    units = {l: sum(1 for x, u in zip(data["layer"], data["unit"]) if x == l and u > 0)
             for l in (1, 2, 3, 4)}
    assert units == {1: 2, 2: 3, 3: 2, 4: 1}
    edges = bokeh_data(page, "edges")
    assert len(edges["theta"]) == 3 * 3 + 2 * 4 + 1 * 3
    expect(page.get_by_text("Rebuilt the network (2-3-2-1)").first).to_be_visible(timeout=10000)


def test_an_invalid_setting_shows_an_error_and_keeps_the_network(page, explorer_server):
    open_app(page, explorer_server)
    before = bokeh_data(page, "edges")
    page.get_by_label("Output activation").select_option("tanh")
    error = page.get_by_text("does not work with tanh outputs").first
    error.wait_for(timeout=10000)
    assert error.is_visible()
    time.sleep(0.5)
    assert bokeh_data(page, "edges")["theta"] == before["theta"]
    expect(page.get_by_label("Output activation")).to_have_value("sigmoid", timeout=20000)


def test_two_sessions_step_independently(browser, explorer_server):
    first = open_app(browser.new_page(), explorer_server)
    second = open_app(browser.new_page(), explorer_server)
    for _ in range(3):
        click(first, "Next step")
    wait_for(first, "nodes", lambda d: not isnan_all(values(d, "a", 3)))
    time.sleep(0.5)
    assert isnan_all(values(bokeh_data(second, "nodes"), "a", 2))
    click(second, "Finish iteration")
    wait_for(second, "edges", lambda d: not isnan_all(d["grad"]))
    time.sleep(0.5)
    assert isnan_all(bokeh_data(first, "edges")["grad"])
    expect_status(first, "iteration 1 · step 3/9")


def test_keyboard_steps_forward_and_back(page, explorer_server):
    open_app(page, explorer_server)
    page.locator("body").click(position={"x": 640, "y": 20})
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for(page, "nodes", lambda d: not isnan_all(values(d, "a", 3)))
    page.keyboard.press("ArrowLeft")
    wait_for(page, "nodes", lambda d: isnan_all(values(d, "a", 3)) and not isnan_all(values(d, "a", 2)))
    page.keyboard.press("r")
    wait_for(page, "nodes", lambda d: isnan_all(values(d, "a", 2)))


def test_the_main_view_fits_1280_by_800_mid_backprop(page, explorer_server):
    """The buttons, the status line and the graph are on screen at 1280 × 800 without
    scrolling, and so is the first row of the filled-in equation (a long result row
    can fall below); the screenshot is kept to look at."""
    open_app(page, explorer_server, "xnor")
    for _ in range(5):
        click(page, "Next step")
    wait_for(page, "nodes", lambda d: not isnan_all(values(d, "delta", 2)))
    expect_status(page, "δ(2)")
    equation = page.locator(".live-html math").first  # KaTeX's MathML output
    expect(equation).to_contain_text("δ(2)")
    parts = {"Next step": page.get_by_role("button", name="Next step", exact=True),
             "status line": page.locator(".status-line").first,
             "graph": page.locator("canvas").first}
    for what, locator in parts.items():
        box = locator.bounding_box()
        assert box is not None, f"{what} is not drawn"
        assert box["x"] >= 0 and box["y"] >= 0, what
        assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 800, (what, box)
    top = equation.bounding_box()["y"]
    assert top + 120 <= 800, "the equation's first row (about 120 px here) is below the fold"
    assert page.evaluate("() => window.scrollY") == 0
    time.sleep(0.5)
    page.screenshot(path=str(artifact_path("main-view.png")))


def test_editing_a_weight_marks_downstream_values_stale(page, explorer_server):
    open_app(page, explorer_server)
    for _ in range(4):
        click(page, "Next step")
    wait_for(page, "nodes", lambda d: not isnan_all(values(d, "delta", 3)))
    page.locator(".bk-tab", has_text="Edit weights").first.click()
    page.get_by_label("Weight matrix").select_option(label="Θ^(2)")
    page.get_by_label("j (to unit)").fill("1")
    page.get_by_label("i (from unit, 0 = bias)").fill("0")
    page.get_by_label("i (from unit, 0 = bias)").press("Enter")
    # Choosing j and i fills in the weight's current value, Θ_10^(2) = −10 in XNOR.
    deadline = time.monotonic() + 10
    while page.get_by_label("New value").input_value() not in ("-10", "-10.0"):
        assert time.monotonic() < deadline, page.get_by_label("New value").input_value()
        time.sleep(0.1)
    page.get_by_label("New value").fill("-5")
    page.get_by_label("New value").press("Enter")
    click(page, "Set weight")
    edges = wait_for(page, "edges", lambda d: -5 in d["theta"])
    theta = {(l, j, i): t for l, j, i, t in zip(edges["layer"], edges["target"], edges["source"],
                                                edges["theta"])}
    assert theta[(2, 1, 0)] == -5 and theta[(2, 1, 1)] == 20
    data = wait_for(page, "nodes", lambda d: isnan_all(values(d, "a", 3)))
    assert not isnan_all(values(data, "a", 2))  # upstream of Θ^(2): kept
    assert isnan_all(values(data, "delta", 3))
    expect(page.get_by_text("stale").first).to_be_visible(timeout=10000)
    click(page, "Next step")  # recomputes layer 3 with the new weight
    p = presets.load("xnor")
    edited = p.network.with_weight(2, 1, 0, -5.0)
    data = wait_for(page, "nodes", lambda d: not isnan_all(values(d, "a", 3)))
    np.testing.assert_allclose(values(data, "a", 3), edited.predict(p.X)[0], rtol=1e-12)


def status(page):
    return page.locator(".status-line").first.inner_text()


def expect_status(page, text, timeout=20000):
    """Wait until the status line contains ``text`` (updates can take a moment on a busy machine)."""
    expect(page.locator(".status-line").first).to_contain_text(text, timeout=timeout)


def test_play_steps_on_its_own_and_pause_stops_it(page, explorer_server):
    open_app(page, explorer_server)
    expect_status(page, "step 0/9")
    click(page, "Play")
    wait_for(page, "nodes", lambda d: not isnan_all(values(d, "delta", 2)), timeout=20)
    click(page, "Pause")
    time.sleep(1.0)
    paused = status(page)
    time.sleep(1.5)  # at the default 2 steps/s, three more steps would have been taken
    assert status(page) == paused
    assert page.get_by_role("button", name="Play", exact=True).is_visible()


def test_space_plays_and_pauses(page, explorer_server):
    open_app(page, explorer_server)
    page.locator("body").click(position={"x": 640, "y": 20})
    page.keyboard.press(" ")
    wait_for(page, "nodes", lambda d: not isnan_all(values(d, "a", 3)), timeout=20)
    page.keyboard.press(" ")
    time.sleep(1.0)
    paused = status(page)
    time.sleep(1.5)
    assert status(page) == paused


def test_the_console_script_serves_the_app_with_a_preset(page):
    import shutil
    import sys
    from pathlib import Path

    from conftest import artifact_path

    from harness.browser import free_port, served

    script = shutil.which("backprop-explorer") or str(Path(sys.executable).with_name("backprop-explorer"))
    port = free_port()
    url = f"http://localhost:{port}/app"
    with served([script, "--port", str(port), "--preset", "debug"], url,
                artifact_path("server-console-script.log")):
        page.goto(url)
        wait_for_bokeh_model(page, "nodes")
        data = bokeh_data(page, "nodes")
        assert max(data["layer"]) == 3 and sum(1 for l, u in zip(data["layer"], data["unit"])
                                               if l == 2 and u > 0) == 5  # the 3-5-3 debug net


def test_the_menu_button_hides_and_shows_the_sidebar(page, explorer_server):
    """The header's ☰ hides the sidebar in the page, and the graph takes the room."""
    open_app(page, explorer_server, "xnor")
    preset = page.get_by_text("Hidden layers (units in each", exact=False)
    expect(preset).to_be_visible()
    graph = page.locator("canvas").first
    narrow = graph.bounding_box()["width"]
    page.get_by_role("button", name="☰").click()
    expect(preset).to_be_hidden()
    deadline = time.monotonic() + 10
    while graph.bounding_box()["width"] < narrow + 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert graph.bounding_box()["width"] >= narrow + 200
    page.get_by_role("button", name="☰").click()
    expect(preset).to_be_visible()
