#!/usr/bin/env python
"""Does the server give memory back when browser sessions end?

Run from the repository root (needs playwright and Debian's /usr/bin/chromium):

    python benchmarks/session_memory.py              # 20 sessions
    python benchmarks/session_memory.py --quick      # 5 sessions
    python benchmarks/session_memory.py --sessions 50 --presets digits,spiral,xor

What runs
    A real ``panel serve explorer/app.py`` subprocess (one process, localhost,
    a free port) with a short unused-session cleanup, so a closed session is
    destroyed about a second after its websocket closes:

        --check-unused-sessions 1000 --unused-session-lifetime 1000   (ms)

    and ``PANEL_LOG_LEVEL=info``, so Panel logs "Session <id> launching" and
    "Session <id> destroyed" for every session (the "destroyed" line comes
    from a Document ``on_session_destroyed`` callback, the same mechanism as
    the ``explorer.close()`` that dashboard.create_app registers; a callback
    that raises is logged by Panel as "... on_session_destroyed callback ...
    failed", which the script looks for).  The server's output goes to
    test-artifacts/session_memory-server.log.

    One headless Chromium; every session is a new page in a fresh browser
    context that loads ``/app?preset=<preset>`` (digits, the heaviest, by
    default; ``--presets`` cycles through a list), presses "Next step" a few
    times (waiting for the status line to change each time), opens the
    "Train" tab, presses "Train", lets it train briefly, presses "Pause
    training" and waits for "Train" to come back, then closes the page and
    its context.

Phases and what is measured
    RSS = VmRSS of the server process from /proc/<pid>/status (no psutil).
    A "settled" RSS is the minimum of several samples taken 1 s apart,
    starting ``--settle`` seconds after the server logged the last
    "destroyed" (Panel schedules a gc.collect() 5 s after a session is
    destroyed, so the default settle of 7 s lets it run first).

    1. startup      RSS once the server answers, before any session.
    2. warm-up      one session per preset opened, exercised, closed and
                    destroyed; the settled RSS is "before" (imports, caches,
                    the preset cache and Bokeh's first-render costs are paid
                    by then).
    3. sequential   N sessions one after another, each destroyed before the
                    next opens (RSS read right after each destruction, for
                    the trend); then the settled RSS is "after".
                    after - before, and per session, is the headline.
    4. concurrent   N sessions opened and exercised, all open at once: RSS
                    "all open" (what N live sessions cost); then all closed,
                    destroyed, and the settled RSS again.

In-server probe (default on; ``--no-probe`` turns it off)
    The server is also started with ``--setup benchmarks/session_memory.py``:
    run as Panel's setup module, this file only installs a SIGUSR1 handler.
    After each phase's RSS samples (so it does not disturb them) the script
    sends SIGUSR1; the handler runs gc.collect(), counts live objects by type
    (ExplorerState, Explorer, Trainer, Stepper, Bokeh Documents and
    ServerSessions, Bokeh models, Panel viewables, training runs), the
    non-empty per-document tables in ``pn.state``, and reads its RSS after the
    collection; the last probe also calls glibc's malloc_trim(0) to tell
    memory the allocator keeps from memory still referenced.  Live
    ExplorerState instances after sessions were destroyed mean a leak.

The script only prints; it never asserts.  The exit code is 0 unless the
benchmark itself could not run.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
from harness.browser import (CHROMIUM_ARGS, SCRIPT_ERROR, chromium, free_port,  # noqa: E402
                             panel_serve, served, tail)
from harness.stats import median as _median  # noqa: E402

CHROMIUM = chromium() or "/usr/bin/chromium"
APP = REPO_ROOT / "explorer" / "app.py"
LOG_PATH = REPO_ROOT / "test-artifacts" / "session_memory-server.log"
CHECK_UNUSED_MS = 1000
UNUSED_LIFETIME_MS = 1000
PROBE_TAG = "SESSION_MEMORY_PROBE"


# ===================================================== in-server probe (setup module)
# Type names counted by the probe, as module.qualname -> label.
_PROBE_TYPES = {
    "explorer.state.ExplorerState": "ExplorerState",
    "explorer.app_layout.Explorer": "Explorer",
    "explorer.trainer.Trainer": "Trainer",
    "explorer.trainer._Run": "training runs",
    "explorer.graph_view.GraphView": "GraphView",
    "explorer.training_view.TrainingView": "TrainingView",
    "engine.stepper.Stepper": "Stepper",
    "bokeh.document.document.Document": "bokeh Document",
    "bokeh.server.session.ServerSession": "ServerSession",
    "bokeh.server.contexts.BokehSessionContext": "SessionContext",
    "explorer.page.Page": "Page",
}


def _install_probe():
    """Run inside the server (as Panel's --setup module): SIGUSR1 -> one probe line."""
    import collections
    import ctypes
    import gc
    import threading
    import weakref

    memo = {"n": 0, "previous": None}

    def rss_mb():
        return _read_status(os.getpid())["VmRSS"]

    def probe(signum, frame):
        del frame
        memo["n"] += 1
        t0 = time.perf_counter()
        rss_before = rss_mb()
        collected = gc.collect()
        objects = gc.get_objects()
        by_type = collections.Counter(
            f"{type(o).__module__}.{type(o).__qualname__}" for o in objects)
        counts = {label: by_type.get(name, 0) for name, label in _PROBE_TYPES.items()}
        try:
            from bokeh.model import Model
            from panel.viewable import Viewable
            counts["bokeh models"] = sum(1 for o in objects if isinstance(o, Model))
            counts["panel viewables"] = sum(1 for o in objects if isinstance(o, Viewable))
        except Exception:  # noqa: BLE001 - a probe must never break the server
            pass
        states = [o for o in objects if type(o).__qualname__ == "ExplorerState"]
        counts["ExplorerState with a stepper"] = sum(
            1 for o in states if getattr(o, "stepper", None) is not None)
        del states
        counts["gc objects"] = len(objects)
        threads = [t.name for t in threading.enumerate()]
        tables = {}
        try:
            from panel.io.state import state
            for attr in dir(state):
                if not attr.startswith("_") or attr.startswith("__") or attr == "_param_watchers":
                    continue
                with contextlib.suppress(Exception):
                    value = getattr(state, attr)
                    if isinstance(value, (dict, weakref.WeakKeyDictionary, list, set)) and len(value):
                        tables[attr] = len(value)
        except Exception:  # noqa: BLE001
            pass
        growth = []
        if memo["previous"] is not None:
            diff = by_type - memo["previous"]
            growth = diff.most_common(15)
        memo["previous"] = by_type
        del objects
        rss_after_gc = rss_mb()
        rss_after_trim = None
        if signum == signal.SIGUSR2:  # the last probe: give freed memory back to the OS
            with contextlib.suppress(Exception):
                ctypes.CDLL("libc.so.6").malloc_trim(0)
                rss_after_trim = rss_mb()
        line = json.dumps({
            "n": memo["n"], "rss_before": rss_before, "rss_after_gc": rss_after_gc,
            "rss_after_trim": rss_after_trim, "collected": collected, "counts": counts,
            "state_tables": tables, "threads": len(threads), "growth": growth,
            "seconds": time.perf_counter() - t0,
        })
        sys.stdout.write(f"{PROBE_TAG} {line}\n")
        sys.stdout.flush()

    signal.signal(signal.SIGUSR1, probe)
    signal.signal(signal.SIGUSR2, probe)


# ============================================================================ helpers
def _read_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB, from /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) / 1024  # kB -> MB
    return out


