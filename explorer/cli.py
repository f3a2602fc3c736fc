"""`backprop-explorer`: serve the dashboard (the same app as explorer/app.py).

Alone it serves this machine only (localhost).  ``--classroom`` serves a class:
every interface, the students' link and its QR code printed, and a projector
page at ``/classroom`` (serving.py, classroom.py).  Every session gets the
server's budget (budget.py); ``--max-sessions`` caps how many are open.
``backprop-explorer deploy`` runs several of these servers behind nginx (deploy.py).
"""
from __future__ import annotations

import argparse
import os
import sys

from engine import presets

from .budget import DEFAULT_MAX_PARAMS, DEFAULT_MAX_SESSION_MB, Budget

DEFAULT_MAX_SESSIONS = 40            # a class of 30, the teacher, and some to spare
CHECK_UNUSED_MS = 10_000             # how often closed pages' sessions are looked for
# A closed page's session is kept this long: Panel's reconnect (1, 2, 4 … 32 s apart)
# finds it still there after a Wi-Fi drop of a minute.
UNUSED_LIFETIME_MS = 120_000


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backprop-explorer",
        description="Serve Backprop Explorer: step forward and back propagation one layer at a time.",
        epilog="Several servers behind nginx, for a school: backprop-explorer deploy --procs N "
               "--port P (see backprop-explorer deploy --help).")
    p.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    p.add_argument("--show", action="store_true", help="open the app in a web browser")
    p.add_argument("--preset", default="xnor", choices=list(presets.names()),
                   help="preset to start with (a ?preset=<name> URL still wins)")
    room = p.add_argument_group("serving a class")
    room.add_argument("--classroom", action="store_true",
                      help="serve the students on this machine's network: listen on every "
                           "interface, print their link and its QR code, and serve a page for "
                           "the projector at /classroom")
    room.add_argument("--allow-origin", action="append", default=[], metavar="HOST[:PORT]",
                      help="also accept pages served under this name, e.g. a proxy in front of "
                           "this server (repeatable; a HOST alone means port 80, or https)")
    room.add_argument("--max-sessions", type=int, default=DEFAULT_MAX_SESSIONS,
                      help="student sessions at once; beyond it a page says the class is full. "
                           "A closed or reloaded page's session counts until it is let go, "
                           f"--unused-session-lifetime later (default {DEFAULT_MAX_SESSIONS})")
    room.add_argument("--max-params", type=int, default=DEFAULT_MAX_PARAMS,
                      help="most weights one session's network may have "
                           f"(default {DEFAULT_MAX_PARAMS:,})")
    room.add_argument("--max-session-mb", type=float, default=DEFAULT_MAX_SESSION_MB,
                      help="most memory one session's data, values and undo history may take, "
                           f"in MB (default {DEFAULT_MAX_SESSION_MB})")
    room.add_argument("--training-workers", type=int, default=0, metavar="N",
                      help="processes that train for the sessions (default 0: one per core; "
                           "deploy gives each server its share)")
    room.add_argument("--admin", action="store_true",
                      help="serve Panel's admin page at /admin (sessions, memory, logs); "
                           "anyone who can open the app can open it too")
    room.add_argument("--check-unused-sessions", type=int, default=CHECK_UNUSED_MS, metavar="MS",
                      help="how often to look for sessions whose page has closed "
                           f"(default {CHECK_UNUSED_MS} ms)")
    room.add_argument("--unused-session-lifetime", type=int, default=UNUSED_LIFETIME_MS,
                      metavar="MS", help="how long a closed page's session is kept, so that a "
                                         "page that lost its connection gets it back "
                                         f"(default {UNUSED_LIFETIME_MS} ms)")
    deployed = p.add_argument_group("set by deploy for its servers")
    deployed.add_argument("--roster-dir", metavar="DIR",
                          help="count sessions together with the other servers that use this "
                               "directory: --max-sessions and /classroom are then for them all")
    deployed.add_argument("--projector-url", metavar="URL",
                          help="serve /classroom showing this students' link (deploy passes "
                               "nginx's; given to deploy, e.g. a proxy's, its servers show it)")
    return p


