"""Turn a small PyTorch ``nn.Sequential`` into a Network (optional: needs torch).

torch is not a dependency of the engine.  It is imported only inside
``from_torch``, so ``import engine`` (and ``import engine.torch_interop``) work
without it; install it with ``pip install "backprop-explorer[torch]"``.

The function reads a model object that is already in memory.  It never loads a
file (no ``torch.load``, no pickle): save and load models yourself, with
whatever care your source deserves.
"""
from __future__ import annotations

import numpy as np

from . import validation
from .network import Network

INSTALL_HINT = 'pip install "backprop-explorer[torch]"'

# The order in which messages list what is supported.
_SUPPORTED = ("nn.Linear", "nn.Sigmoid", "nn.Tanh", "nn.ReLU", "nn.Identity",
              "nn.Softmax(dim=-1 or 1) as the last module", "nested nn.Sequential")


def _import_torch():
    try:
        import torch
        from torch import nn
    except ImportError as exc:
        raise ImportError(
            "engine.torch_interop.from_torch needs PyTorch, an optional extra of "
            f"Backprop Explorer. Install it with: {INSTALL_HINT}") from exc
    return torch, nn


def from_torch(model, loss="cross_entropy", lam=0.0, *, output=None) -> Network:
    """A Network with the weights and activations of a PyTorch ``nn.Sequential``.

    The model must be a chain ``Linear, [activation], Linear, [activation], ...``
    (nested ``nn.Sequential`` containers are flattened).  After each
    ``nn.Linear`` comes at most one activation module:

    * ``nn.Sigmoid`` → ``"sigmoid"``, ``nn.Tanh`` → ``"tanh"``, ``nn.ReLU`` →
      ``"relu"``, ``nn.Identity`` or nothing → ``"linear"``;
    * ``nn.Softmax(dim=-1)`` or ``nn.Softmax(dim=1)`` → ``"softmax"``, only as
      the very last module.

    The engine has one hidden activation, so every hidden layer must use the
    same kind (Identity and "nothing" are both linear).  The output activation
    is the one after the last Linear.  With no hidden layer at all (a single
    Linear) the Network's hidden activation is the unused default, sigmoid.

    Each ``nn.Linear(s_l, s_{l+1})`` becomes Θ^(l) = [b | W], shape
    (s_{l+1}, s_l + 1): column 0 is the bias b and columns 1.. are torch's
    weight W (already laid out (out, in), as Θ is).  A Linear built with
    ``bias=False`` gets a bias column of zeros, which computes the same thing;
    but the engine has no bias-free layers, so column 0 of its gradient D^(l)
    is the gradient of a bias torch does not have, and the engine's training
    moves those biases away from 0.  Weights of any real dtype or device are
    copied to float64 numpy arrays (exactly, from float32/float16/bfloat16); the
    Network shares no memory with the model, and a module that appears twice in
    the Sequential (tied weights) becomes two layers with independent copies.

    ``loss`` and ``lam`` are passed to the Network (see ``engine.losses``):
    ``cross_entropy`` needs sigmoid or softmax outputs.

    ``output`` (keyword only): ``None`` (the default) infers the output
    activation from the model.  A model that ends in a bare Linear (or
    ``nn.Identity``) outputs logits, e.g. one trained with
    ``nn.CrossEntropyLoss`` or ``nn.BCEWithLogitsLoss``; ``output="softmax"``
    or ``output="sigmoid"`` then applies that activation in the Network, so
    ``predict`` gives probabilities where ``model(x)`` gave logits.  Naming an
    output that contradicts an explicit activation module is a ValueError.

    Refused with a ValueError that names the module and its position: anything
    that is not an ``nn.Sequential`` (or is a subclass of it); any other module (Conv, Dropout,
    BatchNorm, LeakyReLU, LogSoftmax, ...), including subclasses of the
    supported ones (they may compute something else); two activations in a
    row or one before the first Linear; Softmax anywhere but last or over
    another dim; Linear layers whose sizes do not chain; modules with forward
    hooks (they can change what a module computes); complex or meta-device
    weights; and, with the engine's own message, networks over its limits
    (``engine.MAX_LAYERS`` layers, ``engine.MAX_UNITS`` units in a layer) or
    with NaN or infinite weights.

    Raises ImportError (saying ``pip install "backprop-explorer[torch]"``) if
    torch is not installed.
    """
    torch, nn = _import_torch()

    if isinstance(model, nn.Sequential) and type(model) is not nn.Sequential:
        raise ValueError(
            f"from_torch needs a torch.nn.Sequential itself; got {_describe_object(model)}, a "
            "subclass, whose forward may compute something other than the chain of its "
            "modules.")
    if not isinstance(model, nn.Sequential):
        raise ValueError(
            "from_torch needs a torch.nn.Sequential of Linear layers and activations, e.g. "
            "nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid()); "
            f"got {_describe_object(model)}.")

    activation_of = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu",
                     nn.Identity: "linear"}
    modules = _flatten(model, nn)
    if not modules:
        raise ValueError("The nn.Sequential is empty: it needs at least one nn.Linear.")

    # Group the modules into layers: each Linear with the activation after it.
    layers = []  # [linear, linear's position, activation name or None, activation's position]
    for i, (where, module) in enumerate(modules):
        kind = type(module)
        _refuse_hooks(where, module)
        if kind is nn.Linear:
            layers.append([module, where, None, None])
            continue
        if kind in activation_of or kind is nn.Softmax:
            name = activation_of.get(kind, "softmax")
            if not layers:
                raise ValueError(
                    f"{_at(where, module)} comes before any nn.Linear: the model must start "
                    "with a Linear layer (the engine's input layer is the raw x).")
            if layers[-1][2] is not None:
                prev_where, prev_name = layers[-1][3], layers[-1][2]
                raise ValueError(
                    f"{_at(where, module)} follows another activation ({prev_name} at "
                    f"{prev_where}): the engine applies exactly one activation g after each "
                    "Linear layer.")
            if kind is nn.Softmax:
                if module.dim not in (-1, 1):
                    raise ValueError(
                        f"{_at(where, module)} has dim={module.dim!r}: only nn.Softmax(dim=-1) "
                        "or nn.Softmax(dim=1) is supported, a softmax over each example's "
                        "output units.")
                if i != len(modules) - 1:
                    raise ValueError(
                        f"{_at(where, module)} is not the last module: softmax is only an "
                        "output activation in the engine (its Jacobian is not diagonal), so "
                        "it must come last.")
            layers[-1][2], layers[-1][3] = name, where
            continue
        raise ValueError(
            f"{_at(where, module)} is not supported: from_torch converts only "
            f"{', '.join(_SUPPORTED)}.")

    # Sizes: the Linear layers must chain, and stay within the engine's limits.
    sizes = [layers[0][0].in_features]
    for l, (linear, where, _, _) in enumerate(layers, start=1):
        if linear.in_features != sizes[-1]:
            prev = layers[l - 2]
            raise ValueError(
                f"{_at(where, linear)} takes in_features={linear.in_features}, but the "
                f"Linear before it, at {prev[1]}, gives out_features="
                f"{prev[0].out_features}: the layer sizes must chain.")
        sizes.append(linear.out_features)
    validation.sizes(sizes)  # the engine's own ValueError, before copying any weights

    # Activations: one hidden kind for the whole network.
    names = [name or "linear" for _, _, name, _ in layers]
    hidden_names = names[:-1]
    for (_, where, _, act_where), g in zip(layers[:-1], hidden_names):
        if g != hidden_names[0]:
            first = layers[0]
            raise ValueError(
                "Every hidden layer must use the same activation (the engine has one hidden "
                f"activation g): the Linear at {first[1]} is followed by {hidden_names[0]}"
                f"{_after(first[3])}, but the Linear at {where} by {g}{_after(act_where)}.")
    hidden = hidden_names[0] if hidden_names else "sigmoid"
    inferred, last = names[-1], layers[-1]
    if output is None:
        output = inferred
    elif output != inferred and not (last[2] in (None, "linear")):
        raise ValueError(
            f"output={output!r} contradicts the model, whose last Linear is followed by "
            f"{inferred} ({last[3]}); leave output=None to use the model's, or give it only "
            "for a model that ends in a bare Linear (logits).")

    thetas = []
    for l, (linear, where, _, _) in enumerate(layers, start=1):
        W = _to_numpy(linear.weight, torch, f"The weight of {_at(where, linear)}")
        if linear.bias is None:
            b = np.zeros(W.shape[0])
        else:
            b = _to_numpy(linear.bias, torch, f"The bias of {_at(where, linear)}")
        thetas.append(np.hstack([b[:, None], W]))
    return Network.from_thetas(thetas, hidden=hidden, output=output, loss=loss, lam=lam)


