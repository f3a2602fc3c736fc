"""Teaching with it, in Chromium: presenter mode, predict first (the quiz) and the lesson,
each opened through its URL parameter against a real server."""
import html
import math
import re
import time

import numpy as np
import pytest
from playwright.sync_api import expect
from conftest import artifact_path, bokeh_data, wait_for_bokeh_model
from test_explorer import click, values
from test_player import expect_shows, stepper

from engine import assets
from explorer import lesson, quiz
from explorer.state import ExplorerState

# Every preset up to the 3-5-3 debug net.
SMALL = ["and", "or", "not", "nor", "xnor", "xor", "worked_example", "debug"]


def open_app(page, url, query):
    page.goto(f"{url}?{query}")
    wait_for_bokeh_model(page, "nodes")
    page.wait_for_selector(".player[data-tape]")


def box(locator):
    b = locator.bounding_box()
    assert b is not None, "not on the page"
    return b


def checkbox(page, label):
    """Bokeh's Checkbox: its label is a div beside the input, so find the input by it."""
    return page.locator("div.bk-Checkbox").filter(has_text=label).locator("input")


def font_px(locator):
    return float(locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))


# The equation's text against its box ('' when it fits), once it is drawn.
FITS = """(box) => {
  const host = box.getRootNode().host
  const [w, h, needW, needH] = [host.clientWidth, host.clientHeight, box.scrollWidth, box.scrollHeight]
  return needW <= w + 1 && needH <= h + 1 ? "" : `${needW}x${needH} in ${w}x${h}`
}"""
PAINTED = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))"


def asked_status(page):
    return page.locator(".status-line").inner_text()


LABEL_FONT = """() => {
  for (const m of Bokeh.documents[0].all_models) {
    if (m.type === "LabelSet") { return parseFloat(m.text_font_size.value ?? m.text_font_size) }
  }
}"""


# ---- presenter mode ----------------------------------------------------------------------
@pytest.mark.parametrize("preset", SMALL)
def test_presenter_mode_fits_1024x768_without_scrolling(browser, explorer_server, preset):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    try:
        open_app(page, explorer_server, f"preset={preset}&present=1")
        # A forward step into the widest layer: the tallest equation of the iteration.
        click(page, "Next step")
        page.wait_for_timeout(300)
        parts = {
            "Next step": page.get_by_role("button", name="Next step", exact=True),
            "Reset": page.get_by_role("button", name="Reset", exact=True),
            "status": page.locator(".status-line"),
            "graph": page.locator("canvas").first,
            "equation": page.locator(".live-html:has(math)").first,
        }
        for name, locator in parts.items():
            b = box(locator)
            assert b["y"] >= 0 and b["y"] + b["height"] <= 768, f"{name} is not all on screen: {b}"
            assert b["x"] >= 0 and b["x"] + b["width"] <= 1024, f"{name} runs off the side: {b}"
        # The sidebar is collapsed: its settings are not on screen.
        expect(page.get_by_text("Hidden activation g")).to_be_hidden()
        if preset == "debug":
            page.screenshot(path=artifact_path("teaching/presenter-1024x768-debug.png"))
        # Every step's equation is drawn whole in its box (smaller if need be), not cut.
        for _ in range(12):
            overflow = page.locator(".live-html:has(math)").last.evaluate(FITS)
            assert not overflow, f"{asked_status(page)}: the equation overflows its box: {overflow}"
            click(page, "Next step")
            page.evaluate(PAINTED)
    finally:
        page.close()


def test_presenter_text_is_half_as_large_again_and_the_switch_follows_the_link(browser,
                                                                               explorer_server):
    sizes = {}
    for query, name in (("preset=xnor", "desk"), ("preset=xnor&present=1", "presenter")):
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        try:
            open_app(page, explorer_server, query)
            click(page, "Next step")
            page.wait_for_timeout(300)
            sizes[name] = {
                "status": font_px(page.locator(".status-line")),
                "legend": font_px(page.locator(".live-html", has_text="width ∝ |Θ|").first),
                "equation": font_px(page.locator(".live-html:has(math)").first),
                "labels": page.evaluate(LABEL_FONT),
                "nodes": max(bokeh_data(page, "nodes")["size"]),
            }
            page.screenshot(path=artifact_path(f"teaching/{name}-1024x768-xnor.png"))
        finally:
            page.close()
    for part in ("status", "legend", "equation", "labels"):
        assert sizes["presenter"][part] >= 1.5 * sizes["desk"][part], (part, sizes)
    assert sizes["presenter"]["nodes"] > sizes["desk"]["nodes"], sizes


