"""The explorer's views: each renders part of an ExplorerState and nothing else."""
from __future__ import annotations

import re

import pandas as pd
import panel as pn
import param
from panel.viewable import Viewer

from engine import presets

from .equations import latex_for_step
from .graph_view import GraphView
from .keyboard import KeyboardShortcuts
from .literal import literal
from .state import ExplorerState
from .checker import GradientChecker
from .features_view import WeightImagesView
from .files_view import FilesView
from .matrix_view import MatrixView
from .plane_view import PlaneView
from .gradcheck_view import GradientCheckView
from .trainer import Trainer
from .training_view import TrainingView
from .updates import batched, linked, show, when_shown

TABLE_MAX = 12  # Θ^(l) tables are offered up to this many rows and columns

_PHASE_TITLE = {"forward": "Forward", "cost": "Cost", "backward": "Backward",
                "accumulate": "Accumulate", "update": "Update"}


def step_symbol(step) -> str:
    """What a step computed, in the notes' notation (HTML)."""
    if step is None:
        return "ready"
    l = step.layer
    return {
        "forward": f"z<sup>({l})</sup>, a<sup>({l})</sup>",
        "cost": "J(Θ)",
        "output_delta": f"δ<sup>({l})</sup>",
        "hidden_delta": f"δ<sup>({l})</sup>",
        "accumulate": f"Δ<sup>({l})</sup>",
        "gradient": "D = Δ/m + (λ/m)Θ",
        "update": "Θ := Θ − αD",
    }[step.kind]


def status_text(stepper) -> str:
    """E.g. "Backward · δ^(2) · layer 2 of 4 · iteration 3 · example 2/4"."""
    step = stepper.last_step
    parts = [f"<b>{_PHASE_TITLE[step.phase] if step else 'Start'}</b>", step_symbol(step)]
    if step is not None and step.layer is not None:
        parts.append(f"layer {step.layer} of {stepper.L}")
    parts.append(f"iteration {stepper.iteration}")
    parts.append(f"step {stepper.position}/{stepper.steps_per_iteration}")
    if stepper.mode == "per_example":
        parts.append(f"example {stepper.example + 1}/{stepper.m}")
    return " · ".join(parts)


def notation_html(text: str) -> str:
    """The engine's plain-text notation as HTML: z^(3) -> z<sup>(3)</sup>, the rest literal."""
    parts = re.split(r"\^\((\w+)\)", text)  # text, superscript, text, ...
    return "".join(literal(p) if k % 2 == 0 else f"<sup>({literal(p)})</sup>"
                   for k, p in enumerate(parts))


