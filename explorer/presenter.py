"""Presenter mode: how big things are drawn, for a desk and for a projector, in one place.

A projector is often 1024×768 and read from the back of a room: presenter mode
draws the text half as large again (status line, legend, node labels,
equation), the nodes larger, and collapses the sidebar so the graph takes the
width.  Everything needed to step (the buttons, the status line, the graph and
the equation) still fits 1024×768 without scrolling, for every preset up to the
3-5-3 debug net (tests/browser/test_teaching.py measures it).  The views read
their sizes from ``sizes(state.present)`` and follow ``present``.  No Panel here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    text: float           # text scale against the desk's sizes below (1.5 on a projector)
    status_px: int        # the status line's first line
    status_height: int    # its box
    status_detail: bool   # the engine's description under it
    legend_px: int
    legend_height: int
    legend_fit: float     # as equation_fit, for a long warning in the legend
    equation_px: int
    equation_height: int
    equation_fit: float   # a big equation shrinks to fit its box, down to this share of its size
    button_height: int    # the player's buttons
    graph_height: int     # the plot, px
    node_scale: float     # nodes against the size that fits the plot's height
    max_node: float       # the largest node, px
    header_height: int    # the page's blue header
    # What the equation gives up on a projector for the quiz box and a lesson's bar (0 on
    # a desk, where the page scrolls).
    quiz_height: int
    lesson_height: int


DESK = Sizes(text=1.0, status_px=19, status_height=58, status_detail=True, legend_px=15,
             legend_height=70, legend_fit=0.0, equation_px=16, equation_height=250,
             equation_fit=0.0, button_height=44, graph_height=340, node_scale=1.0, max_node=44,
             header_height=64, quiz_height=0, lesson_height=0)

# 1.5× the desk's text: the status line without the description under it (the equation
# says the same, with its numbers), the legend in two short lines (graph.legend_html's
# compact form), the graph shorter, so that the equation stays on a 768 px screen, but
# the nodes larger where the units are few: they fill more of each unit's row.  An
# equation too big for its box (the 3-5-3 net's, with 5-row matrices) is drawn smaller,
# down to half its size (12 px, the desk's 16 px × 0.75); the page never scrolls.
PROJECTOR = Sizes(text=1.5, status_px=29, status_height=44, status_detail=False, legend_px=23,
                  legend_height=70, legend_fit=0.67, equation_px=24, equation_height=242,
                  equation_fit=0.5, button_height=50, graph_height=260, node_scale=1.5,
                  max_node=66, header_height=40, quiz_height=100, lesson_height=60)


def sizes(present: bool) -> Sizes:
    return PROJECTOR if present else DESK
