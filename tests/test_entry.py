"""entry.py: actions wait for the session's next tick, in the order they came,
and a widget linked to a setting the engine refuses settles on the old value."""
import panel as pn
import pytest

from explorer import entry
from explorer.state import ExplorerState


class NextTicks:
    """Stands in for a served document's next-tick queue."""
    session_context = None

    def __init__(self):
        self.queue = []

    def add_next_tick_callback(self, callback):
        self.queue.append(callback)

    def run(self, limit=20):
        """Run the queued callbacks (and those they queue) in order; how many ran."""
        ran = 0
        while self.queue and ran < limit:
            self.queue.pop(0)()
            ran += 1
        return ran


@pytest.fixture
def ticks(monkeypatch):
    doc = NextTicks()
    monkeypatch.setattr(entry, "_served", lambda: True)
    monkeypatch.setattr(pn.state, "curdoc", doc)
    return doc


def test_a_refused_setting_settles_on_the_old_value_and_stops(ticks):
    state = ExplorerState(preset="xnor")
    widget = entry.linked(pn.widgets.Select, state, "output")
    widget.value = "tanh"  # cross-entropy refuses tanh outputs
    assert ticks.queue, "the change waits for the next tick"
    ran = ticks.run()
    assert ran < 20, "the widget and the setting kept answering each other"
    assert state.output == widget.value == "sigmoid"
    assert state.notice[1] == "error" and "tanh" in state.notice[2]


def test_a_change_and_a_click_are_applied_in_the_order_they_came(ticks):
    state = ExplorerState(preset="xnor")
    widget = entry.linked(pn.widgets.Select, state, "hidden")
    button = pn.widgets.Button(label="Record")
    seen = []
    entry.on_click(button, lambda: seen.append(state.hidden))
    widget.value = "tanh"
    button.clicks += 1
    assert seen == [] and state.hidden == "sigmoid"  # nothing yet: both wait
    ticks.run()
    assert seen == ["tanh"]


def test_without_a_served_session_actions_run_at_once():
    state = ExplorerState(preset="xnor")
    widget = entry.linked(pn.widgets.Select, state, "hidden")
    widget.value = "tanh"
    assert state.hidden == "tanh"
