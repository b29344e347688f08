"""Running a sweep: one pure run per (sample, arm, replication), each streamed to its own Parquet part.

Replication r uses the same seed in every arm and every sample (common random numbers), so arm
differences are paired and samples differ only by their parameters. Runs that share a seed and the value
of every parameter acting before the end of burn-in (every parameter but the arms' policy settings,
``arms.<arm>....``) are the same market, bit for bit, until then: they are one task, which builds the
region and runs the burn-in once and forks each run from its end (:func:`run_group`; at most
:data:`GROUP_RUNS` runs a task). The arms of a sample always share it; so do samples that differ only in
policy settings (Saltelli's design has many). Each result equals a run from the start. Each finished run
is written at once as ``DIR/runs/part-s<sample>-a<arm>-r<replication>.parquet`` (atomically: a hidden
temporary file renamed into place). Run again with the same DIR, finished runs are skipped; a changed
experiment (its fingerprint: experiment, scenario, sectorsim version) is refused. A run that raises is
recorded with its error and the sweep goes on. Where the runs happen (here, local processes, Dask) is
:func:`sectorsim.pool.run_tasks`'s business and changes nothing but the wall time.

Reads: the experiment and its scenario. Writes: ``DIR/experiment.json`` and ``DIR/runs/``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sectorsim import __version__
from sectorsim.errors import InputError
from sectorsim.pool import run_tasks
from sectorsim.scenario.loading import set_path, validate
from sectorsim.sweep.design import problem_of, sample
from sectorsim.sweep.experiment import Experiment


def fingerprint(exp: Experiment, raw: dict[str, Any]) -> str:
    """Hash of everything that determines the runs: experiment, scenario and sectorsim version."""
    blob = json.dumps(
        {"experiment": exp.model_dump(mode="json"), "scenario": raw, "version": __version__},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def run_task(
    raw: dict[str, Any],
    params: dict[str, float],
    arm: str,
    seed: int,
    ids: dict[str, Any],
    metrics: list[str],
) -> dict[str, Any]:
    """One (sample, arm, replication) run: a pure function of its arguments. Errors are recorded."""
    from sectorsim.assessment import resolve_targets
    from sectorsim.runner import run_one

    row: dict[str, Any] = dict(ids)
    try:
        data = copy.deepcopy(raw)
        for k, v in params.items():  # loop: the sample's parameter values
            set_path(data, k, v)
        summary = run_one(resolve_targets(validate(data, "sweep"))[0], arm, seed).summary
        row.update({m: float(summary[m]) for m in metrics})
        row["error"] = ""
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded and the sweep goes on
        row.update({m: float("nan") for m in metrics})
        row["error"] = f"{type(exc).__name__}: {exc}"[:500]
    return row


#: Most runs one task runs from one shared burn-in (a bigger group is split; each part runs it again).
GROUP_RUNS = 32

#: One run of a group: its part name, its sample's parameter values, arm, seed and identifying columns.
Run = tuple[str, dict[str, Any], str, int, dict[str, Any]]


def acts_after_burn_in(path: str) -> bool:
    """Whether a parameter acts only after burn-in: an arm's policy setting (``arms.<arm>....``).

    A policy acts from its start month, at or after the end of burn-in, so runs that differ only in
    such parameters share their burn-in bit for bit (:meth:`sectorsim.model.SectorModel.fork`).
    """
    return path.startswith("arms.")


def run_group(raw: dict[str, Any], runs: list[Run], metrics: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Runs that share their burn-in (one seed; equal values of every parameter acting before it).

    The region is built and the burn-in run once; every run is forked from the end of burn-in
    (:func:`sectorsim.runner.run_arms`), so each row equals :func:`run_task`'s for the same run. A
    run that raises is recorded with its error; if the shared burn-in raises, every run records it.
    """
    from sectorsim.assessment import resolve_targets
    from sectorsim.runner import run_arms

    rows = [dict(ids) for *_, ids in runs]  # loop: runs
    scenarios: dict[int, Any] = {}
    for _, params, _, _, ids in runs:  # loop: the group's runs (its samples' scenarios, each once)
        if ids["sample"] in scenarios:
            continue
        try:
            data = copy.deepcopy(raw)
            for k, v in params.items():  # loop: the sample's parameter values
                set_path(data, k, v)
            scenarios[ids["sample"]] = resolve_targets(validate(data, "sweep"))[0]
        except Exception as exc:  # noqa: BLE001 - this sample's runs record it; the others go on
            scenarios[ids["sample"]] = exc
    results: list[Any] = [scenarios[ids["sample"]] for *_, ids in runs]  # loop: runs
    todo = [i for i, res in enumerate(results) if not isinstance(res, Exception)]  # loop: runs
    if todo:
        try:
            jobs = [(results[i], runs[i][2]) for i in todo]  # loop: runs with a valid scenario
            done = run_arms(jobs, runs[0][3], runs[0][4]["replication"])
            for i, res in zip(todo, done, strict=True):  # loop: runs with a valid scenario
                results[i] = res
        except Exception as exc:  # noqa: BLE001 - the shared burn-in failed: every run records it
            for i in todo:  # loop: runs with a valid scenario
                results[i] = exc
    out = []
    for (name, *_), row, res in zip(runs, rows, results, strict=True):  # loop: the group's runs
        if isinstance(res, Exception):
            row.update({m: float("nan") for m in metrics})
            row["error"] = f"{type(res).__name__}: {res}"[:500]
        else:
            row.update({m: float(res.summary[m]) for m in metrics})
            row["error"] = ""
        out.append((name, row))
    return out


