"""What a finished sweep says: sensitivity indices per output, and how much of it is replication noise.

Outputs are ``metric[arm]`` for each metric and swept arm, and ``metric[arm - minus]`` for each paired
difference. Indices come from the method's analyzer in the method table
(:data:`sectorsim.sweep.methods.METHODS`), computed on each sample's mean over replications.

Reads: a sweep folder (``experiment.json`` and ``runs/``). Writes: nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sectorsim.errors import InputError
from sectorsim.sweep.design import options_of
from sectorsim.sweep.execute import read_runs
from sectorsim.sweep.methods import METHODS, Options


def output_table(meta: dict[str, Any], runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per output, a (sample x replication) table of single-run values.

    Outputs are ``metric[arm]`` for each metric and swept arm, and ``metric[arm - minus]`` for each
    difference (computed within each replication: the arms share seeds).
    """
    exp = meta["experiment"]
    out: dict[str, pd.DataFrame] = {}
    for m in exp["outputs"]["metrics"]:  # loop: metrics
        for arm in meta["arms"]:  # loop: arms
            sub = runs[runs["arm"] == arm]
            out[output_name(m, arm)] = sub.pivot(index="sample", columns="replication", values=m)
    for d in exp["outputs"]["differences"]:  # loop: differences
        a = runs[runs["arm"] == d["arm"]].pivot(index="sample", columns="replication", values=d["metric"])
        b = runs[runs["arm"] == d["minus"]].pivot(index="sample", columns="replication", values=d["metric"])
        out[output_name(d["metric"], d["arm"], d["minus"])] = a - b
    return out


def output_name(metric: str, arm: str, minus: str | None = None) -> str:
    """Name of a sweep output: ``metric[arm]``, or ``metric[arm - minus]`` for a paired difference."""
    return f"{metric}[{arm}]" if minus is None else f"{metric}[{arm} - {minus}]"


def output_label(name: str, scenario: Any | None = None) -> str:
    """Plain-language label of a sweep output: the metric's registry label, then the arm(s).

    ``earnings_mean[b - a]`` becomes ``Mean monthly earnings ($): b − a``; a name that is not of the
    form ``metric[...]`` is returned as it is.
    """
    from sectorsim.metrics import label

    metric, bracket, rest = name.partition("[")
    if not bracket or not rest.endswith("]"):
        return name
    return f"{label(metric, scenario)}: {rest[:-1].replace(' - ', ' − ')}"


def replication_noise(table: pd.DataFrame) -> dict[str, float]:
    """Share of variance that is replication noise (two-way decomposition).

    Replication r uses the same seed in every sample (common random numbers), so a single-run value is
    ``mean + sample effect + replication effect + interaction``. The replication's main effect shifts
    every sample alike and cancels in the indices; the interaction is the noise that matters. With
    ``s2`` its variance (residual mean square after removing sample and replication means):

    - ``noise_share``: ``s2 / (s2 + var_sample)``, the noise share of one run's variation across samples;
    - ``noise_share_of_mean``: ``(s2 / R) / var(sample means)``, the share of the variance of the sample
      means the indices are computed from that is still noise. Near 1: add replications.
    - ``replication_shift_share``: the replication main effect's share of all variance (cancelled by CRN).
    """
    values = table.to_numpy(float)
    n, r = values.shape
    if r < 2 or n < 2 or not np.isfinite(values).all():
        return {
            "noise_share": float("nan"),
            "noise_share_of_mean": float("nan"),
            "replication_shift_share": float("nan"),
        }
    row = values.mean(axis=1, keepdims=True)
    col = values.mean(axis=0, keepdims=True)
    resid = values - row - col + values.mean()
    s2 = float((resid**2).sum() / ((n - 1) * (r - 1)))
    means_var = float(row.var(ddof=1))
    var_sample = max(means_var - s2 / r, 0.0)
    total = float(values.var(ddof=1))
    shift = max(float(col.var(ddof=1)) - s2 / n, 0.0)
    return {
        "noise_share": s2 / (s2 + var_sample) if s2 + var_sample > 0 else 0.0,
        "noise_share_of_mean": min(1.0, (s2 / r) / means_var) if means_var > 0 else 1.0,
        "replication_shift_share": min(1.0, shift / total) if total > 0 else 0.0,
    }


def analyze_problem(
    problem: dict[str, Any],
    method: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    second_order: bool = False,
    num_levels: int = 4,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Indices for one output, as rows ``parameter, index, value, conf``, by the method's analyzer.

    Sobol: S1, ST (and S2); Morris: mu_star (with its interval), sigma, mu; eFAST: S1, ST; delta:
    delta, S1; PAWN: its median, mean, minimum, maximum and CV; RBD-FAST: S1; HDMR: S, ST, Sa, Sb
    (and S2 per pair). Latin
    hypercube and grid: Spearman rank correlation of each parameter with the output (no variance
    decomposition exists for them). See :data:`sectorsim.sweep.methods.METHODS`.
    """
    options = Options(seed=seed, second_order=second_order, num_levels=num_levels)
    return METHODS[method].analyze(problem, X, Y, options)


def analyze(out: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Analyze a finished sweep: indices per output, and the replication-noise share per output."""
    out = Path(out)
    meta = json.loads((out / "experiment.json").read_text())
    runs = read_runs(out)
    exp = meta["experiment"]
    X = np.array(meta["X"], float)
    expected = X.shape[0] * len(meta["arms"]) * exp["replications"]
    if len(runs) < expected:
        raise InputError(
            str(out),
            "runs",
            f"the sweep is unfinished ({len(runs)} of {expected} runs); run the sweep again to resume it",
        )
    method = METHODS[exp["method"]]
    options = options_of(exp)
    rows, noise_rows = [], []
    failed = int((runs["error"] != "").sum())
    for name, table in output_table(meta, runs).items():  # loop: outputs
        Y = table.mean(axis=1).to_numpy(float)
        noise = replication_noise(table)
        noise_rows.append(
            {
                "output": name,
                **noise,
                "failed_runs": failed,
                "mean": float(np.nanmean(Y)),
                "sd_across_samples": float(np.nanstd(Y, ddof=1)) if len(Y) > 1 else 0.0,
            }
        )
        if not np.isfinite(Y).all():
            continue  # failed runs: no indices for this output (the noise table counts them)
        rows += [{"output": name, **row} for row in method.analyze(meta["problem"], X, Y, options)]
    return pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "conf"]), pd.DataFrame(
        noise_rows
    )
