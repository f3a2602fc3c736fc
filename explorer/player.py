"""The player: Next, Previous, Finish, Play and Reset, stepping in the page on a step tape.

The server records the iteration ahead as a step tape (tapes.py): what the graph,
the status line and the equation show after each step.  ``StepTape``, a small
JavaScript component, holds the tape and steps through it in the page: a click
puts the next frame into the graph's Bokeh models (``nodes``, ``edges``,
``delta_scale``, ``edge_scale``, ``step_band``) with no round trip, and the
texts (status line, legend, equation) into their LiveHTML components right
after the graph is painted; then it tells the server where it is ("at"), and
the server's stepper follows (``ExplorerState.follow``) for the views the page
does not draw.  The new values reach the server too, as any change made in the
page does, so both sides agree.

The tape of the iteration after is sent ahead, so stepping past the update
and "Finish iteration" at the end of an iteration stay in the page; the page
keeps the tape before, so "Previous step" goes back across the boundary.
Anything else that changes what is shown (settings, presets, files, a weight
edit, training, the example shown, α) is done by the server, which draws it
and sends a new tape.  While training runs the buttons are disabled.
"""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from .entry import entry, linked
from .graph_view import GraphView
from .keyboard import KeyboardShortcuts
from .state import ExplorerState
from .status import status_html
from .status_view import equation_latex
from .tapes import display_tape
from .trainer import Trainer


