"""Backprop Explorer's engine: a pure-numpy network in the course's notation.

Public API (stable; code outside this repository relies on it):

    from engine import Network, Stepper, numerical_gradients, presets, train

``check_backprop(fn, net, X, Y)`` compares a student's own backpropagation
(ex4's nnCostFunction, or every intermediate value) with the engine's and
returns a ``BackpropReport``: the first quantity that differs and, often,
the mistake that explains it (see check.py).  A return it cannot read is
refused with a ValueError saying what was expected; an exception raised by the
student's function comes back as a ``UserFunctionError`` caused by it.

The engine depends on numpy only (scipy, imported lazily, for L-BFGS).
"""
from . import presets
from .check import BackpropReport, UserFunctionError, check_backprop
from .gradcheck import numerical_gradients, relative_difference
from .network import Network
from .stepper import Stepper
from .steps import Kind, Step
from .training import train
from .validation import MAX_EXAMPLES, MAX_LAYERS, MAX_UNITS

__all__ = ["Network", "Stepper", "Step", "Kind", "numerical_gradients", "relative_difference",
           "presets", "train", "check_backprop", "BackpropReport", "UserFunctionError",
           "MAX_LAYERS", "MAX_UNITS", "MAX_EXAMPLES"]
