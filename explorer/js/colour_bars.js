// Colour bars drawn as HTML from the graph's colour mappers (colour_bars.py).
//
// Each bar follows its LinearColorMapper in the page: the player changes the δ and D
// scales at every step (player.js), the server when it draws.  A bar inside the Bokeh
// plot makes every repaint of the graph look up the page's styles; here a new scale
// rewrites five labels in a box of fixed size, which costs next to nothing.

const TICKS = [0, 1, 2, 3, 4]  // five even points of the scale, low to high

function tickLabel(tick) {
  const a = Math.abs(tick)
  if (tick === 0) { return "0" }
  return (a >= 0.01 && a < 1000) ? String(Number(tick.toPrecision(2)))
    : tick.toExponential(1).replace("e+", "e")
}

export function render({ model, view }) {
  // Panel may render the same view again and then clears the lifecycle callbacks
  // without calling them: let go of the last render's listeners (as keyboard.py).
  if (typeof view._colourBarsDetach === "function") { view._colourBarsDetach() }
  const box = document.createElement("div")
  box.className = "colour-bars"
  const bars = []  // [mapper name, its element, draw()]; ``bars`` is set once, at creation
  for (const [name, title] of model.bars) {
    const mapper = model.document.get_model_by_name(name)
    if (mapper == null) { continue }
    const bar = document.createElement("div")
    bar.className = "colour-bar"
    bar.dataset.scale = name
    const heading = document.createElement("div")
    heading.className = "colour-bar-title"
    heading.textContent = title
    const strip = document.createElement("div")
    strip.className = "colour-bar-strip"
    const ticks = TICKS.map((i) => {
      const label = document.createElement("span")
      label.style.bottom = (100 * i / (TICKS.length - 1)) + "%"
      strip.appendChild(label)
      return label
    })
    bar.append(heading, strip)
    box.appendChild(bar)
    let palette = null
    const draw = () => {
      const colours = mapper.palette.join(",")
      if (colours !== palette) {
        palette = colours
        strip.style.background = `linear-gradient(to top, ${colours})`
      }
      const { low, high } = mapper
      ticks.forEach((label, i) => {
        const text = tickLabel(low + (high - low) * i / (TICKS.length - 1))
        if (label.textContent !== text) { label.textContent = text }
      })
    }
    draw()
    mapper.change.connect(draw)
    bars.push([name, bar, mapper, draw])
  }
  const showBars = () => {
    for (const [name, bar] of bars) { bar.style.display = model.shown.includes(name) ? "" : "none" }
  }
  showBars()
  model.on("shown", showBars)
  const detach = () => {
    for (const [, , mapper, draw] of bars) { mapper.change.disconnect(draw) }
    if (view._colourBarsDetach === detach) { delete view._colourBarsDetach }
  }
  view._colourBarsDetach = detach
  model.on("remove", detach)
  return box
}
