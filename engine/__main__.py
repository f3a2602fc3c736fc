"""Step a preset through one iteration in the terminal: python -m engine xnor."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from . import Stepper, presets


def _values(stepper, step) -> str:
    """The numbers the step just produced, for the example(s) it worked on."""
    rows = slice(None) if step.example is None else slice(step.example, step.example + 1)
    l = step.layer
    if step.kind == "forward":
        return f"z^({l}) =\n{stepper.z[l][rows]}\na^({l}) =\n{stepper.a[l][rows]}"
    if step.kind in ("output_delta", "hidden_delta"):
        return f"δ^({l}) =\n{stepper.delta[l][rows]}"
    if step.kind == "accumulate":
        return f"Δ^({l}) =\n{stepper.Delta[l]}"
    if step.kind == "gradient":
        return "\n".join(f"D^({k}) =\n{stepper.D[k]}" for k in stepper.D)
    if step.kind == "update":
        return "\n".join(f"Θ^({k}) =\n{t}" for k, t in enumerate(stepper.network.thetas, 1))
    return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    parser.add_argument("preset", nargs="?", default="xnor", help=", ".join(presets.names()))
    parser.add_argument("--mode", choices=["batch", "per_example"], default=None)
    parser.add_argument("--iterations", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        preset = presets.load(args.preset)
        stepper = Stepper(preset.network, preset.X, preset.Y, learning_rate=preset.learning_rate,
                          mode=args.mode or preset.mode)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    print(f"{preset.name}: {preset.description}")
    print(f"sizes {preset.network.sizes}, {stepper.mode} mode, m = {stepper.m}, "
          f"α = {stepper.learning_rate:g}\n")
    for _ in range(args.iterations):
        while True:
            step = stepper.step()
            print(f"[{stepper.iteration}.{stepper.position}] {stepper.description}")
            values = _values(stepper, step)
            if values:
                print("    " + values.replace("\n", "\n    "))
            if step.kind == "update":
                break
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