def part_name(sample_i: int, arm_i: int, rep: int) -> str:
    """File name of one run's Parquet part."""
    return f"part-s{sample_i:07d}-a{arm_i:02d}-r{rep:04d}.parquet"


#: Key of a part's Parquet metadata that holds the sweep's fingerprint.
FINGERPRINT_KEY = b"sectorsim.fingerprint"


def _write_row(runs_dir: Path, name: str, row: dict[str, Any], metrics: list[str], fp: str) -> None:
    fields = [("sample", pa.int64()), ("arm", pa.string()), ("replication", pa.int64()), ("seed", pa.int64())]
    fields += [(m, pa.float64()) for m in metrics] + [("error", pa.string())]
    schema = pa.schema(fields, metadata={FINGERPRINT_KEY: fp.encode()})
    table = pa.Table.from_pylist([row], schema=schema)
    tmp = runs_dir / f".{name}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, runs_dir / name)


def part_is_sound(path: Path, fp: str, ids: dict[str, Any]) -> bool:
    """Whether a part file is a whole run of this sweep: it reads back as one row with its ids.

    A truncated, empty or garbage file (a full disk, a bad copy) and a part of another experiment
    (another fingerprint) are not.
    """
    try:
        table = pq.read_table(path)
    except Exception:  # noqa: BLE001 - any failure to read back means the part must be recomputed
        return False
    meta = table.schema.metadata or {}
    if table.num_rows != 1 or meta.get(FINGERPRINT_KEY) != fp.encode():
        return False
    row = table.to_pylist()[0]
    return all(row.get(k) == v for k, v in ids.items())  # loop: the run's ids