class StepTape(pn.custom.JSComponent):
    """The buttons, and the tape they step through in the page."""

    tape = param.Dict(default={}, doc="The tape the page steps on (tapes.py)")
    next_tape = param.Dict(default={}, doc="The tape after it, sent ahead")
    playing = param.Boolean(default=False, doc="Stepping on its own, ``speed`` steps a second")
    speed = param.Number(default=2.0)
    disabled = param.Boolean(default=False, doc="No stepping (while training runs)")

    _esm = """
    const KEY_EVENT = "backprop-explorer-key"
    const FRAME_EVENT = "backprop-explorer-frame"   // the texts of a frame, for LiveHTML
    const TEXTS = ["status", "legend", "latex"]

    export function render({ model }) {
      const named = (name) => model.document.get_model_by_name(name)
      let tape = null, next = null, prev = null
      let k = 0            // steps of the tape taken
      let shown = null     // the frame the page shows
      let waiting = false  // Next pressed at the end of the tape, before the next one came
      let timer = null

      const row = document.createElement("div")
      row.className = "player"
      const button = (label, kind, width, action) => {
        const b = document.createElement("button")
        b.textContent = label
        b.className = "bk-btn bk-btn-" + kind
        b.style.minWidth = width + "px"
        b.addEventListener("click", action)
        row.appendChild(b)
        return b
      }
      const previousButton = button("Previous step", "default", 120, back)
      const nextButton = button("Next step", "primary", 120, forward)
      const finishButton = button("Finish iteration", "default", 120, finish)
      const playButton = button("Play", "success", 80, () => { model.playing = !model.playing })
      const resetButton = button("Reset", "warning", 80, () => ask("reset"))

      function ask(what) { model.send_msg({ type: what }) }

      function frameAt(t, n) {
        const f = { ...t.first, nodes: { ...t.first.nodes }, edges: { ...t.first.edges } }
        for (let i = 0; i < n; i++) { merge(f, t.steps[i].frame) }
        return f
      }
      function merge(f, change) {
        for (const [key, value] of Object.entries(change)) {
          if (key === "nodes" || key === "edges") { Object.assign(f[key], value) } else { f[key] = value }
        }
      }
      const same = (a, b) => a === b || JSON.stringify(a) === JSON.stringify(b)

      // Put a frame into the page: the graph's models at once, only what differs from what
      // is shown; the texts (status, legend, equation) once the graph has been painted.
      function show(frame) {
        for (const name of ["nodes", "edges"]) {
          const changed = {}
          for (const [column, values] of Object.entries(frame[name])) {
            if (shown[name][column] !== values) { changed[column] = values }
          }
          if (Object.keys(changed).length) {
            const source = named(name)
            source.data = { ...source.data, ...changed }
          }
        }
        if (frame.dmax !== shown.dmax) { named("delta_scale").setv({ low: -frame.dmax, high: frame.dmax }) }
        if (frame.vmax !== shown.vmax) { named("edge_scale").setv({ low: -frame.vmax, high: frame.vmax }) }
        if (!same(frame.band, shown.band)) {
          const band = named("step_band")
          if (frame.band == null) { band.visible = false }
          else { band.setv({ left: frame.band[0], right: frame.band[1], visible: true }) }
        }
        const texts = {}
        for (const key of TEXTS) { if (frame[key] !== shown[key]) { texts[key] = frame[key] } }
        shown = frame
        if (Object.keys(texts).length) { after(() => announce(texts)) }
      }
      // Texts wait for the next frame; a newer frame's texts replace ones not yet shown.
      let pending = null
      function after(action) {
        if (pending == null) {
          requestAnimationFrame(() => setTimeout(() => { const run = pending; pending = null; run() }, 0))
        }
        pending = action
      }
      const announce = (texts) => document.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail: texts }))

      function place() { return k === 0 ? tape.origin : tape.steps[k - 1].at }
      function moved() {
        show(frameAt(tape, k))
        const [iteration, position] = place()
        model.send_msg({ type: "at", id: tape.id, iteration: iteration, position: position })
        sync()
      }
      function forward() {
        if (model.disabled || tape == null) { return }
        if (k < tape.steps.length) { k += 1; moved() }
        else if (next != null && next.steps.length) { prev = tape; tape = next; next = null; k = 1; moved() }
        else if (tape.error || !next) {
          if (tape.error) { ask("step") } else { waiting = true }  // the server says why / sends more
        }
      }
      function back() {
        if (model.disabled || tape == null) { return }
        if (k > 0) { k -= 1; moved() }
        else if (prev != null) { next = tape; tape = prev; prev = null; k = tape.steps.length - 1; moved() }
        else if (tape.back) { ask("back") }
      }
      function finish() {
        if (model.disabled || tape == null) { return }
        if (tape.ends && k < tape.steps.length) { k = tape.steps.length; moved() }
        else if (k === tape.steps.length && next != null && next.ends) {
          prev = tape; tape = next; next = null; k = tape.steps.length; moved()
        } else { ask("finish") }
      }
      function sync() {
        const stuck = k === 0 && prev == null && !(tape && tape.back)
        previousButton.disabled = model.disabled || stuck
        for (const b of [nextButton, finishButton, playButton, resetButton]) { b.disabled = model.disabled }
        playButton.textContent = model.playing ? "Pause" : "Play"
        playButton.className = "bk-btn bk-btn-" + (model.playing ? "light" : "success")
      }

      function newTape() {
        tape = model.tape; next = null; prev = null; k = 0; waiting = false
        row.dataset.tape = tape.id  // which tape the page is on, for tests (README)
        shown = frameAt(tape, 0)  // the server drew this point just before it sent the tape
        if (model.next_tape && model.next_tape.id === tape.id + 1) { next = model.next_tape }
        sync()
      }
      function newNext() {
        if (tape && model.next_tape && model.next_tape.id > tape.id) {
          next = model.next_tape
          if (waiting) { waiting = false; forward() }
        }
      }
      function play() {
        if (timer != null) { clearInterval(timer); timer = null }
        if (model.playing && !model.disabled) {
          timer = setInterval(forward, Math.max(20, 1000 / model.speed))
        }
        sync()
      }
      const onKey = (event) => {
        const action = event.detail.action
        if (action === "next") { forward() } else if (action === "previous") { back() }
        else if (action === "play") { model.playing = !model.playing } else if (action === "reset") { ask("reset") }
      }
      document.addEventListener(KEY_EVENT, onKey)

      model.on("tape", newTape)
      model.on("next_tape", newNext)
      model.on(["playing", "speed", "disabled"], play)
      model.on("remove", () => {
        document.removeEventListener(KEY_EVENT, onKey)
        if (timer != null) { clearInterval(timer) }
      })
      if (model.tape && model.tape.steps) { newTape(); newNext() }
      play()
      return row
    }
    """

    _stylesheets = ["""
    .player { display: flex; gap: 10px; align-items: center; }
    .player button { height: 44px; font-size: 16px; white-space: nowrap; flex: 0 0 auto;
                     padding: 0 14px; }
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
        self.buttons = StepTape(on_message=entry(self._on_message), width=600, height=50,
                                speed=s.speed)
        self.speed = linked(pn.widgets.FloatSlider, s, "speed", label="Speed (steps/s)",
                            step=0.5, width=150)
        self.keyboard = KeyboardShortcuts(in_page=True)
        self._count = 0
        # {id: engine Tape} of the tapes the page may be on: the one before, its tape, the
        # one after; the last is the newest.
        self._tapes = {}
        # After the views (precedence 0) have drawn: the tape starts from what they show.
        s.param.watch(self._send, ["stepped", "example", "learning_rate", "edges_by", "init"],
                      precedence=1)
        s.param.watch(lambda e: self.buttons.param.update(speed=e.new), "speed")
        s.param.watch(lambda e: setattr(self.buttons, "playing", e.new), "playing")
        self.buttons.param.watch(lambda e: setattr(s, "playing", e.new), "playing")
        self.trainer.param.watch(self._on_training, "running")
        self._send()

    def __panel__(self):
        return pn.FlexBox(self.buttons, self.speed, self.keyboard, flex_wrap="wrap",
                          align_items="center", sizing_mode="stretch_width")

    # ---- tapes ------------------------------------------------------------------------
    def frame(self, stepper) -> dict:
        """What the page shows at this stepper's point: the graph, the status, the equation."""
        return {**self.graph.frame(stepper), "status": status_html(stepper),
                "latex": equation_latex(stepper, self.state.example)}

    def _record(self, stepper, back=None) -> dict:
        self._count += 1
        page, tape = display_tape(stepper, self.frame, self._count, back=back)
        self._tapes[self._count] = tape
        return page

    def _ahead(self) -> dict:
        """The tape after the newest one."""
        return self._record(self._tapes[max(self._tapes)].end, back=True)

    def _send(self, *events):
        """A new tape from the stepper's point, and the one after it."""
        if self.trainer.running or self.state.matching:
            return  # training moves the stepper every frame: a tape when it stops; a
            # new network has its settings matched first, then ``stepped`` fires
        self._tapes.clear()
        tape = self._record(self.state.stepper)
        self.buttons.param.update(tape=tape, next_tape=self._ahead())

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
