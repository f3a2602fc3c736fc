#!/usr/bin/env python
"""How soon after a click on "Next step" does the page show the new step?

Run from the repository root (needs playwright and Debian's /usr/bin/chromium):

    python benchmarks/step_latency.py                  # 2 rounds (about 15 minutes)
    python benchmarks/step_latency.py --quick          # 1 round, fewer nets
    python benchmarks/step_latency.py --before 368825f # also the server CPU of a step
                                                       # in that commit (a git worktree)

What runs
    One server process (``pn.serve``, started by this script as
    ``python benchmarks/step_latency.py --serve``) holds
    * ``/app?net=NAME&mode=batch|per_example``: the real dashboard
      (``explorer.dashboard.create_app``) showing NAME: ``xnor`` and ``digits`` are
      the presets; 2-2-1, 4-16-16-3, 64-25-10 and 128-64-10 are
      ``Network(sizes, seed=0)`` on 4 random examples; plus one button the real app
      has not, "Server step", which steps the way the server still does for a
      setting, a file or a refused step (``ExplorerState.step()``: every view and
      new step tapes);
    * ``/trivial``: a button and a Bokeh plot of 3 points; a click makes the server
      set the plot's ``ColumnDataSource`` (named "nodes") to new values.  A second
      button, "Step in the page", makes the same change in the page (no server,
      ``{sync: false}`` as the player does): the floor under any step in the page,
      mostly the wait for the browser's next frame (up to 16.7 ms at 60 Hz).  It is
      printed for reference; the targets are against the server round trip.
    One headless Chromium (1280x800) opens a page per case.

What is measured, in the page (``performance.now()``)
    A click is ``button.click()`` from JavaScript.  For each click: the time until
    the first change of one of the graph's models (``nodes``, ``edges``,
    ``delta_scale``, ``edge_scale``, ``step_band``; the trivial app: its source),
    and **frame**: until the browser has finished the frame in which Bokeh next
    painted the plot (named "graph" in both apps) after that change: a task posted
    from Bokeh's ``repainted`` signal, which runs once the frame's style, layout
    and commit are done.  Click -> repainted frame, the headline number.  (An
    animation-frame callback registered at the change would run before Bokeh's
    paint: Bokeh asks for its repaint a microtask later.)

    paced    Reset (not timed), then Next every 600 ms through a whole iteration
             and 2 steps into the next (past the update, on the tape sent ahead),
             each click timed and named by its step kind (engine.steps.schedule);
             then "Finish iteration" twice from the iteration's start (the second
             on the tape sent ahead).  The trivial app: a click every 600 ms, on
             each of its buttons.
    rapid    Next every 150 ms for an iteration and 2 steps (per-example on the
             digits: 130 of its 8631 steps, over three pieces of the tape: 60 + 60 +
             10); a repaint that
             has not happened by the next click counts as late.
    server   The server process's CPU time (all threads, /proc/<pid>/task/*/schedstat)
             over each case's paced clicks, less the idle rate measured just before,
             per click; and the same for "Server step" clicks (a step done on the
             server, which also records two tapes).  With --before REV, the same
             paced clicks on xnor (batch) against REV's own ``panel serve
             explorer/app.py`` (``git worktree``), where "Next step" was a server
             step: the target (<= 0.1x) compares the page step on xnor (batch)
             with that, like for like; without --before it is not judged.

Rounds go through the cases in a new random order each time.  Printed: medians
(p25-p75) per case and step kind, each divided by the trivial app's median from
the same run, and the targets of issue 10.  The script prints; it never asserts.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
from harness.browser import (CHROMIUM_ARGS, chromium, free_port, panel_serve,  # noqa: E402
                             process_cpu_ms, script_server, served, serving)
from harness.clicks import (BUTTON_AND_SIGNALS, CLICKS_JS, FIND_BUTTONS_JS,  # noqa: E402
                            GRAPH_MODELS)
from harness.stats import median, quantile  # noqa: E402
from harness.trivial import trivial_app  # noqa: E402

CHROMIUM = chromium() or "/usr/bin/chromium"

RANDOM_NETS = {"2-2-1": [2, 2, 1], "4-16-16-3": [4, 16, 16, 3], "64-25-10": [64, 25, 10],
               "128-64-10": [128, 64, 10]}
NETS = ["2-2-1", "xnor", "4-16-16-3", "64-25-10", "128-64-10"]
QUICK_NETS = ["xnor", "4-16-16-3", "64-25-10"]
TARGETS = {"2-2-1": 0.7, "xnor": 0.7, "4-16-16-3": 0.7, "64-25-10": 1.0, "128-64-10": 1.5}
RAPID = [("xnor", "batch"), ("xnor", "per_example"), ("digits", "batch"),
         ("digits", "per_example")]
M_EXAMPLES = 4
PACED_MS, RAPID_MS = 600, 150


# =============================================================== the served apps
def build_explorer(net: str, mode: str):
    """The dashboard's Explorer for a case, as the served app builds it."""
    from explorer.app_layout import Explorer

    stepper, preset = network_for(net)
    explorer = Explorer(preset=preset or "xor")
    if stepper is not None:
        explorer.state.replace(stepper)
    explorer.state.mode = mode
    return explorer


