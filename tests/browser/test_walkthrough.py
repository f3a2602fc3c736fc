"""The walkthrough file (explorer/export.py), opened from disk in Chromium with no network.

Stepping it must show what the app shows for the same preset: both pages' ``nodes`` and
``edges`` are read after every step, forward across an iteration and back, and compared
number for number (the app itself is checked against the engine in test_player.py).
"""
import time

import numpy as np
import pytest
from conftest import artifact_path, bokeh_data
from playwright.sync_api import expect
from test_explorer import click
from test_player import open_app

from explorer.export import walkthrough_html
from engine.steps import schedule_length

NUMBERS = {"nodes": ("z", "a", "delta", "b"), "edges": ("theta", "grad")}


def write(tmp_path, preset="xnor", **kwargs):
    path = tmp_path / f"{preset}.html"
    path.write_text(walkthrough_html(preset, **kwargs), encoding="utf-8")
    return path


@pytest.fixture
def offline(page):
    """A page of its own browser context, where every network request is refused."""
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
    context.set_offline(True)
    yield context.new_page()
    context.close()


def open_offline(page, path):
    """Open the file in an ``offline`` page; the requests it made (file:// ones included)
    and its errors are collected."""
    seen, errors = [], []
    page.on("request", lambda request: seen.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=20000)
    return seen, errors


def numbers(page) -> dict:
    out = {}
    for name, columns in NUMBERS.items():
        data = bokeh_data(page, name)
        for column in columns:
            out[f"{name}.{column}"] = np.array([np.nan if v is None else v for v in data[column]],
                                               float)
    return out


def differences(a: dict, b: dict) -> list:
    return [key for key in a if not np.array_equal(a[key], b[key], equal_nan=True)]


def expect_same(app, file, timeout=10.0):
    """The two pages show the same numbers (the app's next tape may be on its way)."""
    deadline = time.monotonic() + timeout
    while wrong := differences(numbers(app), numbers(file)):
        if time.monotonic() > deadline:
            raise AssertionError(f"the walkthrough and the app differ in {wrong}")
        time.sleep(0.05)


@pytest.mark.parametrize("preset", ["xnor", "digits"])
def test_the_file_opens_from_disk_with_every_network_request_blocked(offline, tmp_path, preset):
    page = offline
    path = write(tmp_path, preset)
    seen, errors = open_offline(page, path)
    assert seen == [path.as_uri()], "the page asked for more than itself"
    assert errors == []
    expect(page.locator("#status")).to_contain_text("iteration 1 · step 0/")
    click(page, "Next step")
    expect(page.locator("#status")).to_contain_text("Forward")
    expect(page.locator("#latex math")).to_have_count(1)  # KaTeX, inline, drew the equation
    expect(page.locator("#bars .colour-bar")).not_to_have_count(0)
    page.screenshot(path=artifact_path(f"walkthrough-{preset}.png"))
    assert seen == [path.as_uri()] and errors == []


@pytest.mark.parametrize("preset, mode", [("xnor", "batch"), ("debug", "batch"), ("xnor", "per_example")])
def test_stepping_forward_and_back_shows_what_the_app_shows(page, offline, explorer_server, tmp_path,
                                                            preset, mode):
    app = open_app(page, explorer_server, preset, mode)
    state_file = tmp_path / f"{preset}.html"
    from explorer.state import ExplorerState
    state = ExplorerState(preset=preset)
    state.mode = mode
    state_file.write_text(walkthrough_html(state=state, iterations=2), encoding="utf-8")
    file = offline
    open_offline(file, state_file)
    assert set(bokeh_data(app, "nodes")) == set(bokeh_data(file, "nodes"))
    assert set(bokeh_data(app, "edges")) == set(bokeh_data(file, "edges"))
    expect_same(app, file)
    m = len(state.stepper.X)
    n = schedule_length(state.network.L, m, mode) + 3  # across the update into iteration 2
    for _ in range(n):
        click(app, "Next step")
        click(file, "Next step")
        expect_same(app, file)
    expect(file.locator("#status")).to_contain_text("iteration 2 · step 3/")
    for _ in range(n):
        click(app, "Previous step")
        click(file, "Previous step")
        expect_same(app, file)
    expect(file.get_by_role("button", name="Previous step")).to_be_disabled()


