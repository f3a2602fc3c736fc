"""walkthrough_html: one HTML file that steps a network forward and back with no server.

The file is the app's own page, recorded: the graph is the app's Bokeh figure
(GraphView), and the steps are the app's step tapes (tapes.py), recorded ahead
for ``iterations`` iterations from the preset or from a live session's point.
The page components around the graph (the player's buttons, the status line, the
legend, the equation, the colour bars, the arrow keys) are the app's own ES
modules, run by a small host (js/walkthrough.js) in place of Panel.  The tapes
and the components travel in the Bokeh document, as a ``Walkthrough`` model.

The file is written by Bokeh (``file_html`` with INLINE resources, and a
template that only places the parts around the plot); KaTeX, which draws the
equations as MathML, is inlined from Panel's bundled copy.  So nothing is fetched:
the file works from disk with no network.
"""
from __future__ import annotations

import functools
import html
from pathlib import Path

import panel
from bokeh.core.properties import Any, List
from bokeh.embed import file_html
from bokeh.model import DataModel
from bokeh.embed.bundle import bundle_for_objs_and_resources
from bokeh.resources import INLINE

from engine import presets

from .colour_bars import ColourBars
from .graph_view import GraphView
from .keyboard import KeyboardShortcuts
from .live_html import LiveHTML
from .player import StepTape, page_frame
from .state import ExplorerState
from .status_view import EquationView, StatusLine
from .tapes import display_tape

JS = Path(__file__).parent / "js"

# Steps a file holds at most: a per-example iteration of the digits is 8,631 steps (about
# 25 MB of tape); the file then holds its first steps, and says so.
MAX_STEPS = 600
MAX_ITERATIONS = 5  # the Files section offers 1 to this many


class Walkthrough(DataModel):
    """The tapes and the page components of a walkthrough file, in its Bokeh document."""

    tapes = List(Any, help="The step tapes, in order (tapes.py); ids count from 1")
    components = List(Any, help="{host, esm, props}: the page components js/walkthrough.js runs")


def walkthrough_html(preset: str | None = None, *, state: ExplorerState | None = None,
                     iterations: int = 1) -> str:
    """One self-contained HTML file stepping ``iterations`` iterations.

    From ``preset`` (the default preset if None), or from a live session's ``state``: its
    network, data, settings, notation and point in the iteration (the session's stepper
    does not move).  From the middle of an iteration, the first of the ``iterations`` is
    the rest of that one.  At most MAX_STEPS steps are kept.
    """
    if state is None and preset is not None and preset not in presets.names():
        raise ValueError(f"Unknown preset {preset!r}: choose one of {', '.join(presets.names())}.")
    if not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be a whole number ≥ 1, not {iterations!r}.")
    # A session of our own to draw with: the caller's is never moved or watched.
    own = ExplorerState(preset=preset) if state is None else state.detached()
    graph = GraphView(state=own, served=False)
    status, equation = StatusLine(state=own), EquationView(state=own)
    tapes, steps = _record(own, graph, iterations)
    # The player asks for the step after a tape whose "error" says why it is refused: at the
    # end of the file, that is the end (or the engine's reason, if it refused a step).
    tapes[-1]["error"] = tapes[-1]["error"] or _end_text(steps)
    walkthrough = Walkthrough(name="walkthrough", tapes=tapes,
                              components=[
                                  _component("status", status.html),
                                  _component("bars", graph.bars),
                                  _component("legend", graph.legend),
                                  _component("latex", equation.latex),
                                  _component("keys", KeyboardShortcuts(in_page=True)),
                                  # last: the texts it shows have their boxes by then
                                  _component("player", StepTape(speed=own.speed,
                                                                keep_tapes=True)),
                              ])
    figure = graph.figure
    figure.tags = [*figure.tags, walkthrough]  # in the document, found by name
    # Bokeh's INLINE bundle for this figure, without links: Bokeh also links the files of
    # every model class imported (Panel's, in a server), used or not, and a link is fetched.
    bundle = bundle_for_objs_and_resources([figure], INLINE)
    return file_html(figure, None, title="Backprop Explorer walkthrough", template=_TEMPLATE,
                     template_variables={"bokeh_inline": bundle.scripts(),
                                         "bokeh_styles": "\n".join(bundle.css_raw),
                                         "about": html.escape(_about(own, steps)),
                                         "bar_width": graph.bars.width,
                                         "katex": _script(_katex_js()),
                                         "host": _script((JS / "walkthrough.js").read_text("utf-8")),
                                         "styles": _styles()})