def test_the_presenter_switch_collapses_the_sidebar_and_goes_in_the_link(page, explorer_server):
    open_app(page, explorer_server, "preset=xnor")
    expect(page.get_by_text("Hidden activation g")).to_be_visible()
    checkbox(page, "Presenter mode").click()
    expect(page.get_by_text("Hidden activation g")).to_be_hidden()
    page.wait_for_function("() => location.search.includes('present=1')")
    # ☰ still opens the sidebar, and the switch turns presenter mode off.
    page.get_by_role("button", name="☰").click()
    checkbox(page, "Presenter mode").click()
    page.wait_for_function("() => !location.search.includes('present=1')")
    expect(page.get_by_text("Hidden activation g")).to_be_visible()


# ---- predict first ----------------------------------------------------------------------
def asked(page):
    """The question the quiz box asks now ('' when none)."""
    quiz = page.locator(".quiz.asking")
    return quiz.locator(".quiz-question").inner_text() if quiz.count() else ""


def answer_first(page, q):
    """Answer question ``q`` (quiz.question's) with its first choice, or its own number."""
    if q["kind"] == "number":
        page.locator(".quiz-answers input").fill(f"{q['answer']:.3f}")
        return q["answer"]
    page.locator(".quiz-answers button.choice").first.click()
    return 0


@pytest.mark.parametrize("preset", ["xnor", "debug"])
def test_predict_first_hides_the_step_until_reveal_and_keeps_the_score(page, explorer_server,
                                                                       preset):
    open_app(page, explorer_server, f"preset={preset}&quiz=1")
    engine = stepper(preset, 0)
    right = asked_count = this = seen = 0
    iteration = 1
    # A whole iteration and the next one's first steps: every kind of question, each
    # answered with its first choice (or its own number) and marked as quiz.check marks it.
    for n in range(1, engine.steps_per_iteration + 3):
        before = engine.fork()
        engine.step()
        q = quiz.question(engine, 0)
        click(page, "Next step")
        if q is None:  # no question for this step: shown at once
            expect_shows(page, engine)
            continue
        expect(page.locator(".quiz.asking")).to_be_visible()
        # Until Reveal the page shows the point before the step.
        expect_shows(page, before)
        assert asked(page) == re.sub(r"<[^>]+>", "", q["text"])
        given = answer_first(page, q)
        click(page, "Reveal")
        expect(page.locator(".quiz.asking")).to_have_count(0)
        expect_shows(page, engine)
        ok = quiz.check(q, given)
        right, asked_count = right + ok, asked_count + 1
        if engine.iteration != iteration:  # this iteration's count starts again
            iteration, this, seen = engine.iteration, 0, 0
        this, seen = this + ok, seen + 1
        expect(page.locator(".quiz-result")).to_contain_text("Right" if ok else "Not this time")
        expect(page.locator(".quiz-score")).to_have_text(
            f"Score: {this}/{seen} this iteration · {right}/{asked_count} in all")
    assert asked_count >= 5


def test_until_reveal_the_new_layer_is_nan_and_previous_still_works(page, explorer_server):
    open_app(page, explorer_server, "preset=xnor&quiz=1")
    click(page, "Next step")
    expect(page.locator(".quiz.asking")).to_be_visible()
    assert all(math.isnan(v) for v in column_of(page, "a", 2))
    q = quiz.question(stepper("xnor", 1), 0)
    answer_first(page, q)
    click(page, "Reveal")
    engine = stepper("xnor", 1)
    expect_shows(page, engine)
    # Previous still works, and a step answered once is shown at once.
    click(page, "Previous step")
    expect_shows(page, stepper("xnor", 0))
    click(page, "Next step")
    expect_shows(page, engine)
    assert asked(page) == ""
    # Previous while a question waits drops the question and stays where it was.
    click(page, "Next step")
    expect(page.locator(".quiz.asking")).to_be_visible()
    click(page, "Previous step")
    expect(page.locator(".quiz.asking")).to_have_count(0)
    expect_shows(page, engine)
    page.screenshot(path=artifact_path("teaching/quiz-1280x800-xnor.png"))


