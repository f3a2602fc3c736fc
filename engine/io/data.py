"""X and Y from a numeric CSV file, with every bad cell named as a spreadsheet names it."""
from __future__ import annotations

import csv
import math
from io import StringIO

import numpy as np

from .. import losses, validation
from .uploads import as_text


def _column(c: int) -> str:
    """1 → A, 27 → AA, as a spreadsheet labels columns."""
    letters = ""
    while c:
        c, r = divmod(c - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _as_number(cell: str):
    """float(cell) for a plain decimal number, else None."""
    cell = cell.strip()
    if not cell or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def load_csv(data, n_inputs: int, n_outputs: int, loss, targets: list[str] | None = None):
    """(X, Y) from a numeric CSV file, X of shape (m, n_inputs), Y of shape (m, n_outputs).

    One example per row.  A first row with no number in it is a header of
    column names.  Which columns are targets:

    * by default the last ``n_outputs`` columns (one per output unit);
    * when ``n_outputs`` > 1 and the file has ``n_inputs`` + 1 columns, the
      last column holds class labels 0..n_outputs − 1 (one-hot encoded in Y);
    * ``targets=["y1", "y2"]`` names the target columns (a header is needed):
      ``n_outputs`` of them, or one label column; every other column is an
      input, in file order.

    Commas separate values (a first line with semicolons or tabs and no comma
    uses those); blank lines are skipped.  ``loss`` is "cross_entropy" or
    "squared_error" (or an object with that ``name``); cross-entropy targets
    must lie in 0..1.  Errors give the row and column as a spreadsheet shows
    them (both from 1, e.g. "row 3, column B").
    """
    n_inputs = validation.whole_number(n_inputs, "n_inputs (input units s_1)", minimum=1,
                                       maximum=validation.MAX_UNITS)
    K = validation.whole_number(n_outputs, "n_outputs (output units s_L)", minimum=1,
                                maximum=validation.MAX_UNITS)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    if loss_name not in losses.LOSSES:
        raise ValueError(f"Unknown loss {loss!r}: choose one of {', '.join(losses.LOSSES)}.")
    targets = _target_names(targets)
    header, records = _records(as_text(data, "CSV file"))
    table = _Table(header, records)
    if targets is not None:
        input_cols, target_cols, labels = _named_columns(table, targets, n_inputs, K)
    else:
        input_cols, target_cols, labels = _columns_by_count(table.width, n_inputs, K)
    values = table.values()
    X = values[:, input_cols]
    Y = table.one_hot(values, target_cols[0], K) if labels else values[:, target_cols]
    if not labels and loss_name == "cross_entropy":
        table.check_probabilities(Y, target_cols)
    return np.ascontiguousarray(X), np.ascontiguousarray(Y)


def _target_names(targets):
    if targets is None:
        return None
    if isinstance(targets, str):
        targets = [targets]
    if not isinstance(targets, (list, tuple)) or not targets \
            or not all(isinstance(t, str) for t in targets):
        raise ValueError("targets must be a list of column names such as ['y'], or None.")
    if len(set(targets)) != len(targets):
        raise ValueError(f"targets names a column twice: {list(targets)}.")
    return list(targets)


def _records(text: str):
    """(header or None, [(row number, cells)]) of the non-blank rows."""
    first_line = next(line for line in text.splitlines() if line.strip())
    delimiter = "," if "," in first_line else ";" if ";" in first_line else \
        "\t" if "\t" in first_line else ","
    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        for r, cells in enumerate(reader, start=1):
            if any(c.strip() for c in cells):
                records.append((r, cells))
    except csv.Error as e:
        raise ValueError(f"The CSV file cannot be read at row {reader.line_num}: {e}.") from None
    if not records:
        raise ValueError("The CSV file has no data rows.")
    header = None
    if all(_as_number(c) is None for c in records[0][1]):
        header = [c.strip() for c in records[0][1]]
        records = records[1:]
    if not records:
        raise ValueError("The CSV file has no data rows" + (", only a header." if header else "."))
    if len(records) > validation.MAX_EXAMPLES:
        raise ValueError(f"At most {validation.MAX_EXAMPLES:,} examples are supported; the CSV "
                         f"file has {len(records):,} rows.")
    return header, records


def _named_columns(table, targets, n_inputs: int, K: int):
    """(input columns, target columns, whether the target is a label column) by header name."""
    header, k = table.header, table.width
    if header is None:
        raise ValueError("Naming target columns needs a header row (column names in the "
                         "first row); this CSV file has none.")
    for t in targets:
        if t not in header:
            raise ValueError(f"Target column {t!r} is not in the header; the columns are "
                             f"{', '.join(repr(h) for h in header)}.")
        if header.count(t) > 1:
            raise ValueError(f"The header has more than one column named {t!r}.")
    labels = False
    if len(targets) == K:
        target_cols = [header.index(t) for t in targets]
    elif len(targets) == 1 and K > 1:
        target_cols, labels = [header.index(targets[0])], True
    else:
        raise ValueError(f"Name {K} target column{'s' if K != 1 else ''} (one per output unit)"
                         + (" or one column of class labels" if K > 1 else "")
                         + f"; got {len(targets)}.")
    input_cols = [c for c in range(k) if c not in target_cols]
    if len(input_cols) != n_inputs:
        raise ValueError(
            f"The CSV file has {k} columns; without the {len(target_cols)} target "
            f"column{'s' if len(target_cols) != 1 else ''} that leaves {len(input_cols)} "
            f"input{'s' if len(input_cols) != 1 else ''}, but the network has s_1 = {n_inputs} "
            f"input units.")
    return input_cols, target_cols, labels


def _columns_by_count(k: int, n_inputs: int, K: int):
    """The last K columns are targets, or, with K > 1 and one column fewer, class labels."""
    if k == n_inputs + K:
        return list(range(n_inputs)), list(range(n_inputs, k)), False
    if K > 1 and k == n_inputs + 1:
        return list(range(n_inputs)), [n_inputs], True
    raise ValueError(
        f"The CSV file has {k} column{'s' if k != 1 else ''}, but this network needs "
        f"{n_inputs + K} ({n_inputs} input{'s' if n_inputs != 1 else ''} and {K} "
        f"target{'s' if K != 1 else ''})"
        + (f" or {n_inputs + 1} ({n_inputs} input{'s' if n_inputs != 1 else ''} and one "
           f"column of class labels 0..{K - 1})" if K > 1 else "") + ".")


class _Table:
    """The file's rows, and cells named as a spreadsheet names them in messages."""

    def __init__(self, header, records):
        self.header, self.records = header, records
        self.width = len(header) if header is not None else len(records[0][1])
        self.reference = "the header" if header is not None else f"row {records[0][0]}"

    def where(self, r: int, c: int) -> str:
        """ "row 3, column 2 (B, "x2")": row and column from 1, the column's name if any."""
        h = self.header
        name = f', "{h[c - 1]}"' if h is not None and h[c - 1] else ""
        return f"row {r}, column {c} ({_column(c)}{name})"

    def values(self) -> np.ndarray:
        """Every cell as a finite float, or a ValueError naming the first that is not."""
        k = self.width
        values = np.empty((len(self.records), k))
        for n, (r, cells) in enumerate(self.records):
            if len(cells) != k:
                raise ValueError(f"Row {r} has {len(cells)} value{'s' if len(cells) != 1 else ''} "
                                 f"but {self.reference} has {k}; every row needs the same number "
                                 f"of columns.")
            for c, cell in enumerate(cells, start=1):
                values[n, c - 1] = self._number(cell, r, c, first=n == 0)
        return values

    def _number(self, cell: str, r: int, c: int, first: bool) -> float:
        value = _as_number(cell)
        if value is None:
            if not cell.strip():
                raise ValueError(f"The cell at {self.where(r, c)} is empty; every cell must hold "
                                 f"a number.")
            hint = (" If row 1 is a header, every cell in it must be a name."
                    if self.header is None and first else "")
            shown = cell.strip() if len(cell.strip()) <= 30 else cell.strip()[:27] + "..."
            raise ValueError(f"The cell at {self.where(r, c)} holds the text {shown!r}, not a "
                             f"number.{hint}")
        if not math.isfinite(value):
            word = cell.strip().lower().lstrip("+-")
            what = ("no NaN or infinity" if word in ("nan", "inf", "infinity")
                    else "this one is too large for a float")
            raise ValueError(f"The cell at {self.where(r, c)} is {cell.strip()!r}; every value "
                             f"must be a finite number ({what}).")
        return value

    def one_hot(self, values, col: int, K: int) -> np.ndarray:
        """Y from a column of class labels 0..K−1."""
        for n, (r, _) in enumerate(self.records):
            v = values[n, col]
            if v != round(v) or not 0 <= v <= K - 1:
                raise ValueError(f"The class label {v:g} at {self.where(r, col + 1)} is out of "
                                 f"range: with {K} output units the labels must be 0..{K - 1} "
                                 f"(0-based).")
        return np.eye(K)[values[:, col].astype(int)]

    def check_probabilities(self, Y, target_cols):
        """Cross-entropy targets lie in 0..1."""
        bad = np.argwhere((Y < 0) | (Y > 1))
        if bad.size:
            n, t = bad[0]
            raise ValueError(
                f"The target {Y[n, t]:g} at {self.where(self.records[n][0], target_cols[t] + 1)} "
                f"is outside 0..1; cross-entropy targets must lie between 0 and 1. Use "
                f"squared_error for other targets.")
