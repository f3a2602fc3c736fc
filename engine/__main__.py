"""Step a preset through one iteration in the terminal: python -m engine xnor.

``python -m engine check path/to/file.py:function --preset debug`` checks
your own backpropagation instead (see engine/check.py): it imports your file,
runs the function on the preset's network and data, and prints where it first
differs from the engine's.  Exit status 0 when everything agrees, 1 when a
difference is found, 2 when the check could not run (a bad path or name, an
unknown preset, a function that raised or returned something unreadable).
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
import traceback
from pathlib import Path

import numpy as np

from . import Stepper, check_backprop, presets
from .check import UserFunctionError
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


def _load_function(target: str):
    """The function named by "path/to/file.py:function" (nnCostFunction when no name is given).

    The file is the user's own, run on their own machine, as ``python file.py``
    would run it (but with a name other than "__main__"): its folder goes on
    sys.path for the rest of this short-lived process, so its imports of files
    beside it work, at import time or inside the function.
    """
    path, colon, name = target.rpartition(":")
    if not colon or not name.isidentifier():  # no name, or a colon inside the path (C:\...)
        path, name = target, "nnCostFunction"
    file = Path(path)
    example = "e.g. examples/ex4_student.py:nnCostFunction"
    if not file.is_file():
        raise ValueError(f"there is no file {path!r}: give the path to your Python file and the "
                         f"function's name after a colon, {example}.")
    if file.suffix != ".py":
        raise ValueError(f"{path} is not a Python file (.py): give your .py file, {example}.")
    module_name = f"_checked_{file.stem}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.resolve().parent))
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        traceback.print_exc()
        raise ValueError(f"importing {path} raised {type(error).__name__}: {error} (its traceback is "
                         "above); fix it and run the check again.") from None
    fn = getattr(module, name, None)
    if not callable(fn):
        functions = [n for n, v in vars(module).items()
                     if inspect.isfunction(v) and v.__module__ == module_name and not n.startswith("_")]
        defines = f"it defines {', '.join(functions)}" if functions else "it defines no functions"
        raise ValueError(f"{path} has no function {name!r} ({defines}); name yours after the colon, "
                         f"{path}:{functions[0] if functions else 'nnCostFunction'}.")
    return fn, f"{name} from {path}"


def check_main(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine check",
        description="Check your own backpropagation against the engine's: "
                    "fn(thetas, X, Y, lam) returning (J, grad), (J, [D1, D2, ...]) or a dict of "
                    "J, a, z, delta, Delta, D (see engine/check.py).")
    parser.add_argument("target", help="path/to/file.py:function (the function defaults to nnCostFunction)")
    parser.add_argument("--preset", default="debug",
                        help="the network and data: " + ", ".join(presets.names()))
    parser.add_argument("--lam", type=float, default=None, help="λ (default: the preset's)")
    args = parser.parse_args(argv)
    try:
        preset = presets.load(args.preset)
        net = preset.network if args.lam is None else preset.network.with_settings(lam=args.lam)
        fn, label = _load_function(args.target)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        report = check_backprop(fn, net, preset.X, preset.Y)
    except UserFunctionError as error:
        traceback.print_exception(error.__cause__)
        print(f"error: {error}. Its traceback is above; fix it and run the check again.", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {label} returned something the check cannot read. {error}", file=sys.stderr)
        return 2
    print(f"Checking {label} on the {preset.name} preset: {preset.description}.\n")
    print(report)
    return 0 if report.passed else 1


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["check"]:
        return check_main(argv[1:])
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
