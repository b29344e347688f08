"""How numbers are written in reports and terminal tables, and the labels of region-wide metrics.

Reads and writes: nothing.
"""

from __future__ import annotations

import numpy as np

from sectorsim.metrics import SUMMARY, Metric


def fmt(value: float, metric: str = "") -> str:
    """Format a number for a table: money without decimals, rates with three."""
    if not np.isfinite(value):
        return "–"
    if "rate" in metric or "gini" in metric:
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def interval(mean: float, low: float, high: float, metric: str, signed: bool = False) -> tuple[str, str]:
    """Format a value and its interval: ('3,140', '[3,120, 3,160]'); signed puts '+' on gains."""
    sign = "+" if signed and np.isfinite(mean) and mean >= 0 else ""
    return f"{sign}{fmt(mean, metric)}", f"[{fmt(low, metric)}, {fmt(high, metric)}]"


#: Label of every region-wide metric of the per-run summary, from the metric registry
#: (``sectorsim.metrics.label`` also knows the families, given a scenario).
LABELS: dict[str, str] = {m.key: m.label for m in SUMMARY if isinstance(m, Metric)}  # loop: metrics
