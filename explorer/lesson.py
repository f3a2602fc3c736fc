"""Guided lessons: chapters of the course notes as data, each opening the explorer at
the step where the values its text talks about are on the page.  No Panel here.

A lesson is a YAML file (read with ``yaml.safe_load`` only: nothing in it runs)::

    title: Backpropagation, step by step
    chapters:
      - title: What one unit computes      # required
        preset: worked_example             # required: a preset name (engine.presets)
        settings: {lam: 3, mode: batch}    # optional: ExplorerState settings (SETTINGS)
        iterations: 0                      # optional: full iterations run first
        steps: 1                           # optional: then this many single steps
        show: graph                        # optional: the part of the page that matters (SHOW)
        text: a^(2)_1 = {a(2)_1} ...       # required: the notes' plain notation
        try: Press Next step ...           # required: one thing to try
        text_wb: a^[1]_1 = {a(2)_1} ...    # optional: the text for a student in W, b
        try_wb: Press Next step ...        # optional: the "try" line in W, b
        title_wb: ...                      # optional: the title in W, b

Opening a chapter (``apply_chapter``) loads its preset afresh, applies its settings
(every setting it does not list goes back to the preset's or the page's default, so
a chapter looks the same whichever chapter came before), and from the start of
iteration 1 runs ``iterations`` whole iterations, then takes ``steps`` steps.  The
teaching switches (TEACHING: the notation and Predict first; presenter mode is never a
chapter's) are the student's: a chapter that does not list them leaves them as they are,
so a student in W, b with Predict first on keeps both from chapter to chapter.

``settings.example`` is 0-based like ``ExplorerState.example``; the page's example
menu and the ``{example}`` placeholder count from 1.

The text and the "try" line are written in the notes' plain notation (a^(2)_1,
Θ^(1)_1,0, δ^(3), D^(1), λ, α; ``x^2`` and ``_(l+1)`` work too; a name with two
letters or more before its "_", such as no_g_prime, stays as written) with placeholders
for the numbers on the page, for the example shown.  In the W, b notation they are
converted symbol by symbol (notation.convert: a^(2)_1 is a^[1]_1, Θ^(l) is W^[l],
Θ^(1)_1,0 is b^[1]_1), which is right for formulas but not for prose that depends on
the notation: bias units (W, b has none), layer numbers ("layer 2" is layer 1), the
shapes of Θ (5 × 4 where W^[1] is 5 × 3), h_Θ(x), J(Θ).  A chapter whose text says
such things gives ``text_wb`` (and ``try_wb``), written for a student in W, b, shown
instead in that notation (a^[1]_1, W^[1]_1,2, b^[1]_1, dW^[2], ΔW^[l], δ^[l], with
the input as layer 0; a notes symbol in it is still converted).  Placeholders keep the
notes' indices in every field: {a(2)_1} is a^[1]_1's value, {Theta(1)_1,0} is b^[1]_1's,
{D(2)_1,3} is dW^[2]_1,3's.  The placeholders:

    {a(l)_j} {z(l)_j} {delta(l)_j} {y_k}   a unit's value (a(l)_0 is the bias unit, 1)
    {Theta(l)_j,i} {D(l)_j,i} {Delta(l)_j,i}   a matrix entry, i = 0 the bias column
    {J} {m} {lambda} {alpha} {example}     the cost, m, λ, α, the example (1-based)

written to 3 significant digits ("?" while not computed yet); ``{{`` and ``}}``
are literal braces.  A blank line starts a new paragraph (in a ``|`` block; ``>``
folds lines into one).

A chapter takes at most MAX_STEPS iterations and steps, and no more work than
CHAPTER_SECONDS' worth (the same count of iterations costs more on a bigger network
or more examples: 1250 iterations of the 2-2-1 net, 12 of the 64-25-10 digits net on
1,438 examples, 1 of it in per-example mode); a whole file no more than
LESSON_SECONDS' worth, as every chapter is opened when the file loads.  Longer runs
are the class's to start with Train.  A placeholder that names no quantity of the
chapter's network is an error when the file is loaded, as is anything else malformed:
``load_lesson`` raises a ValueError naming the chapter, its title and the field.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import param
import yaml

from engine import assets, presets

from . import budget
from .literal import literal
from .notation import convert, entry_symbol, sup
from .state import ExplorerState, format_hidden_layers, parse_hidden_layers

MAX_BYTES = 200_000
MAX_CHAPTERS = 50
MAX_STEPS = 10_000       # steps or iterations a chapter may take (each checked at load)

# The work a chapter may do when it opens, and a whole file when it loads (every chapter
# is opened then, on the server's thread).  The work is estimated in seconds by ``_cost``
# from what the engine took on the development machine (2 cores) with both cores
# already busy, as on a class's server whose training workers take every core: a batch
# iteration 400 µs plus 15 ns per weight per example (numpy's threads contend: the
# digits' iteration, 1 ms on an idle machine, took 3 to 60 ms); in per-example mode
# 300 µs plus 20 ns per weight for each example; a single step 40 µs plus its share of
# an iteration.  Weights × examples alone would not do: 10,000 iterations of the 2-2-1
# net take 2 s, nearly all of it the iteration's own cost.  At the limit a chapter
# opened in 0.1-0.3 s on the idle machine and 0.3-0.9 s on the busy one (the figures
# are in the commit that set these); the notes lesson estimates 0.45 s in all.
CHAPTER_SECONDS = 0.5
LESSON_SECONDS = 3.0
_ITERATION_S, _WEIGHT_EXAMPLE_S = 400e-6, 15e-9             # batch mode
_EXAMPLE_S, _EXAMPLE_WEIGHT_S = 300e-6, 20e-9               # per-example mode
_STEP_S = 40e-6

# The settings a chapter may list.  Those it does not list go back to the preset's
# values, and those in VIEW (what the page shows; no rebuild) to ExplorerState's defaults;
# those in TEACHING (the student's switches) stay as they are.
SETTINGS = ("hidden_layers", "hidden", "output", "loss", "lam", "learning_rate", "init",
            "seed", "mode", "weights", "edges_by", "show_bias", "show_numbers", "example",
            "notation", "quiz")
VIEW = ("edges_by", "show_bias", "show_numbers", "example")
TEACHING = ("notation", "quiz")

# What ``show`` may name, with the tab it lives in (app_layout.TABS) or None for the
# parts of the page outside the tabs.
SHOW = {"graph": None, "status": None, "buttons": None, "settings": None,
        "equation": "Equation", "train": "Train", "input plane": "Input plane & features",
        "matrices": "Matrices", "gradient check": "Gradient check"}

_FIELDS = ("title", "preset", "settings", "iterations", "steps", "show", "text", "try",
           "title_wb", "text_wb", "try_wb")
_REQUIRED = ("title", "preset", "text", "try")
_TEXTS = ("text", "try", "text_wb", "try_wb")   # the fields with placeholders


@dataclass(frozen=True, kw_only=True)
class Chapter:
    title: str
    preset: str
    settings: Mapping = field(default_factory=dict, hash=False)
    steps: int = 0
    iterations: int = 0
    show: str | None = None
    text: str
    try_: str
    text_wb: str | None = None   # None: ``text`` converted (notation.convert)
    try_wb: str | None = None
    title_wb: str | None = None  # None: ``title`` converted

    def heading(self, notation: str = "theta") -> str:
        """The chapter's title in ``notation`` (plain text in the notes' notation: see markup)."""
        return (self.title_wb or self.title) if notation == "wb" else self.title

    def texts(self, notation: str = "theta") -> tuple[str, str]:
        """The text and the "try" line to show in ``notation``."""
        if notation == "wb":
            return self.text_wb or self.text, self.try_wb or self.try_
        return self.text, self.try_

    @property
    def tab(self) -> str | None:
        """The title of the tab to open for ``show`` (None: nothing to open)."""
        return SHOW.get(self.show)


@dataclass(frozen=True)
class Lesson:
    title: str
    chapters: tuple[Chapter, ...]


# ---- placeholders -------------------------------------------------------------------
_PIECES = re.compile(r"(\{\{|\}\}|\{[^{}]*\}|[{}])")
_PLACEHOLDER = re.compile(r"""(?P<unit>a|z|delta)\((?P<l>\d+)\)_(?P<j>\d+)
                            | (?P<matrix>Theta|D|Delta)\((?P<ml>\d+)\)_(?P<mj>\d+),(?P<mi>\d+)
                            | y_(?P<k>\d+)
                            | (?P<scalar>J|m|lambda|alpha|example)""", re.X)
_KNOWN = ("{a(l)_j}, {z(l)_j}, {delta(l)_j}, {y_k}, {Theta(l)_j,i}, {D(l)_j,i}, "
          "{Delta(l)_j,i}, {J}, {m}, {lambda}, {alpha}, {example}")


def _pieces(text: str) -> list:
    """The text as plain strings and placeholders (name, l, j, i) in order."""
    out = []
    for k, piece in enumerate(_PIECES.split(text)):
        if k % 2 == 0 or piece in ("{{", "}}"):
            out.append(piece[:1] if k % 2 else piece)
            continue
        if piece in ("{", "}"):
            raise ValueError(f"a lone {piece!r} outside a placeholder; write {piece * 2} "
                             f"for a brace")
        match = _PLACEHOLDER.fullmatch(piece[1:-1].strip())
        if not match:
            raise ValueError(f"{_quoted(piece)} is not a placeholder; the placeholders are "
                             f"{_KNOWN}")
        g = match.groupdict()
        if g["unit"]:
            out.append((g["unit"], int(g["l"]), int(g["j"]), None))
        elif g["matrix"]:
            out.append((g["matrix"], int(g["ml"]), int(g["mj"]), int(g["mi"])))
        elif g["k"]:
            out.append(("y", None, int(g["k"]), None))
        else:
            out.append((g["scalar"], None, None, None))
    return out


def _check_indices(placeholder, sizes) -> None:
    """A ValueError unless the placeholder names a quantity of a network of ``sizes``."""
    name, l, j, i = placeholder
    L, shape = len(sizes), "-".join(map(str, sizes))

    def need(ok, what):
        if not ok:
            raise ValueError(f"{_shown(placeholder)}: {what} (this network is {shape}, "
                             f"L = {L})")
    if name in ("a", "z", "delta"):
        first = 1 if name == "a" else 2
        need(first <= l <= L, f"{name} has layers {first} to {L}")
        low = 0 if name == "a" and l < L else 1  # a(l)_0 is a bias unit, but not in layer L
        need(low <= j <= sizes[l - 1], f"layer {l} has units {low} to {sizes[l - 1]}")
    elif name in ("Theta", "D", "Delta"):
        need(1 <= l <= L - 1, f"{name} has layers 1 to {L - 1}")
        need(1 <= j <= sizes[l], f"{name}({l}) has rows 1 to {sizes[l]}")
        need(0 <= i <= sizes[l - 1], f"{name}({l}) has columns 0 to {sizes[l - 1]}")
    elif name == "y":
        need(1 <= j <= sizes[-1], f"y has entries 1 to {sizes[-1]}")


def _shown(placeholder) -> str:
    name, l, j, i = placeholder
    if name == "y":
        return f"{{y_{j}}}"
    if l is None:
        return f"{{{name}}}"
    return f"{{{name}({l})_{j}{'' if i is None else f',{i}'}}}"


def number(x) -> str:
    """3 significant digits, trailing zeros kept only where rounding happened:
    0.593, −30, 1.00 (for 0.99995), 4.54×10^−5; NaN (not computed yet) is "?"."""
    x = float(x)
    if math.isnan(x):
        return "?"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    text = f"{x:.3g}"
    if float(text) != x:  # rounded: show all three digits, so 1.00 is not read as exactly 1
        text = f"{x:#.3g}"
    mantissa, _, exponent = text.partition("e")
    text = mantissa.rstrip(".") + (f"×10^{int(exponent)}" if exponent else "")
    return text.replace("-", "−")


def _value(placeholder, state: ExplorerState) -> str:
    """The placeholder's number for the example shown (the loop's, in per-example mode)."""
    name, l, j, i = placeholder
    s = state.stepper
    example = s.example if s.mode == "per_example" else state.example
    if name == "a" and j == 0:
        return number(1.0)
    if name in ("a", "z", "delta"):
        return number(getattr(s, name)[l][example, j - 1])
    if name == "Theta":
        return number(s.network.theta(l)[j - 1, i])
    if name in ("D", "Delta"):
        return number(getattr(s, name)[l][j - 1, i])
    if name == "y":
        return number(s.Y[example, j - 1])
    if name == "m":
        return str(s.m)
    if name == "example":
        return str(example + 1)
    return number({"J": s.J, "lambda": s.network.lam, "alpha": s.learning_rate}[name])


def filled(text: str, state: ExplorerState) -> str:
    """``text`` with its placeholders replaced by the numbers on the page (plain text)."""
    return "".join(p if isinstance(p, str) else _value(p, state) for p in _pieces(text))


# ---- notation as HTML -------------------------------------------------------------------
# ^(l) ^[l] ^T ^2 ^−5 as superscripts, _1 _j,i _(l+1) as subscripts; a name such as
# no_g_prime or notes_lambda (two letters or more before its "_") is left as it is.
_SCRIPT = re.compile(r"""(?P<word>(?<!\w)[^\W\d_]{2,}_\w*)
                       | \^(?P<sup>\([^()]*\)|\[[^\[\]]*\]|[−-]?\w+)
                       | _(?:\((?P<group>[^()]*)\)|(?P<sub>\w+(?:,\w+)*))""", re.X)
# In W, b the bias column is b: Θ^(l)_j,0 is b^[l]_j (notation.convert maps Θ to W only).
_BIAS = re.compile(r"(Θ|Δ|D)\^\((\d+|[^\W\d_]\w*(?:\s*[+\-−]\s*\d+)?)\)_(\w+),0(?!\w)")


def markup(text: str, notation: str = "theta") -> str:
    """Plain text in the notes' notation as HTML in ``notation``: a^(2)_1 becomes
    a<sub>1</sub><sup>(2)</sup> (a<sub>1</sub><sup>[1]</sup> in W, b).  The only markup
    made is <sub> and <sup>; every character goes through literal()."""
    if notation == "wb":
        text = convert(_BIAS.sub(lambda m: f"{entry_symbol(m[1], 0, 'wb')}^{sup(m[2], 'wb')}"
                                           f"_{m[3]}", text), "wb")
    pieces, last = [], 0
    for match in _SCRIPT.finditer(text):
        if match.start() > last:
            pieces.append(("", text[last:match.start()]))
        if match["word"] is not None:
            pieces.append(("", match["word"]))
        elif match["sup"] is not None:
            pieces.append(("sup", match["sup"]))
        else:
            pieces.append(("sub", match["group"] if match["sub"] is None else match["sub"]))
        last = match.end()
    if last < len(text):
        pieces.append(("", text[last:]))
    # a^(2)_1: the subscript is written first, as the notes typeset a_1^(2).
    for k in range(len(pieces) - 1):
        if pieces[k][0] == "sup" and pieces[k + 1][0] == "sub":
            pieces[k], pieces[k + 1] = pieces[k + 1], pieces[k]
    return "".join(f"<{tag}>{literal(s)}</{tag}>" if tag else literal(s) for tag, s in pieces)


def _paragraphs(text: str, notation: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text.strip())
    return [markup(" ".join(block.split()), notation) for block in blocks if block.strip()]


def chapter_html(chapter: Chapter, state: ExplorerState) -> str:
    """The chapter's text and its "Try this" line as HTML, numbers filled in from
    ``state``, in ``state.notation``.  Tags made: <p>, <b>, <sub>, <sup>; the file's
    own text is never markup (literal())."""
    n = state.notation
    text, try_ = chapter.texts(n)
    text = "".join(f"<p>{p}</p>" for p in _paragraphs(filled(text, state), n))
    try_ = " ".join(_paragraphs(filled(try_, state), n))
    return f"{text}<p><b>Try this:</b> {try_}</p>"


# ---- opening a chapter ---------------------------------------------------------------
def apply_chapter(state: ExplorerState, chapter: Chapter) -> None:
    """Open ``chapter`` on ``state``: its preset loaded afresh, its settings, every other
    setting back to its default (but the teaching switches, TEACHING, as the student has
    them unless the chapter lists them), then ``iterations`` iterations and ``steps`` steps from
    the start of iteration 1.  Opening it again restarts it.  A ValueError if the state
    refused something (it says why in its notice too)."""
    _settle(state, chapter)
    _advance(state, chapter)


def _settle(state: ExplorerState, chapter: Chapter) -> None:
    from .links import apply_link  # here, not at the top: links.py imports this module

    errors = []
    watcher = state.param.watch(
        lambda e: errors.append(e.new[2]) if e.new[1] == "error" else None, "notice")
    try:
        # The preset first, reloaded even when it is the current one: that puts the
        # network settings, α, the mode, init, seed and the test split back to its own.
        if state.preset == chapter.preset:
            state.param.trigger("preset")
        else:
            state.preset = chapter.preset
        settings = dict(chapter.settings)
        view = {name: settings.pop(name, ExplorerState.param[name].default) for name in VIEW}
        view.update({name: settings.pop(name) for name in TEACHING if name in settings})
        example = view.pop("example")
        apply_link(state, settings)
        state.param.update(**view)
    finally:
        state.param.unwatch(watcher)
    if errors or state.preset != chapter.preset:
        raise ValueError(" ".join(errors) or f"The preset {chapter.preset} was not loaded.")
    if not 0 <= example < state.m:
        raise ValueError(f"example {example} is out of range: this data has m = {state.m} "
                         f"examples, numbered 0 to {state.m - 1} here.")
    state.example = example


def _advance(state: ExplorerState, chapter: Chapter) -> None:
    # The stepper steps, and the views hear of it once at the end: stepping through
    # state.step() would redraw the page after each of perhaps hundreds of steps.
    stepper = state.stepper
    try:
        for _ in range(chapter.iterations):
            stepper.run_iteration()
        for _ in range(chapter.steps):
            stepper.step()
    finally:
        if stepper.mode == "per_example":  # the graph follows the loop, as state.step() does
            with param.discard_events(state):
                state.example = stepper.example
        state.param.trigger("stepped")


# ---- reading a file ----------------------------------------------------------------------
def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:59] + "…"


def _quoted(value) -> str:
    return f'"{_short(value)}"' if isinstance(value, str) else _short(repr(value))


def _kind(value) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping", type(None): "nothing"}.get(type(value),
                                                                            type(value).__name__)


def _got(value) -> str:
    return "nothing" if value is None else f"{_kind(value)} {_quoted(value)}"


def _whole(value, what) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected {what}, a whole number ≥ 0; got {_got(value)}")
    if not 0 <= value <= MAX_STEPS:
        raise ValueError(f"expected {what}, a whole number from 0 to {MAX_STEPS}; got {value}")
    return value


def _string(value, name) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected {name} as a string; got {_got(value)}")
    if not value.strip():
        raise ValueError(f"{name} is empty; write something for it")
    return value.strip()


def _setting(name, value):
    """One setting checked against ExplorerState's own parameter (its type and choices)."""
    p = ExplorerState.param[name]
    if name == "hidden_layers":
        value = format_hidden_layers([0, *parse_hidden_layers(str(value)), 0]) \
            if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    if isinstance(value, bool) and not isinstance(p, param.Boolean):
        raise ValueError(f"{_quoted(value)} is not a {name}; expected {_kind(p.default)}")
    if isinstance(p, param.Selector):
        choices = list(p.objects)
        if value not in choices:
            raise ValueError(f"{_quoted(value)} is not a choice; choose one of "
                             f"{', '.join(map(str, choices))}")
    try:
        p._validate(value)  # param's own check: type and bounds
    except ValueError as error:
        raise ValueError(str(error).replace("'ExplorerState.", "'")) from None
    return value


