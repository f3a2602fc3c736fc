"""Serving the explorer to a class: addresses, origins, the QR code, who is connected.

``backprop-explorer --classroom`` listens on every interface, so students on
the same network open ``http://<this machine's address>:PORT/app``.  The page's
websocket is accepted only when the page came from one of this machine's own
names on that port (its LAN addresses, its host name, localhost, 127.0.0.1)
or from a name given with ``--allow-origin`` (a proxy in front of it): a page
on another site cannot drive a student's session.  Bokeh checks the Origin
header; this module only works out the list.

``Roster`` counts the student sessions open on this server, for the projector
page (classroom.py) and for ``--max-sessions``.  One exists per server,
made by the command line (cli.py) and handed to the pages it serves; the
servers of one deploy count together, through a directory they share.
"""
from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: a shared roster's limit may be overrun by one
    fcntl = None

import psutil
import segno

# Interfaces that are not the class's network: containers', VMs' and VPN tunnels' (Linux,
# macOS's utun/bridge/awdl, Windows' "vEthernet (WSL)").
_VIRTUAL = ("docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "lxc", "tun", "tap", "wg",
            "utun", "bridge", "awdl", "llw", "vethernet", "zt")


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses that others on its networks can reach: interfaces that
    are up, not loopback, not link-local, not a container's or VM's bridge."""
    stats = psutil.net_if_stats()
    found = []
    for name, addresses in psutil.net_if_addrs().items():
        if not stats.get(name) or not stats[name].isup or name.lower().startswith(_VIRTUAL):
            continue
        for address in addresses:
            if address.family != socket.AF_INET:
                continue
            ip = ipaddress.ip_address(address.address)
            if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified):
                found.append(address.address)
    return found


def host_names() -> list[str]:
    """Names this machine answers to, besides its addresses: its host name (and its fully
    qualified one, and the ``.local`` one that mDNS gives most laptops)."""
    names = []
    for name in (socket.gethostname(), socket.getfqdn()):
        name = name.strip().lower()
        if name and name not in ("localhost", "localhost.localdomain") and name not in names:
            names.append(name)
    if names and "." not in names[0]:
        names.append(f"{names[0]}.local")
    return names


def origin(text: str) -> str:
    """``--allow-origin`` as Bokeh matches it: HOST:PORT as given; a bare HOST is port 80,
    which is what Bokeh takes for an Origin with no port (http:// or https://)."""
    text = text.strip()
    for prefix in ("http://", "https://"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    text = text.rstrip("/")
    if not text or "/" in text or " " in text:
        raise ValueError(f"--allow-origin takes HOST or HOST:PORT, e.g. school.example "
                         f"(https, or http on port 80) or proxy.lan:8080; "
                         f"got {text!r}.")
    host, _, port = text.partition(":")
    if port and not port.isdigit():
        raise ValueError(f"--allow-origin {text!r}: the port must be a number.")
    return text if port else f"{host}:80"


def allowed_origins(port: int, classroom: bool, extra=(), addresses=None, names=None) -> list[str]:
    """The Origins whose pages may open a websocket: localhost and 127.0.0.1 on ``port``;
    with ``classroom``, also this machine's LAN addresses and names on it; then ``extra``
    (``--allow-origin``)."""
    hosts = ["localhost", "127.0.0.1"]
    if classroom:
        hosts += (lan_addresses() if addresses is None else list(addresses))
        hosts += (host_names() if names is None else list(names))
    out = []
    for entry in [f"{host}:{port}" for host in hosts] + [origin(e) for e in extra]:
        if entry not in out:
            out.append(entry)
    return out


def student_url(port: int, addresses=None) -> str:
    """The link students open: the first LAN address (private ones first), else the host
    name."""
    addresses = lan_addresses() if addresses is None else list(addresses)
    addresses.sort(key=lambda a: not ipaddress.ip_address(a).is_private)
    host = addresses[0] if addresses else (host_names() or ["localhost"])[0]
    return f"http://{host}:{port}/app"


def qr(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: readable off a projector at an angle)."""
    return segno.make(url, error="m", micro=False)


def qr_text(url: str) -> str:
    """The QR code for a terminal, two rows of modules a line."""
    out = io.StringIO()
    qr(url).terminal(out=out, compact=True)
    return out.getvalue()


@dataclass
class Roster:
    """The student sessions open on this server, and how many may be (``limit``; None: no
    limit).  A session counts from its page's request until Bokeh lets it go, up to
    ``--unused-session-lifetime`` after the page closed.

    ``shared``: a directory the servers of one deploy share (deploy.py).  Each server
    writes its own count there (``<pid>.sessions``: the count and when the process
    started, so that a later process given the same pid is not taken for it), so
    ``count`` and ``limit`` are then the whole class's, whichever server a page lands
    on: the projector page counts every student, and ``--max-sessions`` is for the
    class, not for each server.  A server that has stopped (or was killed) no longer
    counts.  A lock file keeps two servers from taking the last place at once (on
    systems with ``fcntl``; elsewhere it may be overrun by one).  Should the directory
    fail (deleted, full), this server goes on counting its own, and logs why.
    """
    limit: int | None = None
    shared: Path | None = None

    def __post_init__(self):
        self._here = 0
        self._lock = threading.Lock()
        if self.shared is not None:
            self.shared = Path(self.shared)
            me = psutil.Process()
            self._mine = self.shared / f"{me.pid}{_SESSIONS}"
            self._started = me.create_time()
            self._write()

    @property
    def here(self) -> int:
        """The sessions open on this server."""
        return self._here

    @property
    def count(self) -> int:
        """The sessions open on this server, or on every running server of its deploy."""
        if self.shared is None:
            return self._here
        return self._here + sum(_count_of(path) for path in self.shared.glob(f"*{_SESSIONS}")
                                if path != self._mine)

    def join(self) -> bool:
        """Take a place; False when the class is full."""
        with self._lock, self._class_lock():
            if self.limit is not None and self.count >= self.limit:
                return False
            self._here += 1
            self._write()
            return True

    def leave(self):
        with self._lock, self._class_lock():
            self._here = max(0, self._here - 1)
            self._write()

    def close(self):
        """This server stops: its sessions no longer count."""
        if self.shared is not None:
            self._mine.unlink(missing_ok=True)

    def _write(self):
        if self.shared is None:
            return
        try:  # whole or not at all: another server may be reading
            self.shared.mkdir(parents=True, exist_ok=True)
            part = self._mine.with_suffix(".part")
            part.write_text(f"{self._here} {self._started!r}")
            os.replace(part, self._mine)
        except OSError as error:
            _log.warning("could not write this server's session count to %s (%s): the other "
                         "servers do not see it", self._mine, error)

    @contextlib.contextmanager
    def _class_lock(self):
        if self.shared is None or fcntl is None:
            yield
            return
        try:
            self.shared.mkdir(parents=True, exist_ok=True)
            lock = open(self.shared / "lock", "a")
        except OSError as error:
            _log.warning("could not open the class's lock in %s (%s): counting unlocked",
                         self.shared, error)
            yield
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


_SESSIONS = ".sessions"  # <pid>.sessions: a server's count in a shared roster
_log = logging.getLogger(__name__)


def _count_of(path: Path) -> int:
    """The count in another server's file, if that server is still running: the process
    with its pid exists, is not a zombie (killed, not yet reaped: it serves no one) and
    started when the file says (not a later process given the same pid)."""
    try:
        count, started = path.read_text().split()
        process = psutil.Process(int(path.stem))
        alive = process.status() != psutil.STATUS_ZOMBIE and \
            abs(process.create_time() - float(started)) < 0.01
        return max(0, int(count)) if alive else 0
    except (OSError, ValueError, psutil.Error):  # gone, not a count, not a pid
        return 0


def send_without_delay() -> None:
    """The server's websockets send each message at once (TCP_NODELAY); call once, before
    serving, in the server's own process.

    A Bokeh message is three frames or more (header, metadata, content, buffers).  With
    Nagle's algorithm on, the frames after the first wait until the page acknowledges
    it, and the page's TCP stack delays its acknowledgements: 40 ms on Linux, up to
    200 ms on Windows.  A click's answer then came 40 ms late one time in ten
    (classroom_load: 30 students stepping, p95 54 -> 29 ms on loopback).  Tornado leaves
    nodelay off unless a handler turns it on in ``open``; Bokeh's does not, so the
    server's URL patterns get a handler that does, in place of Panel's (which is how
    Panel puts its own handler there).
    """
    from bokeh.server.urls import per_app_patterns
    from panel.io.server import WSHandler

    class NoDelayWSHandler(WSHandler):
        def open(self, *args, **kwargs):
            self.set_nodelay(True)
            return super().open(*args, **kwargs)

    per_app_patterns[:] = [(pattern, NoDelayWSHandler if handler is WSHandler else handler)
                           for pattern, handler in per_app_patterns]
