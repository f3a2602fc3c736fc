"""The W, b notation in the page: ``/app?preset=xnor&notation=wb`` against ``/app?preset=xnor``.

The same steps show the same a, z and δ in both notations (``nodes``, as the page has it
after each "Next step"); in W, b the status line and the equation name W^[l], b^[l] with
the input as layer 0, every unit carries its b, and no bias unit or bias edge is drawn
(the filters of the graph's renderers are false on those rows, which stay in the sources).
A screenshot of the page is saved as test-artifacts/notation-wb.png.
"""
import math

import numpy as np
from conftest import artifact_path, bokeh_data, wait_for_bokeh_model
from playwright.sync_api import expect

from engine import Stepper, presets

STEPS = 5  # forward to layers 2 and 3, the cost, δ^(3) and δ^(2) (xnor, batch)

# Every renderer of a source named "nodes" or "edges": its glyph, source and filter.
_FILTERS_JS = """() => {
  const out = []
  for (const m of Bokeh.documents[0].all_models) {
    const source = m.data_source, view = m.view
    if (source == null || view == null || view.filter == null || m.glyph == null) { continue }
    if (source.name !== "nodes" && source.name !== "edges") { continue }
    out.push({ source: source.name, glyph: m.glyph.type, visible: m.visible,
               booleans: view.filter.booleans == null ? null : Array.from(view.filter.booleans, Boolean) })
  }
  return out
}"""


def open_app(page, url):
    page.goto(url)
    wait_for_bokeh_model(page, "nodes")
    wait_for_bokeh_model(page, "edges")
    expect(page.locator(".status-line").first).to_contain_text("step 0/9", timeout=15000)


def step_through(page):
    """The nodes after each of STEPS clicks on "Next step", once the status line says so."""
    out = []
    for k in range(1, STEPS + 1):
        page.get_by_role("button", name="Next step", exact=True).click()
        expect(page.locator(".status-line").first).to_contain_text(f"step {k}/9", timeout=10000)
        out.append(bokeh_data(page, "nodes"))
    return out


def same(x, y):
    return (math.isnan(x) and math.isnan(y)) if isinstance(x, float) and math.isnan(x) else x == y


def test_wb_shows_the_theta_numbers_with_w_and_b_names(page, explorer_server):
    open_app(page, f"{explorer_server}?preset=xnor&notation=wb")
    expect(page.locator(".status-line").first).to_contain_text("ready")
    wb = step_through(page)
    status = page.locator(".status-line").first
    expect(status).to_contain_text("Backward")
    expect(status).to_contain_text("δ[1]")       # δ<sup>[1]</sup>
    expect(status).to_contain_text("layer 1 of 2")
    # The equation: KaTeX's MathML, with its TeX source alongside.
    tex = page.locator("annotation").first
    expect(tex).to_contain_text(r"\delta^{[1]} &= (W^{[2]})^\top \delta^{[2]}")
    expect(page.locator("math").first).to_contain_text("W")
    # The hidden units' b and the renderers' filters.
    p = presets.load("xnor")
    data = wb[-1]
    for k, (l, j) in enumerate(zip(data["layer"], data["unit"])):
        if l >= 2 and j > 0:
            assert data["b"][k] == p.network.theta(l - 1)[j - 1, 0]
            assert data["name"][k] == f"a{'₀₁₂'[j]}^[{l - 1}]" and data["shown_layer"][k] == l - 1
        else:
            assert math.isnan(data["b"][k])
    filters = page.evaluate(_FILTERS_JS)
    node_filters = [f for f in filters if f["source"] == "nodes" and f["booleans"]]
    edge_filters = [f for f in filters if f["source"] == "edges" and f["booleans"]]
    assert len(node_filters) >= 3 and edge_filters  # ring, node, bias square, b bars
    bias_rows = [k for k, u in enumerate(data["unit"]) if u == 0]
    assert bias_rows and data["layer"][bias_rows[0]] == 1  # kept in the source
    for f in node_filters:
        assert not any(f["booleans"][k] for k in bias_rows), f
    assert any(f["glyph"] == "Rect" and f["visible"] for f in node_filters)  # the b bars
    edges = bokeh_data(page, "edges")
    for f in edge_filters:
        assert all(shown == (i > 0) for shown, i in zip(f["booleans"], edges["source"]))
    page.screenshot(path=artifact_path("notation-wb.png"))

    # The same steps in the notes' notation show the same numbers.
    open_app(page, f"{explorer_server}?preset=xnor")
    theta = step_through(page)
    engine = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    for k, (ours, theirs) in enumerate(zip(wb, theta), start=1):
        engine.step()
        assert ours["layer"] == theirs["layer"] and ours["unit"] == theirs["unit"]
        for column in ("a", "z", "delta", "b"):
            assert all(same(x, y) for x, y in zip(ours[column], theirs[column])), (k, column)
        for l in (2, 3):
            rows = [r for r, (ll, u) in enumerate(zip(ours["layer"], ours["unit"])) if ll == l and u]
            np.testing.assert_array_equal([ours["a"][r] for r in rows], engine.a[l][0])
    filters = page.evaluate(_FILTERS_JS)
    assert any(f["booleans"] and any(f["booleans"]) and f["glyph"] == "Scatter"
               and all(f["booleans"][k] for k in bias_rows) for f in filters)  # bias squares back
    expect(page.locator(".status-line").first).to_contain_text("layer 2 of 3")


def test_switching_the_notation_in_the_page(page, explorer_server):
    """The sidebar's "W, b" mid-iteration: names, filters, the b bars (made then) and the
    texts follow; the numbers stay; and back to the notes' notation."""
    open_app(page, f"{explorer_server}?preset=xnor")
    before = step_through(page)[-1]
    page.get_by_text("W, b", exact=True).click()
    status = page.locator(".status-line").first
    expect(status).to_contain_text("δ[1]", timeout=10000)
    expect(status).to_contain_text("step 5/9")
    data = bokeh_data(page, "nodes")
    assert all(same(x, y) for c in ("a", "z", "delta") for x, y in zip(data[c], before[c]))
    assert data["name"][data["unit"].index(1)] == "a₁^[0]"
    filters = page.evaluate(_FILTERS_JS)
    bias_rows = [k for k, u in enumerate(data["unit"]) if u == 0]
    assert any(f["glyph"] == "Rect" and f["visible"] for f in filters)
    for f in filters:
        if f["source"] == "nodes" and f["booleans"]:
            assert not any(f["booleans"][k] for k in bias_rows)
    expect(page.locator("annotation").first).to_contain_text(r"(W^{[2]})^\top")
    page.get_by_role("button", name="Next step", exact=True).click()
    expect(status).to_contain_text("ΔW[2]", timeout=10000)
    page.get_by_text("Θ, bias unit (notes)", exact=True).click()
    expect(status).to_contain_text("Δ(2)", timeout=10000)
    filters = page.evaluate(_FILTERS_JS)
    assert not any(f["glyph"] == "Rect" and f["visible"] for f in filters)
    assert bokeh_data(page, "nodes")["name"][data["unit"].index(1)] == "a₁⁽¹⁾"
