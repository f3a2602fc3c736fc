"""Fixtures for every test: pytest-playwright's ``page`` and ``browser`` run Debian's chromium.

``playwright install`` cannot download browsers here, so the browser is
/usr/bin/chromium (or ``chromium`` on PATH, or $CHROMIUM), with the flags this
machine needs, at a 1280x800 viewport.  The browser tests' own helpers are in
tests/browser/conftest.py.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for harness/
from harness.browser import CHROMIUM_ARGS, chromium  # noqa: E402


def _chromium_executable() -> str:
    found = chromium()
    if found is None:
        pytest.fail(
            "The browser tests need Debian's chromium at /usr/bin/chromium (or on PATH, or "
            "named by $CHROMIUM); `playwright install` cannot download browsers here. "
            "Install it with: apt-get update && apt-get install -y --no-install-recommends "
            "chromium   (scripts/test does this for you).",
            pytrace=False)
    return found


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_name):
    if browser_name not in (None, "chromium"):
        return browser_type_launch_args
    args = [*browser_type_launch_args.get("args", []),
            *(a for a in CHROMIUM_ARGS if a not in browser_type_launch_args.get("args", []))]
    return {**browser_type_launch_args,
            "executable_path": _chromium_executable(),
            "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


