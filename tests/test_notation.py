r"""The W, b notation: every value it shows is the notes' Θ value it stands for.

W^[l] = Θ^(l)[:, 1:], b^[l] = Θ^(l)[:, 0], a^[l] = a^(l+1), z^[l] = z^(l+1),
δ^[l] = δ^(l+1) (the input is layer 0), ΔW, Δb and dW, db Δ^(l)'s and D^(l)'s columns.
Checked on xnor, debug (3-5-3), worked_example and digits (64-25-10), through one whole
iteration in batch and per-example mode (on the digits' 1438 examples, every step of the
first two and the last, and the cost, gradient and update): the equation's numbers against the Θ
equation's of the same step (parsed from both KaTeX strings, so elided matrices are
compared cell by cell where both show the cell), the status line's layer, the graph's
columns and filters, the matrices' names, and that KaTeX renders every W, b string.
"""
import functools
import re

import numpy as np
import pytest

from engine import Kind, Stepper, presets
from explorer import graph
from explorer.equations import _kept, latex_for_step
from explorer.notation import convert, description, step_layer, step_symbol
from explorer.status import notation_html, status_html, status_text

PRESETS = ["xnor", "debug", "worked_example", "digits"]
MODES = ["batch", "per_example"]
ROWS = COLS = 6  # latex_for_step's default limits


# ---- convert (another engineer's module function, kept as it was) ---------------------
@pytest.mark.parametrize("text, wb", [
    ("a^(2)_1 = g(Θ^(1) x)", "a^[1]_1 = g(W^[1] x)"),
    ("z^(3) = Θ^(2) a^(2)", "z^[2] = W^[2] a^[1]"),
    ("δ^(2) = (Θ^(2))ᵀ δ^(3)", "δ^[1] = (W^[2])ᵀ δ^[2]"),
    ("D^(1) = Δ^(1)/m", "dW^[1] = ΔW^[1]/m"),
    ("a^(12)", "a^[11]"),
    ("no symbols here", "no symbols here"),
])
def test_convert(text, wb):
    assert convert(text, "wb") == wb
    assert convert(text, "theta") == text


# ---- walking an iteration ---------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _preset(name):
    return presets.load(name)


def walk(name, mode):
    """The stepper after each step of one whole iteration."""
    p = _preset(name)
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate, mode=mode)
    while True:
        step = s.step()
        yield s
        if step.kind is Kind.UPDATE:
            return


def shown_examples(s):
    step = s.last_step
    if step.example is not None:
        return [step.example]
    return sorted({0, s.m - 1})


# ---- reading a KaTeX string ------------------------------------------------------------
def grids(tex):
    """Every bmatrix in tex, in order, as a list of rows of cell strings."""
    return [[[c.strip() for c in row.split("&")] for row in body.split(r"\\")]
            for body in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex)]


def cells(grid, shape, row0=0, col0=0):
    """{(r, c): text} of a grid showing a matrix of ``shape``, elided as the equations elide
    (equations._kept); indices shifted by row0, col0 (W's column c is Θ's c + 1)."""
    rows, cols = _kept(shape[0], ROWS), _kept(shape[1], COLS)
    assert len(grid) == len(rows) and all(len(r) == len(cols) for r in grid), (grid, shape)
    return {(r + row0, c + col0): grid[p][q] for p, r in enumerate(rows) if r is not None
            for q, c in enumerate(cols) if c is not None}


def check_split(theta_grid, shape, w_grid, b_grid):
    """Θ's grid (shape rows × (1 + n)) against W's (rows × n) and b's (rows × 1): b is column
    0 exactly, W is the rest wherever both show a cell (all of it when nothing is elided)."""
    theta = cells(theta_grid, shape)
    b = cells(b_grid, (shape[0], 1))
    assert {(r, 0): v for (r, _), v in b.items()} == {k: v for k, v in theta.items() if k[1] == 0}
    if shape[1] > 1:
        w = cells(w_grid, (shape[0], shape[1] - 1), col0=1)
        common = theta.keys() & w.keys()
        assert common, "no cell shown in both"
        assert all(theta[k] == w[k] for k in common), {k: (theta[k], w[k]) for k in common}
        if shape[1] <= COLS:
            assert set(w) == {k for k in theta if k[1] > 0}


