"""The status line and the equation of the step just taken, with its numbers."""
from __future__ import annotations

import re

import panel as pn
import param
from panel.viewable import Viewer

from .equations import latex_for_step
from .literal import literal
from .state import ExplorerState


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


class StatusLine(Viewer):
    """Phase, layer, iteration and example, and the engine's one-line description."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.html = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 10),
                                 stylesheets=[":host { font-size: 19px; }"])
        self.state.param.watch(self._update, "stepped")
        self._update()

    def __panel__(self):
        return self.html

    def _update(self, *events):
        s = self.state.stepper
        self.html.object = (f'<div class="status-line" aria-live="polite">{status_text(s)}</div>'
                            f'<div style="font-size:16px;color:#444">{notation_html(s.description)}</div>')


class EquationView(Viewer):
    """The equation of the step just taken, with its numbers, rendered by KaTeX."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.latex = pn.pane.LaTeX(renderer="katex", sizing_mode="stretch_width", min_height=150,
                                   styles={"font-size": "16px", "overflow-x": "auto"})
        self.state.param.watch(self._update, ["stepped", "example", "learning_rate"])
        self._update()

    def __panel__(self):
        return self.latex

    def _update(self, *events):
        s = self.state
        example = s.stepper.example if s.mode == "per_example" else s.example
        self.latex.object = "$$" + latex_for_step(s.stepper, example) + "$$"
