"""literal(): user text shown as exactly that text by every kind of pane the app uses.

Each payload goes through the real renderers: Panel's own Markdown pipeline
(markdown-it with linkify, as pn.pane.Alert uses it), then the browser's
HTML parsing, stood in for by Python's html.parser.  What comes out must be
the payload as text, with no element that could fetch, link or run anything.
"""
import html
from html.parser import HTMLParser

import panel as pn
import pytest

from explorer.literal import literal

PAYLOADS = [
    "![x](http://127.0.0.1:9/p.png)",
    "[click me](javascript:alert(1))",
    "<img src=x onerror=\"window.__xss__=1\">",
    "<script>window.__xss__=1</script>",
    "http://127.0.0.1:9/linkified and www.example.com",
    "<http://127.0.0.1:9/autolink>",
    "**bold** _em_ `code` ~~strike~~ # heading",
    "    four spaces make code\n\n- a list\n1. numbered\n> quote",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "$$\\href{javascript:alert(1)}{x}$$ and $x$",
    "&lt;b&gt; is not <b>bold</b> &amp; &#60;",
    "data.csv\u202egpj.exe with a right-to-left override",
    "Θ^(2) “quoted” α = 0.5, émigré",
    "",
]


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(markup):
    p = _Collect()
    p.feed(markup)
    p.close()
    return p.tags, "".join(p.text)


def markdown_html(text):
    """The HTML a Markdown pane (pn.pane.Alert) hands the browser for ``text``."""
    sent = pn.pane.Alert(text)._transform_object(text)["object"]
    return html.unescape(sent)  # Panel escapes once for transport; the page decodes once


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_panes_and_tooltips_show_the_text_itself(payload):
    tags, text = parse(literal(payload))
    assert tags == []
    assert text == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_panes_show_the_text_itself(payload):
    tags, text = parse(markdown_html(literal(payload)))
    assert [t for t, _ in tags] in ([], ["p"])  # one paragraph, nothing else
    assert text.strip("\n") == payload


@pytest.mark.parametrize("payload", [p for p in PAYLOADS[:6] if "javascript" not in p])
def test_the_payloads_are_live_without_literal(payload):
    """The control: unescaped, Markdown turns each payload into an element
    (markdown-it itself refuses javascript: links, so that one is left out)."""
    tags, _ = parse(markdown_html(payload))
    assert {t for t, _ in tags} & {"img", "a", "script"}


def test_html_escape_alone_is_not_enough_for_markdown():
    tags, _ = parse(markdown_html(html.escape(PAYLOADS[0])))
    assert ("img", [("src", "http://127.0.0.1:9/p.png"), ("alt", "x")]) in tags


def test_plain_words_stay_readable_in_the_source():
    assert literal("Loaded session from a file") == "Loaded session from a file"
    assert literal("α = 0.5") == "α &#61; 0&#46;5"
    assert literal(3) == "3"
