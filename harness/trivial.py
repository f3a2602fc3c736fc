"""The trivial Panel app the benchmarks measure against, in the same run.

A "Next step" button whose click makes the server change a 3-point Bokeh source
(``nodes``), and "Step in the page", the same change made in the page with no
server (the floor of a click to its repainted frame).  step_latency.py times its
clicks; classroom_load.py the server CPU of opening it.
"""


def trivial_app():
    import numpy as np
    import panel as pn
    from bokeh.models import Button as BokehButton, ColumnDataSource, CustomJS
    from bokeh.plotting import figure

    from explorer.entry import on_click

    pn.extension()
    rng = np.random.default_rng(0)
    source = ColumnDataSource({"x": [0, 1, 2], "y": [0, 1, 0], "v": [0.1, 0.5, 0.9]},
                              name="nodes")
    plot = figure(name="graph", width=400, height=250, toolbar_location=None)
    plot.scatter("x", "y", size=30, source=source, fill_color="navy", alpha="v")
    button = pn.widgets.Button(name="Next step", button_type="primary", width=140)
    on_click(button, lambda: source.data.update(v=list(rng.uniform(0.1, 1.0, 3))))
    # The floor: the same change made in the page, no server, as the player makes it.
    # A bare Bokeh button: with no Python callback its clicks are not sent to the server.
    in_page = BokehButton(label="Step in the page", width=140)
    in_page.js_on_click(CustomJS(args={"source": source}, code="""
      const v = source.data.v.map(() => 0.1 + 0.9 * Math.random())
      source.setv({data: {...source.data, v}}, {sync: false})"""))
    return pn.Column(pn.Row(button, pn.pane.Bokeh(in_page)), pn.pane.Bokeh(plot))
