"""`backprop-explorer deploy --procs N --port P`: N servers behind nginx, for a school.

One server is one Python process: its sessions share one core for their pages (training
runs in worker processes).  Several classes need several processes.  Bokeh's
``--num-procs`` is no answer: its processes share one listening socket, so a page's
websocket may reach a process other than the one that made the page's session.

So ``deploy`` starts N servers (``python -m explorer.cli --port <free port>``, each the
plain single-process server, on 127.0.0.1) and nginx in front of them on port P, and
keeps a browser on one server with a cookie: the first answer sets ``bpe_backend`` to
the name of the server that gave it, and later requests with that cookie go to that
server.  Not ``ip_hash``: it hashes only the first three octets of an IPv4 address, so a
whole classroom LAN (or every client on this machine) would land on one server.  When
the named server has gone, nginx passes the request to another (its upstream group has
the others as ``backup``) and the cookie is set to that one: a reload starts a new
session there.

nginx runs unprivileged: its config, pid file, logs and temporary files are in a state
directory (``--state-dir``, else a new one under the temp dir), and it stays in the
foreground under this process, which stops it and the servers on Ctrl+C or SIGTERM.
The servers count their sessions together in the state directory (serving.Roster), so
``--max-sessions`` is the class's and, with ``--classroom``, the projector page at
/classroom (served by any of them) counts every student.
A server that dies is reported and the others go on serving (the exit status is then 1);
when nginx or every server has gone, everything stops.
``nginx_config`` is the config text, a pure function; the rest starts and watches the
processes.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from . import cli

COOKIE = "bpe_backend"
DEFAULT_PROCS = 2
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")  # /usr/sbin is not on a user's PATH
INSTALL_NGINX = "sudo apt-get install -y nginx"
START_TIMEOUT = 120.0  # a server imports Panel and warms the app: seconds, more when busy
STOP_TIMEOUT = 10.0
POLL_SECONDS = 0.5
ROSTER = "roster"  # the state dir's folder where the servers count their sessions together


@dataclass(frozen=True)
class Backend:
    """One server behind nginx: the name its cookie carries, and its port on 127.0.0.1."""
    name: str
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


# ---- the nginx config -----------------------------------------------------------------

def _upstream(name: str, servers, backups=()) -> str:
    # A server that refuses a connection is skipped for fail_timeout (10 s by default),
    # then tried again: a dead one costs one refused connect every 10 s.
    lines = [f"        server {b.address};" for b in servers]
    lines += [f"        server {b.address} backup;" for b in backups]
    return f"    upstream {name} {{\n" + "\n".join(lines) + "\n    }\n"


def _cookie_maps(backends) -> str:
    chosen = "\n".join(f"        {b.name} bpe_{b.name};" for b in backends)
    # $upstream_addr lists every server tried ("A, B" when A refused); the last answered.
    answered = "\n".join(
        f'        "~(^|\\s){re.escape(b.address)}$" "{COOKIE}={b.name}; Path=/; HttpOnly; '
        f'SameSite=Lax";' for b in backends)
    return f"""\
    # The server a browser's cookie names; no cookie, or one from an earlier run: any.
    map $cookie_{COOKIE} $bpe_upstream {{
        default bpe_any;
{chosen}
    }}
    # The cookie naming the server that answered (none when none did: a 502).
    map $upstream_addr $bpe_set_cookie {{
        default "";
{answered}
    }}
"""


def nginx_config(backends, port: int, state_dir, classroom: bool = False) -> str:
    """nginx's config: listen on ``port`` (127.0.0.1, or every interface for a class),
    pass each browser to the ``backends`` server its cookie names, keep every file nginx
    writes in ``state_dir``."""
    state = Path(state_dir)
    upstreams = _upstream("bpe_any", backends) + "".join(
        _upstream(f"bpe_{b.name}", [b], [o for o in backends if o != b]) for b in backends)
    listen = str(port) if classroom else f"127.0.0.1:{port}"
    return f"""\