class Controls(Viewer):
    """Stepping buttons, play/pause with speed, and the example selector."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        button = dict(height=44, sizing_mode="fixed", width=140, stylesheets=[":host { font-size: 16px; }"])
        self.previous = pn.widgets.Button(label="Previous step", color="default", **button)
        self.next = pn.widgets.Button(label="Next step", color="primary", **button)
        self.finish = pn.widgets.Button(label="Finish iteration", color="default", **button)
        self.reset = pn.widgets.Button(label="Reset", color="warning", **{**button, "width": 90})
        self.play = pn.widgets.Button(label="Play", color="success", **{**button, "width": 90})
        self.speed = linked(pn.widgets.FloatSlider, s, "speed", label="Speed (steps/s)",
                                                       step=0.5, width=150)
        self.previous.on_click(lambda e: s.back())
        self.next.on_click(lambda e: s.step())
        self.finish.on_click(lambda e: s.finish_iteration())
        self.reset.on_click(lambda e: s.reset())
        self.play.on_click(lambda e: setattr(s, "playing", not s.playing))
        self._timer = None
        s.param.watch(self._on_playing, "playing")
        s.param.watch(self._on_speed, "speed")
        s.param.watch(self._sync_buttons, "version")
        self.keyboard = KeyboardShortcuts()
        self.keyboard.param.watch(self._on_key, "presses")
        self._sync_buttons()

    def __panel__(self):
        return pn.Row(self.previous, self.next, self.finish, self.play, self.reset, self.speed,
                      self.keyboard, sizing_mode="stretch_width")

    def _on_key(self, event):
        action = self.keyboard.last_key
        s = self.state
        if action == "next":
            s.step()
        elif action == "previous":
            s.back()
        elif action == "play":
            s.playing = not s.playing
        elif action == "reset":
            s.reset()

    def _sync_buttons(self, *events):
        self.previous.disabled = not self.state.stepper.can_go_back

    def _on_playing(self, event):
        self.play.label = "Pause" if event.new else "Play"
        self.play.color = "light" if event.new else "success"
        if event.new:
            self._timer = pn.state.add_periodic_callback(
                self._tick, period=int(1000 / self.state.speed))
        elif self._timer is not None:
            self._timer.stop()
            self._timer = None

    def stop_timer(self):
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _on_speed(self, event):
        if self._timer is not None:
            self._timer.period = int(1000 / event.new)

    def _tick(self):
        if self.state.playing:
            self.state.step()


class ExampleSelector(Viewer):
    """Which training example's values the nodes show (follows the loop per example)."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.select = pn.widgets.Select(label="Example shown on the graph", sizing_mode="stretch_width")
        self.select.param.watch(self._on_select, "value")
        self.state.param.watch(self._sync, ["structure", "rebuilt", "example", "mode"])
        self.state.param.watch(self._follow, "version")
        self._sync()

    def _follow(self, *events):
        if self.state.mode == "per_example" and self.select.value != self.state.example:
            self.select.value = self.state.example

    def __panel__(self):
        return self.select

    def _sync(self, *events):
        # The options only change with the data; a step just moves the value.
        s = self.state
        if getattr(self, "_data", None) is not s.stepper.X:
            self._data = s.stepper.X
            self.select.options = {f"{i + 1}: {s.example_label(i)}": i for i in range(min(s.m, 500))}
        options = self.select.options
        self.select.value = min(s.example, len(options) - 1)
        self.select.disabled = s.mode == "per_example"
        self.select.label = ("Example (follows the per-example loop)" if s.mode == "per_example"
                            else "Example shown on the graph")

    def _on_select(self, event):
        if event.new is not None and event.new != self.state.example:
            self.state.example = event.new


class StatusLine(Viewer):
    """Phase, layer, iteration and example, and the engine's one-line description."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.html = pn.pane.HTML(sizing_mode="stretch_width", margin=(0, 10),
                                 stylesheets=[":host { font-size: 19px; }"])
        self.state.param.watch(self._update, "version")
        self._update()

    def __panel__(self):
        return self.html

    @batched
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
        self.state.param.watch(self._update, ["version", "example", "structure"])
        self._update()

    def __panel__(self):
        return self.latex

    @batched
    def _update(self, *events):
        s = self.state
        example = s.stepper.example if s.mode == "per_example" else s.example
        self.latex.object = "$$" + latex_for_step(s.stepper, example) + "$$"


class Settings(Viewer):
    """The sidebar: preset, architecture, activations, loss, λ, α, init, seed, mode."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        names = presets.names()
        self.preset = linked(
            pn.widgets.Select, self.state, "preset", label="Preset", options={f"{k}: {v}": k for k, v in names.items()})
        self.widgets = [
            self.preset,
            linked(pn.widgets.TextInput, self.state, "hidden_layers", label="Hidden layers (units in each, e.g. 4, 3)"),
            linked(pn.widgets.Select, self.state, "hidden", label="Hidden activation g"),
            linked(pn.widgets.Select, self.state, "output", label="Output activation"),
            linked(pn.widgets.Select, self.state, "loss", label="Loss"),
            linked(pn.widgets.FloatInput, self.state, "lam", label="Regularisation λ", step=0.1),
            linked(pn.widgets.FloatInput, self.state, "learning_rate", label="Learning rate α", step=0.1),
            linked(pn.widgets.RadioButtonGroup, self.state, "init", label="Initial weights", color="primary",
                                                   variant="outline"),
            linked(pn.widgets.IntInput, self.state, "seed", label="Seed"),
            linked(pn.widgets.RadioButtonGroup, self.state, "mode", label="Mode", color="primary",
                                                   variant="outline"),
        ]

        for w in self.widgets:
            w.sizing_mode = "stretch_width"

    def __panel__(self):
        w = self.widgets
        label = lambda text: pn.pane.HTML(f"<b>{text}</b>", margin=(8, 10, 0, 10))
        return pn.Column(
            *w[:5], w[5], w[6], label("Initial weights"), w[7], w[8], label("Mode"), w[9],
            sizing_mode="stretch_width")


