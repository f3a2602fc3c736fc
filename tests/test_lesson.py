"""Lessons (explorer/lesson.py, assets/lessons/*.yaml): the notes lesson opens every
chapter at the values its text quotes, the numbers are the engine's, a chapter looks
the same whichever came before, malformed files are refused saying where, and a
file's text can never become markup."""
from __future__ import annotations

import dataclasses
import html
import math
import re
from html.parser import HTMLParser

import numpy as np
import pytest
import yaml

from explorer import lesson
from explorer.lesson import Chapter, apply_chapter, chapter_html, load_lesson, markup
from explorer.state import ExplorerState

NOTES = lesson.builtin("notes")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def chapter_id(chapter):
    return chapter.title


# ---- reading what the page shows ----------------------------------------------------------
def shown_number(text: str) -> float:
    """A number as lesson.number writes it: −0.0757, 1.00, 4.54×10^−5."""
    text = text.replace("−", "-")
    mantissa, _, exponent = text.partition("×10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def plain(html_text: str) -> str:
    """The HTML as text, superscripts marked with ^ and subscripts with _."""
    text = html_text.replace("<sup>", "^").replace("<sub>", "_")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def rendered_values(chapter, state, names):
    """What the page writes for each placeholder, read back from chapter_html."""
    probe = dataclasses.replace(chapter, text=" ; ".join(f"{{{n}}}" for n in names), try_="x",
                                text_wb=None, try_wb=None)
    body = plain(chapter_html(probe, state)).split("Try this:")[0]
    return [part.strip() for part in body.split(";")]


def expected_value(name: str, state) -> float:
    """The placeholder's quantity, read from the stepper here, independently of lesson.py."""
    s = state.stepper
    ex = s.example if s.mode == "per_example" else state.example
    if m := re.fullmatch(r"(a|z|delta)\((\d+)\)_(\d+)", name):
        q, l, j = m[1], int(m[2]), int(m[3])
        return 1.0 if j == 0 else float({"a": s.a, "z": s.z, "delta": s.delta}[q][l][ex, j - 1])
    if m := re.fullmatch(r"(Theta|D|Delta)\((\d+)\)_(\d+),(\d+)", name):
        q, l, j, i = m[1], int(m[2]), int(m[3]), int(m[4])
        matrix = s.network.theta(l) if q == "Theta" else {"D": s.D, "Delta": s.Delta}[q][l]
        return float(matrix[j - 1, i])
    if m := re.fullmatch(r"y_(\d+)", name):
        return float(s.Y[ex, int(m[1]) - 1])
    return float({"J": s.J, "m": s.m, "lambda": s.network.lam, "alpha": s.learning_rate,
                  "example": ex + 1}[name])


def where_it_stops(chapter, steps_per_iteration):
    """(iteration, position) after the chapter's iterations, then its steps."""
    if chapter.steps == 0:
        return (max(chapter.iterations, 1), steps_per_iteration if chapter.iterations else 0)
    return (chapter.iterations + 1 + (chapter.steps - 1) // steps_per_iteration,
            (chapter.steps - 1) % steps_per_iteration + 1)


def close_to_3_digits(shown: float, value: float) -> bool:
    if value == 0:
        return shown == 0
    unit = 10.0 ** (math.floor(math.log10(abs(value))) - 2)  # the third significant digit
    return abs(shown - value) <= 0.5001 * unit


# ---- the notes lesson -------------------------------------------------------------------
def test_the_notes_lesson_has_the_chapters_of_the_notes_in_their_order():
    titles = [c.title for c in NOTES.chapters]
    assert len(NOTES.chapters) >= 12
    order = ["What one unit computes", "Layers, units and the shape of Θ", "AND by hand",
             "OR and NOT", "XNOR from AND, NOR and OR", "Forward propagation, vectorized",
             "The cost J(Θ)", "The output error δ^(L)", "The hidden errors δ^(2)",
             "Accumulating Δ, one example at a time", "D, and the regularisation term (λ/m)Θ",
             "Gradient checking", "Zero initialisation and symmetry",
             "Training with gradient descent", "The decision boundary"]
    assert titles == order
    by_title = dict(zip(titles, NOTES.chapters))
    assert by_title["Gradient checking"].show == "gradient check"
    assert by_title["Zero initialisation and symmetry"].settings["init"] == "zeros"
    assert by_title["Accumulating Δ, one example at a time"].settings["mode"] == "per_example"
    assert by_title["The decision boundary"].show in ("train", "input plane")
    assert lesson.builtin("notes") is NOTES  # read once


@pytest.mark.parametrize("chapter", NOTES.chapters, ids=chapter_id)
def test_every_chapter_shows_the_engines_numbers_where_its_text_quotes_them(chapter):
    state = ExplorerState()
    apply_chapter(state, chapter)
    s = state.stepper
    assert state.preset == chapter.preset
    assert (s.iteration, s.position) == where_it_stops(chapter, s.steps_per_iteration)
    texts = [chapter.text, chapter.try_, chapter.text_wb or "", chapter.try_wb or ""]
    names = sorted({n.strip() for n in PLACEHOLDER.findall(" ".join(texts))})
    assert names, "every chapter quotes some number"
    for name, shown in zip(names, rendered_values(chapter, state, names), strict=True):
        assert shown != "?", f"{name} is not computed at this step"
        assert close_to_3_digits(shown_number(shown), expected_value(name, state)), \
            (name, shown, expected_value(name, state))
    for notation in ("theta", "wb"):
        state.notation = notation
        text, try_ = chapter.texts(notation)
        page = chapter_html(chapter, state)
        assert "<b>Try this:</b>" in page
        assert plain(page).count("?") == (text + try_).count("?")


def test_a_value_not_computed_yet_is_a_question_mark():
    chapter = Chapter(title="t", preset="xnor", text="{a(2)_1} {a(1)_1} {J}", try_="x")
    state = ExplorerState()
    apply_chapter(state, chapter)
    assert plain(chapter_html(chapter, state)).startswith("? 0 ?")


@pytest.mark.parametrize("x, text", [(0.59327, "0.593"), (-30.0, "−30"), (0.5, "0.5"),
                                     (0.9999546, "1.00"), (4.54e-5, "4.54×10^−5"),
                                     (1234.5, "1.23×10^3"), (0.0, "0"), (-0.0, "0"),
                                     (float("nan"), "?"), (3, "3")])
def test_numbers_have_three_significant_digits(x, text):
    assert lesson.number(x) == text


def snapshot(state):
    s = state.stepper
    arrays = {f"{name}{l}": np.asarray(v) for name in ("a", "z", "delta", "Delta", "D")
              for l, v in getattr(s, name).items()}
    arrays.update({f"Theta{l}": s.network.theta(l) for l in range(1, s.L)})
    arrays["X"] = s.X
    settings = {name: getattr(state, name) for name in
                (*lesson.SETTINGS, "preset", "test_fraction")}
    return settings, (s.iteration, s.position, s.J, s.m), arrays


def assert_same(got, expected):
    settings, where, arrays = got
    assert settings == expected[0]
    assert where == pytest.approx(expected[1], nan_ok=True)
    assert arrays.keys() == expected[2].keys()
    for name in arrays:
        np.testing.assert_array_equal(arrays[name], expected[2][name], err_msg=name)


# The teaching switches a student sets stay as they are from chapter to chapter.
SWITCHES = ({"quiz": False, "notation": "theta"}, {"quiz": True, "notation": "wb"},
            {"quiz": True, "notation": "theta"}, {"quiz": False, "notation": "wb"})


@pytest.mark.parametrize("k", range(len(NOTES.chapters)))
def test_a_chapter_looks_the_same_whichever_chapter_came_before(k):
    """With the same teaching switches on both sides (the student's, which a chapter that
    does not list them leaves alone), a chapter opened fresh or after another is the same."""
    chapters = NOTES.chapters
    chapter, before = chapters[k], chapters[(k + 7) % len(chapters)]
    switches = SWITCHES[k % len(SWITCHES)]
    fresh = ExplorerState()
    fresh.param.update(**switches)
    apply_chapter(fresh, chapter)
    reused = ExplorerState()
    reused.param.update(**switches)
    apply_chapter(reused, before)
    reused.example = reused.m - 1 if reused.mode == "batch" else reused.example
    reused.show_bias = not reused.show_bias
    reused.step()
    apply_chapter(reused, chapter)
    assert_same(snapshot(reused), snapshot(fresh))
    assert {name: getattr(fresh, name) for name in switches} == switches


@pytest.mark.parametrize("k", range(len(NOTES.chapters)))
def test_opening_a_chapter_keeps_the_students_teaching_switches(k):
    """?lesson=notes&chapter=4&quiz=1&notation=wb: Predict first stays on and the text stays
    in W, b, through Next chapter too (README: Predict first on across chapters 6-11)."""
    state = ExplorerState()
    state.param.update(quiz=True, notation="wb", present=True)
    apply_chapter(state, NOTES.chapters[k])
    assert (state.quiz, state.notation, state.present) == (True, "wb", True)
    if k + 1 < len(NOTES.chapters):
        apply_chapter(state, NOTES.chapters[k + 1])
        assert (state.quiz, state.notation, state.present) == (True, "wb", True)


def test_a_chapter_that_lists_a_teaching_switch_sets_it():
    chapter = Chapter(title="t", preset="and", text="x", try_="y",
                      settings={"notation": "wb", "quiz": True})
    state = ExplorerState()
    apply_chapter(state, chapter)
    assert (state.quiz, state.notation) == (True, "wb")
    off = Chapter(title="t", preset="and", text="x", try_="y",
                  settings={"notation": "theta", "quiz": False})
    apply_chapter(state, off)
    assert (state.quiz, state.notation) == (False, "theta")


def test_a_link_to_a_chapter_keeps_quiz_and_notation():
    from explorer.links import apply_link, settings_from_query
    state = ExplorerState()
    settings, problems = settings_from_query({"lesson": "notes", "chapter": "4", "quiz": "1",
                                              "notation": "wb"})
    apply_link(state, settings, problems)
    apply_chapter(state, state.lesson.chapters[state.chapter - 1])
    assert (state.chapter, state.quiz, state.notation) == (4, True, "wb")


def test_restarting_a_chapter_puts_it_back_as_it_began():
    chapter = NOTES.chapters[6]
    state = ExplorerState()
    apply_chapter(state, chapter)
    first = snapshot(state)
    state.lam = 0.0
    state.finish_iteration()
    apply_chapter(state, chapter)
    assert_same(snapshot(state), first)
    assert state.lam == 3.0 and state.stepper.position == chapter.steps


def test_the_d_chapter_computes_delta_over_m_plus_lambda_over_m_theta():
    """D^(l) = (1/m) Δ^(l) + (λ/m) Θ^(l), bias column not regularised (not the notes' λΘ),
    checked against backpropagation written out here with numpy."""
    chapter, = [c for c in NOTES.chapters if "(λ/m)" in c.title]
    assert "is m = {m} times too large" in " ".join(chapter.text.split())
    state = ExplorerState()
    apply_chapter(state, chapter)
    s, net = state.stepper, state.network
    assert (net.hidden, net.output, net.loss, s.L) == ("sigmoid", "sigmoid", "cross_entropy", 3)
    m, lam = s.m, net.lam
    assert lam > 0 and m > 1

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def with_bias(a):
        return np.hstack([np.ones((len(a), 1)), a])

    T1, T2 = net.theta(1), net.theta(2)
    a1 = np.asarray(s.X)
    a2 = sigmoid(with_bias(a1) @ T1.T)
    a3 = sigmoid(with_bias(a2) @ T2.T)
    d3 = a3 - s.Y
    d2 = (d3 @ T2[:, 1:]) * a2 * (1 - a2)
    Delta1, Delta2 = d2.T @ with_bias(a1), d3.T @ with_bias(a2)
    for l, Delta, T in ((1, Delta1, T1), (2, Delta2, T2)):
        D = Delta / m + (lam / m) * np.hstack([np.zeros((len(T), 1)), T[:, 1:]])
        np.testing.assert_allclose(s.Delta[l], Delta, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(s.D[l], D, rtol=1e-12, atol=1e-15)
        notes = Delta / m + lam * np.hstack([np.zeros((len(T), 1)), T[:, 1:]])
        assert not np.allclose(s.D[l], notes)
    shown = rendered_values(chapter, state, ["D(2)_1,1", "D(2)_1,0"])
    assert close_to_3_digits(shown_number(shown[0]), Delta2[0, 1] / m + lam / m * T2[0, 1])
    assert close_to_3_digits(shown_number(shown[1]), Delta2[0, 0] / m)


def test_the_zero_init_chapter_has_equal_hidden_units():
    chapter, = [c for c in NOTES.chapters if c.settings.get("init") == "zeros"]
    state = ExplorerState()
    apply_chapter(state, chapter)
    T1 = state.network.theta(1)
    assert np.abs(T1).max() > 1e-4  # it did learn something
    np.testing.assert_array_equal(T1, np.broadcast_to(T1[0], T1.shape))


def test_the_example_lesson_loads_and_every_shipped_lesson_is_listed():
    example = lesson.builtin("example")
    assert len(example.chapters) == 3
    assert {"notes", "example"} <= set(lesson.builtin_names())
    state = ExplorerState()
    for chapter in example.chapters:
        apply_chapter(state, chapter)
        assert "?" not in plain(chapter_html(chapter, state))
    with pytest.raises(ValueError, match="no lesson \"../notes\"; choose one of .*example.*notes"):
        lesson.builtin("../notes")


def test_show_names_the_tabs_of_the_page():
    from explorer.app_layout import TABS
    titles = [title for title, _ in TABS]
    for name, tab in lesson.SHOW.items():
        assert tab is None or tab in titles, name
    assert {c.tab for c in NOTES.chapters} >= {"Matrices", "Equation", "Gradient check"}


# ---- malformed files --------------------------------------------------------------------
def a_lesson(**second):
    """A valid two-chapter lesson; ``second`` changes its second chapter (None removes)."""
    chapter = {"title": "Logic gates by hand", "preset": "xnor", "steps": 2, "show": "graph",
               "text": "a^(2)_1 = {a(2)_1}", "try": "Press Next step."}
    for key, value in second.items():
        if value is None:
            chapter.pop(key)
        else:
            chapter[key] = value
    return {"title": "Gates", "chapters": [
        {"title": "First", "preset": "and", "text": "x", "try": "y"}, chapter]}


def dumped(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_a_valid_lesson_loads():
    loaded = load_lesson(dumped(a_lesson()))
    assert loaded.title == "Gates" and len(loaded.chapters) == 2
    second = loaded.chapters[1]
    assert (second.preset, second.steps, second.show, second.try_) == \
        ("xnor", 2, "graph", "Press Next step.")
    assert dict(second.settings) == {} and second.tab is None


CHAPTER_2 = 'Chapter 2 ("Logic gates by hand")'


@pytest.mark.parametrize("change, field, says", [
    ({"preset": "andd"}, "preset", '"andd" is not a preset; choose one of and, or, not'),
    ({"colour": "red"}, "colour", "unknown field"),
    ({"text": None}, "text", "missing"),
    ({"text": "   "}, "text", "empty"),
    ({"text": 12}, "text", "expected text as a string"),
    ({"try": None}, "try", "missing"),
    ({"settings": {"hidden": "cubic"}}, "settings.hidden",
     '"cubic" is not a choice; choose one of sigmoid'),
    ({"settings": {"lam": "big"}}, "settings.lam", "numeric"),
    ({"settings": {"seed": True}}, "settings.seed", "True is not a seed"),
    ({"settings": {"present": True}}, "settings.present", "not a setting"),
    ({"settings": {"hidden_layers": "two"}}, "settings.hidden_layers", "whole numbers"),
    ({"settings": {"lam": -1}}, "settings", "λ"),
    ({"settings": {"example": 9}}, "settings", "example 9 is out of range"),
    ({"settings": [1, 2]}, "settings", "expected a mapping"),
    ({"text": "{b(2)_1}"}, "text", '"{b(2)_1}" is not a placeholder'),
    ({"text": "{a(4)_1}"}, "text", "a has layers 1 to 3"),
    ({"text": "{z(1)_1}"}, "text", "z has layers 2 to 3"),
    ({"text": "{a(2)_3}"}, "text", "layer 2 has units 0 to 2"),
    ({"text": "{Theta(2)_1,3}"}, "text", "Theta(2) has columns 0 to 2"),
    ({"try": "{D(1)_3,0}"}, "try", "D(1) has rows 1 to 2"),
    ({"text": "{y_2}"}, "text", "y has entries 1 to 1"),
    ({"text": "a { b"}, "text", "lone"),
    ({"steps": -1}, "steps", "whole number"),
    ({"steps": 2.5}, "steps", "whole number"),
    ({"iterations": 10 ** 9}, "iterations", "0 to 10000"),
    ({"show": "sidebar"}, "show", '"sidebar" is not a part of the page; choose one of graph'),
    ({"title": 5}, "title", "expected title as a string"),
])
def test_a_malformed_chapter_is_refused_naming_the_chapter_and_field(change, field, says):
    with pytest.raises(ValueError) as caught:
        load_lesson(dumped(a_lesson(**change)), "gates.yaml")
    message = str(caught.value)
    assert message.startswith("gates.yaml: Chapter 2 (")
    assert_one_sentence(message, "gates.yaml")
    if "title" not in change:
        assert CHAPTER_2 in message
    assert f'field "{field}"' in message
    assert says in message


def test_a_layer_that_the_settings_add_is_one_placeholders_may_use():
    load_lesson(dumped(a_lesson(settings={"hidden_layers": "3, 2"}, text="{a(3)_2} {z(4)_1}")))
    with pytest.raises(ValueError, match='field "text": .a.3._3.: layer 3 has units 0 to 2'):
        load_lesson(dumped(a_lesson(settings={"hidden_layers": "3, 2"}, text="{a(3)_3}")))


@pytest.mark.parametrize("text, says", [
    ("title: [unclosed\nchapters: []", "not YAML"),
    ("- title: a\n- title: b", "expected a mapping with title: and chapters:; got a list"),
    ("just words", "expected a mapping"),
    ("", "expected a mapping"),
    ("title: T\nchapters: []", "chapters: as a list of at least one chapter"),
    ("title: T", "chapters: as a list of at least one chapter"),
    ("title: T\nchapters: [1]", "Chapter 1 (no title): expected a mapping"),
    ("title: T\nauthor: me\nchapters: []", 'unknown field(s) "author"'),
    ("chapters: [{title: a, preset: and, text: x, try: y}]",
     "lesson file: expected title as a string; got nothing"),
    ("title: !!python/object/apply:os.system ['echo hacked']\nchapters: []", "not YAML"),
    ("title: T\nchapters: " + "[" * 5000 + "]" * 5000, "YAML"),
])
def test_a_malformed_file_is_refused(text, says):
    with pytest.raises(ValueError, match=re.escape(says)) as caught:
        load_lesson(text)
    assert_one_sentence(str(caught.value), "lesson file")
    with pytest.raises(ValueError) as caught:
        load_lesson(text, "mine.yaml")
    assert_one_sentence(str(caught.value), "mine.yaml")


def assert_one_sentence(message, source):
    """files.py shows load_lesson's message as it is: the file named once, a full stop."""
    assert message.startswith(f"{source}: "), message
    assert not message[len(source) + 2:].startswith(source), message
    assert message.count(f"{source}:") == 1, message
    assert message.endswith("."), message
    assert not message.endswith(".."), message


def test_too_many_chapters_or_bytes_are_refused():
    many = {"title": "T", "chapters": [{"title": f"c{k}", "preset": "and", "text": "x",
                                         "try": "y"} for k in range(51)]}
    with pytest.raises(ValueError, match="51 chapters; a lesson may have at most 50") as caught:
        load_lesson(dumped(many))
    assert_one_sentence(str(caught.value), "lesson file")
    huge = dumped(a_lesson(text="x " * 110_000))
    with pytest.raises(ValueError, match="too big; a lesson file may be at most 200 kB") as caught:
        load_lesson(huge, "big.yaml")
    assert_one_sentence(str(caught.value), "big.yaml")
    with pytest.raises(ValueError) as caught:
        load_lesson(b"title: T", "bytes.yaml")
    assert_one_sentence(str(caught.value), "bytes.yaml")


# ---- the file's text is never markup --------------------------------------------------------
class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags_of(page: str) -> list:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


def test_a_malicious_text_comes_out_as_literal_text():
    evil = ('<script>alert(1)</script> ![x](http://h/p.png) [a](javascript:x) '
            '<img src=x onerror=alert(1)> **bold** `code` $x$ &amp; a^(2)_1')
    chapter = Chapter(title="t", preset="and", text=evil, try_=evil)
    state = ExplorerState()
    apply_chapter(state, chapter)
    page = chapter_html(chapter, state)
    tags = tags_of(page)
    assert {tag for tag, _ in tags} <= {"p", "b", "sub", "sup"}
    assert all(attrs == [] for _, attrs in tags)
    assert [tag for tag, _ in tags].count("b") == 1  # "Try this:"
    for raw in ("<script", "<img", "](", "![", "**", "`", "$", "&amp;"):
        assert raw not in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for shown in ("<script>alert(1)</script>", "![x](http://h/p.png)", "[a](javascript:x)",
                  "<img src=x onerror=alert(1)>", "**bold**", "&amp;"):
        assert text.count(shown) == 2


def test_literal_braces_and_paragraphs():
    chapter = Chapter(title="t", preset="and", text="{{J}} is {J}\n\nsecond", try_="x}}")
    state = ExplorerState()
    apply_chapter(state, chapter)
    page = chapter_html(chapter, state)
    assert plain(page).startswith("{J} is ?second")
    assert page.count("<p>") == 3 and plain(page).endswith("x}")


# ---- notation ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, theta, wb", [
    ("Θ^(l)_j,i", "Θ<sub>j,i</sub><sup>(l)</sup>", "W<sub>j,i</sub><sup>[l]</sup>"),
    ("D^(l)_j,0", "D<sub>j,0</sub><sup>(l)</sup>", "db<sub>j</sub><sup>[l]</sup>"),
    ("a^(l)_i", "a<sub>i</sub><sup>(l)</sup>", "a<sub>i</sub><sup>[l−1]</sup>"),
    ("δ^(l+1)_j", "δ<sub>j</sub><sup>(l+1)</sup>", "δ<sub>j</sub><sup>[l]</sup>"),
    ("the bug no_g_prime", "the bug no_g_prime", "the bug no_g_prime"),
    ("notes_lambda (x_1)", "notes_lambda (x<sub>1</sub>)", "notes_lambda (x<sub>1</sub>)"),
    ("a^(2)_1", "a<sub>1</sub><sup>(2)</sup>", "a<sub>1</sub><sup>[1]</sup>"),
    ("Θ^(1)", "Θ<sup>(1)</sup>", "W<sup>[1]</sup>"),
    ("Θ^(2)_1,3", "Θ<sub>1,3</sub><sup>(2)</sup>", "W<sub>1,3</sub><sup>[2]</sup>"),
    ("Θ^(1)_2,0", "Θ<sub>2,0</sub><sup>(1)</sup>", "b<sub>2</sub><sup>[1]</sup>"),
    ("D^(1)_j,0", "D<sub>j,0</sub><sup>(1)</sup>", "db<sub>j</sub><sup>[1]</sup>"),
    ("δ^(3)", "δ<sup>(3)</sup>", "δ<sup>[2]</sup>"),
    ("(Θ^(2))^T", "(Θ<sup>(2)</sup>)<sup>T</sup>", "(W<sup>[2]</sup>)<sup>T</sup>"),
    ("s_(l+1) and h_Θ(x)", "s<sub>l+1</sub> and h<sub>Θ</sub>(x)",
     "s<sub>l+1</sub> and h<sub>Θ</sub>(x)"),
    ("10^−5", "10<sup>−5</sup>", "10<sup>−5</sup>"),
])
def test_notation_as_html(text, theta, wb):
    assert html.unescape(markup(text, "theta")) == theta
    assert html.unescape(markup(text, "wb")) == wb


def test_chapter_html_follows_the_states_notation():
    chapter = Chapter(title="t", preset="xnor", steps=1, text="a^(2)_1 = {a(2)_1} with Θ^(1)",
                      try_="δ^(3)", settings={"notation": "wb", "example": 3})
    state = ExplorerState()
    apply_chapter(state, chapter)
    assert state.notation == "wb"
    page = html.unescape(chapter_html(chapter, state))
    assert page.startswith("<p>a<sub>1</sub><sup>[1]</sup> = 1.00 with W<sup>[1]</sup></p>")
    assert page.endswith("δ<sup>[2]</sup></p>")
    state.notation = "theta"
    assert "a<sub>1</sub><sup>(2)</sup>" in html.unescape(chapter_html(chapter, state))


# ---- the work a lesson may ask for ----------------------------------------------------------
def one_chapter(**fields):
    chapter = {"title": "Digits", "preset": "digits", "text": "J = {J}", "try": "Train."}
    chapter.update(fields)
    return {"title": "Big", "chapters": [chapter]}


@pytest.fixture
def iterations_run(monkeypatch):
    """How many iterations and steps the engine took (a refusal must come before any)."""
    from engine.stepper import Stepper
    counts = {"iterations": 0, "steps": 0}
    run_iteration, step = Stepper.run_iteration, Stepper.step

    def counted_iteration(self, *args, **kwargs):
        counts["iterations"] += 1
        return run_iteration(self, *args, **kwargs)

    def counted_step(self, *args, **kwargs):
        counts["steps"] += 1
        return step(self, *args, **kwargs)
    monkeypatch.setattr(Stepper, "run_iteration", counted_iteration)
    monkeypatch.setattr(Stepper, "step", counted_step)
    return counts


@pytest.mark.parametrize("fields, field, says", [
    ({"iterations": 200}, "iterations",
     "200 iterations of this 64-25-10 network on 1,438 examples is more than a chapter may "
     "run when it opens (at most 12); use fewer, or let the class press Train."),
    ({"preset": "digits_softmax", "iterations": 10_000}, "iterations",
     "10,000 iterations of this 64-25-10 network on 1,438 examples is more than"),
    ({"preset": "xor", "iterations": 10_000}, "iterations",
     "10,000 iterations of this 2-2-1 network on 4 examples is more than a chapter may run "
     "when it opens (at most 1,248)"),
    ({"settings": {"mode": "per_example"}, "iterations": 2}, "iterations",
     "2 iterations of this 64-25-10 network on 1,438 examples in per-example mode is more "
     "than a chapter may run when it opens (at most 1)"),
    ({"iterations": 10, "steps": 100}, "steps",
     "100 steps of this 64-25-10 network on 1,438 examples after 10 iterations is more than "
     "a chapter may run when it opens (at most 19)"),
    ({"steps": 10_000}, "steps", "10,000 steps of this 64-25-10 network on 1,438 examples is "
                                 "more than a chapter may run when it opens (at most 108)"),
    ({"preset": "circle", "settings": {"hidden_layers": "200, 200"}, "iterations": 6},
     "iterations", "6 iterations of this 2-200-200-1 network on 160 examples is more than"),
])
def test_a_chapter_may_not_run_more_than_opens_in_well_under_a_second(fields, field, says,
                                                                      iterations_run):
    with pytest.raises(ValueError) as caught:
        load_lesson(dumped(one_chapter(**fields)), "big.yaml")
    message = str(caught.value)
    assert message.startswith(f'big.yaml: Chapter 1 ("Digits"), field "{field}": {says}')
    assert message.endswith("; use fewer, or let the class press Train.")
    assert iterations_run == {"iterations": 0, "steps": 0}  # refused before running any


def test_a_chapter_at_the_limit_loads():
    load_lesson(dumped(one_chapter(iterations=12)))
    load_lesson(dumped(one_chapter(preset="xor", iterations=1248)))
    load_lesson(dumped(one_chapter(iterations=10, steps=19)))


def test_a_whole_lesson_may_not_run_more_than_a_few_seconds(iterations_run):
    """Seven chapters each within the limit: the file, which opens them all, is not."""
    chapter = {"title": "Circle", "preset": "circle", "iterations": 1000, "text": "J = {J}",
               "try": "Train."}
    many = {"title": "T", "chapters": [dict(chapter, title=f"Circle {k}") for k in range(1, 8)]}
    with pytest.raises(ValueError) as caught:
        load_lesson(dumped(many), "long.yaml")
    message = str(caught.value)
    assert message.startswith('long.yaml: Chapter 7 ("Circle 7"), field "iterations": 1,000 '
                              'iterations of this 2-4-1 network on 160 examples is more than '
                              'is left of what a lesson file may run when it loads, after the '
                              'chapters before this one (at most ')
    assert message.endswith("; use fewer, or let the class press Train.")
    assert iterations_run["iterations"] == 6 * 1000
    load_lesson(dumped(dict(many, chapters=many["chapters"][:6])))


def test_the_shipped_lessons_are_within_the_limits():
    state = ExplorerState()
    total = 0.0
    for chapter in (*NOTES.chapters, *lesson.builtin("example").chapters):
        lesson._settle(state, chapter)
        iteration, step = lesson._cost(state)
        seconds = chapter.iterations * iteration + chapter.steps * step
        assert seconds <= lesson.CHAPTER_SECONDS, chapter.title
        total += seconds
    assert total <= lesson.LESSON_SECONDS
    last = NOTES.chapters[-1]
    assert (last.preset, last.iterations) == ("circle", 1000)



# ---- the notes in W, b ---------------------------------------------------------------------
ALL_CHAPTERS = [(name, k) for name in ("notes", "example")
                for k in range(len(lesson.builtin(name).chapters))]


def wb_page(name, k):
    chapter = lesson.builtin(name).chapters[k]
    state = ExplorerState()
    apply_chapter(state, chapter)
    state.notation = "wb"
    return chapter, state, html.unescape(chapter_html(chapter, state))


@pytest.mark.parametrize("name, k", ALL_CHAPTERS)
def test_every_shipped_chapter_reads_right_in_wb(name, k):
    """No Θ, no bias unit a_0, no (l) superscript; bias units only where W, b is said to
    have none; the shapes, layer numbers and L those of W, b for this chapter's network."""
    chapter, state, page = wb_page(name, k)
    sizes = state.network.sizes
    text = plain(page)
    assert "Θ" not in page
    assert "a₀" not in page and "a<sub>0</sub>" not in page
    assert "<sup>(" not in page and "^(" not in text
    for sentence in re.split(r"(?<=[.:;])\s", text):
        if "bias unit" in sentence:
            assert "no bias unit" in sentence, sentence
    weights = {(n, n_before) for n_before, n in zip(sizes, sizes[1:])}
    vectors = {(n, 1) for n in sizes}
    for rows, cols in re.findall(r"(?<![\d.])(\d+) × (\d+)(?![\d.])", text):
        assert (int(rows), int(cols)) in weights | vectors, (rows, cols, sizes)
    for layer in re.findall(r"\blayer (\d+)", text):
        assert int(layer) <= len(sizes) - 1, (layer, sizes)
    for L in re.findall(r"\bL = (\d+)", text):
        assert int(L) == len(sizes) - 1, (L, sizes)


def test_the_shape_chapter_gives_the_shapes_of_w():
    chapter, state, page = wb_page("notes", 1)
    assert "W^[1] is 5 × 3 and W^[2] is 3 × 5" in plain(page)
    assert [state.network.theta(l)[:, 1:].shape for l in (1, 2)] == [(5, 3), (3, 5)]


def test_the_wb_texts_leave_the_notes_as_they_were():
    """In the notes' notation a chapter reads its text and try whatever text_wb says;
    in W, b a chapter without text_wb reads its text converted."""
    state = ExplorerState()
    with_wb = 0
    for chapter in (*NOTES.chapters, *lesson.builtin("example").chapters):
        apply_chapter(state, chapter)
        bare = dataclasses.replace(chapter, text_wb=None, try_wb=None)
        assert chapter_html(chapter, state) == chapter_html(bare, state)
        state.notation = "wb"
        with_wb += chapter.text_wb is not None
        if chapter.text_wb is None and chapter.try_wb is None:
            assert chapter_html(chapter, state) == chapter_html(bare, state)
        state.notation = "theta"
    assert with_wb >= 14


def test_text_wb_is_shown_in_wb_and_its_placeholders_keep_the_notes_indices():
    chapter = Chapter(title="t", preset="xnor", steps=1, settings={"example": 3},
                      text="a^(2)_1 = {a(2)_1}", try_="Θ^(1)_1,0",
                      text_wb="In W, b: a^[1]_1 = {a(2)_1}", try_wb="b^[1]_1 = {Theta(1)_1,0}")
    state = ExplorerState()
    apply_chapter(state, chapter)
    assert plain(chapter_html(chapter, state)) == "a_1^(2) = 1.00Try this: Θ_1,0^(1)"
    state.notation = "wb"
    assert plain(chapter_html(chapter, state)) == \
        "In W, b: a_1^[1] = 1.00Try this: b_1^[1] = −30"
    only_try = dataclasses.replace(chapter, text_wb=None)
    assert plain(chapter_html(only_try, state)) == "a_1^[1] = 1.00Try this: b_1^[1] = −30"


def test_a_file_may_give_text_wb_and_try_wb():
    loaded = load_lesson(dumped(a_lesson(text_wb="a^[1]_1 = {a(2)_1}", try_wb="Press it.")))
    second = loaded.chapters[1]
    assert (second.text_wb, second.try_wb) == ("a^[1]_1 = {a(2)_1}", "Press it.")
    assert loaded.chapters[0].text_wb is None and loaded.chapters[0].try_wb is None


@pytest.mark.parametrize("change, field, says", [
    ({"text_wb": "{a(4)_1}"}, "text_wb", "a has layers 1 to 3"),
    ({"try_wb": "{b(2)_1}"}, "try_wb", '"{b(2)_1}" is not a placeholder'),
    ({"text_wb": "   "}, "text_wb", "text_wb is empty"),
    ({"try_wb": 3}, "try_wb", "expected try_wb as a string; got a number 3"),
    ({"text_wb": "a { b"}, "text_wb", "lone"),
    ({"text_wbb": "x"}, "text_wbb", "unknown field; the fields are title, preset, settings, "
                                    "iterations, steps, show, text, try, title_wb, text_wb, try_wb."),
])
def test_a_malformed_wb_text_is_refused(change, field, says):
    with pytest.raises(ValueError) as caught:
        load_lesson(dumped(a_lesson(**change)), "gates.yaml")
    message = str(caught.value)
    assert message.startswith(f'gates.yaml: {CHAPTER_2}, field "{field}": ')
    assert says in message
    assert_one_sentence(message, "gates.yaml")


def test_every_notes_title_reads_in_w_b():
    """A title in W, b (title_wb, or the title converted) names no Θ and no notes' layer."""
    for number, chapter in enumerate(lesson.builtin("notes").chapters, 1):
        shown = lesson.markup(chapter.heading("wb"), "wb")
        assert "Θ" not in shown and "<sup>(" not in shown, (number, shown)
        assert lesson.markup(chapter.heading("theta")) == lesson.markup(chapter.title)
