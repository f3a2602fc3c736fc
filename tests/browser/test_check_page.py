"""Explorer(...).check(fn) renders in a browser as a notebook shows it (apps/check_app.py:
the example's deliberately wrong backprop, examples/ex4_student.py)."""
from conftest import bokeh_data, serve_script, wait_for_bokeh_model, artifact_path
from playwright.sync_api import expect


def test_the_notebook_check_renders_the_verdict_the_marked_graph_and_the_table(page):
    with serve_script("tests/browser/apps/check_app.py") as url:
        page.goto(url)
        wait_for_bokeh_model(page, "marked_units")
        expect(page.get_by_text("Diagnosis:")).to_be_visible()
        expect(page.get_by_text("a_instead_of_z")).to_be_visible()
        ringed = bokeh_data(page, "marked_units")
        assert len(ringed["x"]) == 5  # the 3-5-3 net's hidden units: each δ^(2) is off
        nodes = bokeh_data(page, "nodes")
        assert all(v == v for v, l in zip(nodes["delta"], nodes["layer"]) if l == 3)  # δ^(3) shown
        expect(page.locator("table").get_by_text("differs").first).to_be_visible()
        page.screenshot(path=artifact_path("check-page.png"), full_page=True)
