"""entry.py: a widget linked to a setting the engine refuses settles on the old
value (it used to answer the setting, which answered the widget, for ever), and
actions are applied in the order they came."""
import panel as pn

from explorer import entry
from explorer.state import ExplorerState


def test_a_refused_setting_puts_the_widget_back_once():
    state = ExplorerState(preset="xnor")
    widget = entry.linked(pn.widgets.Select, state, "output")
    changes = []
    widget.param.watch(lambda e: changes.append(e.new), "value")
    widget.value = "tanh"  # cross-entropy refuses tanh outputs
    assert state.output == widget.value == "sigmoid"
    assert sorted(changes) == ["sigmoid", "tanh"]  # the change, and once back
    assert state.notice[1] == "error" and "tanh" in state.notice[2]


def test_an_accepted_setting_reaches_the_state_and_a_state_change_the_widget():
    state = ExplorerState(preset="xnor")
    widget = entry.linked(pn.widgets.Select, state, "hidden")
    widget.value = "tanh"
    assert state.hidden == "tanh" and state.network.hidden == "tanh"
    state.hidden = "relu"
    assert widget.value == "relu"


def test_a_change_and_then_a_click_see_each_other_in_that_order():
    state = ExplorerState(preset="xnor")
    widget = entry.linked(pn.widgets.Select, state, "hidden")
    button = pn.widgets.Button(label="Record")
    seen = []
    entry.on_click(button, lambda: seen.append(state.hidden))
    widget.value = "tanh"
    button.clicks += 1
    assert seen == ["tanh"]


def test_a_clock_is_an_entry_point_and_can_change_period():
    ticks = []
    clock = entry.Clock(lambda: ticks.append(1), period=500)
    assert not clock.running
    clock.period = 200
    assert clock.period == 200
    clock.stop()  # stopping a clock that never started is fine


def test_a_selector_declared_with_labels_shows_them():
    from explorer.trainer import METHODS, Trainer

    trainer = Trainer(state=ExplorerState(preset="xor"))
    widget = entry.linked(pn.widgets.Select, trainer, "method")
    assert widget.options == METHODS and widget.value == "gd"
    widget.value = "lbfgs"
    assert trainer.method == "lbfgs"
