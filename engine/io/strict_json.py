"""JSON read strictly: no NaN or Infinity, no number too large for a float, no field twice.

Python's json accepts NaN, Infinity and repeated fields, none of which JSON
allows; here they are refused with the field named, so a student can find
the mistake in the file.
"""
from __future__ import annotations

import json
import math



class _NotANumber:
    """What NaN, Infinity or an overlong number in the JSON text becomes.

    They are kept as this marker, not refused at once, so that the field they
    sit in is named when its check refuses them.
    """

    def __init__(self, token: str):
        self.token = token

    def __repr__(self):
        if self.token in ("NaN", "Infinity", "-Infinity"):
            return f"{self.token}, which JSON does not allow"
        shown = self.token if len(self.token) <= 20 else self.token[:17] + "..."
        return f"{shown}, a number too large for a float"


def _parse_float(token: str):
    value = float(token)
    return value if math.isfinite(value) else _NotANumber(token)


def _parse_int(token: str):
    # Python refuses to convert integers of over 4300 digits; 300 is already
    # beyond any float.
    return int(token) if len(token) <= 300 else _NotANumber(token)


class _DuplicateField(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateField(
                f"The field {key!r} appears twice in the same object; each field may appear once.")
        seen[key] = value
    return seen


def parse(text: str):
    """The JSON value in ``text``; a ValueError with the line and column if it is not JSON."""
    try:
        return json.loads(text, parse_constant=_NotANumber, parse_float=_parse_float,
                          parse_int=_parse_int, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise ValueError(f"The file is not valid JSON: {e.msg} at line {e.lineno}, "
                         f"column {e.colno}.") from None
    except _DuplicateField as e:
        raise ValueError(str(e)) from None
    except RecursionError:
        raise ValueError("The file's JSON is nested too deeply to be a state file.") from None
