"""The status line of a step, in HTML: what it was, where in the iteration, its equation in words.

``notation`` is "theta" (the notes: Θ, a bias unit, the input is layer 1) or "wb"
(W, b, the input is layer 0; notation.py); the default writes exactly the notes' text.
"""
from __future__ import annotations

import re

from . import notation as nt
from .literal import literal

_SUPERSCRIPT = re.compile(r"\^(\(\w+\)|\[\w+\])")


def notation_html(text: str) -> str:
    """The engine's plain-text notation as HTML: z^(3) -> z<sup>(3)</sup>, and W, b's
    z^[2] -> z<sup>[2]</sup>; the rest literal."""
    parts = _SUPERSCRIPT.split(text)  # text, superscript, text, ...
    return "".join(literal(p) if k % 2 == 0
                   else f"<sup>{p[0]}{literal(p[1:-1])}{p[-1]}</sup>"
                   for k, p in enumerate(parts))


def status_text(stepper, notation: str = "theta") -> str:
    """E.g. "Backward · δ^(2) · layer 2 of 4 · iteration 3 · example 2/4" (HTML); in W, b
    "Backward · δ^[1] · layer 1 of 3 · ..." (the input is layer 0)."""
    step = stepper.last_step
    parts = [f"<b>{step.kind.phase_title if step else 'Start'}</b>",
             notation_html(nt.step_symbol(step, notation)) if step else "ready"]
    if step is not None and step.layer is not None:
        layer, of = nt.step_layer(step, stepper.L, notation)
        parts.append(f"layer {layer} of {of}")
    parts.append(f"iteration {stepper.iteration}")
    parts.append(f"step {stepper.position}/{stepper.steps_per_iteration}")
    if stepper.mode == "per_example":
        parts.append(f"example {stepper.example + 1}/{stepper.m}")
    return " · ".join(parts)


def status_html(stepper, notation: str = "theta") -> str:
    """The status line and, under it, the engine's one-line description of the step."""
    return (f'<div class="status-line" aria-live="polite">{status_text(stepper, notation)}</div>'
            f'<div class="status-detail" style="font-size:0.84em;color:#444">'
            f'{notation_html(nt.description(stepper, notation))}</div>')
