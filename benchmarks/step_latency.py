#!/usr/bin/env python
"""How long after pressing "Next step" does the graph change in the browser?

Run from the repository root (needs playwright and Debian's /usr/bin/chromium):

    python benchmarks/step_latency.py            # 30 samples per case
    python benchmarks/step_latency.py --quick    # 8 samples per case
    python benchmarks/step_latency.py --samples 60 --warmup 5

What runs
    One server process (``pn.serve`` of two apps, started by this script as
    ``python benchmarks/step_latency.py --serve``) holds both

    * ``/app?net=2-2-1 | 4-16-16-3 | 64-25-10``: the real dashboard,
      ``explorer.dashboard.create_app(explorer=Explorer(state=state))``,
      where ``state`` is an ExplorerState whose stepper was replaced by one on
      a fresh ``engine.Network(sizes, seed=0)`` and m = 8 random examples
      (X uniform in [0, 1], random class labels), settings synced the way a
      preset change does it;
    * ``/trivial``: a button and an HTML pane; clicking sets the pane's text.

    One headless Chromium opens the four pages side by side.

What is measured (all in the page, with ``performance.now()``)
    One sample of a dashboard = press "Reset" (not timed; then wait until no
    websocket message has arrived for 150 ms), then dispatch a click on
    "Next step" from JavaScript and time it.  So every sample is the same
    step: the first forward step of an iteration (z^(2), a^(2)), which
    changes the ``nodes`` source (edges stay as they are).  One sample of the
    trivial app = click its button and time it.

    latency   click -> the ``nodes`` ColumnDataSource's ``data`` has changed
              in BokehJS: the time of the last ``source.properties.data.change``
              (what each ColumnDataChanged patch event, i.e. each Python
              ``source.data[col] = ...``, fires) before the next animation
              frame, i.e. once the whole patch is applied.  A step changes
              several columns and each arrives as its own event ("changes");
              they come in one websocket message.  For the trivial app:
              click -> the pane's DOM text changed (MutationObserver on its
              shadow root).  This is the headline number, compared with the
              targets.
    frame     click -> the first animation frame after that change (Bokeh's
              canvas has been repainted by then; the trivial app's text is
              laid out), which also covers whatever else the page does first
              (e.g. other views' messages that arrived meanwhile).

    Breakdown of latency, from a wrapped ``window.WebSocket``:
    send      click -> the click's message handed to the websocket
    server    that send -> the last frame of the message that carried the
              change received (server work + loopback)
    apply     that frame -> the last change (decoding and applying the patch)
    msg KB    the size of that message (all frames)
    msgs, KB all  every message received for the click until 150 ms of
              silence (all of the step's updates, not only the graph's)

    And, inside the server (``time.perf_counter`` around the Python calls):
    step_py     ``ExplorerState.step()``: the engine step and every view's
                watcher on ``version`` (graph, status, equation, weights, ...)
    refresh_py  the part of that spent in ``GraphView.refresh`` (computing
                the columns, handing the changed ones to Bokeh, and, as it
                leaves ``pn.io.unlocked()``, serializing and writing them)

    Samples are interleaved: each round takes one sample of every case, in a
    new random order, so machine noise hits all alike.  Warm-up samples are
    dropped.  Printed: median, p25 and p75 per case, and each net's median /
    the trivial app's median.  Targets: <= 1.3x on 2-2-1 and 4-16-16-3, <= 2x
    on 64-25-10.  The script only prints; it never asserts on timing.

Experiments: with STEP_LATENCY_SERVER=path/to/script.py the server is started
as ``python script.py PORT`` instead; such a script can import this module,
patch something (e.g. a proposed GraphView change) and call ``serve(port)``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
from harness.browser import CHROMIUM_ARGS, chromium, script_server, serving  # noqa: E402
from harness.stats import median as _median, quartiles as _quantiles  # noqa: E402

CHROMIUM = chromium() or "/usr/bin/chromium"

NETS = {
    "2-2-1": [2, 2, 1],
    "4-16-16-3": [4, 16, 16, 3],
    "64-25-10": [64, 25, 10],
}
TARGETS = {"2-2-1": 1.3, "4-16-16-3": 1.3, "64-25-10": 2.0}
M_EXAMPLES = 8
QUIET_MS = 150          # a case is settled after this long without a websocket message


# =============================================================== the served apps
def _record(**fields):
    """Append one server-side timing to $STEP_LATENCY_TIMINGS (JSON lines)."""
    path = os.environ.get("STEP_LATENCY_TIMINGS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(fields) + "\n")


def random_stepper(sizes, m=M_EXAMPLES, seed=0, learning_rate=1.0):
    """A batch-mode Stepper on a fresh Network(sizes, seed=0) and m random examples."""
    import numpy as np

    from engine import Network, Stepper

    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, size=(m, sizes[0]))
    K = sizes[-1]
    Y = rng.integers(0, 2, size=m).astype(float) if K == 1 else rng.integers(0, K, size=m)
    return Stepper(Network(sizes, seed=0), X, Y, learning_rate=learning_rate, mode="batch")


def install_network(state, sizes, m=M_EXAMPLES):
    """Show a sizes-shaped network on random data in an existing ExplorerState,
    as loading a data file does (``ExplorerState.replace``)."""
    stepper = random_stepper(sizes, m, learning_rate=state.learning_rate)
    state.replace(stepper)  # no test set; the settings follow the new network


def instrument(explorer, case):
    """Time ExplorerState.step() and GraphView.refresh inside it (for the report)."""
    state, graph = explorer.state, explorer.graph
    step, refresh = state.step, graph.refresh
    inside = {"refresh": None}

    def timed_refresh(*args, **kwargs):
        if inside["refresh"] is None:
            return refresh(*args, **kwargs)
        t0 = time.perf_counter()
        try:
            return refresh(*args, **kwargs)
        finally:
            inside["refresh"] += time.perf_counter() - t0

    def timed_step():
        inside["refresh"] = 0.0
        t0 = time.perf_counter()
        try:
            return step()
        finally:
            total = time.perf_counter() - t0
            _record(case=case, step_ms=total * 1e3, refresh_ms=inside["refresh"] * 1e3)
            inside["refresh"] = None

    # The Next-step button calls s.step() and the graph's watchers call
    # self.refresh(), both looked up on the instance at call time.
    state.step = timed_step
    graph.refresh = timed_refresh


def bench_app():
    """The real dashboard (create_app) showing the network named by ?net=..."""
    import inspect

    import panel as pn

    from explorer.dashboard import create_app
    from explorer.state import ExplorerState
    from explorer.app_layout import Explorer

    args = pn.state.session_args or {}
    net = (args.get("net") or [b"2-2-1"])[0].decode()
    if net not in NETS:
        raise ValueError(f"unknown ?net={net}; choose one of {', '.join(NETS)}")
    if "explorer" in inspect.signature(create_app).parameters:
        state = ExplorerState(preset="xor")
        install_network(state, NETS[net])
        template = create_app(explorer=Explorer(state=state))
    else:  # an older create_app without the hook: swap the network of its xor page
        template = create_app("xor")
        install_network(template.explorer.state, NETS[net])
    instrument(template.explorer, net)
    return template


def trivial_app():
    """One button and one text pane: clicking the button updates the text."""
    import panel as pn

    pn.extension()
    clicks = {"n": 0}
    text = pn.pane.HTML("clicks: 0", css_classes=["bench-text"], width=300)
    button = pn.widgets.Button(name="Click me", button_type="primary", width=140)

    def on_click(event):
        t0 = time.perf_counter()
        clicks["n"] += 1
        text.object = f"clicks: {clicks['n']}"
        _record(case="trivial", step_ms=(time.perf_counter() - t0) * 1e3, refresh_ms=0.0)

    button.on_click(on_click)
    return pn.Column(button, text)


def serve(port: int) -> None:
    import panel as pn

    pn.serve({"app": bench_app, "trivial": trivial_app}, port=port, address="localhost",
             websocket_origin=[f"localhost:{port}"], show=False, title="step latency",
             num_procs=1)


# ================================================================ the browser side
# Wraps the page's WebSocket to timestamp every frame sent and received.
TRACE_WEBSOCKET_JS = """
(() => {
  const Native = window.WebSocket
  const trace = {sent: [], recv: []}
  window.__ws = trace
  const size = (d) => typeof d === "string" ? d.length : (d.byteLength ?? d.size ?? 0)
  // A Bokeh message is a JSON header frame ("msgtype"), metadata, content, then buffers.
  const header = (d) => typeof d === "string" && d.includes('"msgtype"')
  class TracedWebSocket extends Native {
    constructor(...args) {
      super(...args)
      // Registered before Bokeh sets onmessage, so it runs first.
      this.addEventListener("message", (ev) => trace.recv.push([performance.now(), size(ev.data), header(ev.data)]))
    }
    send(data) {
      trace.sent.push([performance.now(), size(data)])
      return super.send(data)
    }
  }
  window.WebSocket = TracedWebSocket
})()
"""

# Press a button (ElementHandle) and time what follows; see the module docstring.
PRESS_JS = """
async ([button, watch, quietMs, timeoutMs]) => {
  const W = window.__ws
  W.sent.length = 0
  W.recv.length = 0
  const out = {changes: 0}
  let cleanup = () => {}
  const updated = new Promise((resolve) => {
    const onChange = () => {
      out.changes += 1
      out.t_last_change = performance.now()
      if (out.t_change == null) {
        out.t_change = out.t_last_change
        requestAnimationFrame(() => { out.t_frame = performance.now(); resolve() })
      }
    }
    if (watch.kind === "source") {
      const source = Bokeh.documents[0].get_model_by_name(watch.name)
      const signal = source.properties.data.change
      signal.connect(onChange)
      cleanup = () => signal.disconnect(onChange)
    } else {
      const observer = new MutationObserver(onChange)
      observer.observe(watch.element.shadowRoot ?? watch.element,
                       {subtree: true, childList: true, characterData: true})
      cleanup = () => observer.disconnect()
    }
  })
  const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs))
  const t0 = performance.now()
  button.click()
  await Promise.race([updated, timeout])
  cleanup()
  // Settle: wait until no websocket frame has arrived for quietMs.
  for (;;) {
    const last = W.recv.length ? W.recv[W.recv.length - 1][0] : t0
    if (performance.now() - last >= quietMs && performance.now() - t0 >= quietMs) break
    await new Promise((r) => setTimeout(r, 10))
  }
  const rel = (t) => t == null ? null : t - t0
  // The message that carried the (first) change: its last frame came in before it.
  let last = -1
  W.recv.forEach(([t], k) => { if (out.t_change != null && t <= out.t_change) last = k })
  let head = last
  while (head > 0 && !W.recv[head][2]) head--
  const msg = last < 0 ? [] : W.recv.slice(head, last + 1)
  return {
    latency: rel(out.t_last_change), first_change: rel(out.t_change), frame: rel(out.t_frame),
    changes: out.changes,
    send: W.sent.length ? rel(W.sent[0][0]) : null,
    reply: last < 0 ? null : rel(W.recv[last][0]),
    reply_bytes: msg.reduce((s, [, n]) => s + n, 0),
    messages: W.recv.filter((f) => f[2]).length,
    bytes: W.recv.reduce((s, [, n]) => s + n, 0),
  }
}
"""


class Case:
    """One open page: a dashboard with a network, or the trivial app."""

    def __init__(self, name, page, kind):
        self.name, self.page, self.kind = name, page, kind
        self.samples: list[dict] = []

    def open(self, base_url, timeout=60000):
        page = self.page
        page.add_init_script(TRACE_WEBSOCKET_JS)
        if self.kind == "trivial":
            page.goto(f"{base_url}/trivial")
            self.button = page.get_by_role("button", name="Click me", exact=True)
            self.button.wait_for(timeout=timeout)
            text = page.locator(".bench-text").first
            text.wait_for(state="attached", timeout=timeout)
            self.watch = {"kind": "dom", "element": text.element_handle()}
        else:
            page.goto(f"{base_url}/app?net={self.name}")
            page.wait_for_function(
                """() => window.Bokeh !== undefined && Bokeh.documents.length > 0
                         && Bokeh.documents[0].get_model_by_name('nodes') != null""",
                timeout=timeout)
            self.button = page.get_by_role("button", name="Next step", exact=True)
            self.button.wait_for(timeout=timeout)
            self.reset_button = page.get_by_role("button", name="Reset", exact=True).element_handle()
            self.watch = {"kind": "source", "name": "nodes"}
            sizes = page.evaluate(
                """() => { const d = Bokeh.documents[0].get_model_by_name('nodes').data
                           const layer = Array.from(d.layer), unit = Array.from(d.unit)
                           const n = Math.max(...layer), out = []
                           for (let l = 1; l <= n; l++)
                             out.push(layer.filter((x, k) => x === l && unit[k] > 0).length)
                           return out }""")
            if sizes != NETS[self.name]:
                raise RuntimeError(f"{self.name}: the page shows a {sizes} network")
        self.button_handle = self.button.element_handle()
        self.page.wait_for_timeout(500)  # let first renders (KaTeX, tables) finish

    def press(self, button, timeout_ms=15000):
        return self.page.evaluate(PRESS_JS, [button, self.watch, QUIET_MS, timeout_ms])

    def sample(self):
        """One timed click (after a Reset for the dashboards); returns the timings."""
        self.page.bring_to_front()
        if self.kind != "trivial":
            self.press(self.reset_button)
        result = self.press(self.button_handle)
        if result["latency"] is None:
            raise RuntimeError(f"{self.name}: no update within the timeout: {result}")
        return result


# ======================================================================= driver
def server(timings_path: Path, log_path: Path, timeout=90.0):
    return script_server(Path(__file__).resolve(), "trivial", log_path, timeout=timeout,
                         env={"STEP_LATENCY_TIMINGS": str(timings_path)},
                         override_var="STEP_LATENCY_SERVER")




def report(cases, server_times, args):
    trivial = next(c for c in cases if c.kind == "trivial")
    base_latency = _median([s["latency"] for s in trivial.samples])
    base_frame = _median([s["frame"] for s in trivial.samples])

    print()
    print("Latency: click -> graph data changed (nets) / text changed (trivial), ms")
    print(f"{'case':<11} {'n':>3} {'median':>8} {'p25':>7} {'p75':>7} {'ratio':>6} "
          f"{'target':>7}  met")
    verdicts = {}
    for c in cases:
        med, p25, p75 = _quantiles([s["latency"] for s in c.samples])
        if c.kind == "trivial":
            print(f"{c.name:<11} {len(c.samples):>3} {med:8.1f} {p25:7.1f} {p75:7.1f} "
                  f"{'1.00':>6} {'-':>7}  -")
            continue
        ratio = med / base_latency
        target = TARGETS[c.name]
        verdicts[c.name] = ratio <= target
        print(f"{c.name:<11} {len(c.samples):>3} {med:8.1f} {p25:7.1f} {p75:7.1f} {ratio:6.2f} "
              f"{'<=' + format(target, 'g') + 'x':>7}  {'yes' if ratio <= target else 'NO'}")

    print()
    print("Until the next animation frame after the change (canvas repainted), ms")
    print(f"{'case':<11} {'median':>8} {'p25':>7} {'p75':>7} {'ratio':>6}")
    for c in cases:
        med, p25, p75 = _quantiles([s["frame"] for s in c.samples])
        print(f"{c.name:<11} {med:8.1f} {p25:7.1f} {p75:7.1f} {med / base_frame:6.2f}")

    print()
    print("Breakdown (medians): send = click -> click message sent; server = sent -> the "
          "message with the change received;")
    print("apply = received -> last change; first = click -> first change; changes = change "
          "events per click;")
    print("msg KB = that message's size; msgs, KB all = every message until quiet; "
          "*_py = server Python time, ms")
    print(f"{'case':<11} {'send':>5} {'server':>7} {'apply':>6} {'first':>6} {'changes':>7} "
          f"{'msg KB':>6} {'msgs':>5} {'KB all':>6} {'step_py':>8} {'refresh_py':>10}")
    for c in cases:
        s = c.samples
        send = _median([x["send"] for x in s])
        server_ms = _median([x["reply"] - x["send"] for x in s
                             if x["reply"] is not None and x["send"] is not None])
        apply = _median([x["latency"] - x["reply"] for x in s if x["reply"] is not None])
        first = _median([x["first_change"] for x in s])
        changes = _median([x["changes"] for x in s])
        msg_kb = _median([x["reply_bytes"] for x in s]) / 1024
        msgs = _median([x["messages"] for x in s])
        kb = _median([x["bytes"] for x in s]) / 1024
        py = server_times.get(c.name, [])
        step_py = _median([t["step_ms"] for t in py])
        refresh_py = _median([t["refresh_ms"] for t in py])
        print(f"{c.name:<11} {send:5.1f} {server_ms:7.1f} {apply:6.1f} {first:6.1f} {changes:7.0f} "
              f"{msg_kb:6.1f} {msgs:5.0f} {kb:6.1f} {step_py:8.2f} {refresh_py:10.2f}")
    print("(trivial: step_py is its on_click callback; for the nets, step_py is the whole "
          "state.step(): every view's watcher, most of them after the graph's message is sent)")

    print()
    met = all(verdicts.values())
    for name, ok in verdicts.items():
        print(f"target for {name} (<= {TARGETS[name]:g}x the trivial app): "
              f"{'met' if ok else 'NOT met'}")
    print(f"all targets {'met' if met else 'NOT met'} (printed only; nothing is asserted)")


def run(args) -> int:
    from playwright.sync_api import sync_playwright

    print(f"step latency: {args.samples} samples per case after {args.warmup} warm-up, "
          f"interleaved; python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    import bokeh
    import panel
    print(f"panel {panel.__version__}, bokeh {bokeh.__version__}, chromium {CHROMIUM} (headless)")
    print("sample = dashboards: Reset (untimed), then 'Next step' = first forward step "
          "(z^(2), a^(2)); trivial: click the button")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="step-latency-") as tmp:
        timings_path = Path(tmp) / "timings.jsonl"
        log_path = Path(tmp) / "server.log"
        with server(timings_path, log_path) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                cases = [Case("trivial", context.new_page(), "trivial")]
                cases += [Case(name, context.new_page(), "net") for name in NETS]
                for c in cases:
                    c.open(base)
                hidden = [c.name for c in cases
                          if c.page.evaluate("document.visibilityState") != "visible"]
                if hidden:
                    print(f"note: pages not visible (each is brought to front before a sample): "
                          f"{', '.join(hidden)}")
                rounds = args.warmup + args.samples
                for r in range(rounds):
                    order = cases[:]
                    rng.shuffle(order)
                    for c in order:
                        result = c.sample()
                        if r >= args.warmup:
                            c.samples.append(result)
                    if args.verbose:
                        print(f"round {r + 1}/{rounds}: " + ", ".join(
                            f"{c.name} {c.samples[-1]['latency']:.1f}" for c in cases if c.samples))
            finally:
                browser.close()
        server_times: dict[str, list] = {}
        if timings_path.exists():
            for line in timings_path.read_text().splitlines():
                t = json.loads(line)
                server_times.setdefault(t["case"], []).append(t)
        # The server records every timed click; drop the warm-up ones.
        server_times = {k: v[args.warmup:] for k, v in server_times.items()}
    report(cases, server_times, args)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 samples per case, 2 warm-up")
    parser.add_argument("--samples", type=int, default=30, help="timed samples per case (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed samples per case first (3)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the interleaving order")
    parser.add_argument("--verbose", action="store_true", help="print every round")
    args, served_instead = serving(parser, argv, serve)
    if served_instead:
        return 0
    if args.quick:
        args.samples, args.warmup = 8, 2
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
