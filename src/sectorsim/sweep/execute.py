"""Running a sweep: one pure run per (sample, arm, replication), each streamed to its own Parquet part.

Replication r uses the same seed in every arm and every sample (common random numbers), so arm
differences are paired and samples differ only by their parameters. Runs that share a seed and the value
of every parameter acting before the end of burn-in (every parameter but the arms' policy settings,
``arms.<arm>....``) are the same market, bit for bit, until then: they are one task, which builds the
region and runs the burn-in once and forks each run from its end (:func:`run_group`; at most
:data:`GROUP_RUNS` simulations a task). The arms of a sample always share it; so do samples that differ
only in policy settings (Saltelli's design has many). Each result equals a run from the start.

Runs that must give the same result are simulated once (on by default; ``run_sweep(dedup=False)``
simulates every run): a run of arm A reads only the parameters that can reach arm A, and a parameter
``arms.<B>....`` that names another arm B by name edits B's policies only (:func:`arm_edited`; a path
that names an arm by index, or that cannot be attributed to one arm for certain, reaches every arm). So
runs of one arm with one seed and equal values of every other parameter are duplicates
(:func:`duplicate_key`): they are kept in one task, every member's sample is still validated, one member
whose sample validates is simulated, and each member writes its own row with its own ids (sample, arm,
replication, seed): the result, or its own sample's validation error. Every part is what simulating
each run would have written. In a Sobol study of one arm's policies, the other arm's runs of most
samples are duplicates.

Each finished run is written at once as ``DIR/runs/part-s<sample>-a<arm>-r<replication>.parquet``
(atomically: a hidden temporary file renamed into place). Run again with the same DIR, finished runs are
skipped (duplicates are found among the runs still to do); a changed experiment (its fingerprint:
experiment, scenario, the model's code and the numeric libraries' versions) is refused. A run that
raises is recorded with its error and the sweep goes on. Where the runs happen (here, local
processes, Dask) is :func:`sectorsim.pool.run_tasks`'s business and changes nothing but the wall time.

Reads: the experiment and its scenario. Writes: ``DIR/experiment.json`` and ``DIR/runs/``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sectorsim import __version__
from sectorsim.errors import InputError
from sectorsim.pool import run_tasks
from sectorsim.scenario.loading import set_path, validate
from sectorsim.sweep.design import problem_of, sample
from sectorsim.sweep.experiment import Experiment

#: Parts of the package that cannot change a run's result (reports and user interfaces): a change
#: there leaves a sweep resumable. Everything else under ``src/sectorsim`` is the model's code.
PRESENTATION = ("report", "app.py", "workshop.py", "cli.py", "__main__.py")

#: Libraries whose arithmetic a run's numbers depend on (their versions enter the fingerprint).
NUMERIC_LIBRARIES = ("numpy", "scipy", "numba", "mesa")


def model_code_digest(root: Path | None = None) -> str:
    """Hash of the model's code: every ``.py`` file of the package outside :data:`PRESENTATION`.

    The package's version number alone does not say whether the model changed (it moves only at a
    release), so a sweep resumed after an edit to any process, policy or the scenario schema would mix
    results of two models; this digest of the sources, with the numeric libraries' versions, is part of
    the sweep's fingerprint instead.

    Args:
        root: The package folder (default: the installed ``sectorsim``).
    """
    from importlib.metadata import version

    root = root or Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):  # loop: the package's source files (about 80)
        rel = path.relative_to(root)
        if rel.parts[0] in PRESENTATION:
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for lib in NUMERIC_LIBRARIES:  # loop: a few libraries
        digest.update(f"{lib}=={version(lib)}\0".encode())
    return digest.hexdigest()


def fingerprint(exp: Experiment, raw: dict[str, Any]) -> str:
    """Hash of everything that determines the runs: experiment, scenario and the model's code.

    The code is :func:`model_code_digest` (with sectorsim's version): a sweep folder written by other
    model code is refused on resume rather than completed with results of a different model.
    """
    blob = json.dumps(
        {
            "experiment": exp.model_dump(mode="json"),
            "scenario": raw,
            "version": __version__,
            "code": model_code_digest(),
        },
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


#: Most simulations one task runs from one shared burn-in (a bigger group is split, never inside a set of
#: duplicates, and each part runs the burn-in again). A task writes a row for each duplicate too.
GROUP_RUNS = 32

#: One run of a group: its part name, its sample's parameter values, arm, seed and identifying columns.
Run = tuple[str, dict[str, Any], str, int, dict[str, Any]]


def acts_after_burn_in(path: str) -> bool:
    """Whether a parameter acts only after burn-in: an arm's policy setting (``arms.<arm>....``).

    A policy acts from its start month, at or after the end of burn-in, so runs that differ only in
    such parameters share their burn-in bit for bit (:meth:`sectorsim.model.SectorModel.fork`).
    """
    return path.startswith("arms.")


def arm_edited(path: str, raw: dict[str, Any]) -> str | None:
    """The one arm a parameter edits, or None when it may reach every arm.

    ``arms.<name>.<...>`` edits the arm called ``name`` and nothing else: a run reads only its own
    arm's policies, so the parameter cannot change another arm's run. A path that names an arm by
    index (``arms.1....``: :func:`~sectorsim.scenario.loading.set_path` reads digits as an index), a name
    that is not exactly one arm of the scenario, the whole arm (``arms.<name>``) and every path outside
    ``arms`` are taken to reach every arm.

    Args:
        path: The parameter's dotted key path.
        raw: The sweep's scenario as a raw mapping (its ``arms`` list names the arms).
    """
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "arms" or parts[1].isdigit():
        return None
    arms = raw.get("arms")
    if not isinstance(arms, list):
        return None
    named = [a for a in arms if isinstance(a, dict) and a.get("name") == parts[1]]  # loop: arms
    return parts[1] if len(named) == 1 else None


def _exact(value: Any) -> tuple[str, Any]:
    """A parameter value as a key that tells apart any two values a run could tell apart.

    A float is keyed by its bits, so 0.0 and -0.0 (equal, yet not the same input) are two keys.
    """
    if isinstance(value, float):
        return ("float", struct.pack("<d", value))
    return (type(value).__name__, repr(value))


def duplicate_key(raw: dict[str, Any], params: dict[str, Any], arm: str, seed: int) -> tuple[Any, ...]:
    """What a run's result depends on: runs with equal keys give the same row, bit for bit (but its ids).

    The arm, the seed and the value of every parameter that can reach the arm (all but those
    :func:`arm_edited` attributes to another arm), in the order they are set.
    """
    mine = [path for path in params if arm_edited(path, raw) in (None, arm)]  # loop: parameters
    reach = tuple((path, _exact(params[path])) for path in mine)  # loop: the parameters reaching the arm
    return (arm, seed, reach)


def split_group(raw: dict[str, Any], runs: list[Run], dedup: bool = True) -> list[list[Run]]:
    """A burn-in group's tasks: at most :data:`GROUP_RUNS` simulations each, duplicates kept together.

    Each run keeps its place in the group's order. With ``dedup`` off, every run is its own
    simulation and the tasks are consecutive slices of ``GROUP_RUNS`` runs.
    """
    sets: dict[Any, int] = {}
    tasks: list[list[Run]] = []
    for run in runs:  # loop: the group's runs, in order
        key = duplicate_key(raw, run[1], run[2], run[3]) if dedup else run[0]
        task = sets.setdefault(key, len(sets)) // GROUP_RUNS
        if task == len(tasks):
            tasks.append([])
        tasks[task].append(run)
    return tasks


def simulations(raw: dict[str, Any], tasks: list[list[Run]], dedup: bool = True) -> int:
    """How many simulations the tasks run at most (fewer when some samples fail validation)."""
    if not dedup:
        return sum(len(runs) for runs in tasks)  # loop: tasks
    return sum(
        len({duplicate_key(raw, p, arm, seed) for _, p, arm, seed, _ in runs})  # loop: a task's runs
        for runs in tasks  # loop: tasks
    )


def design_runs(exp: Experiment, raw: dict[str, Any], X: np.ndarray) -> list[tuple[tuple[Any, ...], Run]]:
    """Every run of a sweep, in (sample, replication, arm) order, each with its burn-in group's key.

    Runs share a burn-in when they share a seed and every parameter acting before the end of burn-in
    (the arms of a sample, and samples differing only in policy settings).

    Args:
        exp: The experiment.
        raw: Its scenario as a raw mapping.
        X: The experiment's parameter samples (:func:`sectorsim.sweep.design.sample`).
    """
    from sectorsim.runner import replication_seed
    from sectorsim.scenario.schema import Scenario

    base = Scenario.model_validate(raw)
    arms = exp.arms or [a.name for a in base.arms]
    before = [j for j, p in enumerate(exp.parameters) if not acts_after_burn_in(p.path)]  # loop: parameters
    out: list[tuple[tuple[Any, ...], Run]] = []
    for i in range(X.shape[0]):  # loop: samples (building the run list)
        params = {p.path: p.cast(X[i, j]) for j, p in enumerate(exp.parameters)}  # loop: parameters
        shared = tuple(float(X[i, j]) for j in before)  # loop: parameters acting during burn-in
        for r in range(exp.replications):  # loop: replications
            seed = replication_seed(base.seed, r)
            for a_i, arm in enumerate(arms):  # loop: arms
                ids = {"sample": i, "arm": arm, "replication": r, "seed": seed}
                out.append(((r, shared), (part_name(i, a_i, r), params, arm, seed, ids)))
    return out


def sweep_tasks(
    raw: dict[str, Any], runs: list[tuple[tuple[Any, ...], Run]], dedup: bool = True
) -> list[list[Run]]:
    """The tasks of a sweep's runs (``design_runs``, or those still to do): each burn-in group split.

    Args:
        raw: The sweep's scenario as a raw mapping.
        runs: (burn-in group key, run) pairs, in the sweep's order.
        dedup: Keep each set of duplicates in one task (:func:`split_group`).
    """
    groups: dict[tuple[Any, ...], list[Run]] = {}
    for key, run in runs:  # loop: runs
        groups.setdefault(key, []).append(run)
    return [task for group in groups.values() for task in split_group(raw, group, dedup)]  # loop: groups


def run_group(
    raw: dict[str, Any], runs: list[Run], metrics: list[str], dedup: bool = True
) -> list[tuple[str, dict[str, Any]]]:
    """Runs that share their burn-in (one seed; equal values of every parameter acting before it).

    Every sample's scenario is validated. The region is built and the burn-in run once; a run is
    forked from the end of burn-in (:func:`sectorsim.runner.run_arms`) for each set of duplicates
    (:func:`duplicate_key`; with ``dedup`` off, for each run), from its first member whose sample
    validates, so each row equals :func:`run_task`'s for the same run. A run whose sample fails
    validation records that error; a run that raises is recorded with its error (every member of its
    set records it); if the shared burn-in raises, every run with a valid sample records it.
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
    keys = [
        duplicate_key(raw, params, arm, seed) if dedup else name
        for name, params, arm, seed, _ in runs  # loop: runs
    ]
    # the run simulated for each set of duplicates: its first member whose sample validates
    first: dict[Any, int] = {}
    for i, res in enumerate(results):  # loop: runs
        if not isinstance(res, Exception):
            first.setdefault(keys[i], i)
    if first:
        of_set: dict[Any, Any]
        try:
            jobs = [(results[i], runs[i][2]) for i in first.values()]  # loop: the sets' simulated runs
            of_set = dict(zip(first, run_arms(jobs, runs[0][3], runs[0][4]["replication"]), strict=True))
        except Exception as exc:  # noqa: BLE001 - the shared burn-in failed: every valid run records it
            of_set = dict.fromkeys(first, exc)
        for i, res in enumerate(results):  # loop: runs
            if not isinstance(res, Exception):
                results[i] = of_set[keys[i]]
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


def check_resumable(exp: Experiment, raw: dict[str, Any], out: str | Path, experiment_file: str) -> str:
    """The sweep's fingerprint, once ``out`` is known to hold no sweep of another experiment.

    A folder with no (readable) ``experiment.json`` is a new sweep.

    Raises:
        InputError: if ``out`` holds a sweep whose experiment, scenario or model code differ.
    """
    fp = fingerprint(exp, raw)
    meta_path = Path(out) / "experiment.json"
    old = _read_meta(meta_path) if meta_path.exists() else None
    if old is not None and old.get("fingerprint") != fp:
        raise InputError(
            experiment_file,
            "",
            f"{out} holds a sweep of a different experiment (the experiment, its scenario or "
            "sectorsim's model code changed since); use another --out, or delete the folder to start over",
        )
    return fp


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
    dedup: bool = True,
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
        dedup: Simulate once each set of runs that must give the same result (:func:`duplicate_key`);
            off, every run is simulated. The parts are the same either way.

    Raises:
        InputError: if ``out`` holds a sweep of a different experiment.
    """
    from sectorsim.scenario.schema import Scenario

    out = Path(out)
    runs_dir = out / "runs"
    fp = check_resumable(exp, raw, out, experiment_file)
    meta_path = out / "experiment.json"
    if meta_path.exists() and _read_meta(meta_path) is None and notice:
        notice(f"{meta_path} was damaged; rewritten (every finished run is checked against the experiment)")
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
    todo: list[tuple[tuple[Any, ...], Run]] = []
    for group, run in design_runs(exp, raw, X):  # loop: the sweep's runs (keeping those to do)
        name, ids = run[0], run[4]
        if name in done:
            if part_is_sound(runs_dir / name, fp, ids):
                continue
            damaged.append(name)
            (runs_dir / name).unlink(missing_ok=True)
        todo.append((group, run))
    if damaged and notice:
        notice(
            f"{len(damaged)} damaged run file(s) in {runs_dir} (e.g. {damaged[0]}: not a whole run of this "
            "sweep) removed; they are run again"
        )
    # one task per burn-in group (at most GROUP_RUNS simulations, so a sweep of policy settings alone
    # still spreads over workers), each set of duplicates among the runs to do inside one task
    chunks = sweep_tasks(raw, todo, dedup)
    tasks = [(runs[0][0], (raw, runs, metrics, dedup)) for runs in chunks]  # loop: tasks
    total = X.shape[0] * len(arms) * exp.replications
    finished = total - len(todo)
    if progress:
        progress(finished, total)

    def on_done(_key: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        nonlocal finished
        for name, row in rows:  # loop: the task's runs (duplicates included)
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