# Written by `backprop-explorer deploy` (explorer/deploy.py); it is rewritten at each start.
daemon off;
pid {state / "nginx.pid"};
error_log {state / "error.log"} warn;
# One worker carries a thousand connections (a page takes two: browser and server);
# the servers behind it do the work.
worker_processes 1;
events {{
    worker_connections 1024;
}}

http {{
    # nginx's usual line, and the server that answered
    log_format bpe '$remote_addr - $remote_user [$time_local] "$request" $status '
                   '$body_bytes_sent "$http_referer" "$http_user_agent" $upstream_addr';
    access_log {state / "access.log"} bpe;
    client_body_temp_path {state / "client_body_temp"};
    proxy_temp_path {state / "proxy_temp"};
    fastcgi_temp_path {state / "fastcgi_temp"};
    uwsgi_temp_path {state / "uwsgi_temp"};
    scgi_temp_path {state / "scgi_temp"};

    # A page's websocket: pass the upgrade on, and close plain requests' connections.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}

{_cookie_maps(backends)}
    # No cookie: round robin over every server.  A cookie: that server, or when it has
    # gone, the others (backup).  Never ip_hash: it hashes an IPv4 address's first three
    # octets, so one classroom's LAN (or all of localhost) would land on one server.
{upstreams}
    server {{
        listen {listen};
        server_name _;

        location / {{
            proxy_pass http://$bpe_upstream;
            # a server that refuses the connection (it has gone): on to the next one
            proxy_next_upstream error timeout;
            proxy_connect_timeout 5s;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            # the name and port the browser used, as Bokeh's deployment guide does
            proxy_set_header Host $host:$server_port;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host:$server_port;
            # a session's messages go out as they come, and an idle page stays connected
            proxy_buffering off;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            add_header Set-Cookie $bpe_set_cookie always;
        }}
    }}
}}
"""


# ---- what to run --------------------------------------------------------------------

def parser():
    """The server's options (cli.py), passed to every server, and deploy's own."""
    p = cli.parser()
    p.prog = "backprop-explorer deploy"
    p.description = ("Serve Backprop Explorer from several server processes behind nginx, "
                     "each browser kept on one of them by a cookie.")
    p.epilog = None
    group = p.add_argument_group("several servers")
    group.add_argument("--procs", type=int, default=DEFAULT_PROCS, metavar="N",
                       help=f"server processes behind nginx (default {DEFAULT_PROCS}); "
                            "--max-sessions is for all of them together")
    group.add_argument("--state-dir", metavar="DIR",
                       help="where nginx's config, pid file, logs and the servers' logs go "
                            "(default: a new directory under the temp directory)")
    group.add_argument("--nginx", metavar="PATH",
                       help="the nginx program (default: nginx on PATH, or /usr/sbin/nginx)")
    return p


def find_nginx(explicit: str | None = None) -> str | None:
    """The nginx program: ``explicit`` if given (and it is one), else nginx on PATH or
    Debian's /usr/sbin/nginx."""
    for candidate in ([explicit] if explicit else NGINX_CANDIDATES):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def free_ports(count: int, avoid=()) -> list[int]:
    """``count`` different ports of 127.0.0.1 that nothing listens on (held open together,
    so the system cannot hand out one twice)."""
    with contextlib.ExitStack() as held:
        ports = []
        while len(ports) < count:
            s = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            s.bind(("127.0.0.1", 0))
            if s.getsockname()[1] not in avoid:
                ports.append(s.getsockname()[1])
        return ports


