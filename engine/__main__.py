"""Step a preset through one iteration in the terminal: python -m engine xnor."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from . import Stepper, presets
from .steps import NOTATION, PER_EXAMPLE, Kind


def _values(stepper, step) -> str:
    """The numbers the step just produced, for the example(s) it worked on."""
    rows = slice(None) if step.example is None else slice(step.example, step.example + 1)
    out = []
    for quantity, l in step.kind.outputs(step.layer, stepper.L):
        if quantity == "J":  # already in the step's description
            continue
        value = stepper.value(quantity, l)
        if quantity in PER_EXAMPLE:
            value = value[rows]
        out.append(f"{NOTATION[quantity]}^({l}) =\n{value}")
    return "\n".join(out)


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
            if step.kind is Kind.UPDATE:
                break
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