def settings(args) -> tuple[list[str], Budget]:
    """(the allowed page origins, the sessions' budget) of these options; a ValueError
    naming the option when one makes no sense (deploy.py checks its servers' with it)."""
    from .serving import allowed_origins
    budget = Budget(max_params=args.max_params, max_session_mb=args.max_session_mb)
    origins = allowed_origins(args.port, args.classroom, args.allow_origin)
    if args.max_sessions < 1:
        raise ValueError(f"--max-sessions must be at least 1, got {args.max_sessions}.")
    for option in ("check_unused_sessions", "unused_session_lifetime"):
        if getattr(args, option) < 1:
            raise ValueError(f"--{option.replace('_', '-')} must be at least 1 ms, got "
                             f"{getattr(args, option)}.")
    if args.training_workers < 0:
        raise ValueError(f"--training-workers must be 0 (one per core) or more, got "
                         f"{args.training_workers}.")
    for name in dict.fromkeys([args.preset, "xnor"]):  # xnor: where a refused link lands
        preset = presets.load(name)
        budget.check(preset.network.sizes, len(preset.X))
    return origins, budget


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["deploy"]:
        from . import deploy
        return deploy.main(argv[1:])
    args = parser().parse_args(argv)
    from tornado.ioloop import IOLoop

    from .collection import Collector, quieten
    from .serving import Roster, qr_text, send_without_delay, student_url
    try:
        origins, budget = settings(args)
    except ValueError as error:
        print(f"backprop-explorer: {error}", file=sys.stderr)
        return 2
    roster = Roster(limit=args.max_sessions, shared=args.roster_dir)
    # A reclaim waits a second: the closing session's own callbacks still hold it.
    collector = Collector(later=lambda fn: IOLoop.current().call_later(1.0, fn))

    if args.training_workers:  # read when the pool is first made, in the first session
        from .training_pool import WORKERS_VARIABLE
        os.environ[WORKERS_VARIABLE] = str(args.training_workers)
    import panel as pn

    from .bokeh_cost import lighten
    from .classroom import classroom_page, full_page
    from .dashboard import create_app

    def app():  # Panel serves a plain function per session (it shows a partial's repr)
        if not roster.join():
            return full_page(roster)

        def leave(context):
            roster.leave()
            collector.closed(still_open=roster.here)
        pn.state.on_session_destroyed(leave)
        # Frozen out of full collections: the pages built before this one, now; this
        # one once it is ready (its models are made after this function returns).
        collector.built()
        pn.state.onload(collector.built)
        return create_app(preset=args.preset, budget=budget)

    pages = {"app": app}
    if args.classroom or args.projector_url:
        url = args.projector_url or student_url(args.port)
        pages["classroom"] = lambda: classroom_page(url, roster)
    if args.classroom:
        print(f"Backprop Explorer for a class (Ctrl+C stops it)\n\n  Students: {url}\n",
              flush=True)
        print(qr_text(url), flush=True)
        print(f"  Projector: http://localhost:{args.port}/classroom (the QR code, the link, "
              f"who is connected)", flush=True)
    else:
        print(f"Backprop Explorer on http://localhost:{args.port}/app  (Ctrl+C stops it)",
              flush=True)
        if args.projector_url:
            print(f"  Projector: http://localhost:{args.port}/classroom (showing {url})",
                  flush=True)
    print(f"  Pages accepted from: {', '.join(origins)}", flush=True)
    together = f" in all, with the servers of {args.roster_dir}" if args.roster_dir else ""
    print(f"  Each session: at most {budget.max_params:,} weights and "
          f"{budget.max_session_mb:g} MB; at most {roster.limit} sessions{together}", flush=True)
    quieten()
    send_without_delay()
    lighten()
    try:
        pn.serve(pages, port=args.port, address="0.0.0.0" if args.classroom else "localhost",
                 show=args.show, title="Backprop Explorer", websocket_origin=origins,
                 admin=args.admin, warm=True,
                 check_unused_sessions_milliseconds=args.check_unused_sessions,
                 unused_session_lifetime_milliseconds=args.unused_session_lifetime)
    finally:
        roster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
