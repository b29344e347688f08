"""Run arms x replications, paired by seed, serially or in worker processes.

A run is a pure function of (scenario, arm, seed): :func:`run_one`. Replication ``r`` of every arm
uses the same seed, ``replication_seed(scenario.seed, r)``, so arms share their random numbers and
differences between them are the policy's (paired comparison). Results are sorted by (arm order,
replication) whatever order the processes finish in, so output files are identical serially and in
parallel.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sectorsim.model import SectorModel
from sectorsim.outcomes import summarize
from sectorsim.scenario.schema import Scenario
from sectorsim.streams import mix_seed

ID_COLUMNS = ["arm", "replication", "seed"]


def replication_seed(base_seed: int, replication: int) -> int:
    """Seed of replication ``replication`` (shared by every arm)."""
    return mix_seed(base_seed, replication)


@dataclass
class RunResult:
    """One run's outputs."""

    arm: str
    replication: int
    seed: int
    summary: dict[str, float]
    series: pd.DataFrame
    targets: list[dict]


def run_one(scenario: Scenario, arm: str, seed: int, replication: int = 0) -> RunResult:
    """Simulate one arm with one seed and summarize it.

    Raises:
        RuntimeError: if an output is not finite (a model invariant failed).
    """
    model = SectorModel(scenario=scenario, arm=arm, rng=seed)
    model.run()
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    summary = summarize(model, series)
    bad = [k for k, v in summary.items() if not np.isfinite(v)]
    if bad or not np.isfinite(series.to_numpy(dtype=float)).all():
        raise RuntimeError(f"non-finite outputs in arm '{arm}', seed {seed}: {bad or 'monthly series'}")
    return RunResult(arm, replication, seed, summary, series, model.chosen_targets)


def _task(scenario: Scenario, arm: str, replication: int) -> RunResult:
    return run_one(scenario, arm, replication_seed(scenario.seed, replication), replication)


@dataclass
class ScenarioResults:
    """All runs of a scenario: one summary row per run and the monthly series of every run."""

    scenario: Scenario
    summary: pd.DataFrame
    series: pd.DataFrame
    targets: pd.DataFrame  # sectors chosen by `target_sector: auto` (arm, target_sector, score)


def default_jobs() -> int:
    """Worker processes to use by default: the machine's cores."""
    return max(1, os.cpu_count() or 1)


def run_scenario(
    scenario: Scenario,
    jobs: int = 1,
    progress: Callable[[RunResult], None] | None = None,
) -> ScenarioResults:
    """Run every arm x replication of a scenario.

    Args:
        scenario: The validated scenario (replications and months already applied).
        jobs: Worker processes; 1 runs in this process.
        progress: Called after each finished run.

    Returns:
        Summaries and series in (arm order, replication) order.
    """
    tasks = [(a.name, r) for a in scenario.arms for r in range(scenario.replications)]
    results: list[RunResult] = []
    if jobs <= 1 or len(tasks) == 1:
        for arm, r in tasks:  # loop: runs
            res = _task(scenario, arm, r)
            results.append(res)
            if progress:
                progress(res)
    else:
        ctx = mp.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx) as pool:
            futures = [pool.submit(_task, scenario, arm, r) for arm, r in tasks]
            for fut in as_completed(futures):  # loop: runs
                res = fut.result()
                results.append(res)
                if progress:
                    progress(res)
    order = {a.name: i for i, a in enumerate(scenario.arms)}
    results.sort(key=lambda r: (order[r.arm], r.replication))
    summary = pd.DataFrame(
        [{"arm": r.arm, "replication": r.replication, "seed": r.seed, **r.summary} for r in results]
    )
    series = pd.concat(
        [r.series.assign(arm=r.arm, replication=r.replication, seed=r.seed) for r in results],
        ignore_index=True,
    )
    series = series[ID_COLUMNS + [c for c in series.columns if c not in ID_COLUMNS]]
    targets = pd.DataFrame(
        [t for r in results for t in r.targets], columns=["arm", "target_sector", "assessment_score"]
    )
    return ScenarioResults(
        scenario=scenario, summary=summary, series=series, targets=targets.drop_duplicates()
    )
