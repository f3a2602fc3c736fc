"""The server's garbage collection, kept out of the students' way.

CPython's full collection walks every object it tracks, and every student waits
until it ends.  A session's page is about 13,000 such objects (Bokeh models,
Panel widgets, their dicts and lists), so with 30 sessions open a full
collection took 0.2-1.2 s, depending on the day (classroom_load, phase 4): one
ran every few seconds, and Panel runs one 5 s after any session closes.

So what is live is frozen out of the walks (``gc.freeze``), and a full
collection walks only what is new since the last freeze:

* at start (the modules and classes: 165,000 objects);
* as each session starts (the pages before it are whole by then), and once its
  page is ready (``document_ready``): thirty pages opening at once are built
  with few of them left in the walks;
* after each reclaim.

Freezing has a price.  A closed session's objects are freed as usual when
nothing refers to them, but those left in reference cycles wait in the frozen
set until a *reclaim*: unfreeze, collect everything, freeze again.  A reclaim
stalls the server as a full collection used to, so it waits for a quiet moment,
when the last open session closes, or until ``RECLAIM_AFTER`` sessions have
closed since the last one (a class's worth: tens of MB at most, with what garbage
was waiting when each freeze came).

Full collections also wait for ten times as many young ones as Python's default:
with the freezing they are short, and rarer is still better.
"""
from __future__ import annotations

import gc

FULL_COLLECTIONS_APART = 10  # times Python's default count of young collections between full ones
RECLAIM_AFTER = 30           # sessions closed since the last reclaim that make the next one


def quieten() -> None:
    """Freeze what exists at start, and make full collections rarer; call once, at start."""
    gc.collect()
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, full * FULL_COLLECTIONS_APART)


class Collector:
    """Freezes the sessions once their pages are built, and reclaims closed sessions'
    cycles now and then.  One per server; the server calls ``built`` as a session starts
    and when its page is ready, and ``closed`` when a session ends, all on the thread of
    its event loop.

    ``later(fn)`` runs ``fn`` once the session-ending callbacks have returned: while
    they run, the closing session is still reachable (Panel holds its callbacks), so a
    reclaim then would freeze it again instead of freeing it.  By default, at once."""

    def __init__(self, reclaim_after: int = RECLAIM_AFTER, later=None):
        self.reclaim_after = reclaim_after
        self.closed_since = 0  # sessions closed since the last reclaim
        self.reclaims = 0
        self._later = later or (lambda fn: fn())
        self._due = False      # a reclaim is on its way

    def built(self) -> None:
        """Pages are built: what is live now is frozen out of later full collections."""
        gc.freeze()

    def closed(self, still_open: int) -> None:
        """A session closed; ``still_open`` are left.  A reclaim follows (``later``) when
        none is open, or when enough have closed since the last one."""
        self.closed_since += 1
        if (still_open == 0 or self.closed_since >= self.reclaim_after) and not self._due:
            self._due = True
            self._later(self._reclaim_if_due)

    def _reclaim_if_due(self):
        if self._due:
            self.reclaim()

    def reclaim(self) -> int:
        """Collect everything, closed sessions' cycles included; freeze what lives on.
        The number of objects collected."""
        self._due = False
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        self.closed_since = 0
        self.reclaims += 1
        return collected
