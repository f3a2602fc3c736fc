"""The status line and the equation of the step just taken, with its numbers.

Each is a LiveHTML (live_html.py), so the step tape (player.py) can set its
text in the page as the server does here.
"""
from __future__ import annotations

import param
from panel.viewable import Viewer

from .equations import latex_for_step
from .live_html import LiveHTML
from .presenter import sizes
from .state import ExplorerState
from .status import status_html


def equation_latex(stepper, example: int, notation: str = "theta") -> str:
    """The KaTeX source the equation shows: the step's equation for the example shown,
    in the notes' notation or in W, b."""
    return latex_for_step(stepper, example, notation=notation)


_NO_DETAIL = ".status-detail { display: none; }"


class StatusLine(Viewer):
    """Phase, layer, iteration and example, and the engine's one-line description."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.html = LiveHTML(channel="status", sizing_mode="stretch_width", margin=(0, 10))
        self.state.param.watch(self._update, ["stepped", "notation"])
        self.state.param.watch(self._resize, "present")
        self._resize()
        self._update()

    def _resize(self, *events):
        size = sizes(self.state.present)
        # On a projector the line under it (the engine's description) gives way to the
        # equation, which says the same with its numbers.
        self.html.param.update(height=size.status_height,  # (a lesson's outline stays)
                               styles={**self.html.styles, "font-size": f"{size.status_px}px"},
                               stylesheets=[] if size.status_detail else [_NO_DETAIL])

    def __panel__(self):
        return self.html

    def _update(self, *events):
        self.html.html = status_html(self.state.stepper, self.state.notation)


class EquationView(Viewer):
    """The equation of the step just taken, with its numbers, rendered by KaTeX."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.latex = LiveHTML(channel="latex", katex=True, sizing_mode="stretch_width")
        self.state.param.watch(self._update, ["stepped", "example", "learning_rate", "notation"])
        self.state.param.watch(self._resize, ["present", "quiz", "lesson"])
        self._resize()
        self._update()

    def _resize(self, *events):
        size = sizes(self.state.present)
        s = self.state
        # With both, the projector's page scrolls rather than shrink the equation to nothing.
        height = max(size.equation_height - (size.quiz_height if s.quiz else 0)
                     - (size.lesson_height if s.lesson is not None else 0), 150)
        self.latex.param.update(height=height, fit=size.equation_fit,
                                styles={"font-size": f"{size.equation_px}px", "overflow": "auto"})

    def __panel__(self):
        return self.latex

    def _update(self, *events):
        s = self.state
        self.latex.html = equation_latex(s.stepper, s.example, s.notation)
