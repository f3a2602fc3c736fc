"""The player: Next, Previous, Finish, Play and Reset, stepping in the page on a step tape.

The server records the iteration ahead as a step tape (tapes.py): what the graph,
the status line and the equation show after each step.  ``StepTape``, a small
JavaScript component, holds the tape and steps through it in the page: a click
puts the next frame into the graph's Bokeh models (``nodes``, ``edges``,
``delta_scale``, ``edge_scale``, ``step_band``) with no round trip, and the
texts (status line, legend, equation) into their LiveHTML components right
after the graph is painted; then it tells the server where it is ("at"), and
the server's stepper follows (``ExplorerState.follow``) for the views the page
does not draw.  The values themselves stay in the page: the server's copies of
the graph's models keep what it drew last, and js/player.js says how the two
sides stay in agreement.

The tape of the iteration after is sent ahead, so stepping past the update
and "Finish iteration" at the end of an iteration stay in the page; the page
keeps the tape before, so "Previous step" goes back across the boundary.
Anything else that changes what is shown (settings, presets, files, a weight
edit, training, the example shown, α) is done by the server, which draws it
and sends a new tape.  While training runs the buttons are disabled.
"""
from __future__ import annotations

from pathlib import Path

import panel as pn
import param
from panel.viewable import Viewer

from .entry import entry, linked
from .graph_view import GraphView
from .keyboard import KeyboardShortcuts
from .presenter import sizes
from .quiz import question
from .state import ExplorerState
from .status import status_html
from .status_view import equation_latex
from .tapes import display_tape
from .trainer import Trainer


def page_frame(graph: GraphView, state: ExplorerState, stepper) -> dict:
    """What the page shows at this stepper's point: the graph, the status, the equation,
    and with predict-first on, the question asked before showing it (quiz.py).  The
    app's tapes and the walkthrough file's (export.py) are made of these."""
    frame = {**graph.frame(stepper), "status": status_html(stepper, state.notation),
             "latex": equation_latex(stepper, state.example, state.notation)}
    if state.quiz:
        frame["quiz"] = question(stepper, state.example, notation=state.notation)
    return frame


class StepTape(pn.custom.JSComponent):
    """The buttons, and the tape they step through in the page."""

    tape = param.Dict(default={}, doc="The tape the page steps on (tapes.py)")
    next_tape = param.Dict(default={}, doc="The tape after it, sent ahead")
    playing = param.Boolean(default=False, doc="Stepping on its own, ``speed`` steps a second")
    speed = param.Number(default=2.0)
    disabled = param.Boolean(default=False, doc="No stepping (while training runs)")
    large = param.Boolean(default=False, doc="Presenter mode's larger buttons")
    quiz = param.Boolean(default=False, doc="Predict first: a step whose frame has a question "
                                            "waits for the quiz box's Reveal")
    keep_tapes = param.Boolean(default=False, doc="Keep every tape stepped onto, for Previous: "
                                                  "the walkthrough file has no server to send "
                                                  "an earlier one again (export.py)")

    _esm = Path(__file__).parent / "js" / "player.js"

    _stylesheets = ["""
    .player { display: flex; gap: 10px; align-items: center; }
    .player button { height: 44px; font-size: 16px; white-space: nowrap; flex: 0 0 auto;
                     padding: 0 14px; }
    .player.large button { height: 50px; font-size: 22px; padding: 0 12px; }
    """]

    def __init__(self, on_message=None, **params):
        super().__init__(**params)
        self._on_message = on_message

    def _handle_msg(self, msg):
        if self._on_message is not None and isinstance(msg, dict):
            self._on_message(msg)


class Player(Viewer):
    """Steps through the iteration in the page; the server follows and sends the tapes."""

    state = param.ClassSelector(class_=ExplorerState)
    graph = param.ClassSelector(class_=GraphView)
    trainer = param.ClassSelector(class_=Trainer)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        # Wide enough for the five buttons; the speed slider goes to the next line when the
        # page is too narrow for both.
        self.buttons = StepTape(on_message=entry(self._on_message), speed=s.speed)
        self.speed = linked(pn.widgets.FloatSlider, s, "speed", label="Speed (steps/s)",
                            step=0.5, width=150)
        self.keyboard = KeyboardShortcuts(in_page=True)
        self._count = 0
        # {id: (stepper at its end, frame there)} of the tapes the page may be on: the one
        # before, its tape, the one after; the last is the newest.
        self._tapes = {}
        # After the views (precedence 0) have drawn: the tape starts from what they show.
        s.param.watch(self._send, ["stepped", "example", "learning_rate", "edges_by", "quiz",
                                   "notation", "present"], precedence=1)
        s.param.watch(lambda e: self.buttons.param.update(speed=e.new), "speed")
        s.param.watch(lambda e: setattr(self.buttons, "playing", e.new), "playing")
        self.buttons.param.watch(lambda e: setattr(s, "playing", e.new), "playing")
        self.trainer.param.watch(self._on_training, "running")
        s.param.watch(self._resize, "present")
        self._resize()
        self._send()

    def _resize(self, *events):
        """Wide enough for the five buttons: presenter mode's are larger."""
        large = self.state.present
        self.buttons.param.update(large=large, width=780 if large else 600,
                                  height=sizes(large).button_height + 6)

    def __panel__(self):
        return pn.FlexBox(self.buttons, self.speed, self.keyboard, flex_wrap="wrap",
                          align_items="center", sizing_mode="stretch_width")

    # ---- tapes ------------------------------------------------------------------------
    def frame(self, stepper) -> dict:
        return page_frame(self.graph, self.state, stepper)

    def _record(self, stepper, back=None, first=None) -> dict:
        self._count += 1
        page, end, last = display_tape(stepper, self.frame, self._count, back=back, first=first)
        self._tapes[self._count] = (end, last)
        return page

    def _ahead(self) -> dict:
        """The tape after the newest one."""
        end, last = self._tapes[max(self._tapes)]
        return self._record(end, back=True, first=last)

    def _send(self, *events):
        """A new tape from the stepper's point, and the one after it."""
        if self.trainer.running or self.state.matching:
            return  # training moves the stepper every frame: a tape when it stops; a
            # new network has its settings matched first, then ``stepped`` fires
        self._tapes.clear()
        tape = self._record(self.state.stepper)
        self.buttons.param.update(tape=tape, next_tape=self._ahead(), quiz=self.state.quiz)

    def _on_training(self, event):
        self.buttons.disabled = event.new
        if not event.new:
            self._send()

    # ---- what the page says -------------------------------------------------------------
    def _on_message(self, msg):
        kind = msg.get("type")
        s = self.state
        if kind == "at":
            at = msg.get("id")
            if at not in self._tapes:
                return  # a tape the server has since replaced: its new one is on its way
            if not s.follow(msg.get("iteration", 0), msg.get("position", 0)):
                self._send()  # the stepper cannot get there: start the page afresh
            elif at == max(self._tapes):  # the page is on the tape sent ahead: send the next
                for old in [i for i in self._tapes if i < at - 1]:
                    del self._tapes[old]
                self.buttons.next_tape = self._ahead()
        elif kind == "step":
            s.step()
        elif kind == "back":
            s.back()
        elif kind == "finish":
            s.finish_iteration()
        elif kind == "reset":
            s.reset()