def _read_meta(meta_path: Path) -> dict[str, Any] | None:
    """A sweep folder's experiment.json, or None when it is missing, truncated or not a mapping."""
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def run_sweep(
    exp: Experiment,
    raw: dict[str, Any],
    out: str | Path,
    jobs: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    experiment_file: str = "experiment",
    notice: Callable[[str], None] | None = None,
) -> Path:
    """Run (or resume) a sweep, streaming each finished run to ``out/runs``.

    Args:
        exp: The experiment.
        raw: Its scenario as a raw mapping (from ``load_experiment``).
        out: Output folder.
        jobs: Local worker processes (1: serial).
        scheduler: Address of an existing dask.distributed scheduler.
        dask_local: Start a LocalCluster with this many worker processes on 127.0.0.1.
        progress: Called with (done, total) after each run (skipped runs count as done).
        experiment_file: Name used in error messages.
        notice: Called with a line about anything repaired (a damaged experiment.json or parts).

    Raises:
        InputError: if ``out`` holds a sweep of a different experiment.
    """
    from sectorsim.runner import replication_seed
    from sectorsim.scenario.schema import Scenario

    out = Path(out)
    runs_dir = out / "runs"
    fp = fingerprint(exp, raw)
    meta_path = out / "experiment.json"
    old = _read_meta(meta_path) if meta_path.exists() else None
    if meta_path.exists() and old is None and notice:
        notice(f"{meta_path} was damaged; rewritten (every finished run is checked against the experiment)")
    if old is not None and old.get("fingerprint") != fp:
        raise InputError(
            experiment_file,
            "",
            f"{out} holds a sweep of a different experiment (the experiment, its scenario or "
            "sectorsim changed since); use another --out, or delete the folder to start over",
        )
    runs_dir.mkdir(parents=True, exist_ok=True)
    X = sample(exp)
    base = Scenario.model_validate(raw)
    arms = exp.arms or [a.name for a in base.arms]
    metrics = exp.recorded_metrics
    meta = {
        "fingerprint": fp,
        "experiment": exp.model_dump(mode="json"),
        "problem": problem_of(exp),
        "X": X.tolist(),
        "arms": arms,
        "metrics": metrics,
        "version": __version__,
    }
    tmp = out / ".experiment.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, meta_path)
    for stale in runs_dir.glob(".part-*.tmp"):  # loop: parts a killed sweep was writing
        stale.unlink(missing_ok=True)
    done = {p.name for p in runs_dir.glob("part-*.parquet")}
    damaged: list[str] = []
    # runs that share a seed and every parameter acting before the end of burn-in share their
    # burn-in: one task each (the arms of a sample, and samples differing only in policy settings)
    before = [j for j, p in enumerate(exp.parameters) if not acts_after_burn_in(p.path)]  # loop: parameters
    groups: dict[tuple[Any, ...], list[Run]] = {}
    for i in range(X.shape[0]):  # loop: samples (building the task list)
        params = {p.path: p.cast(X[i, j]) for j, p in enumerate(exp.parameters)}
        shared = tuple(float(X[i, j]) for j in before)  # loop: parameters acting during burn-in
        for r in range(exp.replications):  # loop: replications
            seed = replication_seed(base.seed, r)
            for a_i, arm in enumerate(arms):  # loop: arms
                name = part_name(i, a_i, r)
                ids = {"sample": i, "arm": arm, "replication": r, "seed": seed}
                if name in done:
                    if part_is_sound(runs_dir / name, fp, ids):
                        continue
                    damaged.append(name)
                    (runs_dir / name).unlink(missing_ok=True)
                groups.setdefault((r, shared), []).append((name, params, arm, seed, ids))
    if damaged and notice:
        notice(
            f"{len(damaged)} damaged run file(s) in {runs_dir} (e.g. {damaged[0]}: not a whole run of this "
            "sweep) removed; they are run again"
        )
    # at most GROUP_RUNS runs a task, so a sweep of policy settings alone still spreads over workers
    chunks = [
        runs[k : k + GROUP_RUNS] for runs in groups.values() for k in range(0, len(runs), GROUP_RUNS)
    ]  # loop: groups
    tasks = [(runs[0][0], (raw, runs, metrics)) for runs in chunks]  # loop: tasks
    total = X.shape[0] * len(arms) * exp.replications
    finished = total - sum(len(runs) for runs in groups.values())  # loop: groups
    if progress:
        progress(finished, total)

    def on_done(_key: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        nonlocal finished
        for name, row in rows:  # loop: the group's runs
            _write_row(runs_dir, name, row, metrics, fp)
            finished += 1
            if progress:
                progress(finished, total)

    run_tasks(run_group, tasks, on_done, jobs=jobs, scheduler=scheduler, dask_local=dask_local)
    return out


def read_runs(out: str | Path) -> pd.DataFrame:
    """All finished runs of a sweep, one row each, sorted by (sample, arm, replication).

    Files that are not readable Parquet (truncated, empty, garbage) are left out, as are runs of a
    folder with no ``runs`` yet: the result then has fewer rows than the sweep's runs.
    """
    import pyarrow.dataset as ds

    runs = Path(out) / "runs"
    ids = ["sample", "arm", "replication", "seed", "error"]
    try:
        data = ds.dataset(runs, format="parquet", exclude_invalid_files=True)
        df = data.to_table().to_pandas()
    except (OSError, pa.ArrowInvalid):  # no runs folder, or no readable part in it
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "arm" else "object") for c in ids})
    if df.empty or "sample" not in df:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "arm" else "object") for c in ids})
    df = df.drop_duplicates(["sample", "arm", "replication"])
    return df.sort_values(["sample", "arm", "replication"]).reset_index(drop=True)
