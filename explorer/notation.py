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
_SYMBOL = re.compile(r"(Θ|Δ|D|a|z|δ)\^\((\d+)\)")


def convert(text: str, notation: str) -> str:
    """Plain text in the notes' notation, in ``notation``: "a^(2)_1 = g(Θ^(1) ...)" becomes
    "a^[1]_1 = g(W^[1] ...)" in W, b; unchanged in "theta"."""
    if notation != "wb":
        return text

    def one(match):
        name, l = match.group(1), int(match.group(2))
        if name in _UNIT:
            return f"{_UNIT[name]}^[{l - 1}]"
        return f"{_MATRIX[name]}^[{l}]"
    return _SYMBOL.sub(one, text)
