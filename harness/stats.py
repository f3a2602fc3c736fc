"""Medians and quantiles of timings: None and NaN samples are left out."""
from __future__ import annotations

import math


def _clean(values) -> list[float]:
    return sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))


def quantile(values, q: float) -> float:
    """The q-quantile (0..1), linear between the samples as numpy's default; NaN if none."""
    v = _clean(values)
    if not v:
        return float("nan")
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def median(values) -> float:
    return quantile(values, 0.5)