def _chapter(raw) -> Chapter:
    """The chapter a file's entry describes; a _FieldError for its first problem."""
    def fail(name, message):
        raise _FieldError(name, message)

    if not isinstance(raw, dict):
        fail(None, f"expected a mapping with the fields {', '.join(_REQUIRED)}; "
                   f"got {_kind(raw)}")
    unknown = [str(k) for k in raw if k not in _FIELDS]
    if unknown:
        fail(unknown, f"unknown field{'s' if len(unknown) > 1 else ''}; the fields are "
                      f"{', '.join(_FIELDS)}")
    for name in _REQUIRED:
        if name not in raw:
            fail(name, f"missing; every chapter needs {', '.join(_REQUIRED)}")
    values = {}
    for name in ("title", "text", "try", "title_wb", "text_wb", "try_wb"):
        if name not in raw and name not in _REQUIRED:
            values[name] = None
            continue
        try:
            values[name] = _string(raw[name], name)
        except ValueError as error:
            fail(name, str(error))
    preset = raw["preset"]
    if preset not in presets.names():
        fail("preset", f"{_quoted(preset)} is not a preset; choose one of "
                       f"{', '.join(presets.names())}")
    settings = raw.get("settings") or {}
    if not isinstance(settings, dict):
        fail("settings", f"expected a mapping of setting: value; got {_kind(settings)}")
    checked = {}
    for name, value in settings.items():
        if name not in SETTINGS:
            fail(f"settings.{name}", f"not a setting a chapter may list; choose from "
                                     f"{', '.join(SETTINGS)}")
        try:
            checked[name] = _setting(name, value)
        except ValueError as error:
            fail(f"settings.{name}", str(error))
    counts = {}
    for name in ("iterations", "steps"):
        try:
            counts[name] = _whole(raw.get(name, 0), name)
        except ValueError as error:
            fail(name, str(error))
    show = raw.get("show")
    if show is not None and show not in SHOW:
        fail("show", f"{_quoted(show)} is not a part of the page; choose one of "
                     f"{', '.join(SHOW)}")
    return Chapter(title=values["title"], preset=preset, settings=MappingProxyType(checked),
                   steps=counts["steps"], iterations=counts["iterations"], show=show,
                   text=values["text"], try_=values["try"], text_wb=values["text_wb"],
                   try_wb=values["try_wb"], title_wb=values["title_wb"])


