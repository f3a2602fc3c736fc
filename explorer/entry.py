"""Where a session's work starts, and the one place that takes the document lock.

Everything a session does starts at an entry point: a button's click, a key,
a tick of a clock, a widget's change, a file arriving, a click on the graph.
Each one runs its body inside ``pn.io.unlocked()``, once, through ``entry``;
views never take the lock themselves.  Two reasons:

* Panel 1.9 runs a widget's watchers with the document unlocked, and a Bokeh
  model changed there raised "_pending_writes should be non-None".  Inside
  ``pn.io.unlocked()`` the changes are held and written by Panel itself.
* It writes every model change of the body to the browser in one message:
  a step that changes five views repaints once.

Actions run at once, in the order the browser sent them (deferring them to
the next tick cost 13 ms a click).
"""
from __future__ import annotations

import functools
import time

import panel as pn


def entry(fn):
    """``fn``, made an entry point: its model changes are sent together, once it returns."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with pn.io.unlocked():  # nested entries are fine: the outer one holds the events
            return fn(*args, **kwargs)
    return run


def on_click(button, action):
    """``action()`` when ``button`` is clicked."""
    run = entry(action)
    button.on_click(lambda event: run())


def on_change(widget, action, name: str = "value"):
    """``action(new value)`` when ``widget``'s value changes (from the browser, or
    set from Python)."""
    run = entry(action)
    widget.param.watch(lambda event: run(event.new), name)


def linked(widget_type, obj, name, **kwargs):
    """A widget for ``obj.<name>``, like ``widget_type.from_param``; its changes are
    entry points, and changes of the parameter show in the widget."""
    p = obj.param[name]
    if hasattr(p, "objects") and "options" not in kwargs:
        # A selector declared with {label: value} shows its labels.
        kwargs["options"] = dict(p.names) if getattr(p, "names", None) else list(p.objects)
    bounds = getattr(p, "bounds", None)
    if bounds and "start" in widget_type.param and "end" in widget_type.param:
        kwargs.setdefault("start", bounds[0])
        kwargs.setdefault("end", bounds[1])
    widget = widget_type(value=getattr(obj, name), **kwargs)

    # Both directions use the values as they are now, not as the event saw them: a
    # refused setting is put back from inside the watcher that set it, and answering
    # the stale event would undo that and start a ping-pong, one round a tick.
    def to_obj(value):
        if widget.value == value and getattr(obj, name) != value:
            setattr(obj, name, value)

    def to_widget(event):
        value = getattr(obj, name)
        if widget.value != value:
            widget.value = value

    on_change(widget, to_obj)
    obj.param.watch(to_widget, name)
    return widget


class Clock:
    """A periodic callback of the session, each tick an entry point.

    ``start()``, ``stop()`` and ``period`` (ms, may change while running);
    ``last_ms``: the CPU time of the last tick, sending its changes included.
    A view that owns one exposes it as ``clock``; ``Explorer.clocks`` lists them
    all, and ``Explorer.close`` stops every one.
    """

    def __init__(self, tick, period: int):
        run = entry(tick)

        def timed():
            t0 = time.thread_time()  # this thread's CPU: what the tick cost the server
            try:
                run()
            finally:
                self.last_ms = (time.thread_time() - t0) * 1000
        self._tick = timed
        self._period = int(period)
        self._callback = None
        self.last_ms = 0.0

    @property
    def running(self) -> bool:
        return self._callback is not None

    @property
    def period(self) -> int:
        return self._period

    @period.setter
    def period(self, ms: int):
        if int(ms) == self._period:
            return  # a new period restarts Panel's timer
        self._period = int(ms)
        if self._callback is not None:
            self._callback.period = self._period

    def start(self):
        if self._callback is None:
            # In the background: Panel otherwise marks the whole server busy for every
            # tick of every session's clock, and tells each session's busy indicator
            # (ten sessions training spent a tenth of the server's time on it).  Made
            # directly, Panel does not stop it when the session ends: its owner does
            # (Explorer.close, the projector page's on_session_destroyed).
            self._callback = pn.io.PeriodicCallback(callback=self._tick, period=self._period,
                                                    background=True, log=False)
            self._callback.start()

    def stop(self):
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