def network_for(net: str):
    """(stepper, preset name or None) for the case's network."""
    import numpy as np

    from engine import Network, Stepper

    if net in RANDOM_NETS:
        sizes = RANDOM_NETS[net]
        rng = np.random.default_rng(0)
        X = rng.uniform(0.0, 1.0, size=(M_EXAMPLES, sizes[0]))
        K = sizes[-1]
        Y = (rng.integers(0, 2, size=M_EXAMPLES).astype(float) if K == 1
             else rng.integers(0, K, size=M_EXAMPLES))
        return Stepper(Network(sizes, seed=0), X, Y, learning_rate=1.0), None
    return None, net


def bench_app():
    import panel as pn

    from explorer.dashboard import create_app
    from explorer.entry import on_click

    args = pn.state.session_args or {}
    net = (args.get("net") or [b"xnor"])[0].decode()
    mode = (args.get("mode") or [b"batch"])[0].decode()
    explorer = build_explorer(net, mode)
    template = create_app(explorer=explorer)
    server_step = pn.widgets.Button(name="Server step", width=120)
    on_click(server_step, explorer.state.step)
    template.main.append(server_step)
    return template


def serve(port: int) -> None:
    import panel as pn

    # The readiness probe opens a session the page never connects to; end such
    # sessions within a second, not 15, so their teardown falls outside the timings.
    pn.serve({"app": bench_app, "trivial": trivial_app}, port=port, address="localhost",
             websocket_origin=[f"localhost:{port}"], show=False, title="step latency",
             num_procs=1, unused_session_lifetime_milliseconds=1000,
             check_unused_sessions_milliseconds=1000)


# ================================================================ the browser side
# Rapid clicks: the next click does not wait for the repaint; was it there in time?
RAPID_JS = """
async ([label, n, every, names]) => {""" + BUTTON_AND_SIGNALS + """  const samples = []
  let current = null
  const onChange = () => {
    const s = current
    if (s == null || s.change != null) { return }
    s.change = performance.now() - s.t0
    afterPaint(() => { s.frame = performance.now() - s.t0 })
  }
  for (const s of signals) { s.connect(onChange) }
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const due = start + i * every
    const wait = due - performance.now()
    if (wait > 0) { await new Promise((r) => setTimeout(r, wait)) }
    current = { t0: performance.now() }
    samples.push(current)
    button.click()
  }
  await new Promise((r) => setTimeout(r, 2000))
  for (const s of signals) { s.disconnect(onChange) }
  stop()
  return samples.map((s, i) => ({ frame: s.frame ?? null,
    late: s.frame == null || s.frame > (i + 1 < samples.length ? samples[i + 1].t0 - s.t0 : every) }))
}
"""


