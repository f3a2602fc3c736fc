"""The two notations: the notes' Θ with a bias unit, and W, b as PyTorch and most courses write it.

The numbers are the same; only the names and the layer numbering differ:

    W^[l] = Θ^(l)[:, 1:]   b^[l] = Θ^(l)[:, 0]   (Θ^(l) maps layer l to l + 1)
    a^[l] = a^(l+1), z^[l] = z^(l+1), δ^[l] = δ^(l+1)   (the input is layer 0)
    dW^[l], db^[l] = D^(l)'s columns, ΔW^[l], Δb^[l] = Δ^(l)'s

``convert`` rewrites plain text in the notes' notation ("a^(2)_1", "Θ^(1)",
"δ^(3)") into W, b; the views write each symbol through the functions here.
No Panel here.
"""
from __future__ import annotations

import re

NOTATIONS = ("theta", "wb")

# Per-unit quantities move down one layer (the input is layer 0); Θ, Δ and D keep l.
_UNIT = {"a": "a", "z": "z", "δ": "δ"}
_MATRIX = {"Θ": "W", "Δ": "ΔW", "D": "dW"}
# A layer: digits, or a letter ("l", "L") maybe with a whole number added or taken away.
_SYMBOL = re.compile(r"""(Θ|Δ|D|a|z|δ)\^\(
                         (?: (?P<digits>\d+)
                           | (?P<letter>[^\W\d_]\w*) (?:\s*(?P<sign>[+\-−])\s*(?P<add>\d+))? )
                         \)""", re.X)


def _layer(letter: str, add: int) -> str:
    """The layer ``letter + add`` written out: "l", "l+1", "l−2"."""
    return letter if add == 0 else f"{letter}{'+' if add > 0 else '−'}{abs(add)}"


def convert(text: str, notation: str) -> str:
    """Plain text in the notes' notation, in ``notation``: "a^(2)_1 = g(Θ^(1) ...)" becomes
    "a^[1]_1 = g(W^[1] ...)" in W, b; unchanged in "theta".  A layer may be a letter:
    "Θ^(l)" is "W^[l]", "a^(l)" is "a^[l−1]", "δ^(l+1)" is "δ^[l]", "δ^(L)" is "δ^[L−1]"."""
    if notation != "wb":
        return text

    def one(match):
        name = match.group(1)
        if match["digits"] is not None:
            l = int(match["digits"])
            if name in _UNIT:
                return f"{_UNIT[name]}^[{l - 1}]"
            return f"{_MATRIX[name]}^[{l}]"
        letter, add = match["letter"], int(match["add"] or 0)
        add = -add if match["sign"] in ("-", "−") else add
        if name in _UNIT:
            return f"{_UNIT[name]}^[{_layer(letter, add - 1)}]"
        return f"{_MATRIX[name]}^[{_layer(letter, add)}]"
    return _SYMBOL.sub(one, text)


# ---- the views' symbols ---------------------------------------------------------------
def is_wb(notation: str) -> bool:
    return notation == "wb"


def unit_layer(l: int, notation: str) -> int:
    """The number a view gives the notes' layer l of units (a, z, δ): l, or l − 1 in W, b."""
    return l - 1 if is_wb(notation) else l


def sup(l, notation: str) -> str:
    """A superscript in plain text: "(2)" in the notes, "[2]" in W, b."""
    return f"[{l}]" if is_wb(notation) else f"({l})"


_BIAS_PART = {"Θ": "b", "Δ": "Δb", "D": "db"}


def entry_symbol(matrix: str, i: int, notation: str) -> str:
    """The symbol of column i of the notes' Θ, Δ or D: itself in the notes; in W, b its
    bias, b, Δb or db, for the bias column i = 0, and W, ΔW or dW for the others."""
    if not is_wb(notation):
        return matrix
    return _BIAS_PART[matrix] if i == 0 else _MATRIX[matrix]


def step_symbol(step, notation: str) -> str:
    """What an engine ``Step`` computes, in plain text: ``step.symbol`` ("z^(3), a^(3)") in the
    notes; "z^[2], a^[2]", "δ^[1]", "ΔW^[1], Δb^[1]", "J(W, b)"... in W, b."""
    if not is_wb(notation):
        return step.symbol
    kind, l = step.kind.value, step.layer
    if kind == "forward":
        return f"z^[{l - 1}], a^[{l - 1}]"
    if kind in ("output_delta", "hidden_delta"):
        return f"δ^[{l - 1}]"
    if kind == "accumulate":
        return f"ΔW^[{l}], Δb^[{l}]"
    return {"cost": "J(W, b)", "gradient": "dW = ΔW/m + (λ/m)W, db = Δb/m",
            "update": "W := W − α dW, b := b − α db"}[kind]


