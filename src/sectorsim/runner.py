"""Run arms x replications, paired by seed, serially or in worker processes.

A run is a pure function of (scenario, arm, seed): :func:`run_one`. Replication ``r`` of every arm
uses the same seed, ``replication_seed(scenario.seed, r)``, so arms share their random numbers and
differences between them are the policy's (paired comparison). Results are sorted by (arm order,
replication) whatever order the processes finish in, so output files are identical serially and in
parallel.

Employer outcomes are paired across arms (:func:`pair_runs`): every run keeps every employer's
books, and each run's engaged employers are looked up in the reference arm's run with the same seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sectorsim.metrics import paired_columns
from sectorsim.model import SectorModel
from sectorsim.pool import run_tasks
from sectorsim.scenario.schema import Scenario
from sectorsim.streams import mix_seed
from sectorsim.summary import employer_books, employer_rows, paired_outcomes, summarize

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
    #: earnings by period ("earnings": periods x workers, float32) with each worker's "group" and
    #: "area" codes, when the scenario keeps an earnings panel
    panel: dict[str, np.ndarray] | None = None
    #: every employer's books over the horizon (``sectorsim.summary.employer_books``)
    employers: pd.DataFrame | None = None
    #: every row's horizon totals, for the worker-level counterfactual (:func:`horizon_totals`)
    workers: dict[str, np.ndarray] | None = None


def horizon_totals(model: SectorModel) -> dict[str, np.ndarray]:
    """Each worker row's earnings over the horizon, months resident, and whether they took part.

    A row is the same person in every arm with the same seed, so these vectors of two arms, row by
    row, are the worker-level counterfactual. Kept small (float32, int16, bool: 7 bytes a row).
    """
    w = model.workers
    return {
        "earnings": w.window_earnings.astype(np.float32),
        "months": w.window_months.astype(np.int16),
        "participant": w.ever_enrolled.copy(),
    }


def _bare(scenario: Scenario) -> Scenario:
    """The scenario without mesa agent views: a run that returns only its records never shows them.

    Creating a view per row is a third of a run's time on the default region; the views read and
    write the tables' rows and nothing else, so results are identical without them.
    """
    return scenario.model_copy(update={"agent_views": False}) if scenario.agent_views else scenario


def run_one(scenario: Scenario, arm: str, seed: int, replication: int = 0) -> RunResult:
    """Simulate one arm with one seed and summarize it.

    Raises:
        RuntimeError: if an output is not finite (a model invariant failed).
    """
    model = SectorModel(scenario=_bare(scenario), arm=arm, rng=seed)
    model.run()
    return _result(model, arm, seed, replication)


def run_arms(
    runs: Sequence[tuple[Scenario, str]], seed: int, replication: int = 0
) -> list[RunResult | Exception]:
    """Runs of one seed that share their burn-in: it runs once, and each run is forked from its end.

    Every arm is the same market, bit for bit, until its first policy starts (at or after the end of
    burn-in; see :meth:`SectorModel.fork`), so each result equals :func:`run_one`'s for the same
    (scenario, arm, seed). The scenarios may differ only in their arms (policy settings).

    Returns:
        One result per run, in order; a run that raised gives its exception instead.

    Raises:
        Exception: whatever building the region or the burn-in raised (every run would).
    """
    first, arm = runs[0]
    base = SectorModel(scenario=_bare(first), arm=arm, rng=seed)
    base.run(first.burn_in)
    out: list[RunResult | Exception] = []
    for scenario, name in runs:  # loop: the runs sharing this burn-in (arms, policy settings)
        try:
            model = base.fork(_bare(scenario), name)
            model.run(scenario.months)
            out.append(_result(model, name, seed, replication))
        except Exception as exc:  # noqa: BLE001 - one run's failure is its own; the others go on
            out.append(exc)
    return out


def _result(model: SectorModel, arm: str, seed: int, replication: int) -> RunResult:
    """A finished run's records.

    Raises:
        RuntimeError: if an output is not finite (a model invariant failed).
    """
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    summary = summarize(model, series)
    bad = [k for k, v in summary.items() if not np.isfinite(v)]
    if bad or not np.isfinite(series.to_numpy(dtype=float)).all():
        raise RuntimeError(f"non-finite outputs in arm '{arm}', seed {seed}: {bad or 'monthly series'}")
    panel: dict[str, np.ndarray] | None = None
    if model.earnings_panel is not None:
        w = model.workers
        here = np.flatnonzero(w.window_months > 0)  # everyone resident at some time in the horizon
        panel = {
            "earnings": model.earnings_panel[:, here],
            "worker": here,
            "group": w.group[here],
            "area": w.area[here],
            "months": w.window_months[here],
        }
    return RunResult(
        arm, replication, seed, summary, series, panel, employer_books(model), horizon_totals(model)
    )


def _task(scenario: Scenario, arm: str, replication: int) -> RunResult:
    return run_one(scenario, arm, replication_seed(scenario.seed, replication), replication)


@dataclass
class ScenarioResults:
    """All runs of a scenario: one summary row per run and the monthly series of every run."""

    scenario: Scenario
    summary: pd.DataFrame
    series: pd.DataFrame
    panels: list[RunResult] | None = None  # runs with an earnings panel, in (arm, replication) order
    #: employers.csv: one row per engaged employer, arm and replication (``pair_runs``)
    employers: pd.DataFrame | None = None
    #: each run's per-row horizon totals (:func:`horizon_totals`), keyed by (arm, replication)
    workers: dict[tuple[str, int], dict[str, np.ndarray]] | None = None


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
    tasks = [
        ((a.name, r), (scenario, a.name, r)) for a in scenario.arms for r in range(scenario.replications)
    ]
    results: list[RunResult] = []

    def done(_key: tuple[str, int], res: RunResult) -> None:
        results.append(res)
        if progress:
            progress(res)

    run_tasks(_task, tasks, done, jobs=jobs)
    order = {a.name: i for i, a in enumerate(scenario.arms)}
    results.sort(key=lambda r: (order[r.arm], r.replication))
    paired, employers = pair_runs(results, scenario.reference_arm)
    summary = pd.DataFrame(
        [
            {"arm": r.arm, "replication": r.replication, "seed": r.seed, **r.summary, **p}
            for r, p in zip(results, paired, strict=True)  # loop: runs
        ]
    )
    series = pd.concat(
        [r.series.assign(arm=r.arm, replication=r.replication, seed=r.seed) for r in results],
        ignore_index=True,
    )
    series = series[ID_COLUMNS + [c for c in series.columns if c not in ID_COLUMNS]]
    panels = [r for r in results if r.panel is not None] or None
    workers = {(r.arm, r.replication): r.workers for r in results if r.workers is not None}  # loop: runs
    return ScenarioResults(
        scenario=scenario,
        summary=summary,
        series=series,
        panels=panels,
        employers=employers,
        workers=workers or None,
    )


def pair_runs(results: list[RunResult], reference: str) -> tuple[list[dict[str, float]], pd.DataFrame]:
    """Paired employer outcomes of every run, and the employers.csv table.

    Each run's engaged employers are followed in the reference arm's run of the same replication
    (the same seed, so the same employers and random numbers). A run without its reference run
    gets empty (NaN) paired columns.

    Returns:
        The paired columns of each run (in ``results`` order), and one row per engaged employer,
        arm and replication (arms other than the reference).
    """
    ref = {r.replication: r.employers for r in results if r.arm == reference}
    paired: list[dict[str, float]] = []
    rows = []
    for r in results:  # loop: runs
        base = ref.get(r.replication)
        if base is None or r.employers is None:
            paired.append(dict.fromkeys(paired_columns(), float("nan")))
            continue
        paired.append(paired_outcomes(r.employers, base))
        if r.arm != reference:
            table = employer_rows(r.employers, base)
            table.insert(0, "replication", r.replication)
            table.insert(0, "arm", r.arm)
            rows.append(table)
    employers = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["arm", "replication"])
    return paired, employers


def write_earnings_panel(results: ScenarioResults, path: str) -> None:
    """Write every run's earnings panel to one Parquet file, a row per (arm, replication, worker).

    Every worker resident at some time in the horizon has a row. Columns: arm, replication, worker
    (row key: the same person in every arm), group, area (of residence), months_resident (months of
    the horizon lived in the region), then one float32 column per period of the horizon: ``m01``...
    (monthly) or ``q01``... (quarterly), in $ (0 for periods outside the region).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    sc = results.scenario
    prefix = "q" if sc.earnings_panel == "quarterly" else "m"
    groups = pa.array([g.name for g in sc.groups])
    areas = pa.array([a.name for a in sc.region.areas])
    writer = None
    for run in results.panels or []:  # loop: runs (one table each, streamed to the file)
        if run.panel is None:
            continue
        earn = run.panel["earnings"]
        n = earn.shape[1]
        cols = {
            "arm": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([run.arm])),
            "replication": pa.array(np.full(n, run.replication, np.int32)),
            "worker": pa.array(run.panel["worker"].astype(np.int64)),
            "group": pa.DictionaryArray.from_arrays(pa.array(run.panel["group"].astype(np.int32)), groups),
            "area": pa.DictionaryArray.from_arrays(pa.array(run.panel["area"].astype(np.int32)), areas),
            "months_resident": pa.array(run.panel["months"].astype(np.int32)),
        }
        for t in range(earn.shape[0]):  # loop: periods (columns)
            cols[f"{prefix}{t + 1:02d}"] = pa.array(earn[t])
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