class Page:
    def __init__(self, context, base, net, mode="batch"):
        self.net, self.mode = net, mode
        self._schedule = None
        self.page = context.new_page()
        url = f"{base}/trivial" if net == "trivial" else f"{base}/app?net={net}&mode={mode}"
        self.page.goto(url)
        self.page.wait_for_function(
            "() => window.Bokeh && Bokeh.documents.length && "
            "Bokeh.documents[0].get_model_by_name('nodes')", timeout=60000)
        if net != "trivial":
            self.page.wait_for_selector(".player[data-tape]", timeout=60000)
        self.page.wait_for_timeout(1000)  # first renders (KaTeX, tables)
        self.page.evaluate(FIND_BUTTONS_JS)

    def clicks(self, label, n, every=PACED_MS):
        self.page.bring_to_front()
        return self.page.evaluate(CLICKS_JS, [label, n, every, GRAPH_MODELS])

    def rapid(self, n):
        self.page.bring_to_front()
        return self.page.evaluate(RAPID_JS, ["Next step", n, RAPID_MS, GRAPH_MODELS])

    def reset(self):
        self.page.evaluate("() => window.__buttons['Reset'].click()")
        self.page.wait_for_timeout(700)  # the new tape, and quiet

    def steps_per_iteration(self):
        """The steps of an iteration, as the served app's stepper has them."""
        if self._schedule is None:
            explorer = build_explorer(self.net, self.mode)
            self._schedule = explorer.state.stepper.schedule
            explorer.close()
        return self._schedule


def idle_rate(pid, seconds=1.0):
    c0, t0 = process_cpu_ms(pid), time.monotonic()
    time.sleep(seconds)
    return (process_cpu_ms(pid) - c0) / (time.monotonic() - t0)


def server_cpu_per_click(pid, action, clicks):
    """Server CPU (ms) per click over ``action()``, less the idle rate (over 2 s before)."""
    rate = idle_rate(pid, seconds=2.0)
    c0, t0 = process_cpu_ms(pid), time.monotonic()
    action()
    time.sleep(0.5)
    used = process_cpu_ms(pid) - c0 - rate * (time.monotonic() - t0)
    return max(used, 0.0) / clicks


def before_step_py(rev, context, rounds):
    """Server CPU per "Next step" in commit ``rev`` (a server step there)."""
    tree = Path(tempfile.mkdtemp(prefix="step-latency-before-"))
    subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(tree), rev],
                   check=True, capture_output=True)
    try:
        port = free_port()
        env = {"PYTHONPATH": str(tree)}
        cmd = panel_serve(tree / "explorer" / "app.py", port)
        log = Path(tempfile.gettempdir()) / "step-latency-before.log"
        with served(cmd, f"http://localhost:{port}/app", log, env=env, cwd=tree,
                    repository_on_path=False) as process:
            page = context.new_page()
            page.goto(f"http://localhost:{port}/app?preset=xnor")
            page.wait_for_function("() => window.Bokeh && Bokeh.documents.length && "
                                   "Bokeh.documents[0].get_model_by_name('nodes')")
            time.sleep(18)  # the probe's session ends after 15-17 s there
            page.evaluate(FIND_BUTTONS_JS)
            out = []
            for _ in range(rounds):
                page.evaluate("() => window.__buttons['Reset'].click()")
                time.sleep(1)
                out.append(server_cpu_per_click(process.pid, lambda: page.evaluate(
                    CLICKS_JS, ["Next step", 11, PACED_MS, GRAPH_MODELS]), 11))
            page.close()
            return median(out)
    finally:
        subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)


# ======================================================================= driver
def fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{median(values):6.1f} ({quantile(values, .25):.1f}-{quantile(values, .75):.1f})"


def missed(values) -> int:
    """Clicks whose repaint never came (within 5 s)."""
    return sum(v is None for v in values)


