"""create_app: one page per browser session, built fresh each time."""
from __future__ import annotations

from pathlib import Path

import panel as pn

from .views import Explorer

CSS = Path(__file__).resolve().parent.parent / "assets" / "explorer.css"


def create_app(preset: str | None = None, explorer: Explorer | None = None):
    """The dashboard for one session; ``?preset=<name>`` in the URL wins over ``preset``.

    ``explorer`` lets a caller (a benchmark, a test) hand in its own Explorer.
    """
    pn.extension("katex", "tabulator", notifications=True)
    arg = pn.state.session_args.get("preset") if pn.state.session_args else None
    if arg:
        preset = arg[0].decode("utf-8", errors="replace")
    explorer = explorer or Explorer(preset=preset)
    template = pn.template.BootstrapTemplate(
        title="Backprop Explorer",
        sidebar=explorer.sidebar,
        main=explorer.main,
        sidebar_width=300,
        header_background="#2166ac",
        raw_css=[CSS.read_text()] if CSS.exists() else [],
    )
    template.explorer = explorer  # handy for tests and notebooks
    return template