def check_port(port: int, classroom: bool) -> None:
    """A ValueError saying what to do if nginx could not listen on ``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx does
        try:
            s.bind(("0.0.0.0" if classroom else "127.0.0.1", port))
        except PermissionError:
            raise ValueError(f"port {port} needs root (or CAP_NET_BIND_SERVICE) to listen "
                             f"on; choose a port above 1023, e.g. --port 8080.") from None
        except OSError:
            raise ValueError(f"port {port} is in use (the system's own nginx? "
                             f"`sudo systemctl disable --now nginx` stops it); choose "
                             f"another with --port.") from None


def backend_command(args, port: int, origins, roster_dir: Path | None = None,
                    projector_url: str | None = None) -> list[str]:
    """One server: the plain command line on ``port`` with the deploy's options, taking
    pages from the public ``origins`` (the page came from nginx's address, not its own).
    The servers count their sessions together in ``roster_dir`` (so ``--max-sessions``
    is the class's), and with ``--classroom`` each serves the projector page, showing
    nginx's link (``projector_url``) and every server's students."""
    cmd = [sys.executable, "-m", "explorer.cli", "--port", str(port),
           "--preset", args.preset, "--max-sessions", str(args.max_sessions),
           "--max-params", str(args.max_params), "--max-session-mb", str(args.max_session_mb),
           "--check-unused-sessions", str(args.check_unused_sessions),
           "--unused-session-lifetime", str(args.unused_session_lifetime),
           "--training-workers", str(workers_each(args))]
    if args.admin:
        cmd.append("--admin")
    if roster_dir is not None:
        cmd += ["--roster-dir", str(roster_dir)]
    if projector_url is not None:
        cmd += ["--projector-url", projector_url]
    for entry in origins:
        cmd += ["--allow-origin", entry]
    return cmd


def projector_url(args) -> str | None:
    """The link the servers' /classroom shows: ``--projector-url`` (a proxy's, say), else
    with ``--classroom`` nginx's on this machine's LAN address; None: no projector page."""
    from .serving import student_url
    return args.projector_url or (student_url(args.port) if args.classroom else None)


def workers_each(args) -> int:
    """Training workers for each server: the servers share the machine's cores, and so
    must their pools (two servers with a worker per core each ran four workers on two
    cores, and their stepping waited)."""
    if args.training_workers:
        return args.training_workers
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // args.procs)


def nginx_command(nginx: str, config: Path, state: Path) -> list[str]:
    # -e: where nginx reports until it has read the config: this terminal, not
    # /var/log/nginx (which only root may write)
    return [nginx, "-c", str(config), "-p", str(state), "-e", "stderr"]


def make_state_dir(path: str | None) -> Path:
    """The state directory, cleared of an earlier run's servers and counts; a ValueError
    if a deploy still running uses it (its nginx config and counts would be overwritten)."""
    state = Path(path) if path else Path(tempfile.mkdtemp(prefix="backprop-explorer-deploy-"))
    state.mkdir(parents=True, exist_ok=True)
    running = running_servers(state)
    if running:
        raise ValueError(f"{state} is the state directory of a deploy still running (server "
                         f"pids {', '.join(map(str, running))}); stop it, or choose another "
                         f"--state-dir.")
    (state / "servers.json").unlink(missing_ok=True)  # an earlier run's, pids long gone
    shutil.rmtree(state / ROSTER, ignore_errors=True)  # its servers' counts, the same
    if os.geteuid() == 0:
        # nginx started as root runs its workers as nobody; they must reach their temp dirs.
        state.chmod(state.stat().st_mode | 0o711)
    return state.resolve()


def running_servers(state: Path) -> list[int]:
    """The pids in the state dir's servers.json that are still servers of ours."""
    try:
        servers = json.loads((state / "servers.json").read_text())
    except (OSError, ValueError):
        return []
    found = []
    for server in servers.values():
        try:
            process = psutil.Process(int(server["pid"]))
            if process.status() != psutil.STATUS_ZOMBIE and "explorer.cli" in process.cmdline():
                found.append(process.pid)
        except (KeyError, TypeError, ValueError, psutil.Error):
            pass
    return found


def settings(args):
    """(allowed origins, budget) of the deploy, checked as a server checks its own
    options (cli.settings); a ValueError naming the option if wrong."""
    if args.procs < 1:
        raise ValueError(f"--procs must be at least 1, got {args.procs}.")
    if args.roster_dir:
        raise ValueError("--roster-dir is deploy's to set: its servers count their sessions "
                         "together in the state directory (--state-dir).")
    return cli.settings(args)


# ---- running it -----------------------------------------------------------------------

class Stopped(Exception):
    """SIGTERM (systemd stopping it) or SIGHUP (its terminal closed), as Ctrl+C is
    KeyboardInterrupt: stop everything."""


def _raise_stopped(signum, frame):
    raise Stopped


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start(cmd, log: Path | None = None) -> subprocess.Popen:
    """A child in a session of its own: Ctrl+C reaches this process only, which then stops
    nginx before the servers.  Output to ``log``, else to this terminal."""
    out = open(log, "ab") if log else None
    try:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT if out else None,
                                start_new_session=True)
    finally:
        if out:
            out.close()