def _record(state: ExplorerState, graph: GraphView, iterations: int) -> tuple[list, int]:
    """(the tapes of ``iterations`` iterations from the state's point, steps in them).

    One tape per iteration (the app's come in pieces of at most 60 steps, to send less at
    a time; a file has it all at once): "Finish iteration" then stays in its tape.  Each
    tape after the first starts where the one before ends: its first frame is left out
    (the page works it out, js/walkthrough.js)."""
    frame = functools.partial(page_frame, graph, state)
    tapes, steps, done = [], 0, 0
    start, first = state.stepper, None
    while done < iterations and steps < MAX_STEPS:
        tape, start, first = display_tape(start, frame, len(tapes) + 1, back=False, first=first,
                                          max_steps=MAX_STEPS - steps)
        if tapes:
            tape["first"] = None
        tapes.append(tape)
        steps += len(tape["steps"])
        done += tape["ends"]
        if tape["error"] or not tape["steps"]:
            break
    return tapes, steps


def _about(state: ExplorerState, steps: int) -> str:
    net, stepper = state.network, state.stepper
    if stepper.iteration_complete or stepper.position == 0:
        start = f"iteration {stepper.iteration + (1 if stepper.iteration_complete else 0)}"
    else:
        start = (f"iteration {stepper.iteration}, after step {stepper.position} of "
                 f"{stepper.steps_per_iteration}")
    return (f"Network {'-'.join(map(str, net.sizes))} ({net.hidden} hidden, {net.output} output, "
            f"{net.loss.replace('_', ' ')} cost, λ = {net.lam:g}), m = {stepper.m} examples, "
            f"{stepper.mode.replace('_', '-')} mode, α = {stepper.learning_rate:g}. "
            f"{steps} steps from {start}.")


def _end_text(steps: int) -> str:
    return (f"This is the end of the walkthrough: it holds {steps} steps"
            + (f" (files keep at most {MAX_STEPS})" if steps >= MAX_STEPS else "")
            + ". Reset goes back to its start.")


def _component(host: str, component) -> dict:
    """A page component for the host: its ES module, its parameters and its style sheets."""
    esm = type(component)._esm
    esm = esm.read_text("utf-8") if isinstance(esm, Path) else esm
    own = [name for name in type(component).param if name not in _PANEL_PARAMS]
    props = {name: getattr(component, name) for name in own}
    css = [*getattr(type(component), "_stylesheets", []),
           *[sheet for sheet in component.stylesheets if isinstance(sheet, str)]]
    return {"host": host, "esm": esm, "props": props, "css": css,
            "style": dict(component.styles or {})}


_PANEL_PARAMS = set(panel.custom.JSComponent.param)


def _katex_js() -> str:
    """Panel's bundled KaTeX (the app loads the same through ``pn.extension("katex")``)."""
    bundled = Path(panel.__file__).parent / "dist" / "bundled" / "katex"
    found = sorted(bundled.glob("katex@*/dist/katex.min.js"), key=_version)
    if not found:
        raise RuntimeError(f"KaTeX is missing from Panel's bundled files ({bundled}): "
                           "reinstall panel.")
    return found[-1].read_text("utf-8")


def _version(path: Path) -> tuple:
    """(0, 16, 22) for .../katex@0.16.22/dist/katex.min.js: newest last when sorted."""
    return tuple(int(n) if n.isdigit() else 0 for n in path.parents[1].name.split("@")[1].split("."))


def _script(code: str) -> str:
    # Inside <script>, only "</script" ends it: write it so it cannot.
    return code.replace("</script", "<\\/script")


def _styles() -> str:
    return (JS / "walkthrough.css").read_text("utf-8")


# Only the parts around the plot: Bokeh's own file template writes the rest.
_TEMPLATE = """
{% block css_resources %}<style>{{ bokeh_styles }}</style>{% endblock %}
{% block js_resources %}{{ bokeh_inline }}{% endblock %}
{% block postamble %}
<style>{{ styles }}</style>
<script>{{ katex }}</script>
{% endblock %}
{% block contents %}
<main class="walkthrough">
  <header>
    <h1>Backprop Explorer: a walkthrough</h1>
    <p class="about">{{ about }}</p>
  </header>
  <div id="keys"></div>
  <div id="player"></div>
  <div id="notice" role="status" hidden></div>
  <div id="status"></div>
  <div class="graph-row">
    <div class="graph">{{ embed(roots.graph) }}</div>
    <div id="bars" style="width: {{ bar_width }}px"></div>
  </div>
  <div id="legend"></div>
  <div id="latex"></div>
  <footer>Next step (→) and Previous step (←) move one layer at a time; hover over a unit
    or an edge for its numbers. Made with Backprop Explorer; this file needs no network
    and no Python.</footer>
</main>
{% endblock %}
{% block inner_body %}
{{ super() }}
<script>{{ host }}</script>
{% endblock %}
"""
