"""Debian's chromium with the flags this machine needs, and a server subprocess
that is up (its page answers 200, its script ran) before it is used and gone after."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# Without the networking flags chromium's own connections are refused here, many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str | None:
    """The chromium to drive: $CHROMIUM, ``chromium`` on PATH or /usr/bin/chromium."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# Panel answers 200 with an error page when the script raises, and logs this.
SCRIPT_ERROR = "Error running application handler"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the server is local


def wait_until_up(proc: subprocess.Popen, url: str, timeout: float, log: Path) -> None:
    """Until GET ``url`` answers 200 with the script run; a RuntimeError with the log if not."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the server exited with code {proc.returncode} before {url} answered.\n"
                f"command: {' '.join(map(str, proc.args))}\n--- server log ---\n{tail(log)}")
        try:
            with _NO_PROXY.open(url, timeout=5) as response:
                status = response.status
            if status == 200:
                if SCRIPT_ERROR in log.read_text(encoding="utf-8", errors="replace"):
                    stop(proc)
                    raise RuntimeError(f"{url} answered, but the script raised.\n"
                                       f"--- server log ---\n{tail(log)}")
                return
            last_error = f"HTTP {status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = repr(exc)
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s (last: {last_error}).\n"
                       f"command: {' '.join(map(str, proc.args))}\n--- server log ---\n{tail(log)}")


@contextlib.contextmanager
def served(cmd: Sequence[str], url: str, log: Path, *, env: dict | None = None,
           cwd: Path = REPO_ROOT, timeout: float = 60.0,
           repository_on_path: bool = True) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` (a server) with the repository on PYTHONPATH (unless told not to),
    output to ``log``, until ``url`` answers; yield the process; stop it after.
    ``env`` adds variables."""
    full = dict(os.environ)
    full.pop("VIRTUAL_ENV", None)
    if repository_on_path:
        full["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), full.get("PYTHONPATH", "")) if p)
    else:
        full.pop("PYTHONPATH", None)
    full["PYTHONUNBUFFERED"] = "1"
    full.update(env or {})
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=full, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until_up(proc, url, timeout, log)
        yield proc
    finally:
        stop(proc)


def panel_serve(script: Path, port: int, extra_args: Sequence[str] = ()) -> list[str]:
    """The command that serves one Panel script on localhost:``port``, in one process."""
    return [sys.executable, "-m", "panel", "serve", str(script), "--port", str(port),
            "--address", "localhost", f"--allow-websocket-origin=localhost:{port}",
            "--num-procs", "1", *extra_args]


@contextlib.contextmanager
def script_server(script: Path, ready_path: str, log: Path, *, env: dict | None = None,
                  override_var: str | None = None, timeout: float = 90.0,
                  with_process: bool = False) -> Iterator:
    """A benchmark's own server: ``python script --serve --port P`` (or the script that
    ``$override_var`` names, given just the port), up once ``GET ready_path`` answers;
    yields the base URL (and the server's Popen, ``with_process``)."""
    port = free_port()
    cmd = [sys.executable, str(script), "--serve", "--port", str(port)]
    if override_var and os.environ.get(override_var):  # experiments: see the scripts' docstrings
        cmd = [sys.executable, os.environ[override_var], str(port)]
    base = f"http://localhost:{port}"
    with served(cmd, f"{base}/{ready_path}", log, env=env, timeout=timeout) as process:
        yield (base, process) if with_process else base


def process_cpu_ms(pid: int) -> float:
    """CPU time used so far by every thread of process ``pid``, in ms (Linux
    /proc/<pid>/task/*/schedstat, nanoseconds: finer than the 10 ms ticks of /proc/<pid>/stat)."""
    total = 0
    for path in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(path.read_text().split()[0])
        except (OSError, ValueError, IndexError):  # a thread that just ended
            pass
    return total / 1e6


def serving(parser, argv, serve) -> tuple[object, bool]:
    """Parse ``argv`` with the hidden --serve and --port options ``script_server`` passes;
    with --serve, run ``serve(port)``.  Returns (args, whether it served)."""
    import argparse
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.port)
    return args, args.serve