class Display(Viewer):
    """What the graph shows: bias units, numbers, edge colouring, which example."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.bias = linked(pn.widgets.Checkbox, self.state, "show_bias", label="Show bias units (+1)")
        self.numbers = linked(pn.widgets.Checkbox, self.state, "show_numbers", label="Write a and δ on the nodes")
        self.edges = linked(
            pn.widgets.RadioButtonGroup, self.state, "edges_by", options={"Edges: weight Θ": "theta", "Edges: gradient D": "grad"},
            color="primary", variant="outline")
        self.example = ExampleSelector(state=self.state)
        for w in (self.bias, self.numbers, self.edges):
            w.sizing_mode = "stretch_width"
        self.state.param.watch(self._sync, "structure")
        self._sync()

    def _sync(self, *events):
        small = max(self.state.network.sizes) <= 30
        self.numbers.disabled = not small
        self.numbers.label = ("Write a and δ on the nodes" if small
                             else "Numbers on nodes (only for nets up to 30 units per layer)")

    def __panel__(self):
        return pn.Column(self.example, self.bias, self.numbers, self.edges, sizing_mode="stretch_width")


class WeightEditor(Viewer):
    """Edit one weight Θ_ji^(l): in a table of Θ^(l), or by clicking an edge."""

    state = param.ClassSelector(class_=ExplorerState)
    graph = param.ClassSelector(class_=GraphView)

    def __init__(self, **params):
        super().__init__(**params)
        self.layer = pn.widgets.Select(label="Weight matrix", width=140)
        self.j = pn.widgets.IntInput(label="j (to unit)", start=1, width=90)
        self.i = pn.widgets.IntInput(label="i (from unit, 0 = bias)", start=0, width=140)
        self.value = pn.widgets.FloatInput(label="New value", width=110)
        self.apply = pn.widgets.Button(label="Set weight", color="primary", width=110,
                                       align="end")
        self.table = pn.widgets.Tabulator(pd.DataFrame(), show_index=True, sizing_mode="stretch_width",
                                          height=170, disabled=False, selectable=False)
        self.note = pn.pane.HTML(margin=(0, 10), styles={"color": "#555"})
        self.apply.on_click(self._apply)
        self.table.on_edit(self._on_edit)
        self.layer.param.watch(self._show, "value")
        for w in (self.j, self.i):
            w.param.watch(self._fill_value, "value")
        self.state.param.watch(self._sync_layers, "structure")
        self.state.param.watch(self._show, "version")
        self.graph.param.watch(self._on_edge, "selected_edge")
        self._sync_layers()

    def __panel__(self):
        return pn.Column(pn.Row(self.layer, self.j, self.i, self.value, self.apply),
                         self.table, self.note, sizing_mode="stretch_width")

    def _sync_layers(self, *events):
        L = self.state.network.L
        self.layer.options = {f"Θ^({l})": l for l in range(1, L)}
        self.layer.value = 1
        self._show()

    def _theta(self):
        return self.state.network.theta(self.layer.value or 1)

    @when_shown
    def _show(self, *events):
        theta = self._theta()
        l = self.layer.value or 1
        self.j.end, self.i.end = theta.shape[0], theta.shape[1] - 1
        small = max(theta.shape) <= TABLE_MAX
        if small:
            frame = pd.DataFrame(theta, columns=[f"i={i}" + (" (bias)" if i == 0 else "")
                                                 for i in range(theta.shape[1])],
                                 index=[f"j={j}" for j in range(1, theta.shape[0] + 1)])
            self.table.value = frame
        self.table.visible = small
        self.note.object = (f"Θ<sup>({l})</sup> is {theta.shape[0]} × {theta.shape[1]}: "
                            + ("edit a cell, or click an edge on the graph." if small else
                               "too big for a table; click an edge or choose j and i."))
        self._fill_value()

    def _fill_value(self, *events):
        theta = self._theta()
        j, i = self.j.value or 1, self.i.value or 0
        if 1 <= j <= theta.shape[0] and 0 <= i < theta.shape[1]:
            self.value.value = float(theta[j - 1, i])

    def _on_edge(self, event):
        if event.new:
            l, j, i = event.new
            self.layer.value = l
            self.j.value, self.i.value = j, i
            self._fill_value()

    def _apply(self, event=None):
        self.state.set_weight(self.layer.value, self.j.value, self.i.value, self.value.value)

    def _on_edit(self, event):
        j = int(str(event.row)) + 1 if not isinstance(event.row, str) else int(event.row[2:])
        i = int(event.column.split("=")[1].split(" ")[0])
        self.state.set_weight(self.layer.value, j, i, float(event.value))


class Explorer(Viewer):
    """The whole explorer for one session: works served and in a notebook."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, preset: str | None = None, **params):
        if "state" not in params:
            # Presets are read-only and the same for every session: build each once.
            params["state"] = ExplorerState(preset=preset, load_preset=pn.cache(presets.load))
        super().__init__(**params)
        s = self.state
        self.graph = GraphView(state=s)
        self.controls = Controls(state=s)
        self.status = StatusLine(state=s)
        self.equation = EquationView(state=s)
        self.settings = Settings(state=s)
        self.display = Display(state=s)
        self.weights = WeightEditor(state=s, graph=self.graph)
        self.trainer = Trainer(state=s)
        self.training = TrainingView(trainer=self.trainer)
        self.plane = PlaneView(state=s)
        self.weight_images = WeightImagesView(state=s)
        self.matrices = MatrixView(state=s)
        self.files = FilesView(state=s)
        self.checker = GradientChecker(state=s)
        self.gradcheck = GradientCheckView(checker=self.checker, graph=self.graph)
        self.copy_link = pn.widgets.Button(
            label="Copy link", color="default", sizing_mode="stretch_width",
            description="Copy a link that opens this preset with these settings")
        # The address bar always holds the link (links.py); copy it in the browser.
        self.copy_link.js_on_click(code="""
            navigator.clipboard.writeText(window.location.href).then(
              () => { cb_obj.label = 'Link copied ✓'; setTimeout(() => cb_obj.label = 'Copy link', 2000) },
              () => { window.prompt('Copy this link:', window.location.href) })
        """)
        self.message = pn.pane.Alert("", alert_type="info", visible=False, sizing_mode="stretch_width",
                                     margin=(0, 10))
        s.param.watch(self._on_notice, "notice")
        if s.notice[2]:
            self._on_notice(None)

    def _on_notice(self, event):
        _, kind, text = self.state.notice
        # Messages quote links, file names and exceptions: the Alert renders Markdown.
        self.message.object = literal(text)
        self.message.alert_type = {"error": "danger", "success": "success"}.get(kind, "info")
        self.message.visible = bool(text)
        notifications = pn.state.notifications
        if notifications is not None and text:
            getattr(notifications, kind)(literal(text), duration=0 if kind == "error" else 4000)

    def close(self):
        """Release the session: stop timers and worker threads, drop the history.

        Called when the browser session ends (``pn.state.on_session_destroyed``).
        """
        self.state.playing = False
        self.trainer.cancel()
        self.checker.clear()
        self.controls.stop_timer()
        self.training.stop_timer()
        self.state.stepper = None

    @property
    def sidebar(self):
        return [pn.pane.HTML("<h3>Network</h3>", margin=(0, 10)), self.settings, self.copy_link,
                pn.pane.HTML("<h3>Display</h3>", margin=(0, 10)), self.display,
                pn.pane.HTML("<h3>Files</h3>", margin=(0, 10)), self.files]

    @property
    def main(self):
        self.tabs = pn.Tabs(
            ("Equation", self.equation), ("Train", self.training),
            ("Input plane & features", pn.Column(self.plane, self.weight_images,
                                                 sizing_mode="stretch_width")),
            ("Matrices", self.matrices), ("Gradient check", self.gradcheck),
            ("Edit weights", self.weights),
            sizing_mode="stretch_width", dynamic=True)
        self.tabs.param.watch(lambda e: self._show_tab(), "active")
        self._show_tab()
        return [pn.Column(self.controls, self.status, self.message, self.graph, self.tabs,
                          sizing_mode="stretch_width")]

    def _show_tab(self):
        """Views in hidden tabs skip their updates (stepping stays fast) until shown."""
        active = self.tabs.active
        show(self.training, active == 1)
        show(self.plane, active == 2)
        show(self.weight_images, active == 2)
        show(self.matrices, active == 3)
        show(self.weights, active == 5)

    def __panel__(self):
        return pn.Row(pn.Column(*self.sidebar, width=320),
                      pn.Column(*self.main, sizing_mode="stretch_both"),
                      sizing_mode="stretch_both")
