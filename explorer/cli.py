"""`backprop-explorer`: serve the dashboard (the same app as explorer/app.py)."""
from __future__ import annotations

import argparse

from engine import presets


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="backprop-explorer",
        description="Serve Backprop Explorer: step forward and back propagation one layer at a time.")
    parser.add_argument("--port", type=int, default=5006, help="port to serve on (default 5006)")
    parser.add_argument("--show", action="store_true", help="open the app in a web browser")
    parser.add_argument("--preset", default="xnor", choices=list(presets.names()),
                        help="preset to start with (a ?preset=<name> URL still wins)")
    args = parser.parse_args(argv)

    import panel as pn

    from .dashboard import create_app

    print(f"Backprop Explorer on http://localhost:{args.port}/app  (Ctrl+C stops it)", flush=True)
    def app():  # Panel serves a plain function per session (it shows a partial's repr)
        return create_app(preset=args.preset)

    pn.serve({"app": app}, port=args.port,
             show=args.show, title="Backprop Explorer",
             websocket_origin=[f"localhost:{args.port}", f"127.0.0.1:{args.port}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