def check_with_bias_vector(theta_grid, n, grid, column=True):
    """[1; a] (the notes, n + 1 entries) against a (W, b, n entries)."""
    shape = (n + 1, 1) if column else (1, n + 1)
    ours = (n, 1) if column else (1, n)
    theta = cells(theta_grid, shape)
    wb = cells(grid, ours, row0=1 if column else 0, col0=0 if column else 1)
    first = (0, 0)
    assert theta[first] == "1"
    common = theta.keys() & wb.keys()
    assert common and all(theta[k] == wb[k] for k in common)


def number_after(tex, pattern):
    found = re.search(pattern, tex)
    assert found, pattern
    return found.group(1)


def check_equation(s, ex):
    """The W, b equation of the step just taken shows the Θ equation's numbers."""
    step = s.last_step
    theta_tex, wb_tex = latex_for_step(s, ex), latex_for_step(s, ex, notation="wb")
    T, W = grids(theta_tex), grids(wb_tex)
    kind, l, L = step.kind, step.layer, s.L
    if kind is Kind.FORWARD:
        shape = s.network.theta(l - 1).shape
        # Θ [1; a] = z, a  /  W a + b = z, a
        check_split(T[0], shape, W[0], W[2])
        check_with_bias_vector(T[1], shape[1] - 1, W[1])
        assert T[2:] == W[3:]
        assert rf"z^{{[{l - 1}]}} &= W^{{[{l - 1}]}} a^{{[{l - 2}]}} + b^{{[{l - 1}]}}" in wb_tex
    elif kind is Kind.COST:
        assert not T and not W
        braced = r"((?:[^{}]|\{[^{}]*\})*)"  # a number, 10^{-5} and all
        for pattern in (r"\\underbrace\{" + braced + r"\}_\{\\text\{data term\}\}",
                        r"\\underbrace\{" + braced + r"\}_\{\\lambda\\text\{ term",
                        r"\} = " + braced + r"\\qquad h = "):
            assert number_after(theta_tex, pattern) == number_after(wb_tex, pattern)
        assert "J(W, b)" in wb_tex and r"W_{ji}^{[l]}" in wb_tex and r"\Theta" not in wb_tex
    elif kind in (Kind.OUTPUT_DELTA, Kind.HIDDEN_DELTA):
        # a, y, (g'), δ; or Θ's rows without the bias row = Wᵀ, δ^(l+1), g', δ
        assert T == W
        k = l - 1
        assert rf"\delta^{{[{k}]}} &=" in wb_tex
        if kind is Kind.HIDDEN_DELTA:
            assert rf"(W^{{[{k + 1}]}})^\top \delta^{{[{k + 1}]}}" in wb_tex
    elif kind is Kind.ACCUMULATE:
        shape = s.Delta[l].shape
        n = shape[1] - 1
        if step.example is None:  # Δ, δ, [1 a], term  /  ΔW, Δb, δ, a, term's W part
            check_split(T[0], shape, W[0], W[1])
            assert T[1] == W[2]
            check_with_bias_vector(T[2], n, W[3], column=False)
            term = cells(T[3], shape)
            theirs = cells(W[4], (shape[0], n), col0=1)
            assert all(term[k] == theirs[k] for k in term.keys() & theirs.keys())
            # the term's b part is δ itself: Θ's term column 0 against δ's entries
            assert {r: v for (r, c), v in term.items() if c == 0} == \
                {r: v for (r, _), v in cells(W[2], (shape[0], 1)).items()}
        else:  # Δ before, δ, [1 a], Δ after  /  ΔW before, δ, a, ΔW after, Δb before, δ, Δb after
            check_split(T[0], shape, W[0], W[4])
            assert T[1] == W[1] == W[5]
            check_with_bias_vector(T[2], n, W[2], column=False)
            check_split(T[3], shape, W[3], W[6])
        assert rf"\Delta W^{{[{l}]}}" in wb_tex and rf"\Delta b^{{[{l}]}}" in wb_tex
    elif kind in (Kind.GRADIENT, Kind.UPDATE):
        layers = list(range(1, L))[-2:]
        assert len(T) == len(layers) and len(W) == 2 * len(layers)
        for k, layer in enumerate(layers):
            check_split(T[k], s.network.theta(layer).shape, W[2 * k], W[2 * k + 1])
            name = "dW" if kind is Kind.GRADIENT else "W"
            assert f"{name}^{{[{layer}]}} &= " in wb_tex or f"{name}^{{[{layer}]}} = " in wb_tex
    assert r"\Theta" not in wb_tex and "(l)" not in wb_tex