class _FieldError(ValueError):
    """A problem with one field (``name``; several names for unknown fields)."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name

    @property
    def where(self) -> str:
        if self.name is None:
            return ""
        names = self.name if isinstance(self.name, list) else [self.name]
        return f", field{'s' if len(names) > 1 else ''} " + ", ".join(f'"{n}"' for n in names)


def _cost(state: ExplorerState) -> tuple[float, float]:
    """The estimated seconds of one iteration and of one step of ``state``'s stepper."""
    s = state.stepper
    w, m = budget.weights(s.network.sizes), s.m
    if s.mode == "per_example":
        iteration = m * (_EXAMPLE_S + _EXAMPLE_WEIGHT_S * w)
    else:
        iteration = _ITERATION_S + _WEIGHT_EXAMPLE_S * m * w
    return iteration, _STEP_S + iteration / s.steps_per_iteration


def _check_work(state: ExplorerState, chapter: Chapter, left: float) -> float:
    """The chapter's estimated seconds; a _FieldError if more than CHAPTER_SECONDS or than
    the ``left`` of the file's LESSON_SECONDS."""
    iteration, step = _cost(state)
    allowed = min(CHAPTER_SECONDS, left)
    whole = allowed == CHAPTER_SECONDS
    s = state.stepper
    net = (f"this {'-'.join(map(str, s.network.sizes))} network on {s.m:,} "
           f"example{'s' if s.m != 1 else ''}"
           + (" in per-example mode" if s.mode == "per_example" else ""))
    limit = ("more than a chapter may run when it opens" if whole else
             "more than is left of what a lesson file may run when it loads, after the "
             "chapters before this one")
    advice = "use fewer, or let the class press Train"
    n, k = chapter.iterations, chapter.steps
    if n * iteration > allowed:
        most = math.floor(allowed / iteration + 1e-9)
        raise _FieldError("iterations", f"{n:,} iteration{'s' if n != 1 else ''} of {net} "
                                        f"is {limit} (at most {most:,}); {advice}")
    if n * iteration + k * step > allowed:
        most = math.floor((allowed - n * iteration) / step + 1e-9)
        after = f" after {n:,} iteration{'s' if n != 1 else ''}" if n else ""
        raise _FieldError("steps", f"{k:,} step{'s' if k != 1 else ''} of {net}{after} "
                                   f"is {limit} (at most {most:,}); {advice}")
    return n * iteration + k * step


