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
