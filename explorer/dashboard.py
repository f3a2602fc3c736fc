"""create_app: one page per browser session, built fresh each time."""
from __future__ import annotations

from urllib.parse import urlencode

import panel as pn

from engine import assets

from .addressbar import AddressBar
from .app_layout import Explorer
from .links import KEYS, apply_link, query_from_state, settings_from_query
from .page import Page

CSS = assets.path("explorer.css")


def create_app(preset: str | None = None, explorer: Explorer | None = None, budget=None):
    """The dashboard for one session.

    The URL's query (``?preset=xnor&hidden=4,3&alpha=0.5…``, see links.py)
    wins over ``preset``; malformed or out-of-range parameters fall back to
    the defaults, with a notification saying which.  The URL then follows
    every change of setting, so it is always a link to what is on screen.
    ``explorer`` lets a caller (a benchmark, a test) hand in its own Explorer.
    ``budget`` is what the session may hold (budget.py): the server's, or the defaults.
    """
    extension()
    settings, problems = settings_from_query(pn.state.session_args or {})
    if explorer is None:
        explorer = Explorer(preset=settings.pop("preset", None) or preset, budget=budget)
    apply_link(explorer.state, settings, problems)
    # No busy spinner (the template had one): Panel keeps every session's spinner in one
    # process-wide list and sets them all on every event of any session (about 8 ms of
    # server time per step with two sessions open); training and files show their own
    # progress.
    page = Page(explorer.sidebar, explorer.main, present=explorer.state.present)
    page.explorer = explorer  # handy for tests and notebooks
    explorer.state.param.watch(lambda event: setattr(page, "present", event.new), "present")
    bar = AddressBar()
    page.main.append(bar)

    def follow(*events):
        if explorer.state.stepper is not None:  # not after the session closed
            bar.query = urlencode(query_from_state(explorer.state), safe=",")

    explorer.state.param.watch(follow, [*KEYS.values(), "rebuilt"])
    follow()
    pn.state.on_session_destroyed(lambda context: explorer.close())
    return page


def extension():
    """Panel's extensions and settings for the page (each session's page calls it)."""
    pn.extension("katex", "tabulator", notifications=True, reconnect=True, design="bootstrap",
                 raw_css=[CSS.read_text(encoding="utf-8")])