def answers_http(port: int) -> bool:
    """Any HTTP answer on 127.0.0.1:``port`` (a 404 too): the server's loop is serving."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/deploy-probe")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def listening(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:``port`` (nginx, without a request that
    would take a turn of its round robin)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_up(children: dict, ready, logs: dict, timeout: float = START_TIMEOUT) -> None:
    """Until ``ready(name)`` for every child; a RuntimeError if one exits or time runs out."""
    waiting = set(children)
    deadline = time.monotonic() + timeout
    while True:
        for name in sorted(waiting):
            if children[name].poll() is not None:
                raise RuntimeError(f"{name} exited with code {children[name].returncode} "
                                   f"while starting.\n--- {logs[name]} ---\n{tail(logs[name])}")
            if ready(name):
                waiting.discard(name)
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{', '.join(sorted(waiting))} did not answer within "
                               f"{timeout:.0f} s; see "
                               f"{', '.join(str(logs[name]) for name in sorted(waiting))}.")
        time.sleep(0.2)


def stop_all(children: dict) -> None:
    """nginx first (no request reaches a stopping server), then the servers; each given
    STOP_TIMEOUT to go before it is killed."""
    order = sorted(children, key=lambda name: name != "nginx")
    for name in order:
        if children[name].poll() is None:
            children[name].terminate()
        if name == "nginx":
            _reap(children[name])
    for name in order:
        _reap(children[name])


def _reap(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def supervise(children: dict, logs: dict) -> int:
    """Until Ctrl+C or SIGTERM (0), nginx exits (1) or every server has (1).  A server
    that exits is reported and the others go on: nginx sends its pages to them.  Ending
    after that is 1, so that a supervisor (systemd) sees something went wrong."""
    lost = set()
    servers = [name for name in children if name != "nginx"]
    try:
        while True:
            if children["nginx"].poll() is not None:
                print(f"backprop-explorer deploy: nginx exited with code "
                      f"{children['nginx'].returncode}; stopping the servers. "
                      f"See {logs['nginx']}.", file=sys.stderr, flush=True)
                return 1
            for name in servers:
                if name not in lost and children[name].poll() is not None:
                    lost.add(name)
                    print(f"backprop-explorer deploy: server {name} (pid {children[name].pid}) "
                          f"exited with code {children[name].returncode}; its pages go to the "
                          f"other servers when reloaded. See {logs[name]}.",
                          file=sys.stderr, flush=True)
            if len(lost) == len(servers):
                print("backprop-explorer deploy: every server has exited; stopping nginx.",
                      file=sys.stderr, flush=True)
                return 1
            time.sleep(POLL_SECONDS)
    except (KeyboardInterrupt, Stopped):
        return 1 if lost else 0


def write_servers(state: Path, backends, children: dict, logs: dict) -> Path:
    """servers.json: each server's port, pid and log, for whoever looks after them."""
    path = state / "servers.json"
    path.write_text(json.dumps({b.name: {"port": b.port, "pid": children[b.name].pid,
                                         "log": str(logs[b.name])} for b in backends},
                               indent=2) + "\n")
    return path


