"""LiveHTML: a piece of text the server sets, or the step tape sets in the page.

A Bokeh ``Div`` whose text changes lays the whole page out again (10-15 ms a
change, measured); this small component only replaces its own contents, so a
step that rewrites the status line, the legend and the equation stays cheap.

``channel`` names the entry of a step-tape frame it shows ("status",
"legend", "latex"): the player announces each frame it shows as a
"backprop-explorer-frame" event in the page, and every LiveHTML takes its
entry from it.  With ``katex`` the text is TeX, drawn by KaTeX (which
``pn.extension("katex")`` loads) as a display equation.
"""
from __future__ import annotations

import panel as pn
import param


class LiveHTML(pn.custom.JSComponent):
    html = param.String(default="", doc="HTML, or TeX with ``katex``")
    channel = param.String(default="", doc="The entry of a step-tape frame it shows")
    katex = param.Boolean(default=False, doc="Draw ``html`` as a KaTeX display equation")
    fit = param.Number(default=0.0, bounds=(0.0, 1.0),
                       doc="Shrink the text, to no less than this share of its size, until it "
                           "fits the box (0: never shrink; presenter mode's equation)")

    _esm = """
    const FRAME_EVENT = "backprop-explorer-frame"

    export function render({ model, view }) {
      // Panel may render the same view again and then clears the lifecycle callbacks
      // without calling them: let go of the last render's listener (as keyboard.py).
      if (typeof view._liveHtmlDetach === "function") { view._liveHtmlDetach() }
      const box = document.createElement("div")
      box.className = "live-html"
      let drawn = null
      function draw(text) {
        // The server's text and the tape's first frame are often the same: draw it once.
        if (text === drawn) { return }
        drawn = text
        if (model.katex && window.katex) {
          try {
            // MathML, drawn by the browser, as Panel's own KaTeX pane shows it: KaTeX's HTML
            // output needs its fonts, which Panel does not serve.
            window.katex.render(text, box, { displayMode: true, throwOnError: false,
                                             output: "mathml" })
          } catch (error) { box.textContent = text }
        } else {
          box.innerHTML = text
        }
        fit()
      }
      // Presenter mode: a big equation is drawn smaller, down to ``fit`` of its size, rather
      // than scrolled, so the whole of it stays on a projector's screen.
      function fit() {
        box.style.fontSize = ""
        const host = view.el
        if (!model.fit || host == null) { return }
        const width = host.clientWidth, height = host.clientHeight
        let scale = 1
        // MathML does not shrink exactly in proportion (its spacing and rules stay): measure
        // again after each try, three at most.
        for (let pass = 0; pass < 3 && scale > model.fit; pass++) {
          const needW = box.scrollWidth, needH = box.scrollHeight
          if (!width || !height || !needW || !needH || (needW <= width && needH <= height)) { return }
          scale = Math.max(model.fit, 0.98 * scale * Math.min(width / needW, height / needH))
          box.style.fontSize = (100 * scale).toFixed(1) + "%"
        }
      }
      const resized = new ResizeObserver(() => fit())
      // A tape's text is shown in the page only (the server's ``html`` keeps what the
      // server set); "restore" shows the server's again (player.js).
      const onFrame = (event) => {
        const detail = event.detail
        if (detail.restore) { draw(model.html) }
        else if (detail[model.channel] !== undefined) { draw(detail[model.channel]) }
      }
      model.on("html", () => draw(model.html))
      model.on("fit", fit)
      document.addEventListener(FRAME_EVENT, onFrame)
      const detach = () => {
        resized.disconnect()
        document.removeEventListener(FRAME_EVENT, onFrame)
        if (view._liveHtmlDetach === detach) { delete view._liveHtmlDetach }
      }
      view._liveHtmlDetach = detach
      model.on("remove", detach)
      draw(model.html)
      requestAnimationFrame(() => { if (view.el != null) { resized.observe(view.el) } })
      return box
    }
    """
