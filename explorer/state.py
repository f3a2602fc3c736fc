"""ExplorerState: everything one browser session knows, with no Panel in sight.

The settings (preset, architecture, activations, λ, α, ...) are parameters,
and so is what they built: the engine ``Stepper`` with its network and
training data, and the held-out test data.  Views listen to three events:

* ``stepped``: the stepper's values changed (a step, an undo, a reset, a
  weight edit, training progress, or any of the below);
* ``rebuilt``: a new network or data set replaced the old one;
* ``reshaped``: ... and the network's shape or the data changed, so views
  whose layout depends on them lay themselves out again.

A view showing α or the example selected watches ``learning_rate`` or
``example`` too: changing them moves no value of the stepper.

The page can also step on its own, replaying a step tape (player.py); then
``follow`` moves the stepper to where the page got to and fires ``followed``
instead of ``stepped``: the page has drawn the graph, status and equation
itself, and only the other views catch up.

A message for the user goes in ``notice`` (``say``).  A setting the engine
refuses puts its message there and puts the setting back, so the old network
stays.  Files and links are helpers that take a state (files.py, links.py).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import param

from engine import Network, Stepper, presets
from engine.activations import HIDDEN, OUTPUT
from engine.losses import LOSSES
from engine.network import INITS
from engine.stepper import MODES

from .budget import Budget

# Settings that keep Θ's shapes: changing one carries the current weights over.
_KEEP_WEIGHTS = ("hidden", "output", "loss", "lam")
# Settings that draw new weights.
_NEW_WEIGHTS = ("hidden_layers", "init", "seed")


def parse_hidden_layers(text: str) -> list[int]:
    """"4, 3" -> [4, 3]; "" or "none" -> [] (no hidden layer)."""
    text = (text or "").strip()
    if text.lower() in ("", "none", "-"):
        return []
    try:
        return [int(part) for part in text.replace(" ", ",").split(",") if part]
    except ValueError:
        raise ValueError(
            f"Hidden layers must be whole numbers separated by commas, e.g. 4, 3; got {text!r}."
        ) from None


def format_hidden_layers(sizes) -> str:
    return ", ".join(str(s) for s in sizes[1:-1]) or "none"


class ExplorerState(param.Parameterized):
    preset = param.Selector(objects=list(presets.names()), default="xnor", doc="Preset network and data")
    hidden_layers = param.String(default="2", doc="Units in each hidden layer, e.g. 4, 3")
    hidden = param.Selector(objects=list(HIDDEN), default="sigmoid", doc="Hidden activation g")
    output = param.Selector(objects=list(OUTPUT), default="sigmoid", doc="Output activation")
    loss = param.Selector(objects=list(LOSSES), default="cross_entropy")
    lam = param.Number(default=0.0, doc="Regularisation λ")
    learning_rate = param.Number(default=1.0, doc="Learning rate α")
    init = param.Selector(objects=list(INITS), default="random")
    seed = param.Integer(default=0)
    mode = param.Selector(objects=list(MODES), default="batch")

    weights = param.Selector(objects=["preset", "random"], default="preset",
                             doc="Where the starting weights came from: the preset, or init and seed")
    test_fraction = param.Number(default=0.0, bounds=(0.0, 0.5), step=0.05,
                                 doc="Share of the data held out as a test set")

    example = param.Integer(default=0, bounds=(0, None), doc="Example shown on the graph (0-based)")
    show_bias = param.Boolean(default=True, doc="Show bias units")
    show_numbers = param.Boolean(default=True, doc="Write a and δ on the nodes")
    edges_by = param.Selector(objects=["theta", "grad"], default="theta",
                              doc="Colour edges by the weight Θ or the gradient D")
    playing = param.Boolean(default=False)
    speed = param.Number(default=2.0, bounds=(0.5, 20.0), doc="Steps per second while playing")

    # Teaching (README "Teaching with it"): none of these changes a value of the stepper.
    present = param.Boolean(default=False, doc="Presenter mode: large type for a projector, "
                                               "the sidebar collapsed")
    notation = param.Selector(objects=["theta", "wb"], default="theta",
                              doc="Θ with a bias unit (the notes), or W, b (W^[l] = Θ^(l)[:, 1:], "
                                  "b^[l] = Θ^(l)[:, 0], input layer 0)")
    quiz = param.Boolean(default=False, doc="Predict first: Next step asks a question about "
                                            "the step before it shows its values")
    lesson = param.Parameter(default=None, doc="The lesson followed (lesson.Lesson), or None")
    lesson_name = param.String(default="", doc="Its name in a link (lesson=notes); empty for a "
                                               "lesson loaded from a file, which no link can name")
    chapter = param.Integer(default=1, bounds=(1, None), doc="The lesson's chapter, from 1")

    # What the settings built; replaced through replace(), never changed in place.
    stepper = param.ClassSelector(class_=Stepper, allow_None=True, doc="The network, the "
                                  "training data and the point reached in the iteration")
    X_test = param.Array(default=None, allow_None=True, doc="Held-out examples (None: no test set)")
    Y_test = param.Array(default=None, allow_None=True)
    image_shape = param.Tuple(default=None, allow_None=True, length=2,
                              doc="(rows, columns) when each input row is an image")

    stepped = param.Event(doc="The values shown changed")
    followed = param.Event(doc="The page stepped on its own step tape, and the stepper followed: "
                               "views the page does not draw catch up")
    rebuilt = param.Event(doc="A new network or data set replaced the old")
    reshaped = param.Event(doc="The network's shape or the data changed: lay the views out again")
    notice = param.Tuple(default=(0, "info", ""), length=3,
                         doc="(counter, 'info' | 'success' | 'error', text) of the latest message")

    def __init__(self, preset: str | None = None, load_preset=presets.load,
                 budget: Budget | None = None, **params):
        """``load_preset(name)`` builds a Preset; the app passes a cached one.  ``budget``:
        the most this session may hold (budget.py; the defaults unless the server says)."""
        super().__init__(**params)
        self._load = load_preset
        self.budget = budget or Budget()
        self._matching = False
        self._count = 0
        try:
            self._load_preset(preset or self.preset)
        except ValueError as error:
            self._load_preset("xnor")
            self.say("error", f"{error} Showing xnor instead.")
        self.param.watch(self._on_preset, "preset")
        self.param.watch(self._on_setting, [*_KEEP_WEIGHTS, *_NEW_WEIGHTS, "mode"])
        self.param.watch(self._on_learning_rate, "learning_rate")
        self.param.watch(self._on_example, "example")
        self.param.watch(self._on_test_fraction, "test_fraction")

    # ---- messages -----------------------------------------------------------
    def say(self, kind: str, text: str):
        self._count += 1
        self.notice = (self._count, kind, text)

    # ---- what views read ----------------------------------------------------
    @property
    def network(self) -> Network:
        return self.stepper.network

    @property
    def m(self) -> int:
        return self.stepper.m

    def _stepped(self, *also):
        """Tell the views; in the per-example loop the example shown is the loop's."""
        if self.mode == "per_example":
            with param.discard_events(self):
                self.example = self.stepper.example
        self.param.trigger("stepped", *also)

    # ---- stepping ---------------------------------------------------------------
    def _run(self, action, *args):
        try:
            result = action(*args)
        except ValueError as error:
            self.playing = False
            self.say("error", str(error))
            return None
        self._stepped()
        return result

    def step(self):
        return self._run(self.stepper.step)

    def back(self):
        if not self.stepper.can_go_back:
            self.say("info", "Nothing to undo: this is the oldest step kept.")
            return False
        return self._run(self.stepper.back)

    def finish_iteration(self):
        return self._run(self.stepper.run_iteration)

    def reset(self):
        self.playing = False
        return self._run(self.stepper.reset)

    def set_weight(self, l: int, j: int, i: int, value: float):
        return self._run(self.stepper.set_weight, l, j, i, value)

    def follow(self, iteration: int, position: int, limit: int = 100_000) -> bool:
        """Step or step back to (iteration, position), where the page's step tape got to.

        False (and nothing fired) when the stepper cannot get there: no such point
        ahead within ``limit`` steps, or the history does not reach back to it."""
        s = self.stepper
        target = (int(iteration), int(position))
        start = (s.iteration, s.position)
        for _ in range(limit):
            here = (s.iteration, s.position)
            if here == target:
                break
            try:
                if here < target:
                    s.step()
                elif not s.back():
                    return False
            except ValueError:  # a step the stepper refuses: the page cannot be there
                return False
        else:
            return False
        if (s.iteration, s.position) == start:
            return True
        if self.mode == "per_example":
            with param.discard_events(self):
                self.example = s.example
        self.param.trigger("followed")
        return True

    def jump(self, net: Network, iterations: int, description: str = ""):
        """Carry on from weights trained elsewhere (the trainer's), ``iterations`` further on."""
        return self._run(self.stepper.jump, net, iterations, description)

    # ---- replacing the network or the data ------------------------------------------
    @property
    def matching(self) -> bool:
        """True while the settings are set to describe a network already built: a change
        of setting then is no request to rebuild (the events at the end tell the views)."""
        return self._matching

    @contextmanager
    def _matching_settings(self):
        """Set settings to describe a network built already, without rebuilding it."""
        self._matching = True
        try:
            yield
        finally:
            self._matching = False

    def replace(self, stepper: Stepper, X_test=None, Y_test=None, message: str = "",
                reshaped: bool = True, test_fraction: float | None = None):
        """Switch to a new stepper (and test set), make the settings describe it, say so.

        ``reshaped``: the network's shape or the data changed, so views lay themselves
        out again.  ``test_fraction``: the share held out, as asked (by default counted
        from the data).  The example shown stays when the data does."""
        net = stepper.network
        old = self.stepper
        # Undo history gets what the budget leaves of the session's memory.
        stepper.max_history_bytes = self.budget.history_bytes(net.sizes, stepper.m)
        same_data = (old is not None and old.X.shape == stepper.X.shape
                     and np.array_equal(old.X, stepper.X))
        if test_fraction is None:
            test_fraction = 0.0 if X_test is None else len(X_test) / (len(X_test) + stepper.m)
        low, high = self.param.test_fraction.bounds
        with self._matching_settings():
            self.param.update(
                stepper=stepper, X_test=X_test, Y_test=Y_test,
                hidden_layers=format_hidden_layers(net.sizes), hidden=net.hidden,
                output=net.output, loss=net.loss, lam=net.lam,
                learning_rate=stepper.learning_rate, mode=stepper.mode, playing=False,
                test_fraction=min(max(round(test_fraction, 3), low), high))
        self.param.example.bounds = (0, stepper.m - 1)
        with param.discard_events(self):  # the views redraw on the events below, with it
            self.example = min(self.example, stepper.m - 1) if same_data else 0
        if self.image_shape and int(np.prod(self.image_shape)) != net.sizes[0]:
            self.image_shape = None
        if message:
            self.say("success", message)
        self._stepped("rebuilt", *(["reshaped"] if reshaped else []))

    def detached(self) -> "ExplorerState":
        """A state of its own at this one's point: its network, data, settings and notation,
        its stepper a fork.  Stepping it, or views drawing it, leave this one as it is
        (the walkthrough file and Explorer.check draw on one)."""
        own = ExplorerState(preset=self.preset, load_preset=self._load, budget=self.budget)
        own.replace(self.stepper.fork(), self.X_test, self.Y_test, test_fraction=self.test_fraction)
        with own._matching_settings():  # they describe the network given: no rebuild
            own.param.update(image_shape=self.image_shape, init=self.init, seed=self.seed,
                             weights=self.weights, notation=self.notation,
                             show_bias=self.show_bias, show_numbers=self.show_numbers,
                             edges_by=self.edges_by, speed=self.speed)
        with param.discard_events(own):  # the graph is drawn from it afterwards
            own.example = self.example if self.mode == "batch" else own.stepper.example
        return own

    # ---- presets and the test split ----------------------------------------------
    def _split(self, preset, fraction):
        """Training and test data: the preset's own split, or all its data
        split (with a fixed seed) so that ``fraction`` of it is held out."""
        X_test = getattr(preset, "X_test", None)
        X, Y = preset.X, preset.Y
        if X_test is not None:  # presets with a held-out set: pool, then split as asked
            X, Y = np.concatenate([X, X_test]), np.concatenate([preset.Y, preset.Y_test])
        if fraction <= 0:
            return X, Y, None, None
        return presets.split(X, Y, test_fraction=fraction, seed=0)

    def _test_targets(self, stepper, X_test, Y_test):
        return None if X_test is None else stepper.network.check_targets(Y_test, len(X_test))

    def _load_preset(self, name: str, message: str = ""):
        preset = self._load(name)
        X_test = getattr(preset, "X_test", None)
        m = len(preset.X) + (0 if X_test is None else len(X_test))
        fraction = len(X_test) / m if X_test is not None else 0.2 if m >= 50 else 0.0
        X, Y, X_test, Y_test = self._split(preset, fraction)
        self.budget.check(preset.network.sizes, len(X))
        stepper = Stepper(preset.network, X, Y, learning_rate=preset.learning_rate,
                          mode=preset.mode)
        Y_test = self._test_targets(stepper, X_test, Y_test)
        self._preset = preset
        with self._matching_settings():
            self.param.update(preset=name, init="random", seed=0, weights="preset",
                              image_shape=getattr(preset, "image_shape", None))
        self.replace(stepper, X_test, Y_test, message, test_fraction=fraction)

    def _on_preset(self, event):
        if self._matching:
            return
        try:
            self._load_preset(event.new, f"Loaded preset {event.new}: "
                                         f"{presets.names()[event.new]}.")
        except ValueError as error:
            self._revert([event], str(error))

    def _on_test_fraction(self, event):
        if self._matching:
            return
        try:
            X, Y, X_test, Y_test = self._split(self._preset, event.new)
            self.budget.check(self.network.sizes, len(X))  # m grows as less is held out
            stepper = Stepper(self.stepper.network, X, Y, learning_rate=self.learning_rate,
                              mode=self.mode)
            Y_test = self._test_targets(stepper, X_test, Y_test)
        except ValueError as error:
            self._revert([event], str(error))
            return
        held = "no test set" if X_test is None else f"{len(X_test)} held out for testing"
        self.replace(stepper, X_test, Y_test, f"Split the data: {stepper.m} training examples, "
                                              f"{held}. Stepping starts again at iteration 1.",
                     test_fraction=event.new)

    def _revert(self, events, message):
        """Put settings back after the engine refused them, and say why."""
        with self._matching_settings():
            self.param.update(**{e.name: e.old for e in events})
        self.say("error", f"{message} The network was not changed.")

    # ---- settings that rebuild the network ------------------------------------------
    def _build_network(self, changed, new_weights) -> tuple[Network, str, bool]:
        """(network, how its weights came about, whether they are newly drawn)."""
        current = self.stepper.network
        settings = dict(hidden=self.hidden, output=self.output, loss=self.loss, lam=self.lam)
        if not new_weights and not set(changed) & set(_NEW_WEIGHTS):
            return current.with_settings(**settings), "kept the current weights", False
        sizes = [current.sizes[0], *parse_hidden_layers(self.hidden_layers), current.sizes[-1]]
        self.budget.check(sizes, self.stepper.m)  # before a network too big is built
        net = Network(sizes, init=self.init, seed=self.seed, **settings)
        return net, f"new {self.init} weights (seed {self.seed})", True

    def rebuild(self, changed=(), new_weights: bool = False, events=()):
        """A network from the settings, on the same data: with the current weights when
        only ``changed`` settings that keep Θ's shapes changed, else newly drawn ones
        (also when ``new_weights``).  Refused settings are put back (``events``)."""
        try:
            net, how, drawn = self._build_network(changed, new_weights)
            stepper = Stepper(net, self.stepper.X, self.stepper.Y,
                              learning_rate=self.learning_rate, mode=self.mode)
        except ValueError as error:
            self._revert(events, str(error))
            return
        reshaped = net.sizes != self.stepper.network.sizes
        if drawn:
            with param.discard_events(self):
                self.weights = "random"
        what = ", ".join(f"{name} = {getattr(self, name)}" for name in changed)
        self.replace(stepper, self.X_test, self.Y_test,
                     f"Rebuilt the network ({'-'.join(map(str, net.sizes))}) with {what}; {how}. "
                     "Stepping starts again at iteration 1.", reshaped=reshaped)

    def draw_weights(self):
        """New weights from the init and seed settings (a link's ``weights=random``)."""
        self.rebuild(("init", "seed"), new_weights=True)

    def _on_setting(self, *events):
        if not self._matching:
            self.rebuild([e.name for e in events], events=events)

    def _on_learning_rate(self, event):
        if self._matching:
            return
        try:
            self.stepper.learning_rate = event.new
        except ValueError as error:
            self._revert([event], str(error))
            return
        self.say("info", f"α = {event.new:g} from the next update on.")

    def _on_example(self, event):
        if self._matching:
            return
        if self.mode == "per_example" and event.new != self.stepper.example:
            # In the per-example loop the graph follows the loop, not the user.
            with param.discard_events(self):
                self.example = self.stepper.example
            self.say("info", "In per-example mode the graph follows the loop's current example.")
