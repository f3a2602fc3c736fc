"""Links in real Chromium: the URL rebuilds the network and follows every change."""
import time
from urllib.parse import parse_qs, urlparse

import numpy as np
from conftest import bokeh_data, wait_for_bokeh_model
from test_explorer import wait_for

from explorer.links import apply_link, settings_from_query
from explorer.state import ExplorerState


def href(page):
    # page.url lags behind history.replaceState; ask the page itself.
    return page.evaluate("() => window.location.href")


def query(page):
    return {k: v[-1] for k, v in parse_qs(urlparse(href(page)).query).items()}


def thetas_from_edges(edges, sizes):
    thetas = [np.full((sizes[l], sizes[l - 1] + 1), np.nan) for l in range(1, len(sizes))]
    for l, j, i, t in zip(edges["layer"], edges["target"], edges["source"], edges["theta"]):
        thetas[l - 1][j - 1, i] = t
    return thetas


def test_a_link_opens_the_same_network_in_a_fresh_browser(browser, explorer_server):
    page = browser.new_page()
    page.goto(f"{explorer_server}?preset=circle&hidden=5,3&g=relu&seed=7&alpha=0.25&lambda=0.3")
    wait_for_bokeh_model(page, "edges")
    edges = wait_for(page, "edges", lambda d: max(d["layer"]) == 3)
    settings, problems = settings_from_query(query(page))
    assert problems == []
    expected = ExplorerState(preset=settings.pop("preset"))
    apply_link(expected, settings)
    assert expected.network.sizes == [2, 5, 3, 1] and expected.network.hidden == "relu"
    for got, want in zip(thetas_from_edges(edges, expected.network.sizes), expected.network.thetas):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    # The URL also gains the settings the link left out, so it describes everything.
    deadline = time.monotonic() + 10
    while "mode" not in query(page):
        assert time.monotonic() < deadline, href(page)
        time.sleep(0.1)
    q = query(page)
    assert q["seed"] == "7" and q["alpha"] == "0.25" and q["mode"] == "batch"

    other = browser.new_page()  # a fresh browser tab opening the full link
    other.goto(href(page))
    wait_for_bokeh_model(other, "edges")
    assert bokeh_data(other, "edges")["theta"] == edges["theta"]


def test_the_url_follows_a_change_of_setting(page, explorer_server):
    page.goto(f"{explorer_server}?preset=xor")
    wait_for_bokeh_model(page, "nodes")
    field = page.get_by_label("Seed")
    field.fill("11")
    field.press("Enter")
    deadline = time.monotonic() + 10
    while query(page).get("seed") != "11":
        assert time.monotonic() < deadline, href(page)
        time.sleep(0.1)
    assert query(page)["weights"] == "random"


def test_a_malformed_link_falls_back_to_defaults_and_says_so(page, explorer_server):
    page.goto(f"{explorer_server}?preset=xor&alpha=abc&hidden=0")
    wait_for_bokeh_model(page, "nodes")
    message = page.get_by_text("could not be used").first
    message.wait_for(timeout=10000)
    assert "alpha='abc'" in message.inner_text() and "hidden='0'" in message.inner_text()
    nodes = bokeh_data(page, "nodes")
    assert max(nodes["layer"]) == 3  # the preset's 2-2-1 net
    assert query(page)["alpha"] == "2"  # the preset's α, now in the URL
