"""notation.py's functions for text (tests/test_notation.py has the views'): the W, b
symbol of a matrix column, and ``convert`` on the notes' plain text."""
from __future__ import annotations

import pytest

from explorer import notation as nt
from explorer.notation import convert, entry_symbol


@pytest.mark.parametrize("matrix, i, theta, wb", [
    ("Θ", 0, "Θ", "b"), ("Θ", 1, "Θ", "W"), ("Θ", 7, "Θ", "W"),
    ("Δ", 0, "Δ", "Δb"), ("Δ", 2, "Δ", "ΔW"), ("D", 0, "D", "db"), ("D", 3, "D", "dW"),
])
def test_entry_symbol_is_b_for_the_bias_column_in_wb(matrix, i, theta, wb):
    assert entry_symbol(matrix, i, "theta") == theta
    assert entry_symbol(matrix, i, "wb") == wb


def test_the_quiz_and_the_lesson_write_the_bias_with_notation_py():
    """quiz.py and lesson.py keep no rule of their own for W, b's names."""
    from explorer import lesson, quiz
    assert not hasattr(lesson, "_BIAS_NAME")
    names = quiz._Names("wb")
    assert names.weight(2, 3, 0) == "b₃^[2]" and names.gradient(0) == entry_symbol("D", 0, "wb")
    assert names.layer(3) == nt.unit_layer(3, "wb") == 2
    assert names.sup_html(3) == f"<sup>{nt.sup(2, 'wb')}</sup>"


# ---- convert: a layer written as a letter -------------------------------------------------
@pytest.mark.parametrize("text, wb", [
    ("Θ^(l)", "W^[l]"),
    ("Θ^(l)_j,i", "W^[l]_j,i"),
    ("Θ^(l+1)", "W^[l+1]"),
    ("D^(l) = Δ^(l)/m", "dW^[l] = ΔW^[l]/m"),
    ("a^(l)", "a^[l−1]"),
    ("a^(l)_i", "a^[l−1]_i"),
    ("δ^(l+1)_j", "δ^[l]_j"),
    ("δ^(l + 1)", "δ^[l]"),
    ("z^(l+2)", "z^[l+1]"),
    ("a^(l-1)", "a^[l−2]"),
    ("a^(l−1)", "a^[l−2]"),
    ("δ^(L)", "δ^[L−1]"),
    ("Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))^T", "ΔW^[l] := ΔW^[l] + δ^[l] (a^[l−1])^T"),
    # what is not a layer stays as it was
    ("a^(x y)", "a^(x y)"), ("a^(2", "a^(2"), ("e^(−z)", "e^(−z)"),
])
def test_convert_a_symbolic_layer(text, wb):
    assert convert(text, "wb") == wb
    assert convert(text, "theta") == text


@pytest.mark.parametrize("text, wb", [
    ("a^(2)_1 = g(Θ^(1) x)", "a^[1]_1 = g(W^[1] x)"),
    ("a^(1)", "a^[0]"), ("a^(12)", "a^[11]"), ("Θ^(10)", "W^[10]"),
    ("a^(0)", "a^[-1]"),  # as before: the digits' rule is l − 1 written by int
])
def test_convert_keeps_its_digit_behaviour(text, wb):
    assert convert(text, "wb") == wb
