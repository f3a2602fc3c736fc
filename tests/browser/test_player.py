"""The player (explorer/player.py) steps in the page on step tapes, and the server follows.

What the page shows is compared with the engine's Stepper stepped the same number of
times in this process (the Stepper itself is checked against PyTorch and finite
differences elsewhere).  The server's position is read back from a saved session file.
"""
import json
import time

import numpy as np
import pytest
from playwright.sync_api import expect
from conftest import bokeh_data, wait_for_bokeh_model
from test_explorer import click, values

from engine import Stepper, presets
from engine.steps import schedule_length


def open_app(page, url, preset="xnor", mode="batch"):
    page.goto(f"{url}?preset={preset}&mode={mode}&test=0")  # all the data for training
    wait_for_bokeh_model(page, "nodes")
    wait_for_bokeh_model(page, "edges")
    page.wait_for_selector(".player[data-tape]")
    return page


def stepper(preset, steps, mode="batch", learning_rate=None):
    p = presets.load(preset)
    s = Stepper(p.network, p.X, p.Y, learning_rate=learning_rate or p.learning_rate, mode=mode)
    for _ in range(steps):
        s.step()
    return s


def column(data, name, layer):
    return np.array([np.nan if v is None else v for v in values(data, name, layer)], float)


def differences(page, engine, example):
    """What the page's graph shows that differs from the stepper's point (empty: none)."""
    nodes, edges = bokeh_data(page, "nodes"), bokeh_data(page, "edges")
    out = []
    for l in range(1, engine.network.L + 1):
        for name, quantity in (("a", engine.a), ("delta", engine.delta)):
            if l not in quantity:
                continue
            shown, expected = column(nodes, name, l), quantity[l][example]
            if not np.allclose(shown, expected, rtol=1e-12, atol=1e-15, equal_nan=True):
                out.append(f"{name}^({l}): page {shown}, engine {expected}")
    for l, j, i, theta in zip(edges["layer"], edges["target"], edges["source"], edges["theta"]):
        if theta != pytest.approx(engine.network.theta(l)[j - 1, i], rel=1e-12, abs=1e-15):
            out.append(f"Θ^({l})_{j}{i}: page {theta}, engine {engine.network.theta(l)[j - 1, i]}")
    return out


def expect_shows(page, engine, example=0, timeout=10.0):
    deadline = time.monotonic() + timeout
    while wrong := differences(page, engine, example):
        if time.monotonic() > deadline:
            raise AssertionError("the page does not show the stepper's point:\n" + "\n".join(wrong))
        time.sleep(0.05)


def saved_session(page):
    with page.expect_download() as download:
        page.get_by_role("button", name="Save session (.json)").click()
    with open(download.value.path(), encoding="utf-8") as f:
        return json.load(f)


def tape_id(page):
    return int(page.locator(".player").get_attribute("data-tape"))


@pytest.mark.parametrize("mode", ["batch", "per_example"])
def test_stepping_forward_and_back_across_an_iteration_boundary(page, explorer_server, mode):
    open_app(page, explorer_server, "xnor", mode)
    n = schedule_length(3, 4, mode)
    for _ in range(n + 2):  # past the update, into the next iteration's forward pass
        click(page, "Next step")
    engine = stepper("xnor", n + 2, mode)
    assert engine.iteration == 2
    expect_shows(page, engine)
    expect(page.get_by_text("iteration 2 · step 2/").first).to_be_visible(timeout=10000)
    for _ in range(3):  # back across the update, into the iteration before
        click(page, "Previous step")
    expect_shows(page, stepper("xnor", n - 1, mode), example=3 if mode == "per_example" else 0)
    expect(page.get_by_text(f"iteration 1 · step {n - 1}/{n}").first).to_be_visible(timeout=10000)
    # and forward again, over the boundary a second time
    for _ in range(4):
        click(page, "Next step")
    expect_shows(page, stepper("xnor", n + 3, mode))
    # and on past the end of that iteration, onto the tape sent ahead before the step back
    for _ in range(n):
        click(page, "Next step")
    expect_shows(page, stepper("xnor", 2 * n + 3, mode))


def test_finish_iteration_steps_in_the_page_twice_over(page, explorer_server):
    open_app(page, explorer_server, "xnor")
    click(page, "Next step")
    click(page, "Finish iteration")
    expect_shows(page, stepper("xnor", schedule_length(3, 4, "batch")))
    click(page, "Finish iteration")  # the next iteration's tape, sent ahead
    expect_shows(page, stepper("xnor", 2 * schedule_length(3, 4, "batch")))


def test_a_long_per_example_iteration_comes_in_pieces(page, explorer_server):
    """The circle's per-example iteration is 1203 steps; the page gets 60 at a time."""
    open_app(page, explorer_server, "circle", "per_example")
    for _ in range(130):
        page.keyboard.press("ArrowRight")
    engine = stepper("circle", 130, "per_example")
    expect_shows(page, engine, example=engine.example)
    for _ in range(70):
        page.keyboard.press("ArrowLeft")
    engine = stepper("circle", 60, "per_example")
    expect_shows(page, engine, example=engine.example)