def _check_chapter(chapter: Chapter, left: float = LESSON_SECONDS) -> float:
    """Open the chapter on a throwaway state: the engine judges the settings together
    (λ ≥ 0, the budget, ...), the work it asks for is bounded (``left``: what the file
    has left of LESSON_SECONDS), and the placeholders are checked against its network.
    Its estimated seconds."""
    texts = {}
    for name, text in zip(_TEXTS, (chapter.text, chapter.try_, chapter.text_wb,
                                   chapter.try_wb)):
        if text is None:
            continue
        try:
            texts[name] = _pieces(text)
        except ValueError as error:
            raise _FieldError(name, str(error)) from None
    state = ExplorerState()
    try:
        _settle(state, chapter)
    except ValueError as error:
        raise _FieldError("settings", str(error)) from None
    seconds = _check_work(state, chapter, left)
    try:
        _advance(state, chapter)
    except ValueError as error:
        raise _FieldError("iterations" if chapter.iterations else "steps", str(error)) from None
    for name, pieces in texts.items():
        for piece in pieces:
            if not isinstance(piece, str):
                try:
                    _check_indices(piece, state.network.sizes)
                except ValueError as error:
                    raise _FieldError(name, str(error)) from None
    return seconds


def load_lesson(text: str, source: str = "lesson file") -> Lesson:
    """Parse and check a lesson file; a ValueError says what is wrong and where, as one
    sentence that names ``source`` once, at its start ("mine.yaml: Chapter 2 (...), field
    "preset": ...."), to be shown as it is."""
    try:
        return _load(text)
    except ValueError as error:
        raise ValueError(_sentence(f"{source}: {error}")) from None


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith(".") else text + "."