def print_banner(args, origins, budget, children, backends, logs) -> None:
    from .serving import qr_text, student_url
    if args.classroom:
        url = student_url(args.port)
        print(f"Backprop Explorer for a class, {len(backends)} servers behind nginx "
              f"(Ctrl+C stops them)\n\n  Students: {url}\n", flush=True)
        print(qr_text(url), flush=True)
        print(f"  Projector: http://localhost:{args.port}/classroom (the QR code, the link, "
              f"who is connected to any of the servers)", flush=True)
    else:
        print(f"Backprop Explorer on http://localhost:{args.port}/app  ({len(backends)} "
              f"servers behind nginx; Ctrl+C stops them)", flush=True)
    for b in backends:
        print(f"  Server {b.name}: {b.address} (pid {children[b.name].pid}, log {logs[b.name]})",
              flush=True)
    print(f"  nginx (pid {children['nginx'].pid}): log {logs['nginx']}", flush=True)
    print(f"  Pages accepted from: {', '.join(origins)}", flush=True)
    print(f"  Each session: at most {budget.max_params:,} weights and "
          f"{budget.max_session_mb:g} MB; at most {args.max_sessions} sessions in all",
          flush=True)


def start_all(args, nginx: str, config: Path, state: Path, backends, origins,
              children: dict, logs: dict) -> None:
    """The servers, then nginx once they all answer (into ``children``)."""
    for b in backends:
        children[b.name] = start(backend_command(args, b.port, origins, state / ROSTER,
                                                 projector_url(args)), logs[b.name])
    ports = {b.name: b.port for b in backends}
    wait_up(children, lambda name: answers_http(ports[name]), logs)
    children["nginx"] = start(nginx_command(nginx, config, state))
    wait_up({"nginx": children["nginx"]}, lambda name: listening(args.port), logs)
    write_servers(state, backends, children, logs)


def run(args, nginx: str, config: Path, state: Path, backends, origins, budget) -> int:
    """Start the servers and nginx, watch them, and stop them all, however it ends."""
    children, logs = {}, {b.name: state / f"{b.name}.log" for b in backends}
    logs["nginx"] = state / "error.log"
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGHUP, _raise_stopped)
    try:
        start_all(args, nginx, config, state, backends, origins, children, logs)
        print_banner(args, origins, budget, children, backends, logs)
        if args.show:
            import webbrowser
            webbrowser.open(f"http://localhost:{args.port}/app")
        return supervise(children, logs)
    except (KeyboardInterrupt, Stopped):
        return 1  # stopped before it was up
    except RuntimeError as error:
        print(f"backprop-explorer deploy: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        # a second Ctrl+C must not leave servers behind half-way through stopping them
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        origins, budget = settings(args)
        check_port(args.port, args.classroom)
    except ValueError as error:
        print(f"backprop-explorer deploy: {error}", file=sys.stderr)
        return 2
    try:
        state = make_state_dir(args.state_dir)
    except ValueError as error:
        print(f"backprop-explorer deploy: {error}", file=sys.stderr)
        return 2
    backends = [Backend(f"b{i}", port) for i, port in
                enumerate(free_ports(args.procs, avoid={args.port}), start=1)]
    config = state / "nginx.conf"
    config.write_text(nginx_config(backends, args.port, state, args.classroom))
    print(f"nginx config: {config}", flush=True)
    nginx = find_nginx(args.nginx)
    if nginx is None:
        print(f"backprop-explorer deploy: nginx is not installed (looked for "
              f"{args.nginx or ' and '.join(NGINX_CANDIDATES)}). Install it with:\n\n"
              f"  {INSTALL_NGINX}\n\nthen run this command again. The config it would "
              f"run with is {config}.", file=sys.stderr)
        return 2
    return run(args, nginx, config, state, backends, origins, budget)
