"""The pages a class server adds: ``/classroom`` for the projector, and "class is full".

The projector page shows the students' link as a QR code and in large type,
and how many student sessions are open, counted by the server's ``Roster``
(serving.py; under deploy, every server's together) and read once a second.
"""
from __future__ import annotations

import html

import panel as pn

from .entry import Clock
from .serving import Roster, qr

COUNT_PERIOD_MS = 1000
STYLE = """
.classroom { font-family: system-ui, sans-serif; text-align: center; color: #222; }
.classroom h1 { font-size: 40px; margin: 10px 0 0; }
.classroom .url { margin: 0; font-size: 52px; font-weight: 700; color: #2166ac; word-break: break-all; }
.classroom .count { font-size: 34px; margin: 0; }
.classroom svg { display: block; margin: 0 auto; }
"""


def _html(text: str, **params):
    # A pane's HTML lies in its own shadow root: the style goes with each pane.
    return pn.pane.HTML(f'<div class="classroom">{text}</div>', stylesheets=[STYLE],
                        sizing_mode="stretch_width", **params)


def connected(roster: Roster) -> str:
    n = roster.count
    text = f"{n} student{'s' if n != 1 else ''} connected"
    if roster.limit is not None:
        text += f" (room for {roster.limit})"
    return f'<p class="count">{text}</p>'


def classroom_page(url: str, roster: Roster):
    """The projector's page: the link as a QR code and as text, and who is connected."""
    code = qr(url)
    # About 400 px: a phone reads it from the back of a room off a 1024×768 projector.
    scale = max(4, 400 // (code.symbol_size(scale=1, border=2)[0]))
    svg = code.svg_inline(scale=scale, border=2, dark="#000000", light="#ffffff")
    count = _html(connected(roster), name="connected")

    def tick():
        text = f'<div class="classroom">{connected(roster)}</div>'
        if count.object != text:
            count.object = text
    clock = Clock(tick, COUNT_PERIOD_MS)
    clock.start()
    pn.state.on_session_destroyed(lambda context: clock.stop())
    return pn.Column(
        _html("<h1>Backprop Explorer: open this on your laptop</h1>"),
        _html(svg, name="qr"),
        _html(f'<p class="url">{html.escape(url)}</p>', name="url"),
        count, sizing_mode="stretch_width")


def full_page(roster: Roster):
    """What a student sees when every place is taken."""
    return _html(
        f'<h1>This class is full</h1><p class="count">Every place in this class is taken '
        f'({roster.count} of {roster.limit}). A closed page keeps its place for about two minutes: try '
        f'again then, or ask your teacher to start the server with a larger --max-sessions.</p>',
        name="class-full")
