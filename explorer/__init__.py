"""Backprop Explorer's Panel dashboard.

``ExplorerState`` (state.py) holds a session's engine Stepper and settings
and imports no Panel; the views render it; ``create_app`` builds the page.
"""
