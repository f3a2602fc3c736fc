"""Controls: the stepping buttons, play/pause with its speed, and the keyboard."""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from .entry import Clock, entry, linked, on_click
from .keyboard import KeyboardShortcuts
from .state import ExplorerState


class Controls(Viewer):
    """Next, Previous, Finish iteration, Play and Reset (their names are the testing
    contract), the speed slider, and → ← Space R."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        button = dict(height=44, sizing_mode="fixed", width=140,
                      stylesheets=[":host { font-size: 16px; }"])
        self.previous = pn.widgets.Button(label="Previous step", color="default", **button)
        self.next = pn.widgets.Button(label="Next step", color="primary", **button)
        self.finish = pn.widgets.Button(label="Finish iteration", color="default", **button)
        self.reset = pn.widgets.Button(label="Reset", color="warning", **{**button, "width": 90})
        self.play = pn.widgets.Button(label="Play", color="success", **{**button, "width": 90})
        self.speed = linked(pn.widgets.FloatSlider, s, "speed", label="Speed (steps/s)",
                            step=0.5, width=150)
        # Each looked up when pressed, so that a benchmark may wrap state.step to time it.
        actions = {"next": lambda: s.step(), "previous": lambda: s.back(),
                   "finish": lambda: s.finish_iteration(), "reset": lambda: s.reset(),
                   "play": self.toggle_play}
        for button_, name in ((self.previous, "previous"), (self.next, "next"),
                              (self.finish, "finish"), (self.reset, "reset"), (self.play, "play")):
            on_click(button_, actions[name])
        self.keyboard = KeyboardShortcuts()
        self.keyboard.on_key(entry(lambda key: actions[key]()))
        self.clock = Clock(self._tick, period=int(1000 / s.speed))
        s.param.watch(self._on_playing, "playing")
        s.param.watch(lambda e: setattr(self.clock, "period", int(1000 / e.new)), "speed")
        s.param.watch(self._sync_buttons, "stepped")
        self._sync_buttons()

    def __panel__(self):
        return pn.Row(self.previous, self.next, self.finish, self.play, self.reset, self.speed,
                      self.keyboard, sizing_mode="stretch_width")

    def toggle_play(self):
        self.state.playing = not self.state.playing

    def _sync_buttons(self, *events):
        self.previous.disabled = not self.state.stepper.can_go_back

    def _on_playing(self, event):
        self.play.label = "Pause" if event.new else "Play"
        self.play.color = "light" if event.new else "success"
        if event.new:
            self.clock.start()
        else:
            self.clock.stop()

    def _tick(self):
        if self.state.playing:
            self.state.step()
