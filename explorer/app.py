"""Entry point for `panel serve explorer/app.py`: each session runs this afresh."""
import panel as pn

from explorer.dashboard import create_app

pn.extension("katex", "tabulator", notifications=True, reconnect=True)
create_app().servable()