def _load(text: str) -> Lesson:
    if not isinstance(text, str):
        raise ValueError(f"expected the text of a YAML file; got {_kind(text)}")
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise ValueError(f"{size:,} bytes is too big; a lesson file may be at most "
                         f"{MAX_BYTES // 1000} kB")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"not YAML: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise ValueError("not YAML this program reads: nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping with title: and chapters:; got {_kind(data)}")
    unknown = [str(k) for k in data if k not in ("title", "chapters")]
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(_quoted, unknown))}; a lesson has "
                         f"title: and chapters:")
    title = _string(data.get("title"), "title")
    chapters = data.get("chapters")
    if not isinstance(chapters, list) or not chapters:
        raise ValueError(f"expected chapters: as a list of at least one chapter; got "
                         f"{_kind(chapters)}")
    if len(chapters) > MAX_CHAPTERS:
        raise ValueError(f"{len(chapters)} chapters; a lesson may have at most {MAX_CHAPTERS}")
    out, left = [], LESSON_SECONDS
    for n, raw in enumerate(chapters, start=1):
        named = raw.get("title") if isinstance(raw, dict) else None
        where = (f'Chapter {n} ("{_short(named)}")' if isinstance(named, str) and named.strip()
                 else f"Chapter {n} (no title)")
        try:
            chapter = _chapter(raw)
            left -= _check_chapter(chapter, left)
        except _FieldError as error:
            raise ValueError(f"{where}{error.where}: {error}") from None
        out.append(chapter)
    return Lesson(title=title, chapters=tuple(out))


# ---- the lessons that ship ------------------------------------------------------------
def builtin_names() -> list[str]:
    """The lessons in assets/lessons/ (installed as backprop_explorer_assets/lessons)."""
    return sorted(f.name[:-5] for f in assets.path("lessons").iterdir()
                  if f.name.endswith(".yaml"))


@functools.lru_cache(maxsize=None)
def builtin(name: str) -> Lesson:
    """A lesson that ships with the explorer: "notes" follows the course notes."""
    names = builtin_names()
    if name not in names:
        raise ValueError(f"There is no lesson {_quoted(name)}; choose one of {', '.join(names)}.")
    text = (assets.path("lessons") / f"{name}.yaml").read_text(encoding="utf-8")
    return load_lesson(text, f"{name}.yaml")
