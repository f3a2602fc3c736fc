"""Views in hidden tabs skip their updates, and catch up when shown.

A view method decorated with ``when_shown`` runs only while the view's
``showing`` is true; otherwise the latest call of each such method is kept
and ``show(view, True)`` replays them, in the order they were first skipped
(e.g. rebuild, then refresh).  Stepping then pays only for what is on screen.
"""
from __future__ import annotations

import functools


def when_shown(method):
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
