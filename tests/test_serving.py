"""Serving a class (explorer/serving.py, explorer/cli.py): which pages may connect, the
students' link and its QR code, the roster of sessions.  The served checks (a real
server, websockets, the projector page in Chromium) are in tests/browser/test_classroom.py."""
import os
import select
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from explorer import cli, serving
from explorer.budget import weights
from explorer.serving import Roster, allowed_origins, origin, qr_text, student_url
from harness.qr import decode_terminal_qr

ROOT = Path(__file__).resolve().parents[1]


def fake_interfaces(monkeypatch, interfaces):
    """psutil's view of the machine: {name: (is up, [(family, address)])}."""
    addrs = {name: [SimpleNamespace(family=f, address=a) for f, a in entries]
             for name, (_, entries) in interfaces.items()}
    stats = {name: SimpleNamespace(isup=up) for name, (up, _) in interfaces.items()}
    monkeypatch.setattr(serving.psutil, "net_if_addrs", lambda: addrs)
    monkeypatch.setattr(serving.psutil, "net_if_stats", lambda: stats)


def test_lan_addresses_are_the_ipv4_addresses_of_real_interfaces_that_are_up(monkeypatch):
    fake_interfaces(monkeypatch, {
        "lo": (True, [(socket.AF_INET, "127.0.0.1")]),
        "wlan0": (True, [(socket.AF_INET, "192.168.1.20"), (socket.AF_INET6, "fe80::1")]),
        "eth1": (True, [(socket.AF_INET, "169.254.3.4")]),  # link-local: no DHCP answered
        "eth2": (False, [(socket.AF_INET, "10.0.0.5")]),    # cable out
        "docker0": (True, [(socket.AF_INET, "172.17.0.1")]),
        "en0": (True, [(socket.AF_INET, "10.1.2.3")]),
    })
    assert serving.lan_addresses() == ["192.168.1.20", "10.1.2.3"]


def test_alone_only_this_machines_own_pages_may_connect():
    assert allowed_origins(5006, classroom=False) == ["localhost:5006", "127.0.0.1:5006"]


def test_a_class_adds_the_lan_addresses_and_names_on_that_port_and_nothing_else():
    got = allowed_origins(5006, classroom=True, addresses=["192.168.1.20"],
                          names=["teacher-pc", "teacher-pc.local"])
    assert got == ["localhost:5006", "127.0.0.1:5006", "192.168.1.20:5006", "teacher-pc:5006",
                   "teacher-pc.local:5006"]


@pytest.mark.parametrize("given, allowed", [
    ("school.example", "school.example:80"),  # Bokeh reads an Origin with no port as :80
    ("https://school.example/", "school.example:80"),
    ("proxy.lan:8443", "proxy.lan:8443"),
    ("http://10.0.0.2:9000", "10.0.0.2:9000")])
def test_allow_origin_adds_a_name_as_bokeh_matches_it(given, allowed):
    assert origin(given) == allowed
    assert allowed_origins(5006, False, [given])[-1] == allowed


@pytest.mark.parametrize("given, words", [
    ("", "HOST or HOST:PORT"), ("a b", "HOST or HOST:PORT"), ("host/path", "HOST or HOST:PORT"),
    ("host:web", "the port must be a number")])
def test_a_malformed_allow_origin_is_refused(given, words):
    with pytest.raises(ValueError, match=words):
        origin(given)


def test_the_students_link_prefers_a_private_address():
    # Addresses as strings only: nothing is sent to them.
    assert student_url(5006, ["81.2.69.160", "192.168.1.20"]) == "http://192.168.1.20:5006/app"
    assert student_url(5006, ["81.2.69.160"]) == "http://81.2.69.160:5006/app"


def test_the_terminal_qr_code_reads_back_as_the_link():
    url = "http://192.168.1.20:5006/app"
    assert decode_terminal_qr(qr_text(url)) == url


def test_the_roster_counts_places_and_refuses_past_its_limit():
    roster = Roster(limit=2)
    assert roster.join() and roster.join() and not roster.join()
    assert roster.count == 2
    roster.leave()
    assert roster.join() and roster.count == 2
    roster.leave(), roster.leave(), roster.leave()
    assert roster.count == 0