class Server:
    """``panel serve explorer/app.py`` in a subprocess; reads its log."""

    def __init__(self, probe: bool):
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        self.probe_enabled = probe
        self.probes_seen = 0
        extra = ["--check-unused-sessions", str(CHECK_UNUSED_MS),
                 "--unused-session-lifetime", str(UNUSED_LIFETIME_MS)]
        if probe:
            extra += ["--setup", str(Path(__file__).resolve())]
        self.cmd = panel_serve(APP, self.port, extra)

    def __enter__(self):
        # Up once BokehJS is served: a GET of /app would create (and later destroy) a session.
        self._served = served(self.cmd, f"{self.base}/static/js/bokeh.min.js", LOG_PATH,
                              env={"PANEL_LOG_LEVEL": "info"})  # "Session <id> launching / destroyed"
        self.proc = self._served.__enter__()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._served.__exit__(None, None, None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return LOG_PATH.read_text(encoding="utf-8", errors="replace")

    def tail(self, n=40) -> str:
        return tail(LOG_PATH, n)

    # ---- sessions, from the log
    def sessions(self) -> dict[str, int]:
        text = self.log()
        return {
            "launched": len(re.findall(r"Session \d+ launching", text)),
            "destroyed": len(re.findall(r"Session \d+ destroyed", text)),
            "hook errors": len(re.findall(
                r"on_session_destroyed callback .* failed|Failed to run session destroy hooks",
                text)),
            "script errors": text.count(SCRIPT_ERROR),
            "tracebacks": text.count("Traceback (most recent call last)"),
            # A write to a websocket the browser had just closed (logged with 2 tracebacks).
            "closed-socket writes": text.count("exception=WebSocketClosedError()"),
        }

    def wait_destroyed(self, timeout: float) -> float:
        """Until every launched session is destroyed; returns the seconds waited."""
        t0 = time.monotonic()
        while True:
            s = self.sessions()
            if s["destroyed"] >= s["launched"]:
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                print(f"  ! after {timeout:.0f} s, {s['launched'] - s['destroyed']} session(s) "
                      f"still not destroyed")
                return time.monotonic() - t0
            time.sleep(0.1)

    # ---- memory
    def rss(self) -> float:
        return _read_status(self.pid)["VmRSS"]

    def hwm(self) -> float:
        return _read_status(self.pid)["VmHWM"]

    def settled_rss(self, settle: float, samples: int) -> tuple[float, list[float]]:
        time.sleep(settle)
        values = []
        for k in range(samples):
            if k:
                time.sleep(1.0)
            values.append(self.rss())
        return min(values), values

    def probe(self, last=False, timeout=60.0) -> dict | None:
        if not self.probe_enabled:
            return None
        os.kill(self.pid, signal.SIGUSR2 if last else signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = [l for l in self.log().splitlines() if l.startswith(PROBE_TAG + " ")]
            if len(lines) > self.probes_seen:
                self.probes_seen = len(lines)
                return json.loads(lines[-1][len(PROBE_TAG) + 1:])
            time.sleep(0.1)
        print("  ! the in-server probe did not answer")
        return None


# ======================================================================= the browser
class Session:
    """One browser session: a fresh context and page on /app?preset=..."""

    def __init__(self, browser, server: Server, preset: str, args):
        self.browser, self.server, self.preset, self.args = browser, server, preset, args
        self.context = self.page = None
        self.times: dict[str, float] = {}   # seconds: load, steps, train, close

    def open_and_exercise(self):
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        a, timeout = self.args, self.args.timeout * 1000
        t0 = time.monotonic()
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 800})
        page = self.page = self.context.new_page()
        errors = self.server.sessions()["script errors"]
        page.goto(f"{self.server.base}/app?preset={self.preset}", timeout=timeout)
        nxt = page.get_by_role("button", name="Next step", exact=True)
        deadline = time.monotonic() + a.timeout
        while True:  # the button, or fail fast if the app script raised
            try:
                nxt.wait_for(timeout=500)
                break
            except PlaywrightTimeout:
                if self.server.sessions()["script errors"] > errors:
                    raise RuntimeError("explorer/app.py raised while building the page:\n"
                                       + self.server.tail()) from None
                if time.monotonic() > deadline:
                    raise
        status = page.locator(".status-line").first
        status.wait_for(timeout=timeout)
        t1 = time.monotonic()
        self.times["load"] = t1 - t0
        for _ in range(a.steps):
            before = status.inner_text(timeout=timeout)
            nxt.click(timeout=timeout)
            deadline = time.monotonic() + a.timeout
            while status.inner_text(timeout=timeout) == before:
                if time.monotonic() > deadline:
                    raise TimeoutError("the status line did not change after 'Next step'")
                time.sleep(0.02)
        t2 = time.monotonic()
        self.times["steps"] = t2 - t1
        if a.train_seconds > 0:
            page.locator(".bk-tab", has_text="Train").first.click(timeout=timeout)
            train = page.get_by_role("button", name="Train", exact=True)
            train.click(timeout=timeout)
            pause = page.get_by_role("button", name="Pause training", exact=True)
            pause.wait_for(timeout=timeout)
            time.sleep(a.train_seconds)
            pause.click(timeout=timeout)
            train.wait_for(timeout=timeout)
            self.times["train"] = time.monotonic() - t2

    def close(self):
        t0 = time.monotonic()
        if self.page is not None:
            self.page.close()
        if self.context is not None:
            self.context.close()
        self.page = self.context = None
        self.times["close"] = time.monotonic() - t0


