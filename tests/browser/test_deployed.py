"""`backprop-explorer deploy --procs 2`, served for real: nginx in front of two servers,
two browsers (two cookie jars) kept each on its own server, one of them going on while
the other's server is killed, and everything stopped on Ctrl+C.

Every connection goes to 127.0.0.1.  Without nginx these tests skip (under CI they fail:
scripts/test installs it).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import time

import psutil
import pytest
from conftest import artifact_path, wait_for_bokeh_model
from playwright.sync_api import expect
from test_classroom import QUICK, Students, printed_url
from test_deploy import nginx_or_skip
from test_explorer import click
from test_player import saved_session

from harness.browser import free_port, served, tail

START_TIMEOUT = 120  # two servers importing Panel at once, then nginx


@contextlib.contextmanager
def deployed(tmp_path, *args, ready="/app"):
    """``backprop-explorer deploy --procs 2`` on a free port, up once the page at ``ready``
    answers through nginx; yields (base URL, state dir, the deploy process).  The logs are
    shown on failure."""
    nginx_or_skip()
    port = free_port()
    state = tmp_path / "state"
    log = artifact_path(f"server-deploy-{port}.log")
    cmd = [sys.executable, "-m", "explorer.cli", "deploy", "--procs", "2", "--port", str(port),
           "--state-dir", str(state), *args]
    base = f"http://127.0.0.1:{port}"
    with served(cmd, f"{base}{ready}", log, timeout=START_TIMEOUT) as proc:
        try:
            yield base, state, proc
        except BaseException:
            for path in [log, *sorted(state.glob("b*.log")), state / "error.log"]:
                print(f"--- tail of {path} ---\n{tail(path)}", file=sys.stderr)
            raise


def pids(state) -> dict[str, int]:
    """The servers' pids by name (servers.json) and nginx's master (nginx.pid)."""
    found = {name: s["pid"] for name, s in json.loads((state / "servers.json").read_text()).items()}
    found["nginx"] = int((state / "nginx.pid").read_text())
    return found


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pids, timeout=20.0) -> list[int]:
    """The pids still running after ``timeout`` s (none, once they have all gone)."""
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def server_of(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "bpe_backend"), None)


@pytest.fixture
def new_context(browser, browser_context_args):
    """Makes fresh browsers (contexts: cookie jars of their own), all closed after."""
    opened = []

    def make():
        opened.append(browser.new_context(**browser_context_args))
        return opened[-1]
    yield make
    for context in opened:
        context.close()


def one_page_per_server(new_context, base, wanted=2, tries=6) -> dict:
    """Fresh browsers opening the app until one is on each server; {server name: page}.
    Round robin should need two."""
    pages = {}
    for _ in range(tries):
        page = new_context().new_page()
        page.goto(f"{base}/app")
        wait_for_bokeh_model(page, "nodes", timeout=60000)
        name = server_of(page.context)
        assert name in ("b1", "b2"), f"the page came without a server cookie ({name!r})"
        pages.setdefault(name, page)
        if len(pages) == wanted:
            return pages
    raise AssertionError(f"{tries} browsers all landed on {sorted(pages)}")


def step(page, times, then):
    """Click Next step ``times`` times; the status line then says ``step {then}/``."""
    for _ in range(times):
        click(page, "Next step")
    expect(page.get_by_text(re.compile(rf"step {then}/\d+")).first).to_be_visible(timeout=15000)


def websockets(servers) -> dict[str, int]:
    """Connections open to each server: the pages' websockets (nginx closes a plain
    request's connection once answered)."""
    return {name: sum(1 for c in psutil.Process(s["pid"]).net_connections(kind="tcp")
                      if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == s["port"])
            for name, s in servers.items()}


def wait_for(check, expected, timeout=15.0):
    deadline = time.monotonic() + timeout
    while (found := check()) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def test_two_browsers_on_two_servers_and_one_goes_on_while_the_others_server_is_killed(
        new_context, tmp_path):
    with deployed(tmp_path) as (base, state, proc):
        pages = one_page_per_server(new_context, base)
        for page in pages.values():
            step(page, 3, then=3)
        servers = json.loads((state / "servers.json").read_text())
        # each page's websocket went to the server that made its page
        assert wait_for(lambda: websockets(servers), {"b1": 1, "b2": 1}) == {"b1": 1, "b2": 1}

        os.kill(servers["b2"]["pid"], signal.SIGKILL)
        assert wait_gone([servers["b2"]["pid"]]) == []
        survivor = pages["b1"]
        step(survivor, 2, then=5)
        # the server's session followed the page: it is alive on b1
        assert saved_session(survivor)["position"] == {"iteration": 1, "step": 5}
        assert proc.poll() is None, "deploy stopped when one server of two was lost"

        # the page whose server was killed, reloaded, starts a session on the other one
        lost = pages["b2"]
        lost.reload()
        wait_for_bokeh_model(lost, "nodes", timeout=60000)
        assert server_of(lost.context) == "b1"
        step(lost, 1, then=1)
        assert "server b2" in artifact_path(f"server-deploy-{base.rsplit(':', 1)[1]}.log"
                                            ).read_text()

        # losing the last server ends the deploy, with an error, and nginx with it
        nginx = pids(state)["nginx"]
        os.kill(servers["b1"]["pid"], signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == 1
        assert wait_gone([nginx, servers["b1"]["pid"]]) == []


def test_ctrl_c_stops_nginx_and_every_server(tmp_path):
    with deployed(tmp_path) as (base, state, proc):
        children = pids(state)
        assert sorted(children) == ["b1", "b2", "nginx"]
        assert all(running(pid) for pid in children.values())
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        assert proc.returncode == 0
        assert wait_gone(children.values()) == []


def test_the_projector_page_counts_the_students_of_every_server_and_the_class_fills_up(
        page, new_context, tmp_path):
    with deployed(tmp_path, "--classroom", "--max-sessions", "2", *QUICK,
                  ready="/classroom") as (base, state, proc):
        url = printed_url(artifact_path(f"server-deploy-{base.rsplit(':', 1)[1]}.log"))
        page.goto(f"{base}/classroom")
        expect(page.get_by_text(url)).to_be_visible(timeout=20000)
        expect(page.get_by_text("0 students connected (room for 2)")).to_be_visible(
            timeout=15000)
        students = Students(base)
        try:
            students.join(cookie="bpe_backend=b1")
            students.join(cookie="bpe_backend=b2")
            # whichever server made the projector's page, it counts both servers' students
            expect(page.get_by_text("2 students connected (room for 2)")).to_be_visible(
                timeout=10000)
            counts = [p.read_text().split()[0] for p in (state / "roster").glob("*.sessions")]
            assert sorted(counts) == ["1", "1"]  # "<count> <when the server started>"
            # the class is full on every server
            for name in ("b1", "b2"):
                browser = new_context()
                browser.add_cookies([{"name": "bpe_backend", "value": name, "url": base}])
                full = browser.new_page()
                full.goto(f"{base}/app")
                expect(full.get_by_text("This class is full")).to_be_visible(timeout=20000)
            students.leave()
            expect(page.get_by_text("1 student connected")).to_be_visible(timeout=15000)
        finally:
            students.close()
