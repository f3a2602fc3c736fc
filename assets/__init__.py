"""Backprop Explorer's data files, installed as the package ``backprop_explorer_assets``.

This folder is their source: ``digits.npz`` (the handwritten digits, see
DIGITS.md for origin and licence) and ``explorer.css``.  pyproject.toml ships
it inside every install, wheel or editable, and ``engine.assets.path(name)``
finds a file whichever way the project was installed.
"""
