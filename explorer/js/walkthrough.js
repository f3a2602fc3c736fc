// The walkthrough file's host (export.py): the app's own page components, with no server.
//
// The file holds a Bokeh document (the app's graph) and, in its "walkthrough" model,
// the step tapes of the iterations recorded and the page components around the graph:
// the player's buttons (player.js), the status line, legend and equation (LiveHTML),
// the colour bars and the arrow keys.  Each is the ES module the app runs in Panel,
// loaded here as it is and given a small stand-in for Panel's model: its parameters,
// `on` for their changes, `document`, and `send_msg`, which reaches this file's
// "server": it hands the player the tape after the one it moved onto, starts the tapes
// again on Reset, and says why it cannot step past the end.

(function () {
  const WAIT_MS = 20, WAIT_TRIES = 500  // for BokehJS to build the document: 10 s at most

  // A stand-in for a Panel JSComponent's model: its parameters, and their watchers.
  function standIn(props, doc, onMessage) {
    const watchers = {}
    const target = {
      ...props,
      document: doc,
      on(names, callback) {
        for (const name of [].concat(names)) { (watchers[name] ??= []).push(callback) }
      },
      send_msg(msg) { onMessage(msg) },
    }
    return new Proxy(target, {
      set(t, name, value) {
        t[name] = value
        for (const callback of watchers[name] ?? []) { callback() }
        return true
      },
    })
  }

  async function load(esm) {
    const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }))
    try { return await import(url) } finally { URL.revokeObjectURL(url) }
  }

  async function mount(component, doc, onMessage) {
    const host = document.getElementById(component.host)
    // Its style sheets (Panel puts them in its shadow root; the file has none) and styles.
    const sheet = document.createElement("style")
    sheet.textContent = component.css.join("\n")
    document.head.appendChild(sheet)
    Object.assign(host.style, component.style)
    const module = await load(component.esm)
    const model = standIn(component.props, doc, onMessage)
    const element = module.render({ model, view: { el: host } })
    if (element != null) { host.appendChild(element) }
    return { model, module }
  }

  async function start(doc) {
    const data = doc.get_model_by_name("walkthrough")
    const tapes = data.tapes
    const notice = document.getElementById("notice")
    const say = (text) => { notice.textContent = text; notice.hidden = !text }
    let player = null
    let newest = 0  // the id of the newest tape the player has (ids count from 1)

    function handAhead() {  // the tape after the newest, if the walkthrough has one
      const t = tapes[newest]  // ids count from 1: tapes[id - 1] is tape `id`
      if (t == null) { return }
      if (t.first == null) {  // kept once in the file: the frame where the tape before ends
        const before = tapes[newest - 1]
        t.first = player.module.frameAt(before, before.steps.length)
      }
      newest = t.id
      player.model.next_tape = t
    }
    function restart() {
      newest = 1
      say("")
      player.model.tape = tapes[0]
      handAhead()
    }
    // As the app's server does: Play stops at Reset and at a step it cannot take.
    const stop = () => { if (player.model.playing) { player.model.playing = false } }
    function onMessage(msg) {
      const kind = msg.type
      if (kind === "at") {
        if (msg.id === newest) { handAhead() }
      } else if (kind === "reset") {
        stop()
        restart()
      } else if (kind === "step" || kind === "finish") {
        stop()
        say(tapes[tapes.length - 1].error)  // the end of the file, or why the engine stopped
      }
    }
    // What was said is past at the user's next click or key (caught on the window, before
    // the page acts on it: a Next at the end says it again at once).
    for (const type of ["pointerdown", "keydown"]) { window.addEventListener(type, () => say(""), true) }

    for (const component of data.components) {
      if (component.host === "player") {
        // The player starts on the first tape with the one after it sent ahead.
        const props = { ...component.props, tape: tapes[0], next_tape: {} }
        player = { props }
        Object.assign(player, await mount({ ...component, props }, doc, onMessage))
        newest = 1
        handAhead()
      } else {
        await mount(component, doc, () => {})
      }
    }
    document.body.dataset.ready = "true"  // for tests: the page steps from here on
  }

  let tries = 0
  function wait() {
    const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0]
    if (doc != null && doc.get_model_by_name("walkthrough") != null) {
      start(doc).catch((error) => {
        const notice = document.getElementById("notice")
        notice.textContent = "This walkthrough could not start: " + error
        notice.hidden = false
      })
    } else if (++tries < WAIT_TRIES) {
      setTimeout(wait, WAIT_MS)
    } else {
      const notice = document.getElementById("notice")
      notice.textContent = "This walkthrough could not start: the graph did not load. " +
        "Open the file again, in an up-to-date browser."
      notice.hidden = false
    }
  }
  wait()
})()
