"""ColourBars: the graph's colour scales, beside it, drawn in the page from its mappers.

``bars`` lists (mapper name, title); the component finds each ``LinearColorMapper``
of the document by name and draws its palette with five labels from low to high,
following it as the server or the player changes the scale (js/colour_bars.js).
``shown`` says which bars are on.  ``titles`` gives some bars another title (the W, b
notation's "dW (edges)"): the page's bars are built once, so the new title is written by a
style sheet over the old one (the text stays in the page, at size 0).
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
    titles = param.Dict(default={}, doc="{mapper name: title} replacing titles of ``bars``")

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

    @param.depends("titles", watch=True, on_init=True)
    def _retitle(self):
        sheets = []
        for name, title in self.titles.items():
            bar = f'.colour-bar[data-scale="{_css_string(name)}"] .colour-bar-title'
            sheets.append(f'{bar} {{ font-size: 0; }} '
                          f'{bar}::after {{ content: "{_css_string(title)}"; font-size: 12px; }}')
        self.stylesheets = sheets

    @param.depends("shown", watch=True, on_init=True)
    def _fit(self):
        # As wide as the bars shown: the graph takes the rest of the row.
        self.width = BAR_WIDTH * max(1, len(self.shown))


def _css_string(text: str) -> str:
    """Text inside a CSS string in double quotes: every character but letters, digits,
    spaces, _ and - as a CSS escape."""
    return "".join(c if c.isalnum() or c in " _-" else f"\\{ord(c):x} " for c in str(text))