def run(args) -> int:
    from playwright.sync_api import sync_playwright

    import bokeh
    import panel

    nets = QUICK_NETS if args.quick else NETS
    rounds = 1 if args.quick else args.rounds
    print(f"step latency: {rounds} round(s); python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs; panel {panel.__version__}, "
          f"bokeh {bokeh.__version__}, chromium {CHROMIUM} (headless, software rendering)")
    rng = random.Random(args.seed)
    paced: dict = {}     # (net, mode) -> {kind: [frame ms]}
    finish: dict = {}    # (net, mode) -> [frame ms]
    cpu_page: dict = {}  # (net, mode) -> [server ms per page step]
    cpu_server: dict = {}
    trivial: list = []
    floor: list = []     # the trivial app's change made in the page
    rapid: dict = {}
    log = Path(tempfile.gettempdir()) / "step-latency-server.log"
    with script_server(Path(__file__).resolve(), "trivial", log, with_process=True,
                       override_var="STEP_LATENCY_SERVER") as (base, process), \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            cases = [(net, mode) for net in nets for mode in ("batch", "per_example")]
            pages = {case: Page(context, base, *case) for case in cases}
            pages["trivial"] = Page(context, base, "trivial")
            time.sleep(2)  # the probe's session ends
            for r in range(rounds):
                order = [*cases, "trivial"]
                rng.shuffle(order)
                for case in order:
                    page = pages[case]
                    if case == "trivial":
                        trivial += [s.get("frame") for s in page.clicks("Next step", 20)]
                        floor += [s.get("frame") for s in page.clicks("Step in the page", 20)]
                        continue
                    page.reset()
                    kinds = page.steps_per_iteration()
                    n = len(kinds) + 2
                    samples = []
                    cpu_page.setdefault(case, []).append(server_cpu_per_click(
                        process.pid, lambda: samples.extend(page.clicks("Next step", n)), n))
                    for i, s in enumerate(samples):
                        kind = kinds[i % len(kinds)].kind.value
                        paced.setdefault(case, {}).setdefault(kind, []).append(s.get("frame"))
                    page.reset()
                    finish.setdefault(case, []).extend(
                        s.get("frame") for s in page.clicks("Finish iteration", 2))
                    page.reset()
                    cpu_server.setdefault(case, []).append(server_cpu_per_click(
                        process.pid, lambda: page.clicks("Server step", 4), 4))
                print(f"round {r + 1}/{rounds} done", flush=True)
            for page in pages.values():
                page.page.close()
            for net, mode in RAPID if not args.quick else RAPID[:2]:
                page = Page(context, base, net, mode)
                n = 130 if (net, mode) == ("digits", "per_example") else \
                    len(page.steps_per_iteration()) + 2
                page.reset()
                rapid[(net, mode)] = page.rapid(n)
                page.page.close()
            before = before_step_py(args.before, context, rounds) if args.before else None
        finally:
            browser.close()
    report(nets, paced, finish, cpu_page, cpu_server, trivial, floor, rapid, before, args)
    return 0


