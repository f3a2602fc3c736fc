"""Shareable links: the settings of a session as URL query parameters, and back.

``query_from_state`` writes the preset, the architecture, the hyperparameters
and the seed; ``settings_from_query`` reads them back, checking each one, so
a link opened in a fresh browser rebuilds the same network on the same data.
A link carries settings, not hand-edited or trained weights: save a file for
those.  A parameter that is malformed or out of range is dropped (the
preset's default stays) and reported, never applied half-way.  No Panel here.
"""
from __future__ import annotations

import math

from engine import presets
from engine.activations import HIDDEN, OUTPUT
from engine.losses import LOSSES
from engine.network import INITS
from engine.stepper import MODES
from engine.validation import MAX_LAYERS, MAX_UNITS

from . import lesson
from .state import format_hidden_layers, parse_hidden_layers

# URL key -> ExplorerState parameter (apply_link applies the preset, then the split, then the rest).
KEYS = {"preset": "preset", "hidden": "hidden_layers", "g": "hidden", "output": "output",
        "loss": "loss", "lambda": "lam", "alpha": "learning_rate", "init": "init",
        "seed": "seed", "mode": "mode", "test": "test_fraction", "weights": "weights",
        "present": "present", "quiz": "quiz", "notation": "notation",
        "lesson": "lesson_name", "chapter": "chapter"}
# Teaching switches, written into the link only when on (a link without them is a plain one).
# URL key -> (parameter, its value when on, what the link says then).
_SWITCHES = {"present": ("present", True, "1"), "quiz": ("quiz", True, "1"),
             "notation": ("notation", "wb", "wb")}


def query_from_state(state) -> dict[str, str]:
    """The URL query that rebuilds this session's network and data."""
    return {
        "preset": state.preset,
        "hidden": format_hidden_layers(state.network.sizes).replace(" ", ""),
        "g": state.hidden, "output": state.output, "loss": state.loss,
        "lambda": f"{state.lam:g}", "alpha": f"{state.learning_rate:g}",
        "init": state.init, "seed": str(state.seed), "mode": state.mode,
        "test": f"{state.test_fraction:g}", "weights": state.weights,
        **{key: text for key, (name, on, text) in _SWITCHES.items() if getattr(state, name) == on},
        **({"lesson": state.lesson_name, "chapter": str(state.chapter)}
           if state.lesson is not None and state.lesson_name else {}),
    }


def _choice(value, choices, what):
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}")
    return value


def _number(value, what, low=None, high=None, integer=False):
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        raise ValueError(f"{what} must be a {'whole ' if integer else ''}number") from None
    if not math.isfinite(number) or (low is not None and number < low) or \
            (high is not None and number > high):
        bounds = f" between {low:g} and {high:g}" if high is not None else \
            (f" of at least {low:g}" if low is not None else "")
        raise ValueError(f"{what} must be a finite number{bounds}")
    return number


def _switch(value, what):
    if value.lower() in ("1", "true", "on", "yes"):
        return True
    if value.lower() in ("0", "false", "off", "no"):
        return False
    raise ValueError(f"{what} must be 1 (on) or 0 (off)")


def _hidden(value):
    sizes = parse_hidden_layers(value)
    if len(sizes) > MAX_LAYERS - 2 or any(not 1 <= s <= MAX_UNITS for s in sizes):
        raise ValueError(f"hidden layers must be at most {MAX_LAYERS - 2} layers of "
                         f"1 to {MAX_UNITS} units")
    return format_hidden_layers([0, *sizes, 0])


PARSERS = {
    "preset": lambda v: _choice(v, list(presets.names()), "preset"),
    "hidden": _hidden,
    "g": lambda v: _choice(v, HIDDEN, "the hidden activation"),
    "output": lambda v: _choice(v, OUTPUT, "the output activation"),
    "loss": lambda v: _choice(v, LOSSES, "the loss"),
    "lambda": lambda v: _number(v, "λ", low=0.0, high=1e6),
    "alpha": lambda v: _number(v, "α", low=1e-12, high=1e6),
    "init": lambda v: _choice(v, INITS, "init"),
    "seed": lambda v: _number(v, "the seed", low=0, high=2**32 - 1, integer=True),
    "mode": lambda v: _choice(v, MODES, "the mode"),
    "test": lambda v: _number(v, "the test fraction", low=0.0, high=0.5),
    "weights": lambda v: _choice(v, ("preset", "random"), "weights"),
    "present": lambda v: _switch(v, "present"),
    "quiz": lambda v: _switch(v, "quiz"),
    "notation": lambda v: _choice(v, ("theta", "wb"), "the notation"),
    "lesson": lambda v: _choice(v, lesson.builtin_names(), "the lesson"),
    "chapter": lambda v: _number(v, "the chapter", low=1, high=1000, integer=True),
}


def settings_from_query(query: dict) -> tuple[dict, list[str]]:
    """(ExplorerState settings, problems) from a URL query.

    ``query`` maps keys to strings (or to lists of bytes, as Panel's
    session_args gives them).  Unknown keys are ignored.
    """
    settings, problems = {}, []
    for key, name in KEYS.items():
        if key not in query:
            continue
        raw = query[key]
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else ""
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        raw = str(raw).strip()
        try:
            settings[name] = PARSERS[key](raw)
        except ValueError as error:
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            problems.append(f"{key}={shown!r} ignored: {error}")
    return settings, problems


def apply_link(state, settings: dict, problems=()):
    """Apply settings read from a link to ``state``: the preset first, then the
    split, then everything else in one rebuild; report what was ignored."""
    settings = dict(settings)
    problems = list(problems)
    name, chapter = settings.pop("lesson_name", None), settings.pop("chapter", None)
    preset = settings.pop("preset", None)
    if preset is not None and preset != state.preset:
        state.preset = preset
    fraction = settings.pop("test_fraction", None)
    if fraction is not None and abs(fraction - state.test_fraction) > 1e-9:
        state.test_fraction = fraction
    random = settings.pop("weights", None) == "random" and state.weights != "random"
    alpha = settings.pop("learning_rate", None)
    changes = {k: v for k, v in settings.items() if getattr(state, k) != v}
    if changes:
        state.param.update(**changes)
    if random and state.weights != "random":
        state.draw_weights()
    if alpha is not None and alpha != state.learning_rate:
        state.learning_rate = alpha
    if name:  # the lesson's chapter sets the preset and settings it needs, over the link's
        chosen = lesson.builtin(name)
        if chapter is not None and chapter > len(chosen.chapters):
            problems.append(f"chapter={chapter} ignored: the {name} lesson has "
                            f"{len(chosen.chapters)} chapters")
            chapter = None
        state.param.update(lesson=chosen, lesson_name=name, chapter=chapter or 1)
    elif chapter is not None:
        problems.append(f"chapter={chapter} ignored: it needs a lesson, e.g. lesson=notes")
    if problems:
        state.say("error", "This link had settings that could not be used, so the defaults "
                           "were kept for them: " + "; ".join(problems) + ".")
