#!/usr/bin/env python
"""A class on one server: 30 students open the link, step, reset and train at once.

Run from the repository root (needs playwright and Debian's /usr/bin/chromium):

    python benchmarks/classroom_load.py            # 30 students, 30 s a phase (~3 minutes)
    python benchmarks/classroom_load.py --quick    # 10 students, 10 s a phase
    python benchmarks/classroom_load.py --deploy 2 # the same through nginx, 2 servers

The server is ``backprop-explorer`` (explorer/cli.py) on 127.0.0.1, one process, as a
teacher starts it; with ``--deploy N``, ``backprop-explorer deploy --procs N`` (N servers
behind nginx, each student kept on one by its cookie), the servers' CPU and memory added
up.  Students are simulated at the protocol level (harness/student.py),
one Bokeh session each, all on one event loop in this process: each GETs the page,
opens the websocket, pulls the document and sends ``document_ready``, as BokehJS
does.  They then act as the page's player (explorer/js/player.js) would for a student
clicking every 1-3 s (uniformly at random):

    Next step (70 %)   the page steps on its tape; it tells the server where it is
                       ("at").  Past the end of the tape it moves onto the tape sent
                       ahead, and the server records and sends the one after it.
    Finish (15 %)      the page jumps to the end of its tape, and tells the server.
    Reset (15 %)       the server resets the stepper and sends a new tape.

What a student waits for is timed, from the message sent to the server's answer:
for a step onto the tape sent ahead, the next tape; for Reset, the new tape.  The
other messages answer nothing the page waits for; they are sent all the same (the
load), and their Bokeh OK is timed as "ok" (how long the server's queue is).

Phases
    1  one student alone, clicking every 0.2-0.5 s for the phase's length: the
       baseline p50;
    2  N students open the link, at random moments over 10 s: each page's time
       until it is interactive (GET, websocket, document pulled); the server's CPU
       over the phase per session, and its RSS per session once they are open.
       (The session build against its target is timed in phase 1, one student after
       another: here this script's own students share the 2 cores with the server.)
    3  N students stepping, for the phase's length;
    4  N - K students stepping while K others open the digits and press "Train";
       how often each trainer's cost curve moves (a patch streaming its J).

A probe student, one real headless Chromium page, clicks "Next step" every 600 ms
through phases 1 (alone), 3 and 4 and times each click to the repainted frame in the
page (harness/clicks.py), as step_latency.py does.

The session build is also measured on the trivial Panel app (harness/trivial.py), served
the same way in the same run, and printed as a ratio: the machine's speed varies from
day to day, the ratio less.

Targets (issue 11, on this 2-core machine; the script prints, never asserts): pages
interactive within 15 s; session build <= 0.3 s of server CPU; in phases 3 and 4
the server's p95 <= 3x the phase-1 p50 and the probe's p95 <= 2x its own alone;
every trainer's curve moves >= 2 times a second; no errors; RSS <= 10 MB a session.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
from harness.browser import (CHROMIUM_ARGS, chromium, free_port, process_cpu_ms,  # noqa: E402
                             script_server, served, serving)
from harness.clicks import CLICKS_JS, FIND_BUTTONS_JS, GRAPH_MODELS  # noqa: E402
from harness.stats import median, quantile  # noqa: E402
from harness.student import Student, new_id, objects, plain  # noqa: E402
from harness.trivial import trivial_app  # noqa: E402

CHROMIUM = chromium() or "/usr/bin/chromium"
TIMEOUT_S = 10.0        # a wait longer than this is a timeout
PROBE_MS = 600


class Page:
    """One simulated student's page: its tapes and where it is on them, as player.js
    keeps them.  Its waits go into ``times`` (kind -> [ms]), what went wrong into
    ``errors``."""

    def __init__(self, student: Student, times: dict, errors: list):
        self.s, self.times, self.errors = student, times, errors
        data = student.find(lambda m: "tape" in m.get("attributes", {}))
        self.data_id = data["id"]
        self.esm_id = student.find(
            lambda m: (m.get("attributes", {}).get("data") or {}).get("id") == self.data_id)["id"]
        self.tape = plain(data["attributes"]["tape"])
        self.next = plain(data["attributes"]["next_tape"])
        self.k = 0              # steps taken on self.tape
        self.waiting = {}       # what is awaited (an attribute, or a message id) -> future
        self.streams = []       # when a patch streamed points to the curves (training)
        self.patched = {}       # model objects that patches brought (a tab shown)
        self.reader = asyncio.ensure_future(self._read())

    # ---- what the server sends --------------------------------------------------------
    def _answer(self, key):
        future = self.waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def _read(self):
        while True:
            try:
                message = await self.s.next_message(timeout=3600)
            except (ConnectionError, asyncio.CancelledError, TimeoutError):
                return
            if message.msgtype == "OK":
                self._answer(message.header.get("reqid"))
                continue
            if message.msgtype != "PATCH-DOC":
                continue
            for model in objects(message.content):
                self.patched[model["id"]] = model
            events = message.content.get("events", [])
            if any(event.get("kind") == "ColumnsStreamed" for event in events):
                self.streams.append(time.perf_counter())  # a frame of training
            for event in events:
                if event.get("kind") == "ModelChanged" and event["model"]["id"] == self.data_id:
                    value = plain(event["new"])
                    if event["attr"] == "tape":
                        self.tape, self.k = value, 0
                    elif event["attr"] == "next_tape":
                        self.next = value
                    self._answer(event["attr"])

    # ---- what the page sends -----------------------------------------------------------
    async def _timed(self, key, kind, send):
        """``send(msgid)``, then wait for ``key`` (an attribute the server sets, or None
        for the message's OK); the time goes to ``kind``."""
        msgid = new_id()
        future = asyncio.get_running_loop().create_future()
        self.waiting[key or msgid] = future
        t0 = time.perf_counter()
        await send(msgid)
        try:
            t1 = await asyncio.wait_for(future, TIMEOUT_S)
            self.times.setdefault(kind, []).append((t1 - t0) * 1000)
        except asyncio.TimeoutError:
            self.waiting.pop(key or msgid, None)
            self.errors.append(f"{kind}: no answer in {TIMEOUT_S:.0f} s")

    def _message(self, **data):
        return lambda msgid: self.s.model_event(
            self.esm_id, "data_event", msgid=msgid,
            data={"type": "map", "entries": [[k, v] for k, v in data.items()]})

    def _at(self):
        iteration, position = (self.tape["origin"] if self.k == 0
                               else self.tape["steps"][self.k - 1]["at"])
        return self._message(type="at", id=self.tape["id"], iteration=iteration, position=position)

    async def step(self):
        if self.k < len(self.tape["steps"]):
            self.k += 1
            return await self._timed(None, "ok", self._at())
        if not self.next or self.next["id"] <= self.tape["id"]:
            return  # the tape after is still on its way: the page counts the press
        self.tape, self.k = self.next, 1  # onto the tape sent ahead: the next one comes
        await self._timed("next_tape", "onto the next tape", self._at())

    async def finish(self):
        self.k = len(self.tape["steps"])
        await self._timed(None, "ok", self._at())

    async def reset(self):
        await self._timed("tape", "reset", self._message(type="reset"))

    async def act(self, rng):
        roll = rng.random()
        try:
            await (self.step() if roll < 0.70 else self.finish() if roll < 0.85 else self.reset())
        except (ConnectionError, TimeoutError, RuntimeError, KeyError) as error:
            self.errors.append(f"{type(error).__name__}: {error}")

    async def train(self):
        """Show the Train tab and press Train, as a student would."""
        tabs = self.s.find(lambda m: m["name"].endswith(".Tabs") and "tabs" in m["attributes"])
        await self.s.send_patch([{"kind": "ModelChanged", "model": {"id": tabs["id"]},
                                  "attr": "active", "new": 1}])
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:  # the tab's models come in a patch
            for model in list(self.patched.values()):
                if model.get("attributes", {}).get("label") == "Train":
                    await self.s.model_event(model["id"], "button_click")
                    return
            await asyncio.sleep(0.05)
        self.errors.append("train: the Train button never came")

    def close(self):
        self.reader.cancel()
        self.s.close()


class Class:
    """The simulated students, on an event loop in a thread of their own (Playwright's
    sync API holds the main thread's)."""

    def __init__(self, base: str, seed: int):
        self.base = base
        self.rng = random.Random(seed)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.pages: list[Page] = []
        self.times: dict = {}
        self.errors: list = []

    def run(self, coroutine, timeout=600):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    async def open(self, n: int, over: float, query: str = "") -> list[float]:
        """n students open the page at random moments within ``over`` s; each one's
        seconds until its page is interactive."""
        async def one(delay):
            await asyncio.sleep(delay)
            t0 = time.perf_counter()
            try:
                student = await Student.join(self.base, query=query, timeout=60)
            except Exception as error:  # noqa: BLE001 (counted, reported)
                self.errors.append(f"open: {type(error).__name__}: {error}")
                return None
            page = Page(student, self.times, self.errors)
            self.pages.append(page)
            return time.perf_counter() - t0
        return list(await asyncio.gather(*(one(self.rng.uniform(0, over)) for _ in range(n))))

    async def step(self, pages, seconds: float, low: float, high: float):
        """Each page acts every ``low``-``high`` s (uniformly) for ``seconds``."""
        end = time.perf_counter() + seconds

        async def one(page):
            await asyncio.sleep(self.rng.uniform(0, high))
            while time.perf_counter() < end:
                await page.act(self.rng)
                await asyncio.sleep(self.rng.uniform(low, high))
        await asyncio.gather(*(one(p) for p in pages))

    async def build_cpu(self, pids, n: int, base: str | None = None,
                        path: str = "/app") -> list[float]:
        """n students open the page one after another; the server's CPU seconds for each
        (the page, the session, the document pulled, ready).  They close together at the
        end: a closed session is let go (and garbage-collected) seconds later, which would
        land in a later one's time.  ``base``, ``path``: another server's page."""
        out, opened = [], []
        for _ in range(n):
            before = cpu_ms(pids)
            opened.append(await Student.join(base or self.base, path=path, timeout=60))
            await asyncio.sleep(0.3)  # document_ready's callbacks run
            out.append((cpu_ms(pids) - before) / 1000)
        for student in opened:
            student.close()
        return out

    def take(self) -> tuple[dict, list]:
        """The times and errors so far, and start afresh (on the students' loop, where the
        pages add to them)."""
        async def swap():
            times, errors = self.times, self.errors
            self.times, self.errors = {}, []
            for page in self.pages:
                page.times, page.errors = self.times, self.errors
            return times, errors
        return self.run(swap())

    def leave(self, pages):
        """These students close their pages (on the students' loop, which owns the sockets)."""
        async def close():
            for page in pages:
                page.close()
            await asyncio.sleep(0.1)  # the closes go out
        self.run(close())
        self.pages = [p for p in self.pages if p not in pages]

    def close(self):
        if self.loop.is_running():
            self.leave(list(self.pages))
            self.loop.call_soon_threadsafe(self.loop.stop)


class Probe:
    """A real Chromium page clicking "Next step" every 600 ms, timed to the repaint."""

    def __init__(self, context, base):
        self.page = context.new_page()
        self.page.goto(f"{base}/app")
        self.page.wait_for_function(
            "() => window.Bokeh && Bokeh.documents.length > 0 && "
            "Bokeh.documents[0].get_model_by_name('graph') != null", timeout=60000)
        self.page.wait_for_selector(".player[data-tape]", timeout=60000)  # a tape is in
        self.page.wait_for_timeout(1000)  # first renders (KaTeX, tables)
        self.page.evaluate(FIND_BUTTONS_JS)

    def clicks(self, seconds: float) -> list:
        n = max(1, int(seconds * 1000 / PROBE_MS))
        samples = self.page.evaluate(CLICKS_JS, ["Next step", n, PROBE_MS, GRAPH_MODELS])
        return [s.get("frame") for s in samples]


def fmt(values, unit="ms"):
    values = [v for v in values if v is not None]
    if not values:
        return "none"
    return (f"p50 {median(values):.1f} {unit}, p95 {quantile(values, 0.95):.1f} {unit} "
            f"(n={len(values)})")


def waits(times) -> list:
    return [v for kind, vs in times.items() if kind != "ok" for v in vs]


def rss_mb(pids) -> float:
    """The servers' resident memory together (MB)."""
    return sum(psutil.Process(pid).memory_info().rss for pid in pids) / 2**20


def cpu_ms(pids) -> float:
    """The servers' CPU time together (ms)."""
    return sum(process_cpu_ms(pid) for pid in pids)


def server_pids(process, state_dir) -> list[int]:
    """The server processes: the one served, or deploy's servers (servers.json)."""
    if state_dir is None:
        return [process.pid]
    servers = json.loads((Path(state_dir) / "servers.json").read_text())
    return [entry["pid"] for entry in servers.values()]


def run(args) -> int:
    from playwright.sync_api import sync_playwright

    import bokeh
    import panel

    n, trainers, seconds = (10, 3, 10.0) if args.quick else (args.students, args.trainers,
                                                              args.seconds)
    print(f"classroom load: {n} students, {trainers} training in phase 4, {seconds:g} s a "
          f"phase; python {platform.python_version()}, {os.cpu_count()} CPUs; panel "
          f"{panel.__version__}, bokeh {bokeh.__version__}; "
          + (f"deploy: {args.deploy} servers behind nginx" if args.deploy
             else "one backprop-explorer process"), flush=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / "classroom-load-server.log"
    options = ["--port", str(port), "--max-sessions", str(2 * n + 10),
               "--unused-session-lifetime", "3000", "--check-unused-sessions", "1000"]
    state_dir = tempfile.mkdtemp(prefix="classroom-load-") if args.deploy else None
    cmd = ([sys.executable, "-m", "explorer.cli", "deploy", "--procs", str(args.deploy),
            "--state-dir", state_dir, *options] if args.deploy
           else [sys.executable, "-m", "explorer.cli", *options])
    results = {}
    with served(cmd, f"{base}/app", log, timeout=180) as process, sync_playwright() as p:
        pids = server_pids(process, state_dir)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        room = Class(base, args.seed)
        try:
            probe = Probe(browser.new_context(viewport={"width": 1280, "height": 800}), base)
            time.sleep(4)  # the sessions of the server's own checks end
            # 1: one student alone, and the probe alone.
            room.run(room.open(1, 0))
            room.run(room.step(room.pages, seconds, 0.2, 0.5))
            results["alone"] = room.take()
            results["probe alone"] = probe.clicks(min(seconds, 20))
            results["build"] = room.run(room.build_cpu(pids, 8))
            with script_server(Path(__file__).resolve(), "trivial", log.with_name(
                    "classroom-load-trivial.log"), with_process=True) as (trivial, server):
                results["build trivial"] = room.run(room.build_cpu(
                    [server.pid], 8, base=trivial.replace("localhost", "127.0.0.1"),
                    path="/trivial"))
            room.close()
            room = Class(base, args.seed + 1)
            time.sleep(4)
            rss0, cpu0 = rss_mb(pids), cpu_ms(pids)
            # 2: n students open the link within 10 s.
            t0 = time.perf_counter()
            opened = room.run(room.open(n, 10.0))
            results["open"] = (opened, time.perf_counter() - t0, room.take()[1],
                               (cpu_ms(pids) - cpu0) / 1000, len(room.pages))
            time.sleep(2)
            results["rss"] = (rss_mb(pids) - rss0) / max(1, len(room.pages))
            # 3: all of them stepping, the probe clicking.
            job = room.start(room.step(room.pages, seconds, 1.0, 3.0))
            results["probe 3"] = probe.clicks(seconds)
            job.result(seconds + 60)
            results["step"] = room.take()
            # 4: n - K stepping, K others open the digits and train.
            steppers = room.pages[: n - trainers]
            room.leave(room.pages[n - trainers:])
            more = Class(base, args.seed + 2)
            try:
                more.run(more.open(trainers, 2.0, query="preset=digits"))
                more.run(_train_all(more.pages))
                started = time.perf_counter()
                job = room.start(room.step(steppers, seconds, 1.0, 3.0))
                results["probe 4"] = probe.clicks(seconds)
                job.result(seconds + 60)
                ended = time.perf_counter()
                rates = [sum(started <= t <= ended for t in page.streams) / (ended - started)
                         for page in more.pages]
                results["train"] = (room.take(), rates, more.take()[1])
            finally:
                more.close()
        finally:
            room.close()
            browser.close()
    report(results, n, trainers)
    return 0


async def _train_all(pages):
    await asyncio.gather(*(page.train() for page in pages))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(r, n, trainers):
    alone_times, alone_errors = r["alone"]
    base = median(waits(alone_times)) if waits(alone_times) else float("nan")
    probe_alone = [v for v in r["probe alone"] if v is not None]
    probe_base = quantile(probe_alone, 0.95) if probe_alone else float("nan")
    print("\nphase 1: one student alone (a click every 0.2-0.5 s)")
    print(f"  waits for the server (the next tape, a reset): {fmt(waits(alone_times))}")
    for kind, values in sorted(alone_times.items()):
        print(f"    {kind}: {fmt(values)}")
    print(f"  probe alone, click -> repainted frame: {fmt(r['probe alone'])}")

    opened, span, open_errors, cpu_s, count = r["open"]
    good = [v for v in opened if v is not None]
    slowest = max(good) if good else float("nan")
    print(f"\nphase 2: {n} students open the link within 10 s (all open after {span:.1f} s)")
    print(f"  page interactive: p50 {median(good):.2f} s, slowest {slowest:.2f} s "
          f"(target <= 15 s: {verdict(len(good) == n and slowest <= 15)}); errors "
          f"{len(open_errors)}")
    build, trivial = median(r["build"]), median(r["build trivial"])
    print(f"  server CPU over the phase: {cpu_s:.2f} s, {cpu_s / max(1, count):.3f} s a session "
          f"(with this script's students on the same 2 cores)")
    print(f"  session build, one at a time (phase 1): {build:.3f} s of server CPU, median of "
          f"{len(r['build'])} (target <= 0.3 s: {verdict(build <= 0.3)}); the trivial Panel "
          f"app's {trivial:.3f} s in the same run: {build / trivial:.1f}x")
    print(f"  server RSS: {r['rss']:.1f} MB a session (target <= 10 MB: "
          f"{verdict(r['rss'] <= 10)})")

    rows = [("3", f"{n} students stepping", r["step"], r["probe 3"], None)]
    (t4, e4), rates, train_errors = r["train"]
    rows.append(("4", f"{n - trainers} stepping, {trainers} training the digits", (t4, e4 + train_errors),
                 r["probe 4"], rates))
    summary = []
    for phase, title, (times, errors), probe, rates in rows:
        w = waits(times)
        p95 = quantile(w, 0.95) if w else float("nan")
        probe_ok = [v for v in probe if v is not None]
        probe_p95 = quantile(probe_ok, 0.95) if probe_ok else float("nan")
        print(f"\nphase {phase}: {title} (a click every 1-3 s)")
        print(f"  waits for the server: {fmt(w)}; p95 / alone p50 = {p95 / base:.2f}x "
              f"(target <= 3x: {verdict(p95 <= 3 * base)})")
        for kind, values in sorted(times.items()):
            print(f"    {kind}: {fmt(values)}")
        print(f"  probe: {fmt(probe)}; p95 / alone p95 = {probe_p95 / probe_base:.2f}x "
              f"(target <= 2x: {verdict(probe_p95 <= 2 * probe_base)}); clicks not "
              f"repainted in 5 s: {len(probe) - len(probe_ok)}")
        print(f"  errors and timeouts: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        summary.append(f"phase {phase} p95 {p95 / base:.2f}x, probe {probe_p95 / probe_base:.2f}x, "
                       f"{len(errors)} errors")
        if rates is not None:
            slowest = min(rates) if rates else 0.0
            print(f"  training curves: {', '.join(f'{x:.1f}' for x in rates)} updates/s; slowest "
                  f"{slowest:.1f} (target >= 2/s: {verdict(bool(rates) and slowest >= 2)})")
            summary.append(f"curves >= {slowest:.1f}/s")
    print(f"\nclassroom_load: alone p50 {base:.1f} ms; open slowest {slowest_open(r):.1f} s, "
          f"build {build:.3f} s CPU ({build / trivial:.1f}x the trivial app's), "
          f"{r['rss']:.1f} MB a session; "
          + "; ".join(summary))


def serve(port: int) -> None:
    """The trivial app, whose session build is measured beside the explorer's."""
    import panel as pn

    pn.serve({"trivial": trivial_app}, port=port, address="localhost", show=False,
             websocket_origin=[f"localhost:{port}", f"127.0.0.1:{port}"], num_procs=1)


def slowest_open(r) -> float:
    good = [v for v in r["open"][0] if v is not None]
    return max(good) if good else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true", help="10 students, 10 s a phase")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--trainers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of phases 1, 3, 4")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deploy", type=int, default=0, metavar="N",
                        help="N servers behind nginx (backprop-explorer deploy) instead of one; "
                             "CPU and memory are theirs together")
    args, served_instead = serving(parser, argv, serve)
    return 0 if served_instead else run(args)


if __name__ == "__main__":
    raise SystemExit(main())
