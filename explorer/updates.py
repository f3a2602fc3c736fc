"""batched: a view's updates go out in one go, whatever triggered them.

A view method that changes Bokeh models or panes may be called from a param
watcher at any moment: inside a button's event, a widget's change or a
periodic callback.  After a widget's change Panel runs the watchers with
the document unlocked: changing a Bokeh model there raised
"_pending_writes should be non-None", so ``pn.io.unlocked()`` holds the
events of the body and writes them to the browser itself.
"""
from __future__ import annotations

import functools

import panel as pn


def batched(method):
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with pn.io.unlocked():
            return method(self, *args, **kwargs)
    return run


def later(action):
    """Run ``action`` on the session's next tick (now, without a served session).

    Then a setting's change runs in an ordinary session callback, with the
    document locked, rather than inside the widget's own change event.
    """
    doc = pn.state.curdoc
    if doc is not None and doc.session_context is not None and pn.state.loaded:
        doc.add_next_tick_callback(action)
    else:
        action()


def linked(widget_type, obj, name, **kwargs):
    """A widget for ``obj.<name>``, like ``widget_type.from_param``, whose changes
    are applied with ``later``; changes of the parameter show in the widget."""
    p = obj.param[name]
    if hasattr(p, "objects") and "options" not in kwargs:
        kwargs["options"] = p.objects if isinstance(p.objects, dict) else list(p.objects)
    bounds = getattr(p, "bounds", None)
    if bounds and "start" in widget_type.param and "end" in widget_type.param:
        kwargs.setdefault("start", bounds[0])
        kwargs.setdefault("end", bounds[1])
    widget = widget_type(value=getattr(obj, name), **kwargs)

    def to_obj(event):
        def apply():
            if getattr(obj, name) != event.new:
                setattr(obj, name, event.new)
        later(apply)

    def to_widget(event):
        if widget.value != event.new:
            widget.value = event.new

    widget.param.watch(to_obj, "value")
    obj.param.watch(to_widget, name)
    return widget


def when_shown(method):
    """Skip a view's update while its tab is hidden; run the latest one when shown.

    The view sets ``self.showing``; ``show(view)`` replays what was skipped,
    in the order the methods were first skipped (e.g. rebuild, then refresh).
    Stepping then pays only for the views on screen.
    """
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if getattr(self, "showing", True):
            return method(self, *args, **kwargs)
        missed = self.__dict__.setdefault("_missed_updates", {})
        missed[method.__name__] = (run, args, kwargs)
        return None
    return run


def show(view, showing: bool):
    view.showing = showing
    if showing:
        missed = view.__dict__.pop("_missed_updates", {})
        for run, args, kwargs in missed.values():
            run(view, *args, **kwargs)