def step_layer(step, L: int, notation: str) -> tuple[int, int]:
    """(layer, of how many) for the status line: the step's l of the notes' L layers; in W, b
    the layer its values belong to of the L − 1 after the input (layer 0): a forward or δ
    step to layer l − 1, the accumulation of Θ^(l) (ΔW^[l], Δb^[l]) to layer l."""
    if not is_wb(notation):
        return step.layer, L
    if step.kind.value == "accumulate":
        return step.layer, L - 1
    return step.layer - 1, L - 1


# The descriptions the engine gives each step (engine/stepper.py) begin so; the W, b
# description of a step is written anew, any other text (an edit, a jump...) converted.
_STEP_TEXT = {"forward": "Forward, layer ", "cost": "Cost: ", "output_delta": "Backward, layer ",
              "hidden_delta": "Backward, layer ", "accumulate": "Accumulate, layer ",
              "gradient": "Gradient: ", "update": "Update: "}
_EDITED = re.compile(r"Edited Θ_(\d+),(\d+)\^\((\d+)\)(.*) from layer (\d+) on")


def description(stepper, notation: str) -> str:
    """The stepper's one-line description in ``notation`` (the engine's own in the notes)."""
    text = stepper.description
    if not is_wb(notation):
        return text
    step = stepper.last_step
    if step is not None and text.startswith(_STEP_TEXT[step.kind.value]):
        return _step_description(stepper, step)
    edited = _EDITED.match(text)
    if edited:
        j, i, l, middle, stale = edited.groups()
        name = f"b_{j}^[{l}]" if i == "0" else f"W_{j},{i}^[{l}]"
        text = (f"Edited {name}{middle} from layer {int(stale) - 1} on"
                + text[edited.end():])
    return convert(text, notation)


def _g_name(activation) -> str:
    return {"sigmoid": "σ", "softmax": "softmax"}.get(activation.name, "g")


def _step_description(s, step) -> str:
    kind, l, L, m = step.kind.value, step.layer, s.L, s.m
    where = "" if step.example is None else f", example {step.example + 1} of {m}"
    if kind == "forward":
        k = l - 1
        return (f"Forward, layer {k}{where}: z^[{k}] = W^[{k}] a^[{k - 1}] + b^[{k}], "
                f"a^[{k}] = {_g_name(s.network.activation(l))}(z^[{k}])")
    if kind == "cost":
        formula = s.network.loss_function.formula.replace("J(Θ)", "J(W, b)")
        return f"Cost: {formula.replace('Σ Θ²', 'Σ W²')} = {s.J:.6g}"
    if kind == "output_delta":
        k = L - 1
        rule = (f"a^[{k}] − y" if s.network.loss_function.delta_is_a_minus_y
                else f"(a^[{k}] − y) .* g'(z^[{k}])")
        return f"Backward, layer {k} (output){where}: δ^[{k}] = {rule}"
    if kind == "hidden_delta":
        k = l - 1
        return (f"Backward, layer {k}{where}: "
                f"δ^[{k}] = (W^[{k + 1}])ᵀ δ^[{k + 1}] .* g'(z^[{k}])")
    if kind == "accumulate":
        if step.example is None:
            return (f"Accumulate, layer {l}: ΔW^[{l}] = Σ_i δ^[{l}] (a^[{l - 1}])ᵀ, "
                    f"Δb^[{l}] = Σ_i δ^[{l}] summed over the {m} example{'s' if m != 1 else ''}")
        return (f"Accumulate, layer {l}{where}: ΔW^[{l}] := ΔW^[{l}] + δ^[{l}] (a^[{l - 1}])ᵀ, "
                f"Δb^[{l}] := Δb^[{l}] + δ^[{l}]")
    if kind == "gradient":
        return (f"Gradient: dW^[l] = ΔW^[l]/m + (λ/m) W^[l], db^[l] = Δb^[l]/m for every l "
                f"(m = {m}, λ = {s.network.lam:g})")
    update = s.last_update
    alpha = update[1] if update is not None else s.learning_rate
    return (f"Update: W^[l] := W^[l] − α dW^[l], b^[l] := b^[l] − α db^[l] for every l "
            f"(α = {alpha:g})")


_THETA_LAYER = re.compile(r"Θ\^\((\d+)\)")


def verdict(text: str, notation: str) -> str:
    """The gradient check's verdict ("... disagree, in Θ^(1), Θ^(2).") in ``notation``:
    Θ^(l) holds both W^[l] and b^[l]."""
    return _THETA_LAYER.sub(r"W^[\1], b^[\1]", text) if is_wb(notation) else text
