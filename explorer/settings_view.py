"""The sidebar's settings: the network (preset, architecture, activations, λ, α,
initial weights, seed, mode) and the display (example shown, bias, numbers, edges)."""
from __future__ import annotations

import numpy as np
import panel as pn
import param
from panel.viewable import Viewer

from engine import presets

from .entry import linked, on_change
from .graph import NUMBERS_MAX_UNITS
from .state import ExplorerState

EXAMPLES_LISTED = 500  # the example selector lists at most this many
# The edge colouring's choices, named in each notation.
EDGES = {"theta": {"Edges: weight Θ": "theta", "Edges: gradient D": "grad"},
         "wb": {"Edges: weight W": "theta", "Edges: gradient dW": "grad"}}


def example_label(stepper, i: int) -> str:
    """ "x = (0, 1), y = 1": example i's inputs (the first six) and its target or class."""
    x = ", ".join(f"{v:.3g}" for v in stepper.X[i][:6])
    if stepper.X.shape[1] > 6:
        x += ", …"
    Y = stepper.Y[i]
    y = str(int(np.argmax(Y))) if Y.size > 1 and set(np.unique(Y)) <= {0.0, 1.0} else \
        ", ".join(f"{v:.3g}" for v in Y)
    return f"x = ({x}), y = {y}"


class Settings(Viewer):
    """The network's settings, one widget per ExplorerState parameter."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        toggle = dict(color="primary", variant="outline")
        self.widgets = {
            "preset": linked(pn.widgets.Select, s, "preset", label="Preset",
                             options={f"{k}: {v}": k for k, v in presets.names().items()}),
            "hidden_layers": linked(pn.widgets.TextInput, s, "hidden_layers",
                                    label="Hidden layers (units in each, e.g. 4, 3)"),
            "hidden": linked(pn.widgets.Select, s, "hidden", label="Hidden activation g"),
            "output": linked(pn.widgets.Select, s, "output", label="Output activation"),
            "loss": linked(pn.widgets.Select, s, "loss", label="Loss"),
            "lam": linked(pn.widgets.FloatInput, s, "lam", label="Regularisation λ", step=0.1),
            "learning_rate": linked(pn.widgets.FloatInput, s, "learning_rate",
                                    label="Learning rate α", step=0.1),
            "init": linked(pn.widgets.RadioButtonGroup, s, "init", label="Initial weights", **toggle),
            "seed": linked(pn.widgets.IntInput, s, "seed", label="Seed"),
            "mode": linked(pn.widgets.RadioButtonGroup, s, "mode", label="Mode", **toggle),
        }
        for w in self.widgets.values():
            w.sizing_mode = "stretch_width"

        def heading(text):  # button groups have no label of their own
            return pn.pane.HTML(f"<b>{text}</b>", margin=(8, 10, 0, 10))
        w = self.widgets
        self.box = pn.Column(  # one box, which a lesson's chapter may outline
            w["preset"], w["hidden_layers"], w["hidden"], w["output"], w["loss"], w["lam"],
            w["learning_rate"], heading("Initial weights"), w["init"], w["seed"],
            heading("Mode"), w["mode"], sizing_mode="stretch_width")

    def __panel__(self):
        return self.box


class ExampleSelector(Viewer):
    """Which training example's values the nodes show (follows the loop per example)."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        self.select = pn.widgets.Select(label="Example shown on the graph",
                                        sizing_mode="stretch_width")
        on_change(self.select, self._on_select)
        self.state.param.watch(self._sync, ["rebuilt", "example", "mode"])
        self.state.param.watch(self._follow, ["stepped", "followed"])
        self._data = None
        self._sync()

    def __panel__(self):
        return self.select

    def _follow(self, *events):
        if self.state.mode == "per_example" and self.select.value != self.state.example:
            self.select.value = self.state.example

    def _sync(self, *events):
        # The options only change with the data; a step just moves the value.
        s = self.state
        if self._data is not s.stepper.X:
            self._data = s.stepper.X
            self.select.options = {f"{i + 1}: {example_label(s.stepper, i)}": i
                                   for i in range(min(s.m, EXAMPLES_LISTED))}
        self.select.value = min(s.example, len(self.select.options) - 1)
        self.select.disabled = s.mode == "per_example"
        self.select.label = ("Example (follows the per-example loop)" if s.mode == "per_example"
                             else "Example shown on the graph")

    def _on_select(self, value):
        if value is not None and value != self.state.example:
            self.state.example = value


class Display(Viewer):
    """What the graph shows: which example, bias units, numbers, edge colouring."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.bias = linked(pn.widgets.Checkbox, s, "show_bias", label="Show bias units (+1)")
        self.numbers = linked(pn.widgets.Checkbox, s, "show_numbers",
                              label="Write a and δ on the nodes")
        self.edges = linked(pn.widgets.RadioButtonGroup, s, "edges_by",
                            options=EDGES[s.notation], color="primary", variant="outline")
        self.example = ExampleSelector(state=s)
        for w in (self.bias, self.numbers, self.edges):
            w.sizing_mode = "stretch_width"
        s.param.watch(self._sync, "reshaped")
        s.param.watch(self._notation, "notation")
        self._sync()
        if s.notation != "theta":
            self._notation()

    def _notation(self, *events):
        """W, b has no bias units to show (b is drawn on each unit), and names W and dW."""
        wb = self.state.notation == "wb"
        self.edges.options = EDGES[self.state.notation]
        self.bias.param.update(disabled=wb, label="Show bias units (+1)" if not wb else
                               "Bias units (W, b draws b under each unit)")

    def _sync(self, *events):
        small = max(self.state.network.sizes) <= NUMBERS_MAX_UNITS
        self.numbers.disabled = not small
        self.numbers.label = ("Write a and δ on the nodes" if small else
                              f"Numbers on nodes (only for nets up to {NUMBERS_MAX_UNITS} units "
                              "per layer)")

    def __panel__(self):
        return pn.Column(self.example, self.bias, self.numbers, self.edges,
                         sizing_mode="stretch_width")


class Teaching(Viewer):
    """Presenter mode, predict-first and the notation (README "Teaching with it")."""

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, **params):
        super().__init__(**params)
        s = self.state
        self.present = linked(pn.widgets.Checkbox, s, "present",
                              label="Presenter mode (large, for a projector)")
        self.quiz = linked(pn.widgets.Checkbox, s, "quiz",
                           label="Predict first (a question before each step's values)")
        self.notation = linked(pn.widgets.RadioButtonGroup, s, "notation",
                               options={"Θ, bias unit (notes)": "theta", "W, b": "wb"},
                               color="primary", variant="outline")
        for w in (self.present, self.quiz, self.notation):
            w.sizing_mode = "stretch_width"

    def __panel__(self):
        return pn.Column(self.present, self.quiz, self.notation, sizing_mode="stretch_width")
