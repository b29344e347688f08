"""Compare arms: means with 95% confidence intervals and paired differences against the reference.

Replications are independent draws of the region's randomness; the same replication of every arm
shares its random numbers. So the difference between an arm and the reference is computed within
each replication first, and its interval is a paired t interval over replications
(``mean(d) +/- t_{0.975, n-1} * sd(d) / sqrt(n)``). With one replication there is no interval and
the CI columns are left empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: The metrics shown first in tables and reports.
HEADLINE = (
    "earnings_mean",
    "employment_rate",
    "turnover_rate",
    "earnings_gap",
    "earnings_gini",
    "participants",
    "public_cost_per_participant",
    "employer_cost_per_participant",
)


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and t-based confidence interval; NaN bounds when fewer than two values."""
    x = np.asarray(x, dtype=float)
    m = float(x.mean())
    if x.size < 2:
        return m, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return m, m - half, m + half


def compare(summary: pd.DataFrame, reference: str, metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per (arm, metric): mean and CI, and the paired difference vs ``reference``.

    Args:
        summary: One row per (arm, replication) with metric columns.
        reference: Name of the reference arm.
        metrics: Metrics to compare (default: every numeric column but the identifiers).

    Returns:
        Columns ``arm, metric, n, mean, ci_low, ci_high, diff, diff_ci_low, diff_ci_high,
        diff_pct``.
    """
    if metrics is None:
        metrics = [c for c in summary.columns if c not in ("arm", "replication", "seed")]
    ref = summary[summary["arm"] == reference].set_index("replication")
    rows = []
    for arm in summary["arm"].drop_duplicates():  # loop: arms
        cur = summary[summary["arm"] == arm].set_index("replication")
        common = cur.index.intersection(ref.index)
        for metric in metrics:  # loop: metrics
            mean, lo, hi = mean_ci(cur[metric].to_numpy())
            d = cur.loc[common, metric].to_numpy() - ref.loc[common, metric].to_numpy()
            dm, dlo, dhi = mean_ci(d) if d.size else (float("nan"),) * 3
            base = float(ref.loc[common, metric].mean()) if len(common) else float("nan")
            rows.append(
                {
                    "arm": arm,
                    "metric": metric,
                    "n": int(len(cur)),
                    "mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "diff": dm,
                    "diff_ci_low": dlo,
                    "diff_ci_high": dhi,
                    "diff_pct": 100.0 * dm / base
                    if base not in (0.0,) and np.isfinite(base)
                    else float("nan"),
                }
            )
    return pd.DataFrame(rows)
