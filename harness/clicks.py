"""Clicks timed in the page: a button (found by its text through every shadow root)
clicked from JavaScript, to the end of the frame in which Bokeh repainted the plot
named "graph".  Shared by benchmarks/step_latency.py and benchmarks/classroom_load.py;
step_latency.py's docstring says what exactly is timed and why."""

# The graph's models a step changes (the explorer's; the trivial app names its source "nodes").
GRAPH_MODELS = ["nodes", "edges", "delta_scale", "edge_scale", "step_band"]

FIND_BUTTONS_JS = """
() => {
  const found = {}, stack = [document]
  while (stack.length) {
    for (const el of stack.pop().querySelectorAll("*")) {
      if (el.tagName === "BUTTON" && !(el.textContent.trim() in found)) { found[el.textContent.trim()] = el }
      if (el.shadowRoot) { stack.push(el.shadowRoot) }
    }
  }
  window.__buttons = found
  return Object.keys(found)
}
"""

# The button (by its text), the change signals of the watched models (by name), and
# `afterPaint(f)`: f runs once Bokeh has next repainted the plot named "graph" (its
# `repainted` signal, at the end of a paint that drew) and the browser has finished
# that frame (the rest of its animation-frame callbacks, style, layout, the commit
# of the canvas to the compositor): a task posted from within the paint runs only
# after the frame's rendering.  It is posted "user-blocking", which Chromium runs
# before timers and messages posted earlier: the explorer's texts are drawn from a
# timer set in the same frame, after it, and must not count.  `stop()` lets go.
BUTTON_AND_SIGNALS = """
  const doc = Bokeh.documents[0]
  const button = window.__buttons[label]
  const signals = names.map((name) => doc.get_model_by_name(name)).filter((m) => m != null)
    .map((m) => m.properties.data ? m.properties.data.change : m.change)
  const graph = doc.get_model_by_name("graph")
  if (graph == null) { throw new Error('no plot named "graph" in this page') }
  const plot = Bokeh.index.find_one(graph)
  let waiting = []
  const onRepaint = () => {
    for (const f of waiting.splice(0)) { scheduler.postTask(f, { priority: "user-blocking" }) }
  }
  plot.repainted.connect(onRepaint)
  const afterPaint = (f) => { waiting.push(f); return () => { waiting = waiting.filter((g) => g !== f) } }
  const stop = () => { plot.repainted.disconnect(onRepaint); waiting = [] }
"""

# Click a button (by its text) n times, `every` ms apart; for each click the time until
# the first change of a watched model and until the frame that painted it had been drawn.
# A click whose repaint has not come in 5 s keeps no frame (and its wait is dropped).
CLICKS_JS = """
async ([label, n, every, names]) => {""" + BUTTON_AND_SIGNALS + """  const out = []
  for (let i = 0; i < n; i++) {
    const sample = {}
    let painted, forget = null
    const done = new Promise((resolve) => { painted = resolve })
    const t0 = performance.now()
    const onChange = () => {
      if (sample.change != null) { return }
      sample.change = performance.now() - t0
      forget = afterPaint(() => { sample.frame = performance.now() - t0; painted() })
    }
    for (const s of signals) { s.connect(onChange) }
    button.click()
    await Promise.race([done, new Promise((r) => setTimeout(r, Math.max(every, 5000)))])
    for (const s of signals) { s.disconnect(onChange) }
    if (forget != null) { forget() }
    out.push(sample)
    const wait = every - (performance.now() - t0)
    if (wait > 0) { await new Promise((r) => setTimeout(r, wait)) }
  }
  stop()
  return out
}
"""
