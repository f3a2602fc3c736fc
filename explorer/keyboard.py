"""Keyboard shortcuts for the explorer: → next, ← previous, Space play, R reset.

``KeyboardShortcuts`` is an invisible Panel component. Put it anywhere in the
page (it takes no space) and react to the keys on the Python side::

    keys = KeyboardShortcuts()

    @keys.on_key
    def _(action):              # "next", "previous", "play" or "reset"
        ...

    # or, with param:  keys.param.watch(cb, "presses")  and read keys.last_key

The browser side is a plain ES module (no imports, no JSX). Panel compiles it
in the browser with the sucrase copy bundled in panel.js and loads it with
es-module-shims, which ``panel serve`` serves from its own static files, so
it works on a machine with no internet and needs no ``panel compile`` step.

Keys are ignored when Ctrl, Alt or Meta is held (Shift is allowed, so "R"
resets too), when the key went to a text field, select or contenteditable
element (the real target, ``event.composedPath()[0]``, because Panel renders
in shadow DOM), and when another handler already called ``preventDefault``
(e.g. a focused slider handle moving on ←/→). Handled keys are
``preventDefault``-ed, so Space neither scrolls the page nor clicks a focused
button. Holding → or ← auto-repeats (step, step, step...); holding Space or R
does not (a held Space would toggle play on and off).

Every component that is rendered listens on the whole document, so render one
``KeyboardShortcuts`` per page; a second one (or the same one shown twice)
reports every key twice.
"""
from __future__ import annotations

from collections.abc import Callable

import panel as pn
import param

__all__ = ["ACTIONS", "KEYMAP", "KeyboardShortcuts"]

#: ``event.key`` -> action, as implemented in the ES module below.
KEYMAP: dict[str, str] = {
    "ArrowRight": "next",
    "ArrowLeft": "previous",
    " ": "play",
    "r": "reset",
    "R": "reset",
}

#: Every action the component can report.
ACTIONS: tuple[str, ...] = ("next", "previous", "play", "reset")


class KeyboardShortcuts(pn.custom.JSComponent):
    """Invisible component that turns document key presses into actions.

    ``last_key`` is the action of the latest handled key ("next", "previous",
    "play" or "reset"), not the raw key. Watchers on ``last_key`` only fire
    when it changes; watch ``presses`` (incremented on every handled key) or
    use ``on_key`` to see repeats of the same key.
    """

    last_key = param.String(default="", doc="""
        Action of the most recent handled key press: "next", "previous",
        "play" or "reset" ("" before the first press).""")

    in_page = param.Boolean(default=False, doc="""
        Keep the keys in the page: each handled key is sent to the document
        as a "backprop-explorer-key" event (detail: {action}) for the step
        tape's player, and never to the server.""")

    presses = param.Integer(default=0, bounds=(0, None), doc="""
        Number of handled key presses so far; changes on every press, so
        watching it sees repeated presses of the same key.""")

    _esm = """
    const KEYMAP = {
      ArrowRight: "next",
      ArrowLeft: "previous",
      " ": "play",
      Spacebar: "play",
      r: "reset",
      R: "reset",
    }
    const NO_REPEAT = new Set(["play", "reset"])
    const EVENT = "backprop-explorer-key"
    const TEXT_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"])

    function isTextTarget(node) {
      if (node == null || node.nodeType !== 1) {
        return false
      }
      return TEXT_TAGS.has(node.tagName) || node.isContentEditable === true
    }

    function realTarget(event) {
      const path = event.composedPath()
      return path.length > 0 ? path[0] : event.target
    }

    export function render({ model, view }) {
      // Panel may render the same view again (e.g. on --dev reload) and then
      // clears the lifecycle callbacks without calling them: detach first.
      if (typeof view._keyboardShortcutsDetach === "function") {
        view._keyboardShortcutsDetach()
      }
      let swallowSpaceUp = false

      function onKeyDown(event) {
        if (event.defaultPrevented || event.isComposing) {
          return
        }
        if (event.ctrlKey || event.altKey || event.metaKey) {
          return
        }
        const action = KEYMAP[event.key]
        if (action === undefined || isTextTarget(realTarget(event))) {
          return
        }
        event.preventDefault()
        swallowSpaceUp = action === "play"
        if (event.repeat && NO_REPEAT.has(action)) {
          return
        }
        if (model.in_page) {
          // Stepping happens in the page (the step tape): tell it, not the server.
          document.dispatchEvent(new CustomEvent(EVENT, { detail: { action: action } }))
        } else {
          model.send_msg({ action: action, key: event.key })
        }
      }

      // Buttons activate on Space *keyup*. Chromium skips that once keydown was
      // prevented; swallowing the keyup as well covers browsers that don't.
      function onKeyUp(event) {
        if (swallowSpaceUp && KEYMAP[event.key] === "play") {
          swallowSpaceUp = false
          event.preventDefault()
        }
      }

      document.addEventListener("keydown", onKeyDown)
      document.addEventListener("keyup", onKeyUp)
      function detach() {
        document.removeEventListener("keydown", onKeyDown)
        document.removeEventListener("keyup", onKeyUp)
        if (view._keyboardShortcutsDetach === detach) {
          delete view._keyboardShortcutsDetach
        }
      }
      view._keyboardShortcutsDetach = detach
      model.on("remove", detach)

      // Nothing to see; the attribute tells tests the listener is attached.
      const marker = document.createElement("span")
      marker.hidden = true
      marker.setAttribute("data-keyboard-shortcuts", "listening")
      return marker
    }
    """

    def __init__(self, **params):
        for name in ("height", "width", "margin"):
            params.setdefault(name, 0)
        params.setdefault("sizing_mode", "fixed")
        super().__init__(**params)
        self._key_callbacks: list[Callable[[str], object]] = []

    def on_key(self, callback: Callable[[str], object]) -> Callable[[str], object]:
        """Call ``callback(action)`` on every handled key press.

        ``action`` is "next", "previous", "play" or "reset". Callbacks run
        after ``last_key`` and ``presses`` are updated (and their param
        watchers have run), in registration order. Returns ``callback``,
        so this also works as a decorator.
        """
        if not callable(callback):
            raise TypeError(f"on_key needs a callable, got {callback!r}")
        self._key_callbacks.append(callback)
        return callback

    def _handle_msg(self, data) -> None:
        # The browser is not trusted: accept only the documented actions.
        action = data.get("action") if isinstance(data, dict) else data
        if action not in ACTIONS:
            return
        self.param.update(last_key=action, presses=self.presses + 1)
        for callback in list(self._key_callbacks):
            callback(action)
