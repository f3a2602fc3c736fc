"""LessonView: a guided lesson in the page, one chapter at a time (README "Teaching with it").

A lesson (lesson.py) is data: each chapter sets the preset, the settings and the step
it needs (``lesson.apply_chapter``), names the part of the page that matters, and says
what to look at and what to try, with the current numbers.  This view shows the
chapter's text over the player, the chapter list and "Previous chapter", "Next
chapter", "Restart chapter"; it outlines the part of the page the chapter is about
and opens its tab.  The student can still step and change things inside a chapter;
"Restart chapter" puts it back.  The chapter is ``ExplorerState.chapter``, so the
link holds it (``?lesson=notes&chapter=4``).
"""
from __future__ import annotations

import panel as pn
import param
from panel.viewable import Viewer

from . import lesson
from .entry import entry, on_change, on_click
from .literal import literal
from .notation import convert
from .presenter import sizes
from .state import ExplorerState

FOCUS = {"outline": "4px solid #ffd92f", "outline-offset": "2px"}


class LessonView(Viewer):
    """The lesson's chapter: its text, the way through, and the part of the page it is about.

    ``parts`` maps each ``show`` name of a chapter (lesson.SHOW) to the Panel object to
    outline and, for the parts in a tab, the tab's index: {name: (object, tab or None)}.
    """

    state = param.ClassSelector(class_=ExplorerState)

    def __init__(self, parts=None, tabs=None, **params):
        super().__init__(**params)
        self._parts = parts or {}
        self._tabs = tabs
        self._focused = None
        # Most sessions follow no lesson: the chapter's widgets are made when one starts
        # (each Panel object costs the server about 2 ms of every page's build).
        # (A Spacer holds its place: Bokeh's checks warn of a layout with no children.)
        self._layout = pn.Column(pn.Spacer(height=0, margin=0), visible=False,
                                 sizing_mode="stretch_width",
                                 styles={"border-left": "5px solid #2166ac",
                                         "background": "#f3f7fb", "padding": "4px 0"},
                                 margin=(0, 10, 8, 10))
        s = self.state
        s.param.watch(self._open, ["lesson", "chapter"])
        s.param.watch(self._write, ["stepped", "followed", "rebuilt", "notation", "example"])
        s.param.watch(self._renamed, "notation")
        if s.lesson is not None:
            self._open()

    def _make(self):
        """The chapter's heading, the way through, and its text."""
        self.heading = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10))
        self.chapters = pn.widgets.Select(options={}, width=230, margin=(4, 6),
                                          description="Go to a chapter")
        self.previous = pn.widgets.Button(label="Previous chapter", width=140, margin=(4, 4))
        self.next = pn.widgets.Button(label="Next chapter", button_type="primary", width=140,
                                      margin=(4, 4))
        self.restart = pn.widgets.Button(label="Restart chapter", width=140, margin=(4, 4),
                                         description="Put the chapter back as it began")
        self.end = pn.widgets.Button(label="End lesson", width=100, margin=(4, 4),
                                     description="Leave the lesson; the network stays as it is")
        # On a projector the text would push the graph off the screen: it shows when asked.
        self.show_text = pn.widgets.Toggle(name="Chapter text", width=112, margin=(4, 4),
                                           visible=False)
        self.text = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10))
        self._layout[:] = [pn.Row(self.heading, self.chapters, self.previous, self.next,
                                  self.restart, self.show_text, self.end,
                                  sizing_mode="stretch_width"),
                           self.text]
        on_click(self.previous, lambda: self._go(self.state.chapter - 1))
        on_click(self.next, lambda: self._go(self.state.chapter + 1))
        on_click(self.restart, self.restart_chapter)
        on_click(self.end, self.end_lesson)
        on_change(self.chapters, lambda value: value and self._go(value))
        on_change(self.show_text, lambda value: self._resize())
        self.state.param.watch(self._resize, "present")
        self._resize()

    def _list_chapters(self):
        s = self.state
        self.chapters.options = {f"{k}. {convert(c.heading(s.notation), s.notation)}": k
                                 for k, c in enumerate(s.lesson.chapters, 1)}

    def _renamed(self, *events):
        """W, b: the heading and the chapter list say the chapters' titles in it."""
        if self.state.lesson is not None and hasattr(self, "text"):
            self._write_heading()
            self._list_chapters()

    def _write_heading(self):
        """The lesson, the chapter and its title (on a projector, the chapter alone)."""
        s = self.state
        chosen = s.lesson
        place = f"chapter {s.chapter} of {len(chosen.chapters)}"
        title = lesson.markup(chosen.chapters[s.chapter - 1].heading(s.notation), s.notation)
        self.heading.object = (f"{place.capitalize()}: <b>{title}</b>" if s.present else
                               f"<b>{literal(chosen.title)}</b> · {place}: <b>{title}</b>")

    def _resize(self, *events):
        present = self.state.present
        if self.state.lesson is not None:
            self._write_heading()
        self.chapters.visible = not present
        self.show_text.visible = present
        # On 1024 px the heading needs the room the chapter list leaves.
        for button in (self.previous, self.next, self.restart):
            button.width = 124 if present else 140
        scale = sizes(present).text
        self.heading.styles = {"font-size": f"{15 * (1.35 if present else 1):.0f}px"}
        self.text.param.update(visible=not present or self.show_text.value,
                               styles={"font-size": f"{17 * scale:.0f}px"})

    def __panel__(self):
        return self._layout

    # ---- the way through ------------------------------------------------------------------
    def _go(self, number: int):
        s = self.state
        if s.lesson is not None and 1 <= number <= len(s.lesson.chapters) and number != s.chapter:
            s.chapter = number

    @entry
    def restart_chapter(self):
        self._open()

    def end_lesson(self):
        self.state.param.update(lesson=None, lesson_name="", chapter=1)

    def _open(self, *events):
        """The chapter as it begins: its preset, settings and step; its part outlined."""
        s = self.state
        chosen = s.lesson
        self._layout.visible = chosen is not None
        if chosen is None:
            self._focus(None)
            return
        if not hasattr(self, "text"):
            self._make()
        count = len(chosen.chapters)
        if s.chapter > count:  # a shorter lesson replaced a longer one
            s.chapter = count
            return
        chapter = chosen.chapters[s.chapter - 1]
        said = s.notice[0]
        try:
            lesson.apply_chapter(s, chapter)
        except ValueError as error:  # e.g. more than this server lets a session hold
            s.say("error", f"Chapter {s.chapter} could not be set up: {error}")
        else:
            if s.notice[0] != said and s.notice[1] != "error":
                s.say("info", "")  # "Loaded preset ...": the chapter's heading says enough
        self._write_heading()
        self._list_chapters()
        self.chapters.value = s.chapter
        self.previous.disabled = s.chapter == 1
        self.next.disabled = s.chapter == count
        self._focus(chapter.show)
        self._write()

    def _write(self, *events):
        s = self.state
        if s.lesson is None or s.stepper is None or not hasattr(self, "text"):
            return
        self.text.object = lesson.chapter_html(s.lesson.chapters[s.chapter - 1], s)

    def _focus(self, name):
        """Outline the part the chapter is about (and open its tab); the last one not."""
        if self._focused is not None:
            obj = self._focused
            obj.styles = {k: v for k, v in obj.styles.items() if k not in FOCUS}
            self._focused = None
        if name is None or name not in self._parts:
            return
        obj, tab = self._parts[name]
        obj.styles = {**obj.styles, **FOCUS}
        self._focused = obj
        if tab is not None and self._tabs is not None:
            self._tabs.active = tab
