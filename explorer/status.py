"""The status line of a step, in HTML: what it was, where in the iteration, its equation in words."""
from __future__ import annotations

import re

from .literal import literal


def notation_html(text: str) -> str:
    """The engine's plain-text notation as HTML: z^(3) -> z<sup>(3)</sup>, the rest literal."""
    parts = re.split(r"\^\((\w+)\)", text)  # text, superscript, text, ...
    return "".join(literal(p) if k % 2 == 0 else f"<sup>({literal(p)})</sup>"
                   for k, p in enumerate(parts))


def status_text(stepper) -> str:
    """E.g. "Backward · δ^(2) · layer 2 of 4 · iteration 3 · example 2/4" (HTML)."""
    step = stepper.last_step
    parts = [f"<b>{step.kind.phase_title if step else 'Start'}</b>",
             notation_html(step.symbol) if step else "ready"]
    if step is not None and step.layer is not None:
        parts.append(f"layer {step.layer} of {stepper.L}")
    parts.append(f"iteration {stepper.iteration}")
    parts.append(f"step {stepper.position}/{stepper.steps_per_iteration}")
    if stepper.mode == "per_example":
        parts.append(f"example {stepper.example + 1}/{stepper.m}")
    return " · ".join(parts)


def status_html(stepper) -> str:
    """The status line and, under it, the engine's one-line description of the step."""
    return (f'<div class="status-line" aria-live="polite">{status_text(stepper)}</div>'
            f'<div style="font-size:16px;color:#444">{notation_html(stepper.description)}</div>')
