#!/usr/bin/env python
"""How many bytes does a step tape take, per iteration?

Run from the repository root:

    python benchmarks/tape_size.py

For xnor, a 4-16-16-3 net (``Network(sizes, seed=0)`` on 4 random examples, as in
step_latency.py) and the digits preset, in batch and per-example mode, the
dashboard (``explorer.app_layout.Explorer``, in this process, no server) records
the tapes of its first iteration as the player sends them to the page
(``explorer.tapes.display_tape`` with ``Player.frame``; per-example iterations
longer than 60 steps come in several tapes).  Each tape is serialized as Bokeh
sends it (``bokeh.core.serialization.Serializer``: JSON, numpy arrays as binary
buffers), and the bytes are summed over the iteration.

Printed per case: steps, tapes, KB per iteration, bytes per step, the share of
binary (typed-array) bytes; and, for comparison, the same frames sent whole
at every step as plain JSON lists, as a naive tape would.  It prints; it never
asserts.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NETS = ["xnor", "4-16-16-3", "digits"]


def wire_bytes(obj) -> tuple[int, int]:
    """(JSON bytes, binary buffer bytes) of ``obj`` as Bokeh serializes it."""
    from bokeh.core.json_encoder import serialize_json
    from bokeh.core.serialization import Serializer

    encoded = Serializer(deferred=True).serialize(obj)
    text = len(serialize_json(encoded.content).encode())
    return text, sum(len(buffer.to_bytes()) for buffer in encoded.buffers or [])


def plain(obj):
    """``obj`` with numpy arrays as lists (NaN as null), for the naive size."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [None if isinstance(v, float) and v != v else v for v in obj.tolist()]
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def iteration_tapes(net: str, mode: str):
    """The tapes of the first iteration, and the whole frame after each step."""
    from step_latency import build_explorer

    from explorer.tapes import display_tape

    explorer = build_explorer(net, mode)
    frame_of = explorer.player.frame
    tapes, frames = [], []
    start = explorer.state.stepper
    while True:
        page, end, _ = display_tape(start, frame_of, len(tapes) + 1, back=bool(tapes))
        tapes.append(page)
        whole = dict(page["first"])
        for step in page["steps"]:
            for key, value in step["frame"].items():
                whole[key] = {**whole[key], **value} if isinstance(value, dict) else value
            frames.append(dict(whole))
        if page["ends"] or not page["steps"]:
            explorer.close()
            return tapes, frames
        start = end


def main() -> None:
    import bokeh
    import panel as pn

    print(f"tape size; panel {pn.__version__}, bokeh {bokeh.__version__}")
    print(f"{'net':10} {'mode':12} {'steps':>6} {'tapes':>5} {'KB/iteration':>13} "
          f"{'B/step':>8} {'binary':>7} {'whole JSON KB':>14} {'ratio':>6}")
    for net in NETS:
        for mode in ("batch", "per_example"):
            tapes, frames = iteration_tapes(net, mode)
            text = binary = 0
            for tape in tapes:
                t, b = wire_bytes(tape)
                text, binary = text + t, binary + b
            total = text + binary
            naive = sum(len(json.dumps(plain(f), separators=(",", ":")).encode()) for f in frames)
            print(f"{net:10} {mode:12} {len(frames):6d} {len(tapes):5d} {total / 1024:13.1f} "
                  f"{total / max(1, len(frames)):8.0f} {binary / max(1, total):7.0%} "
                  f"{naive / 1024:14.1f} {total / max(1, naive):6.2f}")
    print("KB/iteration: all the tapes of one iteration as sent (JSON + binary buffers); "
          "whole JSON: every step's whole frame as JSON lists; ratio = tape / whole.")


if __name__ == "__main__":
    main()
