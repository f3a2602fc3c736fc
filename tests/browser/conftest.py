"""Shared fixtures and helpers for the browser tests (pytest-playwright + Debian chromium).

Fixtures
    explorer_server            session: ``panel serve explorer/app.py`` in a subprocess;
                               the value is the app URL "http://localhost:<port>/app".
    (browser_type_launch_args and browser_context_args, which launch Debian's
    chromium at 1280x800, are in tests/conftest.py: every test's ``page`` uses them.)
    (autouse) panel state is reset after every test that imported panel in-process.

Helpers (import them: ``from conftest import serve_script, bokeh_data, ...``)
    serve_script(path, port=None, *, timeout=60.0, extra_args=())   context manager -> URL
    wait_for_bokeh_model(page, name, timeout=20000)
    bokeh_data(page, name) -> dict[str, list]
    artifact_path(name) -> pathlib.Path under test-artifacts/

Everything runs offline: the browser makes no request outside localhost unless
the app itself asks for one.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from harness.browser import REPO_ROOT, free_port, panel_serve, served, tail

ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
EXPLORER_APP = REPO_ROOT / "explorer" / "app.py"

# --------------------------------------------------------------------------- helpers


def artifact_path(name: str | os.PathLike) -> Path:
    """Path for a test artifact (screenshot, log, trace) under test-artifacts/.

    Creates test-artifacts/ and any sub-folders in ``name``; the folder is
    git-ignored. Existing files are not removed: same name, same file.
    """
    path = ARTIFACTS_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def serve_script(
    path: str | os.PathLike,
    port: int | None = None,
    *,
    timeout: float = 60.0,
    extra_args: Sequence[str] = (),
) -> Iterator[str]:
    """Serve one Panel script with a real ``panel serve`` subprocess.

    ``path`` is absolute or relative to the repository root, e.g.
    "explorer/app.py" or "tests/browser/apps/keyboard_app.py". The server runs
    from the repository root with this interpreter (``sys.executable -m panel
    serve``), the repository root on PYTHONPATH, one process, on ``port`` (a
    free one if None), bound to localhost. Yields the app URL
    "http://localhost:<port>/<script stem>" once a GET of it answers 200 and
    the script ran without raising (harness.browser.served).
    The server's stdout and stderr go to test-artifacts/server-<stem>.log;
    their tail is shown if the server does not come up, and printed (captured
    by pytest, shown for failing tests) if the ``with`` body raises.
    """
    script = Path(path)
    if not script.is_absolute():
        script = REPO_ROOT / script
    if not script.exists():
        raise FileNotFoundError(f"serve_script: {script} does not exist")
    port = port or free_port()
    url = f"http://localhost:{port}/{script.stem}"
    log = artifact_path(f"server-{script.stem}.log")
    with served(panel_serve(script, port, extra_args), url, log, timeout=timeout):
        try:
            yield url
        except BaseException:
            print(f"--- tail of {log} ---\n{tail(log)}", file=sys.stderr)
            raise


def wait_for_bokeh_model(page, name: str, timeout: float = 20000) -> None:
    """Wait (``timeout`` ms) until ``Bokeh.documents[0].get_model_by_name(name)`` exists.

    Raises at once if several models share the name (BokehJS refuses to pick).
    """
    page.wait_for_function(
        """(name) => window.Bokeh !== undefined && Bokeh.documents.length > 0
                     && Bokeh.documents[0].get_model_by_name(name) != null""",
        arg=name, timeout=timeout)


_BOKEH_DATA_JS = """
(name) => {
  const model = Bokeh.documents[0].get_model_by_name(name)
  if (model == null) {
    throw new Error(`no Bokeh model named ${JSON.stringify(name)}`)
  }
  function reshape(flat, shape) {
    if (shape == null || shape.length <= 1) {
      return flat
    }
    const [n, ...rest] = shape
    const size = rest.reduce((a, b) => a * b, 1)
    const out = []
    for (let i = 0; i < n; i++) {
      out.push(reshape(flat.slice(i * size, (i + 1) * size), rest))
    }
    return out
  }
  function plain(v) {
    if (v === undefined || v === null) {
      return null
    }
    if (typeof v === "bigint") {
      return Number(v)
    }
    if (ArrayBuffer.isView(v)) {     // Float64Array, Int32Array, Uint8Array (bool)...
      const item = v.dtype === "bool" ? (x) => x !== 0 : (x) => plain(x)
      return reshape(Array.from(v, item), v.shape)
    }
    if (Array.isArray(v)) {
      return v.map(plain)
    }
    if (v instanceof Map) {
      return Object.fromEntries(Array.from(v, ([k, x]) => [String(k), plain(x)]))
    }
    if (typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
    }
    return v
  }
  const data = model.data
  const entries = data instanceof Map ? Array.from(data.entries()) : Object.entries(data)
  return Object.fromEntries(entries.map(([k, v]) => [k, plain(v)]))
}
"""


def bokeh_data(page, name: str) -> dict[str, list]:
    """The ``data`` of the ColumnDataSource named ``name``, as plain Python.

    In BokehJS 3.9 ``source.data`` is a plain object (not a Map; a Map is
    handled too) whose numpy columns are typed arrays (Float64Array,
    Int32Array; bool columns are Uint8Array) with ``dtype`` and ``shape``,
    and whose list columns are plain arrays. Here every column becomes a
    list: n-d arrays become nested lists, bool columns True/False.

    NaN (and NaT) comes back as ``float('nan')``, always - from numpy arrays
    and from Python lists alike - so test with ``math.isnan``; ±Infinity as
    ``float('±inf')``; None/null as ``None``. JavaScript numbers carry no
    int/float distinction, so a whole float comes back as an int (1.0 -> 1;
    compare with ``==`` or ``pytest.approx``). int64 columns arrive as
    Int32Array when they fit, otherwise as doubles (precision lost past 2**53).
    """
    return page.evaluate(_BOKEH_DATA_JS, name)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def explorer_server() -> Iterator[str]:
    """URL of the real dashboard, "http://localhost:<port>/app", served for the session."""
    if not EXPLORER_APP.exists():
        pytest.fail(f"{EXPLORER_APP.relative_to(REPO_ROOT)} does not exist yet", pytrace=False)
    with serve_script(EXPLORER_APP) as url:
        yield url


@pytest.fixture(autouse=True)
def _reset_panel_state():
    """After each test, reset Panel's global state if this process imported panel.

    Mirrors the cleanup in panel's own test suite (panel/tests/conftest.py,
    ``server_cleanup`` and ``cache_cleanup``). The served apps run in their
    own processes and are not affected.
    """
    yield
    if "panel" not in sys.modules:
        return
    from bokeh.document import Document
    from bokeh.io.doc import _PATCHED_CURDOCS
    from bokeh.io.state import _STATE
    from panel.io.state import state

    _PATCHED_CURDOCS.clear()
    _STATE.document = Document()
    state.reset()
    state.clear_caches()
