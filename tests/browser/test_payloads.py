"""Text from links, files and exceptions shows as text, in real Chromium.

Every payload below is Markdown or HTML that would fetch an image, make a link
or run script if a pane rendered it.  A loopback HTTP listener stands in for
an outside host: it must receive no request, no script may run, and each
payload must appear on the page as the literal text it is.
"""
import http.server
import json
import threading
import time
from urllib.parse import quote

import pytest
from conftest import serve_script, wait_for_bokeh_model
from test_files import session_text, upload
from test_explorer import open_app


@pytest.fixture
def listener():
    """(port, requests): an HTTP server on 127.0.0.1 that records every request."""
    requests = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def payloads(port):
    """Short enough that a link's message quotes each one whole (40 characters)."""
    return {
        "image": f"![x](http://127.0.0.1:{port}/md.png)",
        "img tag": f"<img src=//127.0.0.1:{port}/tag.png>",
        "onerror": "<img src=x onerror=__xss__=1>",
        "script": "<script>__xss__=1</script>",
        "javascript link": "[a](javascript:__xss__=1)",
        "bare URL": f"http://127.0.0.1:{port}/bare",
    }


def assert_inert(page, port, requests, shown):
    """Nothing fetched, nothing run, no element made; every text in ``shown`` visible."""
    for text in shown:
        page.get_by_text(text).first.wait_for(timeout=15000)
    time.sleep(1.0)  # time for a fetch to arrive, if one was made
    assert requests == []
    assert page.evaluate("() => window.__xss__") is None
    # CSS locators pierce Panel's shadow roots.
    assert page.locator(f"img[src*='{port}'], img[onerror], script:has-text('__xss__')").count() == 0
    assert page.locator(f"a[href*='{port}'], a[href^='javascript']").count() == 0


def test_a_link_with_markup_in_every_value_shows_it_as_text(page, explorer_server, listener):
    port, requests = listener
    values = list(payloads(port).values())
    keys = ["alpha", "g", "output", "loss", "init", "mode"]
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in zip(keys, values))
    page.goto(f"{explorer_server}?preset=xor&{query}")
    wait_for_bokeh_model(page, "nodes")
    assert_inert(page, port, requests, [f"{k}='{v}' ignored" for k, v in zip(keys, values)])


@pytest.mark.parametrize("kind", ["image", "img tag", "onerror", "script", "javascript link"])
def test_a_file_name_with_markup_shows_as_text(page, explorer_server, listener, kind):
    port, requests = listener
    name = payloads(port)[kind] + ".txt"
    open_app(page, explorer_server, "xor")
    upload(page, name, b"0,1,1\n")
    assert_inert(page, port, requests, [f"{name}: only .json (session)"])


def test_a_session_name_with_markup_shows_as_text(page, explorer_server, listener):
    port, requests = listener
    name = " ".join(payloads(port).values())
    open_app(page, explorer_server, "xor")
    upload(page, "named.json", session_text(name=name).encode())
    assert_inert(page, port, requests, [f"Loaded session “{name}” from named.json"])


def test_a_csv_header_with_markup_shows_as_text(page, explorer_server, listener):
    port, requests = listener
    header = payloads(port)["image"]
    open_app(page, explorer_server, "xor")
    data = json.dumps(["x1", header, "y"])[1:-1].replace('", "', ",").strip('"')
    upload(page, "header.csv", f"{data}\n0,abc,1\n".encode())
    assert_inert(page, port, requests, [f'(B, "{header}") holds the text'])


def test_an_exception_in_the_training_status_shows_as_text(page, listener):
    port, requests = listener
    text = "Training stopped: " + " ".join(payloads(port).values())
    with serve_script("tests/browser/apps/status_app.py") as url:
        page.goto(f"{url}?preset=xor&status={quote(text, safe='')}")
        wait_for_bokeh_model(page, "nodes")
        page.locator(".bk-tab", has_text="Train").first.click()
        assert_inert(page, port, requests, [text])