def column_of(page, name, layer):
    return [math.nan if v is None else v for v in values(bokeh_data(page, "nodes"), name, layer)]


# ---- the lesson -------------------------------------------------------------------------
NOTES = lesson.builtin("notes")


def opened(chapter):
    """An ExplorerState with the chapter opened in this process: what the page should show."""
    state = ExplorerState()
    lesson.apply_chapter(state, chapter)
    return state


def shown_text(markup):
    """What a browser shows of lesson.markup's HTML: its text, with δ^(2) as δ(2)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def expect_chapter(page, number):
    chapter = NOTES.chapters[number - 1]
    heading = page.locator(".bk-panel-models-markup-HTML", has_text=f"chapter {number} of "
                                                                  f"{len(NOTES.chapters)}")
    expect(heading.first).to_contain_text(shown_text(lesson.markup(chapter.title)))
    page.wait_for_function(f"() => location.search.includes('chapter={number}')")
    state = opened(chapter)
    example = state.stepper.example if state.mode == "per_example" else state.example
    expect_shows(page, state.stepper, example)


@pytest.mark.parametrize("number", range(1, len(NOTES.chapters) + 1))
def test_every_chapter_of_the_notes_lesson_opens_from_its_link(page, explorer_server, number):
    open_app(page, explorer_server, f"lesson=notes&chapter={number}")
    expect_chapter(page, number)
    expect(page.get_by_text("Try this:")).to_be_visible()


def test_next_previous_and_restart_chapter(page, explorer_server):
    open_app(page, explorer_server, "lesson=notes&chapter=5")
    expect_chapter(page, 5)
    click(page, "Next chapter")
    expect_chapter(page, 6)
    click(page, "Previous chapter")
    expect_chapter(page, 5)
    # Stepping inside a chapter is the student's; Restart chapter puts it back.
    click(page, "Next step")
    click(page, "Next step")
    expect_shows(page, stepper("xnor", NOTES.chapters[4].steps + 2))
    click(page, "Restart chapter")
    expect_chapter(page, 5)
    # End lesson leaves the network as it is, and the link has no lesson.
    click(page, "End lesson")
    page.wait_for_function("() => !location.search.includes('lesson=')")
    expect(page.get_by_role("button", name="Next chapter")).to_have_count(0)
    expect_shows(page, stepper("xnor", NOTES.chapters[4].steps))


MALFORMED = b"""title: Mine
chapters:
  - title: First
    preset: xnor
    text: One.
    try: Step.
  - title: Second
    preset: andd
    text: Two.
    try: Step.
"""


def test_a_malformed_lesson_file_is_refused_naming_the_chapter_and_field(page, explorer_server):
    open_app(page, explorer_server, "lesson=notes&chapter=3")
    expect_chapter(page, 3)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "mine.yaml", "mimeType": "application/x-yaml", "buffer": MALFORMED}])
    message = page.get_by_text("mine.yaml").first
    message.wait_for(timeout=15000)
    text = message.inner_text()
    assert 'Chapter 2 ("Second")' in text and '"preset"' in text and "andd" in text, text
    assert "Nothing was changed" in text and text.count("mine.yaml") == 1, text
    expect_chapter(page, 3)  # the lesson and its chapter stay


def test_a_lesson_file_starts_at_its_first_chapter(page, explorer_server):
    open_app(page, explorer_server, "preset=xor")
    text = (assets.path("lessons") / "example.yaml").read_bytes()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "example.yaml", "mimeType": "application/x-yaml", "buffer": text}])
    mine = lesson.load_lesson(text.decode("utf-8"))
    heading = page.locator(".bk-panel-models-markup-HTML", has_text="chapter 1 of")
    expect(heading.first).to_contain_text(shown_text(lesson.markup(mine.chapters[0].title)))
    state = opened(mine.chapters[0])
    expect_shows(page, state.stepper, state.example)
