"""`backprop-explorer --classroom`, served for real: the printed link and QR code, which
pages' websockets are accepted, the projector page in Chromium, and a full class.

Every connection goes to 127.0.0.1; a LAN address only ever appears as an Origin
header, which is what a student's browser would send.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import threading
import time

from conftest import artifact_path, wait_for_bokeh_model
from playwright.sync_api import expect
from tornado.httpclient import HTTPClientError

from explorer import serving
from harness.browser import free_port, served, tail
from harness.student import Student, open_socket, page_token
from harness.qr import decode_terminal_qr, read_png

# Closed pages' sessions go within about 1.5 s, so the roster's count can be watched.
QUICK = ["--check-unused-sessions", "500", "--unused-session-lifetime", "1000"]


@contextlib.contextmanager
def classroom(*args):
    """``backprop-explorer --classroom`` on a free port; yields (base URL, its log path).
    Up once the projector page answers (a GET of /app would take a student's place)."""
    port = free_port()
    log = artifact_path(f"server-classroom-{port}.log")
    cmd = [sys.executable, "-m", "explorer.cli", "--classroom", "--port", str(port), *args]
    base = f"http://127.0.0.1:{port}"
    with served(cmd, f"{base}/classroom", log, timeout=90):
        try:
            yield base, log
        except BaseException:
            print(f"--- tail of {log} ---\n{tail(log)}", file=sys.stderr)
            raise


def printed_url(log, timeout=30.0) -> str:
    """The students' link the server printed (``deploy`` prints it once nginx is up, which
    may be just after its first page answers)."""
    deadline = time.monotonic() + timeout
    while not (found := re.search(r"Students: (\S+)", log.read_text(encoding="utf-8"))) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, f"no student link printed:\n{tail(log)}"
    return found.group(1)


def test_the_printed_link_is_this_machines_address_and_its_qr_code_reads_back_as_it():
    with classroom() as (base, log):
        url = printed_url(log)
        port = base.rsplit(":", 1)[1]
        hosts = serving.lan_addresses() or serving.host_names()
        assert url in [f"http://{h}:{port}/app" for h in hosts]
        text = log.read_text(encoding="utf-8")
        block = text.split(url, 1)[1].split("Projector:", 1)[0]
        qr_lines = "\n".join(l for l in block.splitlines() if l and set(l) <= set("█▀▄ "))
        assert decode_terminal_qr(qr_lines) == url


async def handshake(base: str, origin: str):
    """Open a session's websocket with this Origin; the first message on it (ACK) or the
    HTTP error of the refused handshake."""
    token = await page_token(base)
    try:
        socket = await open_socket(base, token, origin=origin)
    except HTTPClientError as error:
        return error.code
    try:
        student = Student(socket)
        return (await student.next_message(20)).msgtype
    finally:
        socket.close()


def test_pages_from_this_machines_names_connect_and_any_other_origin_is_refused():
    with classroom(*QUICK, "--allow-origin", "proxy.school.example") as (base, log):
        port = int(base.rsplit(":", 1)[1])
        lan = (serving.lan_addresses() or serving.host_names())[0]
        allowed = [f"http://127.0.0.1:{port}", f"http://localhost:{port}",
                   f"http://{lan}:{port}", "https://proxy.school.example"]
        refused = [f"http://evil.example:{port}", f"http://localhost:{port + 1}",
                   f"http://{lan}.evil.example:{port}", "null"]

        async def check():
            return ([await handshake(base, o) for o in allowed],
                    [await handshake(base, o) for o in refused])
        students = Students(base)  # a loop of its own: Playwright may hold this thread's
        try:
            ok, no = students.run(check())
        finally:
            students.close()
        assert ok == ["ACK"] * len(allowed)
        assert no == [403] * len(refused)


class Students:
    """Protocol-level students joining and leaving a server.  Their event loop runs in a
    thread of its own: Playwright's sync API holds one in this thread."""

    def __init__(self, base):
        self.base = base
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.present = []

    def run(self, coroutine, timeout=60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def join(self, query="", cookie=""):
        self.present.append(self.run(Student.join(self.base, query=query, cookie=cookie)))

    def leave(self):
        student = self.present.pop()

        async def close():
            student.close()
            await asyncio.sleep(0.1)  # let the close go out
        self.run(close())

    def close(self):
        while self.present:
            self.leave()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_the_projector_page_shows_the_qr_code_the_link_and_who_is_connected(page):
    with classroom(*QUICK, "--max-sessions", "3") as (base, log):
        url = printed_url(log)
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(f"{base}/classroom")
        expect(page.get_by_text(url)).to_be_visible(timeout=20000)
        expect(page.get_by_text("0 students connected (room for 3)")).to_be_visible(timeout=10000)
        path = artifact_path("classroom-projector-1024x768.png")
        assert read_png(page.screenshot(path=str(path))) == url
        students = Students(base)
        try:
            students.join()
            expect(page.get_by_text("1 student connected")).to_be_visible(timeout=10000)
            students.join()
            expect(page.get_by_text("2 students connected")).to_be_visible(timeout=10000)
            students.leave()
            students.leave()
            expect(page.get_by_text("0 students connected")).to_be_visible(timeout=15000)
        finally:
            students.close()


def test_past_max_sessions_a_page_says_the_class_is_full_and_a_place_frees_up(page):
    with classroom(*QUICK, "--max-sessions", "1") as (base, log):
        students = Students(base)
        try:
            students.join()
            page.goto(f"{base}/app")
            expect(page.get_by_text("This class is full")).to_be_visible(timeout=20000)
            expect(page.get_by_text("--max-sessions")).to_be_visible()
            students.leave()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the place is free once the session is gone
                page.goto(f"{base}/app")
                page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0",
                                       timeout=20000)
                if page.evaluate("() => Bokeh.documents[0].get_model_by_name('nodes') != null"):
                    break
                time.sleep(0.5)
            wait_for_bokeh_model(page, "nodes")
        finally:
            students.close()


def test_a_link_beyond_the_budget_is_refused_with_the_option_named(page):
    with classroom(*QUICK, "--max-params", "5000") as (base, log):
        page.goto(f"{base}/app?preset=digits&hidden=100,100")
        wait_for_bokeh_model(page, "nodes")
        expect(page.get_by_text("--max-params").first).to_be_visible(timeout=20000)
        assert page.evaluate(
            "() => Bokeh.documents[0].get_model_by_name('nodes').data.layer.length") == 64 + 25 + 10 + 2
