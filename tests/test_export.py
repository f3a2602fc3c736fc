"""The walkthrough file (explorer/export.py) as a file: its size, that it links to nothing,
what it records, and the input it refuses.  Stepping it in a browser:
tests/browser/test_walkthrough.py."""
from html.parser import HTMLParser

import pytest

from explorer.export import MAX_STEPS, walkthrough_html
from explorer.state import ExplorerState

LIMIT_BYTES = 3 * 10**6  # the limit for the digits preset and one iteration


class Links(HTMLParser):
    """Every attribute of the page that could make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.links.append((tag, name, value))


def links(page: str) -> list:
    parser = Links()
    parser.feed(page)
    return parser.links


@pytest.fixture(scope="module")
def digits_page():
    return walkthrough_html("digits")


def test_the_digits_walkthrough_of_one_iteration_is_under_3_mb(digits_page):
    size = len(digits_page.encode("utf-8"))
    print(f"digits, one iteration: {size / 1e6:.2f} MB")
    assert size < LIMIT_BYTES


@pytest.mark.parametrize("preset", ["xnor", "debug"])
def test_the_page_links_to_nothing(preset):
    """Bokeh, KaTeX, the page's modules and its styles are all inside the file."""
    page = walkthrough_html(preset)
    assert links(page) == []
    assert "static/extensions" not in page  # Panel's files, which Bokeh links when asked
    assert "BEGIN bokeh.min.js" in page   # BokehJS, inline
    assert "katex" in page and "renderToString" in page  # KaTeX's own code, inline
    assert "export function render" in page  # the app's page components


def test_the_digits_page_links_to_nothing(digits_page):
    assert links(digits_page) == []


def test_a_session_is_recorded_from_where_it_is_and_does_not_move():
    state = ExplorerState(preset="debug")
    for _ in range(4):
        state.step()
    state.notation = "wb"
    at = (state.stepper.iteration, state.stepper.position)
    page = walkthrough_html(state=state, iterations=2)
    assert (state.stepper.iteration, state.stepper.position) == at
    rest = state.stepper.steps_per_iteration - at[1]
    assert f"{rest + state.stepper.steps_per_iteration} steps from iteration 1, after step 4" in page
    # The tapes are written in the session's notation: \Delta W in the equations' TeX.
    assert "\\\\Delta W" in page and "\\\\Delta^{(" not in page


def test_a_long_per_example_iteration_is_cut_at_max_steps_and_says_so():
    state = ExplorerState(preset="digits")
    state.mode = "per_example"
    page = walkthrough_html(state=state)
    assert f"{MAX_STEPS} steps from iteration 1" in page
    assert f"files keep at most {MAX_STEPS}" in page
    assert len(page.encode("utf-8")) < 2 * LIMIT_BYTES


@pytest.mark.parametrize("preset, iterations, message", [
    ("nope", 1, "Unknown preset 'nope'"),
    ("xnor", 0, "iterations must be a whole number"),
    ("xnor", 1.5, "iterations must be a whole number"),
])
def test_bad_arguments_are_refused_with_a_message(preset, iterations, message):
    with pytest.raises(ValueError, match=message):
        walkthrough_html(preset, iterations=iterations)


def test_a_session_with_zero_weights_is_recorded_with_its_own_weights_not_rebuilt():
    """A session's settings are copied without rebuilding: zeros init, mid-iteration."""
    state = ExplorerState(preset="xor")
    state.init = "zeros"  # rebuilds the session with zero weights
    for _ in range(13):  # iteration 2, after step 4
        state.step()
    page = walkthrough_html(state=state)
    assert "5 steps from iteration 2, after step 4 of 9" in page
    assert "Rebuilt" not in page


def test_after_an_update_the_file_starts_the_next_iteration():
    state = ExplorerState(preset="xnor")
    state.finish_iteration()
    page = walkthrough_html(state=state, iterations=2)
    assert "18 steps from iteration 2." in page
