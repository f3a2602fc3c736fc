"""Files in real Chromium: save, load, refuse bad files, and keep sessions apart."""
import io
import json
import time
import zipfile

import numpy as np
import pytest
from conftest import bokeh_data
from test_explorer import click, expect_status, open_app, wait_for

from explorer import files
from explorer.state import ExplorerState


def upload(page, name, data, mime="application/octet-stream"):
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])


def session_text(preset="xor", steps=2, name=None):
    state = ExplorerState(preset=preset)
    for _ in range(steps):
        state.step()
    return files.save_session(state, name or "")


def doc(**changes):
    d = json.loads(session_text())
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = d
        for p in parents:
            target = target[p]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps(d).encode()


def object_npz():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("Theta1.npy", buffer.getvalue())
        z.writestr("Theta2.npy", buffer.getvalue())
    return zipped.getvalue()


PAYLOAD = '<script>window.__xss__=1</script><img src=x onerror="window.__xss__=1">'

BAD = {
    "empty file": ("empty.json", b"", "empty"),
    "not UTF-8": ("latin.csv", "x1,x2,y\né,1,0\n".encode("latin-1"), "UTF-8"),
    "invalid JSON": ("broken.json", b'{"schema": ', "JSON"),
    "future version": ("future.json", doc(version=7), "version"),
    "missing field": ("missing.json", doc(network=None), "network"),
    "wrong shapes": ("shapes.json", doc(**{"data.X": [[0, 0, 0]] * 4}), "X"),
    "NaN weights": ("nan.json", doc(**{"network.thetas": [[[float("nan"), 0.0, 0.0]] * 2,
                                                          [[0.0] * 3]]}), "NaN"),
    "too many layers": ("deep.json", doc(**{"network.sizes": [2] * 13 + [1]}), "12"),
    "learning rate 0": ("alpha.json", doc(**{"training.learning_rate": 0}), "greater than 0"),
    "over the limit": ("huge.csv", b"0,0,0\n" * (1_000_000), "MB"),
    "object arrays": ("evil.npz", object_npz(), "unpickled"),
    "text in CSV": ("text.csv", b"x1,x2,y\n0,1,1\n1,abc,0\n", "abc"),
    "zero CSV rows": ("header.csv", b"x1,x2,y\n", "no data rows"),
    "CSV columns": ("columns.csv", b"0,1,1,5\n1,1,0,2\n", "columns"),
    "labels out of range": ("labels.csv", b"0.1,0.2,7\n0.3,0.1,1\n", "label"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_shows_an_error_and_keeps_everything(page, explorer_server, case):
    name, data, words = BAD[case]
    open_app(page, explorer_server, "blobs" if case == "labels out of range" else "xor")
    click(page, "Next step")
    nodes = wait_for(page, "nodes", lambda d: any(l == 2 and u > 0 and a == a for l, u, a in
                                                  zip(d["layer"], d["unit"], d["a"])))
    edges = bokeh_data(page, "edges")
    upload(page, name, data)
    message = page.get_by_text(f"{name}").first
    message.wait_for(timeout=15000)
    text = message.inner_text()
    assert words in text and "Nothing was changed" in text, text
    time.sleep(0.3)
    assert str(bokeh_data(page, "nodes")["a"]) == str(nodes["a"])
    assert bokeh_data(page, "edges")["theta"] == edges["theta"]
    expect_status(page, "step 1/")


def test_a_saved_session_loads_in_another_browser_session(browser, explorer_server):
    first = open_app(browser.new_page(), explorer_server, "debug")
    for _ in range(4):
        click(first, "Next step")
    saved = wait_for(first, "nodes", lambda d: any(x == x for x in d["delta"]))
    first.get_by_label("Name saved with the session").fill(PAYLOAD)
    first.get_by_label("Name saved with the session").press("Enter")
    time.sleep(0.5)
    with first.expect_download() as download:
        first.get_by_role("button", name="Save session (.json)").click()
    data = open(download.value.path(), "rb").read()
    assert json.loads(data)["position"]["step"] == 4

    second = open_app(browser.new_page(), explorer_server, "xor")
    upload(second, "saved.json", data, "application/json")
    loaded = wait_for(second, "nodes", lambda d: max(d["layer"]) == 3 and len(d["layer"]) == 13)
    assert str(loaded["delta"]) == str(saved["delta"]) and str(loaded["a"]) == str(saved["a"])
    expect_status(second, "step 4/")
    # The name is shown as text, not run: the page holds no script element from it.
    second.get_by_text(PAYLOAD, exact=False).first.wait_for(timeout=5000)
    time.sleep(0.5)
    assert second.evaluate("() => window.__xss__") is None
    # The first session did not see the second's file.
    assert str(bokeh_data(first, "nodes")["delta"]) == str(saved["delta"])
    expect_status(first, "step 4/")


def test_two_sessions_load_different_files_and_step_apart(browser, explorer_server):
    a = open_app(browser.new_page(), explorer_server, "xor")
    b = open_app(browser.new_page(), explorer_server, "xor")
    upload(a, "a.csv", b"0,0,0\n0,1,1\n1,0,1\n", "text/csv")
    upload(b, "b.csv", b"x1,x2,y\n0.5,0.5,1\n0.25,0.75,0\n", "text/csv")
    wait_for(a, "nodes", lambda d: True)
    a.get_by_text("Loaded 3 examples from a.csv").first.wait_for(timeout=10000)
    b.get_by_text("Loaded 2 examples from b.csv").first.wait_for(timeout=10000)
    click(a, "Finish iteration")
    click(b, "Next step")
    a_edges = wait_for(a, "edges", lambda d: all(g == g for g in d["grad"]))
    b_nodes = wait_for(b, "nodes", lambda d: any(l == 2 and u > 0 and x == x for l, u, x in
                                                 zip(d["layer"], d["unit"], d["a"])))
    assert all(g != g for g in bokeh_data(b, "edges")["grad"])  # b has not formed D
    assert [x for l, u, x in zip(b_nodes["layer"], b_nodes["unit"], b_nodes["a"])
            if l == 1 and u > 0] == [0.5, 0.5]  # b's first example, not a's (0, 0)
    expect_status(a, "iteration 1 · step 9/9")
    expect_status(b, "step 1/9")
    assert len(a_edges["grad"]) == 9