class OtherServer:
    """A roster in another process, as another server of a deploy has: it joins when
    told ("join N"), says its count, and closes ("close") or is killed."""

    CODE = """
import sys
from explorer.serving import Roster
roster = Roster(limit=int(sys.argv[2]), shared=sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    verb, _, n = line.strip().partition(" ")
    if verb == "join":
        print(sum(roster.join() for _ in range(int(n))), roster.count, flush=True)
    elif verb == "close":
        roster.close()
        print("closed", flush=True)
"""

    def __init__(self, shared, limit):
        self.proc = subprocess.Popen([sys.executable, "-c", self.CODE, str(shared), str(limit)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=ROOT)
        assert self.answer() == "ready"

    def say(self, line) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.answer()

    def answer(self, timeout=30.0) -> str:
        """Its next line; a failure, not a hang, if it never comes (a lock never let go)."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"no answer in {timeout} s"
        return self.proc.stdout.readline().strip()

    def join(self, n) -> tuple[int, int]:
        """(places taken of ``n`` asked, the class's count then)"""
        taken, count = self.say(f"join {n}").split()
        return int(taken), int(count)

    def stop(self):
        self.proc.kill()
        self.proc.wait(10)


def test_the_servers_of_a_deploy_count_their_sessions_together_and_share_the_limit(tmp_path):
    here = Roster(limit=5, shared=tmp_path)
    other = OtherServer(tmp_path, limit=5)
    try:
        assert other.join(2) == (2, 2)
        assert here.join() and here.count == 3 and here.here == 1
        assert other.join(5) == (2, 5)  # two places were left in the class
        assert not here.join() and here.count == 5
        here.leave()
        assert other.join(1) == (1, 5)
    finally:
        other.stop()


def test_a_server_that_stopped_or_was_killed_no_longer_counts(tmp_path):
    here = Roster(limit=10, shared=tmp_path)
    closed, killed = OtherServer(tmp_path, limit=10), OtherServer(tmp_path, limit=10)
    try:
        closed.join(2), killed.join(3)
        assert here.count == 5
        assert closed.say("close") == "closed"
        assert here.count == 3
        killed.stop()  # its file stays: its process is gone
        assert len(list(tmp_path.glob("*.sessions"))) == 2
        assert here.count == 0 and here.join()
    finally:
        closed.stop(), killed.stop()


def test_servers_joining_at_once_never_take_more_places_than_the_class_has(tmp_path):
    servers = [OtherServer(tmp_path, limit=60) for _ in range(4)]
    try:
        for s in servers:  # all asking at once: each takes as many of 30 as it can
            s.proc.stdin.write("join 30\n")
            s.proc.stdin.flush()
        taken = [int(s.answer().split()[0]) for s in servers]
        assert sum(taken) == 60
        assert Roster(shared=tmp_path).count == 60
    finally:
        for s in servers:
            s.stop()


def test_a_count_left_under_a_pid_now_another_process_s_is_not_counted(tmp_path):
    here = Roster(limit=10, shared=tmp_path)
    parent = psutil.Process(os.getppid())  # running, and not a server of the class
    (tmp_path / f"{parent.pid}.sessions").write_text(f"7 {parent.create_time() - 3600!r}")
    assert here.count == 0
    (tmp_path / f"{parent.pid}.sessions").write_text(f"7 {parent.create_time()!r}")
    assert here.count == 7  # the same process as wrote it: it counts


def test_a_roster_whose_directory_is_deleted_goes_on_and_writes_it_again(tmp_path, caplog):
    shared = tmp_path / "roster"
    here = Roster(limit=3, shared=shared)
    assert here.join()
    shutil.rmtree(shared)
    assert here.join() and here.count == 2 and here.here == 2
    here.leave()
    assert here.here == 1 and (shared / f"{os.getpid()}.sessions").read_text().split()[0] == "1"
    shutil.rmtree(shared)
    shared.write_text("not a directory")  # nothing can be written there now
    assert here.join() and here.here == 2 and here.count == 2
    assert "could not write this server's session count" in caplog.text
    shared.unlink()
    here.leave()
    assert (shared / f"{os.getpid()}.sessions").read_text().split()[0] == "1"


def test_a_roster_of_its_own_writes_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    roster = Roster(limit=1)
    assert roster.join() and not roster.join() and roster.here == roster.count == 1
    roster.close()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, words", [
    (["--allow-origin", "a b"], "--allow-origin takes HOST or HOST:PORT"),
    (["--max-params", "0"], "--max-params must be at least 1"),
    (["--max-session-mb", "0"], "--max-session-mb must be greater than 0"),
    (["--max-sessions", "0"], "--max-sessions must be at least 1"),
    (["--training-workers", "-1"], "--training-workers must be 0 (one per core) or more"),
    (["--unused-session-lifetime", "0"], "--unused-session-lifetime must be at least 1 ms"),
    (["--check-unused-sessions", "-5"], "--check-unused-sessions must be at least 1 ms"),
    # a budget no session could start under: not even xnor's 9 weights
    (["--max-params", "5"], "has 9 weights; this server allows 5"),
    (["--preset", "digits", "--max-params", "1000"],
     f"has {weights([64, 25, 10]):,} weights; this server allows 1,000")])
def test_the_command_line_refuses_bad_options_before_serving(args, words, capsys):
    assert cli.main(args) == 2
    assert words in capsys.readouterr().err


NODELAY_CHECK = """
import asyncio, os, socket, sys, time
import panel as pn, psutil
from explorer import serving
from harness.browser import free_port
from harness.student import Student
if sys.argv[1] == "on":
    serving.send_without_delay()
port = free_port()
server = pn.serve({"app": lambda: pn.pane.Markdown("hello")}, port=port, address="127.0.0.1",
                  websocket_origin=[f"127.0.0.1:{port}"], show=False, threaded=True)
deadline = time.monotonic() + 60
while True:  # the server's thread is listening
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        break
    except OSError:
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.1)

async def main():
    student = await Student.join(f"http://127.0.0.1:{port}", timeout=60)
    try:
        ends = [c for c in psutil.Process().net_connections(kind="tcp")
                if c.status == "ESTABLISHED" and c.laddr.port == port]  # the server's ends
        on = []
        for c in ends:
            s = socket.socket(fileno=os.dup(c.fd))
            on.append(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0)
            s.close()
        print(sorted(set(on)))
    finally:
        student.close()
code = 1
try:
    asyncio.run(main())
    code = 0
finally:
    sys.stdout.flush(), sys.stderr.flush()
    os._exit(code)  # the server's thread would keep the process
"""


@pytest.mark.parametrize("mode, expected", [("on", "[True]"), ("off", "[False]")])
def test_the_servers_websockets_send_without_nagles_delay(mode, expected):
    """A real server in a fresh process, a real session's websocket; its server end has
    TCP_NODELAY set (and, without send_without_delay, does not: the check can tell)."""
    out = subprocess.run([sys.executable, "-c", NODELAY_CHECK, mode], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == expected