def _flatten(model, nn, prefix="model"):
    """[(position, module)] in order, descending into nested nn.Sequential."""
    out = []
    _refuse_hooks(prefix, model)
    # Not named_children(): it skips a module that appears twice, which forward runs twice.
    for name, child in model._modules.items():
        where = f"{prefix}[{name}]" if name.isdigit() else f"{prefix}.{name}"
        if child is None:
            raise ValueError(f"{where} is None, not a module: nn.Sequential cannot run it.")
        if type(child) is nn.Sequential:
            out.extend(_flatten(child, nn, where))
        else:
            out.append((where, child))
    return out


def _refuse_hooks(where, module):
    if module._forward_hooks or module._forward_pre_hooks:
        raise ValueError(
            f"{_at(where, module)} has forward hooks, which can change what it computes; "
            "from_torch reads only weights, so remove the hooks first.")


def _to_numpy(tensor, torch, what) -> np.ndarray:
    if tensor.is_complex():
        raise ValueError(f"{what} is complex ({tensor.dtype}); the engine needs real weights.")
    if tensor.is_meta:
        raise ValueError(
            f"{what} is on the 'meta' device and holds no values; load or initialise the "
            "weights first.")
    return tensor.detach().to(device="cpu", dtype=torch.float64).numpy().copy()


def _at(where, module) -> str:
    text = repr(module).splitlines()[0]
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{where} ({text})"


def _after(where) -> str:
    return f" at {where}" if where else " (no activation module)"


def _describe_object(obj) -> str:
    kind = type(obj)
    return f"a {kind.__module__}.{kind.__qualname__}"
