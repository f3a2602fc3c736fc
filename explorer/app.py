"""Entry point for `panel serve explorer/app.py`: each session runs this afresh."""
from explorer.dashboard import create_app

create_app().servable(title="Backprop Explorer")
