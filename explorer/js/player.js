// The player's buttons, and the step tapes they step through in the page (player.py).
//
// A tape (explorer/tapes.py) holds what the page shows after each step of the
// iteration ahead: the graph's columns and scales, the status line, the legend and
// the equation.  A click puts the next frame into the graph's Bokeh models
// ("nodes", "edges", "delta_scale", "edge_scale", "step_band") at once, and the
// texts into their LiveHTML components once the graph is painted.
//
// Nothing a step changes goes back to the server as data: the models are changed
// with {sync: false}, and the server only hears where the page got to ("at"), in
// batches: when the page moves onto another tape (the server then sends the one
// after), before anything else the user does (a click outside the player, typing in
// a field, Reset...), and once the page has been still for AT_IDLE_MS.  So the server's
// copies of those models keep what it last drew itself.  While the page steps on a
// tape that does not matter: whatever the server draws next comes with a new tape,
// whose first frame the page puts in whole.  Training draws without tapes, so when
// stepping is disabled the page first puts back the server's values ("server",
// kept as they arrive), and the models and the server agree again.

const KEY_EVENT = "backprop-explorer-key"     // keyboard.py
const FRAME_EVENT = "backprop-explorer-frame" // the texts of a frame, for LiveHTML
const TEXTS = ["status", "legend", "latex"]
const QUIZ_EVENT = "backprop-explorer-quiz"      // a question for the quiz box (quiz_view.py)
const REVEAL_EVENT = "backprop-explorer-reveal"  // the quiz box's "Reveal"
const AT_IDLE_MS = 5000  // a debounce: while the user steps, the server hears nothing

// The frame after n steps of tape t: worked out once per tape (frames share their arrays).
// Exported for the walkthrough file's host (js/walkthrough.js), which chains tapes too.
export function frameAt(t, n) {
  if (t.frames == null) {
    let f = { ...t.first, nodes: { ...t.first.nodes }, edges: { ...t.first.edges } }
    t.frames = [f]
    for (const step of t.steps) {
      f = { ...f, nodes: { ...f.nodes }, edges: { ...f.edges } }
      merge(f, step.frame)
      t.frames.push(f)
    }
  }
  return t.frames[n]
}
function merge(f, changes) {  // sets of columns go column by column (tapes.py COLUMNS)
  for (const [key, value] of Object.entries(changes)) {
    if (key === "nodes" || key === "edges") { Object.assign(f[key], value) } else { f[key] = value }
  }
}