def check_status(s):
    step = s.last_step
    theta, wb = status_text(s), status_text(s, "wb")
    assert theta == status_text(s, "theta")
    if step.layer is not None:
        assert f"layer {step.layer} of {s.L}" in theta
        shown = step.layer if step.kind is Kind.ACCUMULATE else step.layer - 1
        assert f"layer {shown} of {s.L - 1}" in wb
        assert step_layer(step, s.L, "wb") == (shown, s.L - 1)
    symbol = {Kind.FORWARD: f"z<sup>[{(step.layer or 0) - 1}]</sup>",
              Kind.OUTPUT_DELTA: f"δ<sup>[{s.L - 1}]</sup>",
              Kind.HIDDEN_DELTA: f"δ<sup>[{(step.layer or 0) - 1}]</sup>",
              Kind.ACCUMULATE: f"ΔW<sup>[{step.layer}]</sup>",
              Kind.COST: "J&#40;W&#44; b&#41;", Kind.GRADIENT: "dW", Kind.UPDATE: "W &#58;&#61;"}
    assert symbol[step.kind] in wb
    html = status_html(s, "wb")
    assert "Θ" not in html and "<sup>(" not in html
    assert status_html(s) == status_html(s, "theta")


def check_graph(s, ex, nodes, index):
    """graph.frame's numbers are the same in both notations, and b is Θ's column 0."""
    theta = graph.frame(s, ex, nodes, index, False, "")
    wb = graph.frame(s, ex, nodes, index, False, "", "wb")
    for part in ("nodes", "edges"):
        assert theta[part].keys() == wb[part].keys()
        for column in theta[part]:
            np.testing.assert_array_equal(theta[part][column], wb[part][column])
    layer, unit = np.asarray(nodes["layer"]), np.asarray(nodes["unit"])
    b = wb["nodes"]["b"]
    assert np.isnan(b[(layer == 1) | (unit == 0)]).all()
    for l in range(2, s.L + 1):
        rows = (layer == l) & (unit > 0)
        np.testing.assert_array_equal(b[rows], s.network.theta(l - 1)[:, 0])
        np.testing.assert_array_equal(wb["nodes"]["a"][rows], s.a[l][ex])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", PRESETS)
def test_every_value_shown_in_wb_is_the_theta_value(name, mode):
    p = _preset(name)
    nodes = graph.layout(p.network.sizes, None, "wb")
    index = graph.edge_index(p.network)
    seen = set()
    for s in walk(name, mode):
        step = s.last_step
        seen.add(step.kind)
        if step.example is not None and 2 <= step.example < s.m - 1 and s.m > 10:
            continue  # digits per example: examples 1, 2 and the last, of 1438, then the rest
        check_status(s)
        for ex in shown_examples(s):
            check_equation(s, ex)
            check_graph(s, ex, nodes, index)
    assert len(seen) == 7 or (len(seen) == 6 and p.network.L == 2)


# ---- the texts -------------------------------------------------------------------------
def test_status_line_in_wb():
    p = _preset("debug")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    s.step()
    assert status_text(s, "wb") == ("<b>Forward</b> · z<sup>[1]</sup>&#44; a<sup>[1]</sup> · "
                                    "layer 1 of 2 · iteration 1 · step 1/9")
    assert "Forward&#44; layer 1&#58; z<sup>[1]</sup>" in status_html(s, "wb")
    assert "W<sup>[1]</sup>&#32;a<sup>[0]</sup>&#32;&#43; b<sup>[1]</sup>" in status_html(s, "wb")
    assert "σ&#40;z<sup>[1]</sup>&#41;" in status_html(s, "wb")
    assert status_text(s) == ("<b>Forward</b> · z<sup>(2)</sup>&#44; a<sup>(2)</sup> · "
                              "layer 2 of 3 · iteration 1 · step 1/9")


def test_notation_html_writes_both_superscripts():
    assert notation_html("z^(3) a^[2]") == "z<sup>(3)</sup>&#32;a<sup>[2]</sup>"


def test_descriptions_of_edits_and_other_news():
    p = _preset("xnor")
    s = Stepper(p.network, p.X, p.Y, learning_rate=p.learning_rate)
    s.set_weight(1, 2, 0, 0.5)
    assert description(s, "wb").startswith("Edited b_2^[1] from 10 to 0.5")
    assert "Θ" not in description(s, "wb") and description(s, "theta") == s.description
    s.set_weight(2, 1, 2, 3.0)
    text = description(s, "wb")
    assert text.startswith("Edited W_1,2^[2] from 20 to 3") and "from layer 1 on" in text
    s.reset()
    assert description(s, "wb") == s.description  # "Iteration 1 ready: ..." has no symbol


