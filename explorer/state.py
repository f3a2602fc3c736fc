"""ExplorerState: everything one browser session knows, with no Panel in sight.

It wraps an engine ``Stepper`` and the settings that build it.  Views watch
``version`` (bumped after anything that changes what is shown) and
``structure`` (bumped when the network's shape changes, so the graph must be
laid out again), and show ``notice`` as a notification.  A setting that
would make an invalid network puts the engine's message in ``notice`` and
puts the setting back, so the old network stays.
"""
from __future__ import annotations

import numpy as np
import param

from engine import Network, Stepper, presets
from engine.activations import HIDDEN, OUTPUT
from engine.losses import LOSSES
from engine.stepper import MODES
from engine.network import INITS

# Settings that keep Θ's shapes: changing one carries the current weights over.
_KEEP_WEIGHTS = ("hidden", "output", "loss", "lam")
# Settings that draw new weights.
_NEW_WEIGHTS = ("hidden_layers", "init", "seed")


class _Event:
    """Stands in for a param event when a rebuild is asked for directly."""
    def __init__(self, name):
        self.name = name


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

    version = param.Integer(default=0, doc="Bumped after every change of what is shown")
    rebuilt = param.Integer(default=0, doc="Bumped when a new network or data set replaces the old")
    structure = param.Integer(default=0, doc="Bumped when the network's shape changes")
    notice = param.Tuple(default=(0, "info", ""), length=3,
                         doc="(counter, 'info' | 'success' | 'error', text) of the latest message")

    def __init__(self, preset: str | None = None, load_preset=presets.load, **params):
        """``load_preset(name)`` builds a Preset; the app passes a cached one."""
        super().__init__(**params)
        self._load = load_preset
        self._syncing = False
        self._count = 0
        name = preset or self.preset
        try:
            self._load_preset(name)
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

    def _changed(self, structure=False):
        if self.mode == "per_example":
            with param.discard_events(self):
                self.example = self.stepper.example
        if structure:
            self.structure += 1
        self.version += 1

    # ---- stepping ---------------------------------------------------------------
    def _run(self, action, *args):
        try:
            result = action(*args)
        except ValueError as error:
            self.playing = False
            self.say("error", str(error))
            return None
        self._changed()
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

    # ---- settings -----------------------------------------------------------------
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

    def _load_preset(self, name: str):
        preset = self._load(name)
        X_test = getattr(preset, "X_test", None)
        m = len(preset.X) + (0 if X_test is None else len(X_test))
        fraction = (len(X_test) / m if X_test is not None else 0.2 if m >= 50 else 0.0)
        X, Y, self.X_test, self.Y_test = self._split(preset, fraction)
        stepper = Stepper(preset.network, X, Y, learning_rate=preset.learning_rate,
                          mode=preset.mode)
        self.stepper, self._preset = stepper, preset
        self.image_shape = getattr(preset, "image_shape", None)
        if self.X_test is not None:
            self.Y_test = stepper.network.check_targets(self.Y_test, len(self.X_test))
        net = preset.network
        self._syncing = True
        try:
            self.param.update(
                preset=name, hidden_layers=format_hidden_layers(net.sizes), hidden=net.hidden,
                output=net.output, loss=net.loss, lam=net.lam, learning_rate=preset.learning_rate,
                mode=preset.mode, example=0, playing=False, test_fraction=round(fraction, 3),
                init="random", seed=0, weights="preset")
        finally:
            self._syncing = False
        self.param.example.bounds = (0, stepper.m - 1)

    def _on_test_fraction(self, event):
        if self._syncing:
            return
        try:
            X, Y, X_test, Y_test = self._split(self._preset, event.new)
            stepper = Stepper(self.stepper.network, X, Y, learning_rate=self.learning_rate,
                              mode=self.mode)
        except ValueError as error:
            self._revert(event, str(error))
            return
        self.stepper, self.X_test = stepper, X_test
        self.Y_test = None if X_test is None else stepper.network.check_targets(Y_test, len(X_test))
        self.playing = False
        with param.discard_events(self):
            self.example = 0
        self.param.example.bounds = (0, stepper.m - 1)
        self.rebuilt += 1
        held = "no test set" if X_test is None else f"{len(X_test)} held out for testing"
        self.say("success", f"Split the data: {stepper.m} training examples, {held}. "
                            "Stepping starts again at iteration 1.")
        self._changed(structure=True)

    def _on_preset(self, event):
        if self._syncing:
            return
        old = self.stepper
        try:
            self._load_preset(event.new)
        except ValueError as error:
            self.stepper = old
            self._revert(event, str(error))
            return
        self.rebuilt += 1
        self.say("success", f"Loaded preset {event.new}: {presets.names()[event.new]}.")
        self._changed(structure=True)

    def _revert(self, events, message):
        """Put settings back after the engine refused them, and say why."""
        events = [events] if hasattr(events, "name") else list(events)
        self._syncing = True
        try:
            self.param.update(**{e.name: e.old for e in events})
        finally:
            self._syncing = False
        self.say("error", f"{message} The network was not changed.")

    def _build_network(self, changed, new_weights=False) -> tuple[Network, str]:
        current = self.stepper.network
        settings = dict(hidden=self.hidden, output=self.output, loss=self.loss, lam=self.lam)
        if not new_weights and not (set(changed) & set(_NEW_WEIGHTS)):
            return current.with_settings(**settings), "kept the current weights"
        sizes = [current.sizes[0], *parse_hidden_layers(self.hidden_layers), current.sizes[-1]]
        net = Network(sizes, init=self.init, seed=self.seed, **settings)
        return net, f"new {self.init} weights (seed {self.seed})"

    def _on_setting(self, *events, new_weights=False):
        if self._syncing:
            return
        changed = [e.name for e in events]
        try:
            net, how = self._build_network(changed, new_weights)
            stepper = Stepper(net, self.stepper.X, self.stepper.Y,
                              learning_rate=self.learning_rate, mode=self.mode)
        except ValueError as error:
            self._revert(events, str(error))
            return
        old_sizes = self.stepper.network.sizes
        self.stepper = stepper
        self.playing = False
        if how.startswith("new"):
            with param.discard_events(self):
                self.weights = "random"
        self.rebuilt += 1
        what = ", ".join(f"{name} = {getattr(self, name)}" for name in changed)
        self.say("success", f"Rebuilt the network ({'-'.join(map(str, net.sizes))}) with {what}; "
                            f"{how}. Stepping starts again at iteration 1.")
        self._changed(structure=net.sizes != old_sizes)

    def _on_learning_rate(self, event):
        if self._syncing:
            return
        try:
            self.stepper.learning_rate = event.new
        except ValueError as error:
            self._revert(event, str(error))
            return
        self.say("info", f"α = {event.new:g} from the next update on.")
        self.version += 1

    def _on_example(self, event):
        if self.mode == "per_example" and event.new != self.stepper.example:
            # In the per-example loop the graph follows the loop, not the user.
            with param.discard_events(self):
                self.example = self.stepper.example
            self.say("info", "In per-example mode the graph follows the loop's current example.")
        self.version += 1

    # ---- files ------------------------------------------------------------------------
    def _replace(self, stepper, X_test=None, Y_test=None, what=""):
        """Switch to a new stepper (built from a file) and say so."""
        self.stepper, self.X_test, self.Y_test = stepper, X_test, Y_test
        net = stepper.network
        self._syncing = True
        try:
            self.param.update(
                hidden_layers=format_hidden_layers(net.sizes), hidden=net.hidden,
                output=net.output, loss=net.loss, lam=net.lam,
                learning_rate=stepper.learning_rate, mode=stepper.mode, example=0, playing=False,
                test_fraction=0.0 if X_test is None else
                round(len(X_test) / (len(X_test) + stepper.m), 3))
        finally:
            self._syncing = False
        self.param.example.bounds = (0, stepper.m - 1)
        if self.image_shape and int(np.prod(self.image_shape)) != net.sizes[0]:
            self.image_shape = None
        self.rebuilt += 1
        self.say("success", what)
        self._changed(structure=True)

    def _from_file(self, action, filename):
        try:
            return action()
        except ValueError as error:
            self.say("error", f"{filename}: {error} Nothing was changed.")
            return None

    def load_session(self, data: bytes, filename: str = "session.json"):
        """A whole session from a JSON file saved by ``save_session``."""
        from engine import io

        def build():
            loaded = io.state_from_json(data)
            return loaded, io.restore_stepper(loaded)
        result = self._from_file(build, filename)
        if result is None:
            return False
        loaded, stepper = result
        if loaded.preset in presets.names():
            with param.discard_events(self):
                self.preset = loaded.preset
        with param.discard_events(self):
            self.seed = loaded.seed if loaded.seed is not None else self.seed
            self.weights = "random"
        name = f" “{loaded.name}”" if loaded.name else ""
        self._replace(stepper, loaded.X_test, loaded.Y_test,
                      f"Loaded session{name} from {filename}: {'-'.join(map(str, stepper.network.sizes))} "
                      f"network, {stepper.m} examples, iteration {stepper.iteration}, "
                      f"step {stepper.position}.")
        return True

    def save_session(self, name: str = "") -> str:
        from engine import io
        return io.state_to_json(self.stepper, preset=self.preset, seed=self.seed, name=name,
                                X_test=self.X_test, Y_test=self.Y_test)

    def load_weights(self, data: bytes, filename: str = "weights.npz"):
        """Θ matrices from an .npz file, for the current architecture and data."""
        from engine import io

        net = self._from_file(lambda: io.load_weights_npz(data, self.network), filename)
        if net is None:
            return False
        stepper = Stepper(net, self.stepper.X, self.stepper.Y,
                          learning_rate=self.learning_rate, mode=self.mode)
        with param.discard_events(self):
            self.weights = "random"
        self._replace(stepper, self.X_test, self.Y_test,
                      f"Loaded the weights from {filename}; stepping starts again at iteration 1.")
        return True

    def load_data(self, data: bytes, filename: str = "data.csv"):
        """A data set from a CSV file, for the current network's inputs and outputs."""
        from engine import io

        net = self.network
        result = self._from_file(
            lambda: io.load_csv(data, net.sizes[0], net.sizes[-1], net.loss_function), filename)
        if result is None:
            return False
        X, Y = result
        stepper = self._from_file(lambda: Stepper(net, X, Y, learning_rate=self.learning_rate,
                                                  mode=self.mode), filename)
        if stepper is None:
            return False
        self._replace(stepper, None, None,
                      f"Loaded {stepper.m} examples from {filename} (no test set); "
                      "stepping starts again at iteration 1.")
        return True

    def step_log(self) -> str:
        from engine import io
        return io.step_log_csv(self.stepper)

    # ---- links ------------------------------------------------------------------------
    def apply_link(self, settings: dict, problems=()):
        """Apply settings read from a link (see links.py): the preset first, then
        the split, then everything else in one rebuild; report what was ignored."""
        settings = dict(settings)
        preset = settings.pop("preset", None)
        if preset is not None and preset != self.preset:
            self.preset = preset
        fraction = settings.pop("test_fraction", None)
        if fraction is not None and abs(fraction - self.test_fraction) > 1e-9:
            self.test_fraction = fraction
        random = settings.pop("weights", None) == "random" and self.weights != "random"
        alpha = settings.pop("learning_rate", None)
        changes = {k: v for k, v in settings.items() if getattr(self, k) != v}
        if changes:
            self.param.update(**changes)
        if random and self.weights != "random":
            self._on_setting(*[_Event("seed")], new_weights=True)
        if alpha is not None and alpha != self.learning_rate:
            self.learning_rate = alpha
        if problems:
            self.say("error", "This link had settings that could not be used, so the defaults "
                              "were kept for them: " + "; ".join(problems) + ".")

    # ---- derived data for the views ------------------------------------------------
    def example_label(self, i: int) -> str:
        x = ", ".join(f"{v:.3g}" for v in self.stepper.X[i][:6])
        if self.stepper.X.shape[1] > 6:
            x += ", …"
        Y = self.stepper.Y[i]
        y = str(int(np.argmax(Y))) if Y.size > 1 and set(np.unique(Y)) <= {0.0, 1.0} else \
            ", ".join(f"{v:.3g}" for v in Y)
        return f"x = ({x}), y = {y}"
