"""Where the data files of the repository's ``assets/`` folder are.

An install (wheel, ``pip install .`` or editable) ships that folder as the
package ``backprop_explorer_assets``, read through ``importlib.resources``;
a bare checkout that was never installed finds it beside the source.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE = "backprop_explorer_assets"


def path(name: str):
    """The file ``name`` of assets/ (a pathlib.Path, or an importlib Traversable)."""
    try:
        return resources.files(PACKAGE) / name
    except ModuleNotFoundError:  # not installed: running from the repository itself
        return Path(__file__).resolve().parent.parent / "assets" / name