def test_symbols_of_every_kind():
    p = _preset("debug")
    s = Stepper(p.network, p.X, p.Y)
    symbols = [step_symbol(step, "wb") for step in s.schedule]
    assert symbols == ["z^[1], a^[1]", "z^[2], a^[2]", "J(W, b)", "δ^[2]", "δ^[1]",
                       "ΔW^[2], Δb^[2]", "ΔW^[1], Δb^[1]", "dW = ΔW/m + (λ/m)W, db = Δb/m",
                       "W := W − α dW, b := b − α db"]
    assert [step_symbol(step, "theta") for step in s.schedule] == [t.symbol for t in s.schedule]


def test_before_any_step_the_formula_is_in_wb():
    p = _preset("xnor")
    s = Stepper(p.network, p.X, p.Y)
    tex = latex_for_step(s, 0, notation="wb")
    assert r"z^{[1]} = W^{[1]} a^{[0]} + b^{[1]}" in tex and "bmatrix" not in tex


def test_symmetry_and_legend_in_wb():
    assert "Units 1, 2 of layer 1 " in graph.symmetry_sentence({2: [[1, 2]]}, True, "wb")
    assert "Units 1, 2 of layer 2 " in graph.symmetry_sentence({2: [[1, 2]]}, True)
    legend = graph.legend_html("", "", False, 1.0, False, "wb")
    assert "W &gt; 0" in legend and "|W|" in legend and "its b" in legend and "Θ" not in legend
    assert "dW" in graph.legend_html("", "", True, 1.0, False, "wb")
    assert graph.legend_html("", "", True, 1.0, False) == graph.legend_html("", "", True, 1.0,
                                                                           False, "theta")


def test_names():
    assert graph.unit_name(1, 2, notation="wb") == "a₁^[1]"
    assert graph.unit_name(1, 2) == "a₁⁽²⁾"
    assert graph.edge_name(1, 1, 2, "wb") == "W₁₂^[1]: unit 2 of layer 0 → unit 1 of layer 1"
    assert graph.edge_name(1, 1, 2) == "Θ₁₂⁽¹⁾: unit 2 of layer 1 → unit 1 of layer 2"
    assert graph.edge_name(2, 10, 3) == "Θ₁₀,₃⁽²⁾: unit 3 of layer 2 → unit 10 of layer 3"
    assert graph.edge_name(1, 3, 0, "wb").startswith("b₃^[1]")


# ---- the views --------------------------------------------------------------------------
def test_graph_view_in_wb_hides_the_bias_units_and_shows_b():
    from explorer.graph_view import GraphView
    from explorer.state import ExplorerState

    s = ExplorerState(preset="debug")
    view = GraphView(state=s)
    before = {k: list(v) for k, v in view.nodes.data.items() if k in ("layer", "unit")}
    s.notation = "wb"
    for _ in range(4):
        s.step()
    data, net = view.nodes.data, s.network
    # the contract's columns, bias rows included, the notes' numbering
    assert {k: list(data[k]) for k in ("layer", "unit")} == before
    assert {"z", "a", "delta", "b", "name", "shown_layer"} <= set(data)
    for k, (l, j) in enumerate(zip(data["layer"], data["unit"])):
        if j == 0:
            assert not view._unit_filter.booleans[k] and not view._bias_filter.booleans[k]
            assert not view._b_filter.booleans[k] and np.isnan(data["b"][k])
            continue
        assert data["name"][k] == graph.unit_name(j, l - 1 + 1, notation="wb") == \
            f"a{str(j).translate(graph._SUB)}^[{l - 1}]"
        assert data["shown_layer"][k] == l - 1 and view._unit_filter.booleans[k]
        assert data["a"][k] == s.stepper.a[l][0][j - 1]
        if l >= 2:
            assert data["b"][k] == net.theta(l - 1)[j - 1, 0] and view._b_filter.booleans[k]
        else:
            assert np.isnan(data["b"][k]) and not view._b_filter.booleans[k]
    edges = view.edges.data
    assert list(edges["layer"]) and set(edges) >= {"layer", "source", "target", "theta", "grad"}
    for k, (l, j, i) in enumerate(zip(edges["layer"], edges["target"], edges["source"])):
        assert view._edge_filter.booleans[k] == (i > 0)
        assert edges["theta"][k] == net.theta(l)[j - 1, i]
        if i > 0:
            assert edges["edge"][k].startswith(f"W{j}{i}".translate(graph._SUB) + f"^[{l}]")
    assert ("b", "@b{custom}") in view._node_hover.tooltips
    assert ("W", "@theta{custom}") in view._edge_hover.tooltips
    assert view._b_r.visible and view._label.args["bias"] == ""
    assert "dW" in view.bars.stylesheets[0]
    assert "its b" in view.legend.html and "Θ" not in view.legend.html
    # back to the notes: names, filters and tooltips as they were; the bars hidden
    s.notation = "theta"
    assert view.nodes.data["name"][1] == "a₁⁽¹⁾" and view._bias_filter.booleans[0]
    assert not view._b_r.visible and view._label.args["bias"] == "+1"
    assert view._node_hover.tooltips[0] == ("unit", "@name (layer @layer)")
    assert view.bars.stylesheets == []


