"""ColourBars: the graph's colour scales, beside it, drawn in the page from its mappers.

``bars`` lists (mapper name, title); the component finds each ``LinearColorMapper``
of the document by name and draws its palette with five labels from low to high,
following it as the server or the player changes the scale (js/colour_bars.js).
``shown`` says which bars are on.
"""
from __future__ import annotations

from pathlib import Path

import panel as pn
import param

BAR_WIDTH = 74  # px: the strip, its labels and its title


class ColourBars(pn.custom.JSComponent):
    bars = param.List(default=[], constant=True,
                      doc="(mapper name, title) of each bar, left to right; set once")
    shown = param.List(default=[], doc="The mapper names whose bars are shown")

    _esm = Path(__file__).parent / "js" / "colour_bars.js"

    _stylesheets = [f"""
    .colour-bars {{ display: flex; height: 100%; font-size: 12px; color: #222; }}
    .colour-bar {{ width: {BAR_WIDTH}px; display: flex; flex-direction: column; align-items: flex-start;
                  padding: 28px 0 30px 4px; box-sizing: border-box; contain: strict; }}
    .colour-bar-title {{ font-size: 13px; white-space: nowrap; margin-bottom: 6px; }}
    .colour-bar-strip {{ position: relative; width: 12px; flex: 1 1 auto;
                        border: 1px solid #999; }}
    .colour-bar-strip span {{ position: absolute; left: 16px; transform: translateY(50%);
                             white-space: nowrap; line-height: 1; }}
    """]

    @param.depends("shown", watch=True, on_init=True)
    def _fit(self):
        # As wide as the bars shown: the graph takes the rest of the row.
        self.width = BAR_WIDTH * max(1, len(self.shown))