export function render({ model, view }) {
  // Panel may render the same view again (e.g. on --dev reload) and then clears the
  // lifecycle callbacks without calling them: let go of the last render's listeners.
  if (typeof view._playerDetach === "function") { view._playerDetach() }
  const models = {}  // the graph's models by name: they live as long as the session's graph
  const named = (name) => models[name] ?? (models[name] = model.document.get_model_by_name(name))
  let tape = null      // the tape the page is on
  // The tapes the server has sent, by id: the one the page is on, the one before it
  // (for Previous across the boundary) and the one after it, sent ahead.
  const tapes = new Map()
  let k = 0            // steps of the tape taken
  let shown = null     // the frame the page shows
  let pending = 0      // Next pressed at the end of the tape, before the next one came
  let timer = null     // Play's

  const row = document.createElement("div")
  row.className = "player"
  const resize = () => row.classList.toggle("large", Boolean(model.large))
  resize()
  const button = (label, kind, width, action) => {
    const b = document.createElement("button")
    b.textContent = label
    b.className = "bk-btn bk-btn-" + kind
    b.style.minWidth = width + "px"
    b.addEventListener("click", action)
    row.appendChild(b)
    return b
  }
  const previousButton = button("Previous step", "default", 120, back)
  const nextButton = button("Next step", "primary", 120, () => forward())
  const finishButton = button("Finish iteration", "default", 120, finish)
  const playButton = button("Play", "success", 80, () => { model.playing = !model.playing })
  const resetButton = button("Reset", "warning", 80, () => ask("reset"))

  // ---- the graph's models, changed in the page only --------------------------------
  // server[name]: the server's value of each column or attribute the page has changed,
  // as it was before, or as the server has sent it since.
  const server = { nodes: {}, edges: {}, delta_scale: {}, edge_scale: {}, step_band: {} }
  let applying = false  // our own changes, not the server's
  const SOURCES = ["nodes", "edges", "step_band"]  // ColumnDataSources; the rest are mappers
  function change(name, values) {
    const target = named(name)
    const isSource = SOURCES.includes(name)
    const current = isSource ? target.data : target
    for (const key of Object.keys(values)) {
      if (!(key in server[name])) { server[name][key] = current[key] }
    }
    applying = true
    try {
      target.setv(isSource ? { data: { ...target.data, ...values } } : values, { sync: false })
    } finally { applying = false }
  }
  function heard(name) {  // the server changed a model: keep its values
    if (applying) { return }
    const target = named(name)
    const current = SOURCES.includes(name) ? target.data : target
    for (const key of Object.keys(server[name])) { server[name][key] = current[key] }
  }
  const watched = []
  for (const name of Object.keys(server)) {
    const target = named(name)
    if (target == null) { continue }
    const signal = SOURCES.includes(name) ? target.properties.data.change : target.change
    const listener = () => heard(name)
    signal.connect(listener)
    watched.push([signal, listener])
  }
  function putBackServers() {
    for (const name of Object.keys(server)) {
      if (Object.keys(server[name]).length) { change(name, server[name]) }
      server[name] = {}
    }
    announce({ restore: true })
  }

  // ---- frames --------------------------------------------------------------------------
  const same = (a, b) => a === b || JSON.stringify(a) === JSON.stringify(b)
  // The band over the layer a step works on: [x0, x1], or none.
  const showBand = (band) => change("step_band", band == null ? { x0: [], x1: [] }
    : { x0: [band[0]], x1: [band[1]] })

  // Put a frame into the page: the graph at once (what differs from the frame shown, or
  // everything with `whole`), the texts once the graph has been painted.
  function show(frame, whole = false) {
    const was = whole ? { nodes: {}, edges: {} } : shown
    for (const name of ["nodes", "edges"]) {
      const changed = {}
      for (const [column, values] of Object.entries(frame[name])) {
        if (was[name][column] !== values) { changed[column] = values }
      }
      if (Object.keys(changed).length) { change(name, changed) }
    }
    if (whole || frame.dmax !== was.dmax) { change("delta_scale", { low: -frame.dmax, high: frame.dmax }) }
    if (whole || frame.vmax !== was.vmax) { change("edge_scale", { low: -frame.vmax, high: frame.vmax }) }
    if (whole || !same(frame.band, was.band)) { showBand(frame.band) }
    const texts = {}
    for (const key of TEXTS) { if (whole || frame[key] !== was[key]) { texts[key] = frame[key] } }
    shown = frame
    afterPaint(texts)
  }

  // The texts and the server's news wait until the graph is painted; newer texts
  // replace ones not yet shown.
  let texts = null
  function afterPaint(more) {
    if (texts == null) {
      texts = {}
      requestAnimationFrame(() => setTimeout(() => {
        const out = texts
        texts = null
        if (Object.keys(out).length) { announce(out) }
        if (crossed) { crossed = false; tell() }
      }, 0))
    }
    Object.assign(texts, more)
  }
  const announce = (detail) => document.dispatchEvent(new CustomEvent(FRAME_EVENT, { detail }))

  // ---- what the server hears -------------------------------------------------------
  let at = null, atTimer = null, crossed = false
  function tell() {  // send where the page is, if the server has not heard it
    if (atTimer != null) { clearTimeout(atTimer); atTimer = null }
    if (at != null) { model.send_msg(at); at = null }
  }
  function moved(onto = false) {
    show(frameAt(tape, k))
    const [iteration, position] = k === 0 ? tape.origin : tape.steps[k - 1].at
    at = { type: "at", id: tape.id, iteration, position }
    if (onto) { crossed = true }  // sent once painted
    else {
      if (atTimer != null) { clearTimeout(atTimer) }
      atTimer = setTimeout(tell, AT_IDLE_MS)
    }
    sync()
  }
  function ask(what) { tell(); model.send_msg({ type: what }) }
  // Whatever the user does next outside the player (Save, a tab, a setting) finds the
  // server where the page is: the position goes first.
  const editable = (el) => el != null && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))
  // A widget sends its value on "change", which the "input" before it (composed, so it
  // is seen here through the shadow roots) or a pointer or key always precedes.
  const early = (event) => {
    const path = event.composedPath()
    if (path.includes(row)) { return }
    if (event.type !== "keydown" || editable(path[0])) { tell() }
  }
  const hidden = () => { if (document.visibilityState === "hidden") { tell() } }
  const EARLY = ["pointerdown", "keydown", "input"]
  for (const type of EARLY) { document.addEventListener(type, early, true) }
  document.addEventListener("visibilitychange", hidden)

  // ---- the buttons -----------------------------------------------------------------
  // Presses past the end of the tape are counted and taken when the next tape comes
  // (a key held down must not lose steps); Play's ticks wait for it without piling up.
  function onto(t, n) {  // move onto tape t, after n of its steps
    tape = t
    k = n
    if (!model.keep_tapes) {  // the server sends an earlier tape again when asked ("back")
      for (const id of tapes.keys()) { if (id < t.id - 1) { tapes.delete(id) } }
    }
    moved(true)
  }
  function forward(press = true) {
    if (model.disabled || tape == null) { return }
    if (asking != null) { return }  // a question waits for its answer: Reveal moves on
    const after = tapes.get(tape.id + 1)
    if (k < tape.steps.length) { askFirst(tape, k + 1, () => { k += 1; moved() }) }
    else if (after != null && after.steps.length) { askFirst(after, 1, () => onto(after, 1)) }
    // the server says why the step is refused (a tape ends before a refused step; the
    // tape after then starts with it, and has no steps)
    else if (tape.error || (after != null && after.error)) { ask("step") }
    else { pending = press ? pending + 1 : Math.max(pending, 1) }  // the next tape is on its way
  }
  function back() {
    if (model.disabled || tape == null) { return }
    if (asking != null) { withdraw(); return }  // Previous from a question: back where it was
    const before = tapes.get(tape.id - 1)
    if (k > 0) { k -= 1; moved() }
    else if (before != null) { onto(before, before.steps.length - 1) }
    else if (tape.back) { ask("back") }
  }
  function finish() {
    if (model.disabled || tape == null) { return }
    withdraw()  // finishing the iteration skips the questions on the way
    const after = tapes.get(tape.id + 1)
    if (tape.ends && k < tape.steps.length) { k = tape.steps.length; moved() }
    else if (k === tape.steps.length && after != null && after.ends) { onto(after, after.steps.length) }
    else { ask("finish") }
  }
  // ---- predict first (quiz.py, quiz_view.py) -------------------------------------------
  // With ``quiz`` on, a step whose frame carries a question is not shown at once: the
  // question goes to the quiz box, the band moves to where the step will work, and the
  // graph keeps the values before the step (so ``nodes`` holds NaN for what it computes)
  // until the box says "reveal".  A step answered once is shown at once afterwards.
  let asking = null           // {go, key}: the move that waits for the answer
  const answered = new Set()  // "iteration,position" of the steps asked and revealed
  function askFirst(t, n, go) {
    const frame = frameAt(t, n)
    const key = String(t.steps[n - 1].at)
    if (!model.quiz || frame.quiz == null || answered.has(key)) { go(); return }
    asking = { go, key }
    if (model.playing) { model.playing = false }  // Play stops at each question
    showBand(frame.band)
    announceQuiz({ ask: frame.quiz, key, iteration: t.steps[n - 1].at[0] })
  }
  function reveal() {
    if (asking == null) { return }
    const { go, key } = asking
    asking = null
    answered.add(key)
    go()
  }
  function withdraw() {  // the question is dropped, the page stays where it was
    if (asking == null) { return }
    asking = null
    if (shown != null) { showBand(shown.band) }
    announceQuiz({ withdraw: true })
  }
  const announceQuiz = (detail) => document.dispatchEvent(new CustomEvent(QUIZ_EVENT, { detail }))
  const onReveal = () => reveal()
  document.addEventListener(REVEAL_EVENT, onReveal)

  // The buttons' state; only what differs is written, as any change of the page's style
  // makes Bokeh's next repaint work out the page's styles again.
  const setOnce = (element, key, value) => { if (element[key] !== value) { element[key] = value } }
  function sync() {
    const stuck = k === 0 && !(tape && (tape.back || tapes.has(tape.id - 1)))
    setOnce(previousButton, "disabled", model.disabled || stuck)
    for (const b of [nextButton, finishButton, playButton, resetButton]) { setOnce(b, "disabled", model.disabled) }
    setOnce(playButton, "textContent", model.playing ? "Pause" : "Play")
    setOnce(playButton, "className", "bk-btn bk-btn-" + (model.playing ? "light" : "success"))
  }

  // ---- the server's side -------------------------------------------------------------
  function newTape() {  // the server drew something new: start again on its tape
    withdraw()
    answered.clear()  // a new tape may be a new network, or Reset: ask again
    tapes.clear()
    tape = model.tape; k = 0; pending = 0; at = null
    tapes.set(tape.id, tape)
    row.dataset.tape = tape.id  // which tape the page is on, for tests (README)
    show(frameAt(tape, 0), true)
    newNext()
  }
  function newNext() {  // a tape sent ahead: it follows the newest one the page has
    const t = model.next_tape
    if (tape == null || t == null || t.id == null || !tapes.has(t.id - 1)) { return }
    tapes.set(t.id, t)
    const presses = pending
    pending = 0
    for (let i = 0; i < presses; i++) { forward() }
    sync()
  }
  function disabled() {
    if (model.disabled) { tell(); putBackServers() }
    play()
  }
  function play() {
    if (timer != null) { clearInterval(timer); timer = null }
    if (model.playing && !model.disabled) {
      timer = setInterval(() => forward(false), Math.max(20, 1000 / model.speed))
    } else if (!model.playing) { tell() }  // paused: the server hears where it stopped
    sync()
  }
  const onKey = (event) => {
    const action = event.detail.action
    if (action === "next") { forward() } else if (action === "previous") { back() }
    else if (action === "play") { model.playing = !model.playing } else if (action === "reset") { ask("reset") }
  }
  document.addEventListener(KEY_EVENT, onKey)

  model.on("tape", newTape)
  model.on("next_tape", newNext)
  model.on("disabled", disabled)
  model.on(["playing", "speed"], play)
  model.on("large", resize)
  model.on("quiz", () => { if (!model.quiz) { withdraw() } })
  const detach = () => {
    tell()
    document.removeEventListener(KEY_EVENT, onKey)
    document.removeEventListener(REVEAL_EVENT, onReveal)
    for (const type of EARLY) { document.removeEventListener(type, early, true) }
    document.removeEventListener("visibilitychange", hidden)
    for (const [signal, listener] of watched) { signal.disconnect(listener) }
    if (timer != null) { clearInterval(timer) }
    if (view._playerDetach === detach) { delete view._playerDetach }
  }
  view._playerDetach = detach
  model.on("remove", detach)
  if (model.tape && model.tape.steps) { newTape(); newNext() }
  play()
  return row
}