def test_graph_view_says_which_edges_are_drawn_in_wb():
    from explorer.graph_view import GraphView
    from explorer.state import ExplorerState

    s = ExplorerState(preset="digits")
    view = GraphView(state=s)
    assert "largest |Θ| into each unit" in view.note.object
    s.notation = "wb"
    assert "largest |W| into each unit" in view.note.object and "Θ" not in view.note.object


def test_graph_view_in_theta_makes_no_b_bars():
    from explorer.graph_view import GraphView
    from explorer.state import ExplorerState

    view = GraphView(state=ExplorerState(preset="xnor"))
    assert view._b_r is None
    assert not any(type(r.glyph).__name__ == "Rect" for r in view.figure.renderers)


def test_matrix_view_in_wb_names_each_cell():
    from explorer.matrix_view import MatrixView
    from explorer.state import ExplorerState

    s = ExplorerState(preset="debug")
    view = MatrixView(state=s)
    for _ in range(7):  # to the accumulation of Δ^(1)
        s.step()
    s.notation = "wb"
    assert view.layer == 1 and list(view.select.options) == ["Follow the step", "W^[1], b^[1]",
                                                             "W^[2], b^[2]"]
    theta = s.network.theta(1)
    data = view.sources["Theta"].data
    for name, j, i, value in zip(data["name"], data["j"], data["i"], data["value"]):
        assert value == theta[j - 1, i]
        assert name == (f"b{str(j).translate(graph._SUB)}^[1]" if i == 0
                        else f"W{j}{i}".translate(graph._SUB) + "^[1]")
    assert view._figures["Theta"].title.text == "b^[1] | W^[1]"
    assert view._figures["D"].title.text == "db^[1] | dW^[1]"
    assert "Layer 0 → 1" in view.caption.object and "ΔW<sup>[1]</sup>" in view.caption.object
    assert "column 0" in view.captions["Delta"].object
    view.select.value = 2
    s.notation = "theta"
    assert view.select.value == 2 and view._figures["Theta"].title.text == "Θ⁽²⁾"
    assert "name" not in view.sources["Theta"].data


# ---- KaTeX -----------------------------------------------------------------------------
def all_wb_strings():
    out = []
    for name in ("xnor", "debug", "worked_example"):
        for mode in MODES:
            for s in walk(name, mode):
                for ex in shown_examples(s):
                    out.append((f"{name}/{mode}/{s.position}", latex_for_step(s, ex, notation="wb")))
    first = next(walk("digits", "batch"))
    out.append(("digits/batch/1", latex_for_step(first, 0, notation="wb")))
    p = _preset("xnor")
    out.append(("before", latex_for_step(Stepper(p.network, p.X, p.Y), 0, notation="wb")))
    return out


def test_katex_parses_every_wb_string(page):
    from test_equations import _RENDER_ALL, check_structure, find_katex

    labelled = all_wb_strings()
    for _, tex in labelled:
        check_structure(tex)
    page.set_content("<!doctype html><html><head></head><body></body></html>")
    page.add_script_tag(path=str(find_katex()))
    errors = page.evaluate(_RENDER_ALL, [tex for _, tex in labelled])
    failures = [(label, err) for (label, _), err in zip(labelled, errors) if err]
    assert not failures, failures[:3]