def test_arrow_keys_reset_and_the_end_of_the_walkthrough(offline, tmp_path):
    page = offline
    path = write(tmp_path, "xnor")
    open_offline(page, path)
    start = numbers(page)
    steps = schedule_length(3, 4, "batch")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#status")).to_contain_text(f"step {steps}/{steps}")
    after = numbers(page)
    assert differences(start, after)  # the update changed Θ
    page.keyboard.press("ArrowRight")  # nothing recorded after the last step
    expect(page.locator("#notice")).to_contain_text("end of the walkthrough")
    assert not differences(after, numbers(page))
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#status")).to_contain_text(f"step {steps - 1}/{steps}")
    click(page, "Reset")
    expect(page.locator("#status")).to_contain_text(f"step 0/{steps}")
    assert not differences(start, numbers(page))
    expect(page.locator("#notice")).to_be_hidden()
    click(page, "Play")  # steps on its own, 2 a second, until Pause
    page.wait_for_function("() => /step [2-9]\\//.test(document.getElementById('status').textContent)")
    click(page, "Pause")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    paused = page.locator("#status").inner_text()
    page.wait_for_timeout(1200)  # more than two ticks of Play
    assert page.locator("#status").inner_text() == paused


def step_of(page) -> tuple[int, int]:
    """(iteration, step) the status line shows."""
    text = page.locator("#status").inner_text()
    iteration = int(text.split("iteration ")[1].split(" ")[0])
    step = int(text.split("step ")[1].split("/")[0])
    return iteration, step


def test_previous_goes_back_across_every_iteration_and_finish_stays_in_its_iteration(offline,
                                                                                     tmp_path):
    """Three per-example iterations of xnor (27 steps each): Finish, then Next to the end,
    then Previous all the way back to the start, across both boundaries."""
    from explorer.state import ExplorerState
    state = ExplorerState(preset="xnor")
    state.mode = "per_example"
    path = tmp_path / "xnor.html"
    path.write_text(walkthrough_html(state=state, iterations=3), encoding="utf-8")
    page = offline
    open_offline(page, path)
    start = numbers(page)
    click(page, "Next step")
    click(page, "Finish iteration")
    expect(page.locator("#status")).to_contain_text("iteration 1 · step 27/27")
    click(page, "Finish iteration")
    expect(page.locator("#status")).to_contain_text("iteration 2 · step 27/27")
    for _ in range(27):
        click(page, "Next step")
    expect(page.locator("#status")).to_contain_text("iteration 3 · step 27/27")
    click(page, "Finish iteration")
    expect(page.locator("#notice")).to_contain_text("end of the walkthrough: it holds 81 steps")
    for _ in range(81):
        click(page, "Previous step")
    expect(page.locator("#status")).to_contain_text("iteration 1 · step 0/27")
    assert not differences(start, numbers(page))
    expect(page.get_by_role("button", name="Previous step")).to_be_disabled()


def test_the_apps_download_is_a_walkthrough_from_where_the_session_is(page, offline, explorer_server,
                                                                      tmp_path):
    app = open_app(page, explorer_server, "debug")
    for _ in range(4):
        click(app, "Next step")
    app.get_by_text("Files").first.scroll_into_view_if_needed()
    with app.expect_download() as download:
        app.get_by_role("button", name="Download walkthrough (HTML)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "backprop-explorer-walkthrough.html"
    open_offline(offline, path)
    expect(offline.locator("#status")).to_contain_text("iteration 1 · step 4/9")
    expect_same(app, offline)
    click(app, "Next step")
    click(offline, "Next step")
    expect_same(app, offline)
