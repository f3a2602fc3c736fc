"""GradientChecker: run the engine's gradient check for a session, off the server thread.

Like the Trainer, the slow numerical loop runs in a worker thread that only
records progress under a lock; ``poll()`` on the session's thread publishes
progress and the result.  No Panel imports.
"""
from __future__ import annotations

import threading

import param

from engine import bugs
from engine.gradcheck import DEFAULT_EPSILON, GradientCheck, GradientCheckCancelled, gradient_check

from .notation import verdict
from .state import ExplorerState

BUG_CHOICES = {"None: correct backpropagation": "none",
               **{f"{name}: {text}": name for name, text in bugs.BUGS.items()}}


class GradientChecker(param.Parameterized):
    state = param.ClassSelector(class_=ExplorerState)
    bug = param.Selector(objects=BUG_CHOICES, default="none", doc="Backprop bug to inject")
    epsilon = param.Number(default=DEFAULT_EPSILON, doc="ε of the two-sided difference")
    running = param.Boolean(default=False)
    progress = param.Integer(default=0, bounds=(0, 100))
    result = param.ClassSelector(class_=GradientCheck, allow_None=True, default=None)
    note = param.String(default="", doc="Why a bug cannot show on this network, if it cannot")

    def __init__(self, **params):
        super().__init__(**params)
        self._lock = threading.Lock()
        self._shared = {}
        self.state.param.watch(lambda e: self.clear(), "rebuilt")
        self.param.watch(lambda e: self.clear(), "bug")

    def clear(self):
        self._cancel()
        self.result = None
        self.progress = 0
        self.note = ""

    def _cancel(self):
        with self._lock:
            self._shared["cancel"] = True

    def start(self):
        """Check the current network on the training data, in a worker thread."""
        if self.running:
            return
        s = self.state
        net, X, Y = s.network, s.stepper.X, s.stepper.Y
        bug = None if self.bug == "none" else self.bug
        self.note = (bugs.no_effect_reason(net, bug, len(X)) or "") if bug else ""
        shared = {"done": 0, "total": net.n_params, "cancel": False}
        self._shared = shared
        lock = self._lock

        def progress(done, total):
            with lock:
                shared["done"], shared["total"] = done, total
                return not shared["cancel"]

        def work():
            try:
                result = gradient_check(net, X, Y, epsilon=self.epsilon, bug=bug, progress=progress)
            except GradientCheckCancelled:
                result = None
            except ValueError as error:
                with lock:
                    shared["error"] = str(error)
                return
            with lock:
                shared["result"] = result

        self.running = True
        self.progress = 0
        threading.Thread(target=work, name="backprop-explorer-gradcheck", daemon=True).start()

    def run(self):
        """Start and wait: the same check, synchronously (for tests and notebooks)."""
        self.start()
        while self.running:
            threading.Event().wait(0.01)
            self.poll()
        return self.result

    def poll(self) -> bool:
        """Publish the worker's progress (call on the session's thread)."""
        if not self.running:
            return False
        with self._lock:
            shared = dict(self._shared)
        self.progress = int(100 * shared["done"] / max(shared["total"], 1))
        if "error" in shared:
            self.running = False
            self.state.say("error", shared["error"])
        elif "result" in shared:
            self.running = False
            self.result = shared["result"]
            if self.result is not None:
                self.state.say("success" if self.result.passed else "error",
                           verdict(self.result.message, self.state.notation))
        return True