def report(nets, paced, finish, cpu_page, cpu_server, trivial, floor, rapid, before, args):
    base = median(trivial)
    print()
    print(f"Trivial Panel app (a server round trip): click -> repainted frame {fmt(trivial)} ms")
    print(f"The same change made in the page (no server; the floor of any step in the page: "
          f"the wait for the next frame): {fmt(floor)} ms = {median(floor) / base:.2f}x")
    print()
    print("Paced clicks (600 ms apart): click -> repainted frame, median (p25-p75) ms; "
          "ratio = median / trivial's")
    print(f"{'net':<10} {'mode':<12} {'step kind':<12} {'n':>3} {'frame ms':>20} {'ratio':>6} "
          f"{'target':>7} missed")
    worst = {}
    for net in nets:
        for mode in ("batch", "per_example"):
            for kind, values in paced.get((net, mode), {}).items():
                drawn = [v for v in values if v is not None]
                # a repaint that never came fails the target
                ratio = median(drawn) / base if drawn and not missed(values) else float("inf")
                worst[net] = max(worst.get(net, 0), ratio)
                print(f"{net:<10} {mode:<12} {kind:<12} {len(values):>3} {fmt(values):>20} "
                      f"{ratio:6.2f} {'<=' + format(TARGETS[net], 'g'):>7} {missed(values)}")
    print()
    print("Finish iteration (from an iteration's start; twice, the second on the tape sent "
          "ahead) against the median step of the same case")
    print(f"{'net':<10} {'mode':<12} {'finish ms':>20} {'step ms':>7} {'ratio':>6} target <=1.5")
    finish_ok = True
    for (net, mode), values in finish.items():
        step = median([v for vs in paced[(net, mode)].values() for v in vs if v is not None])
        drawn = [v for v in values if v is not None]
        ratio = median(drawn) / step if drawn and not missed(values) else float("inf")
        finish_ok &= ratio <= 1.5
        print(f"{net:<10} {mode:<12} {fmt(values):>20} {step:7.1f} {ratio:6.2f}")
    print()
    print("Rapid clicks (every 150 ms): repaints that had not happened by the next click")
    rapid_ok = True
    for (net, mode), samples in rapid.items():
        late = sum(s["late"] for s in samples)  # a repaint that never came is late
        rapid_ok &= late == 0
        print(f"  {net:<8} {mode:<12} {late} late of {len(samples)}; frame "
              f"{fmt([s['frame'] for s in samples])} ms")
    print()
    print("Server CPU per click (all threads of the server process, less its idle rate), ms")
    print(f"{'net':<10} {'mode':<12} {'page step':>10} {'server step':>12} {'ratio':>6}")
    page_all, server_all = [], []
    for case, values in cpu_page.items():
        page_all += values
        server_all += cpu_server[case]
        print(f"{case[0]:<10} {case[1]:<12} {median(values):10.2f} {median(cpu_server[case]):12.2f} "
              f"{median(values) / median(cpu_server[case]):6.2f}")
    print(f"page step, all cases: {median(page_all):.2f} ms = "
          f"{median(page_all) / median(server_all):.2f} x a server step in this version "
          f"({median(server_all):.2f} ms, which also records two tapes)")
    cpu_ratio = None
    if before is not None and before <= 0:
        print(f"'Next step' in {args.before}: no CPU measured above the idle rate "
              "(a burst in the idle window); run again")
    elif before is not None:
        # Like for like: the same clicks on the same case (xnor, batch) in both versions.
        page_xnor = median(cpu_page[("xnor", "batch")])
        cpu_ratio = page_xnor / before
        print(f"xnor batch: page step {page_xnor:.2f} ms = {cpu_ratio:.2f} x 'Next step' in "
              f"{args.before} (a server step there): {before:.2f} ms (target <= 0.10)")
    print()
    verdicts = {f"paced on {net} (<= {TARGETS[net]:g}x the trivial app, every step kind)":
                worst.get(net, 99) <= TARGETS[net] for net in nets}
    verdicts["Finish iteration <= 1.5x a step"] = finish_ok
    verdicts["rapid clicks: every repaint before the next click"] = rapid_ok
    if cpu_ratio is not None:
        verdicts[f"server CPU per page step <= 0.1x step_py ({args.before})"] = cpu_ratio <= 0.10
    for name, ok in verdicts.items():
        print(f"target {name}: {'met' if ok else 'NOT met'}")
    if cpu_ratio is None:
        print("target server CPU per page step: not judged (needs --before REV)")
    print("(printed only; nothing is asserted)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round, 3 nets, xnor rapid only")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every case (2)")
    parser.add_argument("--before", metavar="REV", help="also measure REV's server step "
                        "(e.g. 368825f, the last commit before the step tape)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the order of the cases")
    args, served_instead = serving(parser, argv, serve)
    if served_instead:
        return 0
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