# ========================================================================== the run
def _mb(x: float | None) -> str:
    return "-" if x is None else f"{x:8.1f}"


def _signed(x: float) -> str:
    return f"{x:+.1f} MB"


def _samples(values) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def run(args) -> int:
    import bokeh
    import panel
    from playwright.sync_api import sync_playwright

    N = args.sessions
    presets = [p.strip() for p in args.presets.split(",") if p.strip()]
    preset_of = lambda k: presets[k % len(presets)]  # noqa: E731
    print(f"session memory: {N} sessions per phase, presets {', '.join(presets)}; each: "
          f"{args.steps} x 'Next step', train {args.train_seconds:g} s, pause, close")
    print(f"panel {panel.__version__}, bokeh {bokeh.__version__}, python "
          f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
          f"chromium {CHROMIUM} (headless)")
    server = Server(probe=not args.no_probe)
    print("server: panel serve explorer/app.py --check-unused-sessions "
          f"{CHECK_UNUSED_MS} --unused-session-lifetime {UNUSED_LIFETIME_MS}"
          + (" --setup benchmarks/session_memory.py (probe)" if not args.no_probe else "")
          + f"; log: {LOG_PATH.relative_to(REPO_ROOT)}")
    destroy_timeout = (CHECK_UNUSED_MS + UNUSED_LIFETIME_MS) / 1000 + 30
    probes: dict[str, dict | None] = {}
    r: dict[str, float] = {}
    seq_trend: list[float] = []
    done: list[Session] = []
    t_start = time.monotonic()
    with server, sync_playwright() as p:
        print(f"server pid {server.pid}, port {server.port}", flush=True)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            time.sleep(1.0)
            r["startup"] = server.rss()

            # ---- 2. warm-up: one session per preset (each preset is loaded and cached once)
            for preset in presets:
                s = Session(browser, server, preset, args)
                s.open_and_exercise()
                s.close()
                done.append(s)
                server.wait_destroyed(destroy_timeout)
            r["before"], samples = server.settled_rss(args.settle, args.samples)
            print(f"warm-up: {len(presets)} session(s); RSS samples {_samples(samples)} MB",
                  flush=True)
            probes["after warm-up"] = server.probe()

            # ---- 3. sequential
            t0 = time.monotonic()
            for k in range(N):
                s = Session(browser, server, preset_of(k), args)
                s.open_and_exercise()
                s.close()
                done.append(s)
                server.wait_destroyed(destroy_timeout)
                seq_trend.append(server.rss())
            r["after"], samples = server.settled_rss(args.settle, args.samples)
            print(f"sequential: {N} sessions in {time.monotonic() - t0:.0f} s; RSS samples "
                  f"{_samples(samples)} MB", flush=True)
            probes[f"after {N} sequential"] = server.probe()

            # ---- 4. concurrent
            r["before concurrent"] = server.rss()
            t0 = time.monotonic()
            open_sessions = []
            for k in range(N):
                s = Session(browser, server, preset_of(k), args)
                open_sessions.append(s)
                s.open_and_exercise()
            time.sleep(2.0)
            values = [server.rss()]
            for _ in range(2):
                time.sleep(1.0)
                values.append(server.rss())
            r["all open"] = min(values)
            print(f"concurrent: {N} sessions opened in {time.monotonic() - t0:.0f} s; RSS "
                  f"samples {_samples(values)} MB", flush=True)
            probes[f"{N} open"] = server.probe()
            for s in open_sessions:
                s.close()
                done.append(s)
            waited = server.wait_destroyed(destroy_timeout)
            r["after concurrent"], samples = server.settled_rss(args.settle, args.samples)
            print(f"closed all; destroyed within {waited:.1f} s; RSS samples "
                  f"{_samples(samples)} MB", flush=True)
            probes[f"after closing {N}"] = server.probe(last=True)
            r["peak"] = server.hwm()
        finally:
            browser.close()
        sessions = server.sessions()
    report(args, r, seq_trend, probes, sessions, done, time.monotonic() - t_start)
    return 0


