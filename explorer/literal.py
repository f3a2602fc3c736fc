"""literal(): text from a user, written so that every pane shows exactly that text.

Links, file names, session names, CSV headers and exception messages all reach
the page through this one function, whatever pane shows them:

* HTML panes and Bokeh ``{safe}`` tooltips parse HTML;
* ``pn.pane.Alert`` and the other Markdown panes parse **Markdown** (links,
  images, emphasis, bare URLs turned into links) and then HTML, so
  ``html.escape`` is not enough there: ``![x](http://host/p.png)`` has no
  ``<`` in it and still makes the page fetch an image;
* notifications (notyf) set their message as HTML.

Every ASCII character except letters, digits and single inner spaces, and
every control or formatting character, becomes a numeric character
reference such as ``&#91;``.  HTML decodes a reference into the character
as text; CommonMark (markdown-it, which Panel uses) treats it as a literal
character that can open no link, image, emphasis, list, heading or raw HTML,
and linkify sees no URL split by references.  Panel's MathJax pass finds no
``$`` either.  Letters, digits and non-ASCII text are left alone, so
messages stay readable in the page source.
"""
from __future__ import annotations

import unicodedata


def _plain(ch: str, previous: str) -> bool:
    if ch.isascii():
        # A space after a space or at the start could make Markdown code or a hard break.
        return ch.isalnum() or (ch == " " and previous not in ("", " "))
    return unicodedata.category(ch)[0] not in "CZ"  # no control, format or separator


def literal(text: object) -> str:
    """``text`` (made a string) as markup that renders as exactly that text."""
    text = str(text)
    out, previous = [], ""
    for ch in text:
        out.append(ch if _plain(ch, previous) else f"&#{ord(ch)};")
        previous = ch
    return "".join(out)
