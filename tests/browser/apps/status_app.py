"""The real dashboard, with the trainer's status line set from ``?status=``.

The status line can quote an exception's text; this lets a browser test put
any text there, as an exception from a worker would, and check how it shows.
"""
import panel as pn

from explorer.dashboard import create_app

pn.extension("katex", "tabulator", notifications=True)
template = create_app()
status = (pn.state.session_args or {}).get("status")
if status:
    template.explorer.trainer.status = status[-1].decode()
template.servable()