def report(args, r, seq_trend, probes, sessions, done, seconds):
    N = args.sessions
    before = r["before"]
    seq = r["after"] - before
    per = seq / N
    open_cost = (r["all open"] - r["before concurrent"]) / N
    conc = r["after concurrent"] - before
    print()
    print(f"Server RSS, MB (settled = min of {args.samples} samples 1 s apart, "
          f"{args.settle:g} s after the last session was destroyed)")
    print(f"  at startup, no session yet           {_mb(r['startup'])}")
    print(f"  before: after the warm-up            {_mb(before)}")
    print(f"  after {N:>2} sessions, one at a time    {_mb(r['after'])}   "
          f"{_signed(seq)} vs before, {per:+.2f} MB/session")
    print(f"  {N:>2} sessions open at once            {_mb(r['all open'])}   "
          f"{_signed(r['all open'] - before)} vs before; "
          f"{open_cost:.2f} MB per open session")
    print(f"  after closing those {N:>2}             {_mb(r['after concurrent'])}   "
          f"{_signed(conc)} vs before, {conc / N:+.2f} MB/session")
    print(f"  peak (VmHWM)                         {_mb(r['peak'])}")
    print("  right after each sequential session was destroyed (unsettled): "
          + " ".join(f"{v:.0f}" for v in seq_trend))
    half = len(seq_trend) // 2
    slope = None
    if len(seq_trend) - half >= 2:
        slope = (seq_trend[-1] - seq_trend[half]) / (len(seq_trend) - 1 - half)
        print(f"  over the last {len(seq_trend) - half} sequential sessions: "
              f"{slope:+.2f} MB/session")

    print()
    loads = len(done)
    extra = sessions["launched"] - loads
    ok = sessions["hook errors"] == 0 and sessions["destroyed"] == sessions["launched"]
    print(f"Sessions (server log): {loads} page loads, {sessions['launched']} sessions launched, "
          f"{sessions['destroyed']} destroyed; destroy-callback errors {sessions['hook errors']}, "
          f"script errors {sessions['script errors']}, tracebacks {sessions['tracebacks']} "
          f"({sessions['closed-socket writes']} 'Task exception was never retrieved: "
          f"WebSocketClosedError', a message sent as the page closed)")
    if extra > 0:
        print(f"  {extra} page load(s) built the app twice: the session made for the HTML page "
              f"was discarded before the page's websocket connected (the "
              f"{UNUSED_LIFETIME_MS} ms lifetime counts from its creation), so Bokeh made "
              f"a new one for the websocket")
    print("  -> every session was destroyed and its on_session_destroyed callbacks "
          "(explorer.close()) ran without error" if ok else
          "  -> NOT every session was destroyed cleanly: see the server log")
    if done:
        keys = ["load", "steps", "train", "close"]
        print("  browser, median s per session: " + ", ".join(
            f"{k} {_median([s.times[k] for s in done if k in s.times]):.1f}" for k in keys))

    leaked = gc_growth = None
    if any(probes.values()):
        print()
        print("In-server probe (after gc.collect(); counts of live objects)")
        names = list(probes)
        rows = ["ExplorerState", "ExplorerState with a stepper", "Explorer", "Trainer",
                "GraphView", "TrainingView", "Stepper", "Page", "bokeh Document",
                "ServerSession", "SessionContext", "bokeh models", "panel viewables",
                "training runs", "gc objects"]
        width = max(len(n) for n in names) + 2
        print(f"  {'':<30}" + "".join(f"{n:>{width}}" for n in names))
        for row in rows:
            cells = [(p or {}).get("counts", {}).get(row) for p in probes.values()]
            print(f"  {row:<30}" + "".join(
                f"{'-' if c is None else c:>{width}}" for c in cells))
        for label, key in (("RSS after gc.collect(), MB", "rss_after_gc"),
                           ("RSS after malloc_trim(0), MB", "rss_after_trim")):
            cells = [(p or {}).get(key) for p in probes.values()]
            print(f"  {label:<30}" + "".join(
                f"{'-' if c is None else format(c, '.1f'):>{width}}" for c in cells))
        for name, p in probes.items():
            if p and p.get("state_tables"):
                tables = ", ".join(f"{k} {v}" for k, v in sorted(p["state_tables"].items()))
                print(f"  pn.state tables {name}: {tables}")
        for key, label in ((f"after {N} sequential", "warm-up -> after sequential"),
                           (f"after closing {N}", f"{N} open -> after closing")):
            p = probes.get(key)
            if p and p.get("growth"):
                grow = ", ".join(f"{name.rsplit('.', 1)[-1]} +{n}" for name, n in p["growth"][:8])
                print(f"  most grown types, {label}: {grow}")
        after = [p["counts"].get("ExplorerState", 0) for k, p in probes.items()
                 if p and "open" not in k]
        leaked = max(after) if after else None
        first, seq_probe = probes.get("after warm-up"), probes.get(f"after {N} sequential")
        if first and seq_probe:
            gc_growth = seq_probe["counts"]["gc objects"] - first["counts"]["gc objects"]
        last = probes.get(f"after closing {N}")
        if leaked == 0 and last and last.get("rss_after_trim") is not None:
            print(f"  no session object is alive after closing, so the {_signed(conc)} kept "
                  f"after the concurrent phase is freed memory the allocators hold on to; "
                  f"malloc_trim(0) gave back "
                  f"{last['rss_after_gc'] - last['rss_after_trim']:.1f} MB of it")

    print()
    print(f"(took {seconds:.0f} s; nothing is asserted)")
    threshold = max(0.25, 0.05 * open_cost)
    figures = f"after − before = {_signed(seq)} for {N} sessions ({per:+.2f} MB/session)"
    context = f"an open session holds {open_cost:.1f} MB; after {N} open at once {_signed(conc)}"
    if leaked:
        verdict = (f"memory NOT returned: {figures}; {leaked} ExplorerState still alive after "
                   f"their sessions were destroyed; {context}")
    elif per <= threshold:
        verdict = f"memory returned: {figures}; {context}"
    elif leaked == 0 and gc_growth is not None and gc_growth <= 10 * N:
        verdict = (f"memory returned to the allocator, not all to the OS: {figures}; no "
                   f"session object left alive and {gc_growth:+d} gc-tracked objects in all, "
                   f"so the rise is allocator retention (RSS moves in steps, "
                   f"{slope if slope is not None else float('nan'):+.2f} MB/session over the "
                   f"last {len(seq_trend) - half}); {context}")
    elif slope is not None and slope <= threshold:
        verdict = (f"memory returned after an initial rise: {figures}, levelling off at "
                   f"{slope:+.2f} MB/session over the last {len(seq_trend) - half}"
                   + ("; no session object left alive" if leaked == 0 else "")
                   + f"; {context}")
    else:
        verdict = (f"memory NOT returned: {figures}, more than {threshold:.2f} MB/session"
                   + ("" if leaked is None else " although no session object is left alive")
                   + f"; {context}")
    print(verdict)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="sessions per phase (20)")
    parser.add_argument("--quick", action="store_true", help="5 sessions per phase")
    parser.add_argument("--presets", default="digits",
                        help="comma-separated presets, cycled (digits)")
    parser.add_argument("--steps", type=int, default=3, help="'Next step' presses per session (3)")
    parser.add_argument("--train-seconds", type=float, default=0.5,
                        help="how long each session trains; 0 skips training (0.5)")
    parser.add_argument("--settle", type=float, default=7.0,
                        help="seconds after the last destruction before sampling RSS (7)")
    parser.add_argument("--samples", type=int, default=5, help="RSS samples, 1 s apart (5)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per browser action, s (60)")
    parser.add_argument("--no-probe", action="store_true",
                        help="do not install the in-server object-counting probe")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions = 5
    return run(args)


if __name__ == "panel_setup_module":   # run by `panel serve --setup` inside the server
    _install_probe()
elif __name__ == "__main__":
    raise SystemExit(main())
