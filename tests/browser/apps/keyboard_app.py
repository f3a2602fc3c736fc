"""Tiny app for tests/browser/test_keyboard.py: KeyboardShortcuts and what it reports.

Serve with: panel serve tests/browser/apps/keyboard_app.py  (from the repository root)
"""
import panel as pn

from explorer.keyboard import ACTIONS, KeyboardShortcuts

pn.extension()

keys = KeyboardShortcuts()
counts = dict.fromkeys(ACTIONS, 0)
clicks = {"button": 0}

status = pn.pane.Str("", name="status")
text = pn.widgets.TextInput(name="Text", placeholder="type here")
button = pn.widgets.Button(name="Count clicks")
detach = pn.widgets.Button(name="Remove shortcuts")


def show(*_):
    status.object = " ".join(
        [f"{action}={n}" for action, n in counts.items()]
        + [f"presses={keys.presses}", f"last={keys.last_key or '-'}", f"clicks={clicks['button']}"])


def count(action):
    # on_key callbacks run after last_key and presses are updated
    counts[action] += 1
    show()


def click(_):
    clicks["button"] += 1
    show()


keys.on_key(count)
button.on_click(click)

layout = pn.Column(keys, status, text, pn.Row(button, detach))
detach.on_click(lambda _: layout.remove(keys))
show()
layout.servable()