def test_the_server_follows_the_page_and_saves_where_it_got_to(page, explorer_server):
    open_app(page, explorer_server, "xnor")
    n = schedule_length(3, 4, "batch")
    for _ in range(n + 4):
        click(page, "Next step")
    for _ in range(2):
        click(page, "Previous step")
    expect_shows(page, stepper("xnor", n + 2))
    saved = saved_session(page)
    assert saved["position"] == {"iteration": 2, "step": 2}
    engine = stepper("xnor", n + 2)
    for l, theta in enumerate(saved["network"]["thetas"], start=1):
        np.testing.assert_array_equal(np.array(theta), engine.network.theta(l))
    # The matrices tab draws on the server, from the position it followed to.
    page.locator(".bk-tab", has_text="Matrices").first.click()
    expect_caption = page.get_by_text("iteration 2").first
    expect_caption.wait_for()


def test_a_session_saved_mid_iteration_loads_at_that_step(browser, explorer_server):
    first = open_app(browser.new_page(), explorer_server, "xor")
    for _ in range(5):
        click(first, "Next step")
    expect_shows(first, stepper("xor", 5))
    with first.expect_download() as download:
        first.get_by_role("button", name="Save session (.json)").click()
    data = open(download.value.path(), "rb").read()
    assert json.loads(data)["position"] == {"iteration": 1, "step": 5}
    second = open_app(browser.new_page(), explorer_server, "and")
    second.locator("input[type=file]").set_input_files(
        files=[{"name": "saved.json", "mimeType": "application/json", "buffer": data}])
    expect_shows(second, stepper("xor", 5))
    click(second, "Next step")  # and the loaded session steps on in the page
    expect_shows(second, stepper("xor", 6))


def test_a_setting_changed_mid_iteration_sends_a_new_tape(page, explorer_server):
    open_app(page, explorer_server, "xnor")
    for _ in range(3):
        click(page, "Next step")
    expect_shows(page, stepper("xnor", 3))
    before = tape_id(page)
    field = page.get_by_label("Learning rate α")
    field.fill("0.25")
    field.press("Enter")
    deadline = time.monotonic() + 10
    while tape_id(page) == before:
        assert time.monotonic() < deadline, "no new tape after α changed"
        time.sleep(0.05)
    click(page, "Finish iteration")  # the update uses the new α
    expect_shows(page, stepper("xnor", schedule_length(3, 4, "batch"), learning_rate=0.25))

    # A new architecture: the page starts again from the new network's first step.
    field = page.get_by_label("Hidden layers (units in each, e.g. 4, 3)")
    field.fill("3")
    field.press("Enter")
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('nodes')"
                           ".data.layer.filter((l) => l === 2).length === 4")
    click(page, "Next step")
    deadline = time.monotonic() + 10
    while np.isnan(column(nodes := bokeh_data(page, "nodes"), "a", 2)).any():
        assert time.monotonic() < deadline, "Next step did not step the new network"
        time.sleep(0.05)
    # a^(2) = g(Θ^(1) [1; x]) for the first example, from the weights the page shows
    edges = bokeh_data(page, "edges")
    theta = np.zeros((3, 3))
    for l, j, i, t in zip(edges["layer"], edges["target"], edges["source"], edges["theta"]):
        if l == 1:
            theta[j - 1, i] = t
    x = np.array([1.0, *column(nodes, "a", 1)])
    np.testing.assert_allclose(column(nodes, "a", 2), 1 / (1 + np.exp(-theta @ x)), rtol=1e-12)


def bar_labels(page, scale):
    """The colour bar's labels, bottom to top, as numbers."""
    labels = page.locator(f".colour-bar[data-scale={scale}] .colour-bar-strip span")
    return [float(t) for t in labels.all_text_contents()]


def test_the_colour_bars_follow_the_scale_of_each_step_in_the_page(page, explorer_server):
    """The δ bar runs from −max |δ| to max |δ| of the example shown, as the tape steps."""
    open_app(page, explorer_server, "xnor")
    checked = 0
    for steps in range(1, 7):
        click(page, "Next step")
        engine = stepper("xnor", steps)
        deltas = np.concatenate([engine.delta[l][0] for l in engine.delta] or [[np.nan]])
        if np.isnan(deltas).all():
            continue
        expect_shows(page, engine)
        dmax = np.nanmax(np.abs(deltas))
        expected = np.linspace(-dmax, dmax, 5)  # five even points, two significant digits
        deadline = time.monotonic() + 10
        while not np.allclose(labels := bar_labels(page, "delta_scale"), expected,
                              rtol=0.05, atol=0.05 * dmax):
            assert time.monotonic() < deadline, (steps, labels, expected)
            time.sleep(0.05)
        checked += 1
    assert checked >= 2  # δ^(3), then δ^(2) with it
    assert not page.locator(".colour-bar[data-scale=edge_scale]").is_visible()
    page.get_by_role("button", name="Edges: gradient D").click()
    page.locator(".colour-bar[data-scale=edge_scale]").wait_for()
