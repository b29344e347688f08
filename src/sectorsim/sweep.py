"""Parameter sweeps and global sensitivity analysis (SALib), local or on a Dask cluster.

An experiment file (``experiments/*.yaml``) names a scenario, the parameters to vary (dotted key paths
into the scenario, with bounds or values and a distribution), a method (Sobol with Saltelli/Sobol
sampling, Morris, eFAST, Latin hypercube, full grid), the sample size, replications, arms and outputs:
per-run metrics and paired differences between two arms.

Every (sample, arm, replication) is one pure run. Replication r uses the same seed in every arm and
every sample (common random numbers), so arm differences are paired and samples differ only by their
parameters. Each finished run is written at once as its own Parquet part in ``DIR/runs`` (atomically:
a hidden temporary file renamed into place); ``pandas.read_parquet(DIR/runs)`` reads them all. Run
again with the same DIR, finished runs are skipped; a changed experiment is refused. A run that raises
is recorded with its error and the sweep goes on. From Python::

    from sectorsim import sweep
    exp = sweep.load_experiment("experiments/smoke.yaml")
    sweep.run_sweep(exp, "results/smoke", jobs=2)
    indices, noise = sweep.analyze("results/smoke")
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sectorsim import __version__
from sectorsim.errors import InputError, KeyedValueError
from sectorsim.pool import run_tasks
from sectorsim.scenario.loading import describe_error, load_yaml, resolve_extends, set_path, validate

METHODS = ("sobol", "morris", "fast", "latin", "grid")


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Parameter(_Block):
    """A scenario value to vary."""

    path: str = Field(min_length=1, description="Dotted key path into the scenario.")
    bounds: tuple[float, float] | None = Field(
        None, description="[low, high] (unif); [mean, sd] (norm); [low, high] (triang, peak at the middle)."
    )
    values: list[float] | None = Field(None, min_length=1, description="Discrete values (method grid).")
    distribution: Literal["unif", "norm", "triang", "lognorm"] = "unif"
    integer: bool = Field(False, description="Round sampled values to whole numbers.")

    @model_validator(mode="after")
    def _one_of(self) -> Parameter:
        if (self.bounds is None) == (self.values is None):
            raise KeyedValueError("bounds", "give either bounds or values")
        if self.bounds is not None and self.distribution != "norm" and not self.bounds[0] < self.bounds[1]:
            raise KeyedValueError("bounds", f"low must be below high (got {list(self.bounds)})")
        if self.bounds is not None and self.distribution in ("norm", "lognorm") and not self.bounds[1] > 0:
            raise KeyedValueError(
                "bounds",
                f"the spread of a {self.distribution} distribution must be above 0 (got {self.bounds[1]})",
            )
        return self

    @property
    def span(self) -> tuple[float, float]:
        """The bounds, or (smallest, largest) of the discrete values."""
        if self.bounds is not None:
            return self.bounds
        values = self.values or [0.0]  # never empty: the validator requires bounds or values
        return (min(values), max(values))


class Difference(_Block):
    """A paired difference between two arms on one metric (computed within each replication)."""

    metric: str
    arm: str
    minus: str


class Outputs(_Block):
    """What to record and analyze."""

    metrics: list[str] = Field(default_factory=list)
    differences: list[Difference] = Field(default_factory=list)


class Experiment(_Block):
    """A sweep: scenario, parameters, method, sample size, replications, arms, outputs."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    scenario: str = Field(description="Scenario file, relative to the experiment file.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Scenario values set for every run.")
    method: Literal["sobol", "morris", "fast", "latin", "grid"]
    samples: int = Field(
        ge=1, le=1_000_000, description="Base sample size N (grid: levels per bounded parameter)."
    )
    second_order: bool = Field(False, description="Sobol: also second-order indices.")
    morris_levels: int = Field(4, ge=2, le=20)
    replications: int = Field(2, ge=1, le=1000)
    seed: int = Field(12345, ge=0, le=2**32 - 1, description="Seed of the parameter sampling.")
    arms: list[str] | None = Field(None, description="Arms to run (default: all).")
    parameters: list[Parameter] = Field(min_length=1, max_length=100)
    outputs: Outputs

    @model_validator(mode="after")
    def _check(self) -> Experiment:
        paths = [p.path for p in self.parameters]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise KeyedValueError("parameters", f"a path is listed twice ({', '.join(dupes)})")
        if self.method != "grid" and any(p.values is not None for p in self.parameters):
            raise KeyedValueError(
                "parameters", f"values lists are for method grid; method {self.method} needs bounds"
            )
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise KeyedValueError("samples", f"Sobol sampling needs a power of 2 (got {self.samples})")
        if self.method == "fast" and self.samples <= 4 * 4**2:
            raise KeyedValueError("samples", f"eFAST needs more than 64 samples (got {self.samples})")
        if not self.outputs.metrics and not self.outputs.differences:
            raise KeyedValueError("outputs", "name at least one metric or difference")
        return self


def load_experiment(path: str | Path) -> tuple[Experiment, dict[str, Any]]:
    """Load and validate an experiment file against its scenario.

    Returns:
        The experiment and the scenario as a raw mapping (extends resolved, overrides applied).

    Raises:
        InputError: naming the experiment file and the key.
    """
    path = Path(path)
    data = load_yaml(path)
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as exc:
        key, message = describe_error(exc.errors(include_url=False)[0], root=Experiment)
        raise InputError(str(path), key, message) from None
    scenario_path = (path.parent / exp.scenario).resolve()
    if not scenario_path.is_file():
        raise InputError(
            str(path), "scenario", f"scenario file '{exp.scenario}' not found next to the experiment"
        )
    raw = resolve_extends(scenario_path)
    for k, v in exp.overrides.items():
        _set(raw, k, v, path, "overrides")
    base = validate(raw, str(scenario_path))
    arms = [a.name for a in base.arms]
    for i, a in enumerate(exp.arms or []):
        if a not in arms:
            raise InputError(
                str(path), f"arms[{i}]", f"'{a}' is not an arm of the scenario ({', '.join(arms)})"
            )
    chosen = exp.arms or arms
    for i, d in enumerate(exp.outputs.differences):
        for side in ("arm", "minus"):
            if getattr(d, side) not in chosen:
                raise InputError(
                    str(path),
                    f"outputs.differences[{i}].{side}",
                    f"'{getattr(d, side)}' is not a swept arm ({', '.join(chosen)})",
                )
    known = metric_names(base)
    for m in [*exp.outputs.metrics, *(d.metric for d in exp.outputs.differences)]:
        if m not in known:
            import difflib

            near = difflib.get_close_matches(m, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise InputError(
                str(path), "outputs", f"unknown metric '{m}'{hint} (metrics: {', '.join(known)})"
            )
    # every parameter must set a valid scenario value at its extremes
    for i, p in enumerate(exp.parameters):
        for value in _extremes(p):
            trial = copy.deepcopy(raw)
            _set(trial, p.path, value, path, f"parameters[{i}].path")
            try:
                validate(trial, "")
            except InputError as exc:
                raise InputError(
                    str(path), f"parameters[{i}]", f"'{p.path}' = {value}: {exc.key}: {exc.message}"
                ) from None
    return exp, raw


def _set(raw: dict, dotted: str, value: Any, path: Path, key: str) -> None:
    try:
        set_path(raw, dotted, value)
    except KeyError as exc:
        raise InputError(str(path), key, str(exc.args[0])) from None


def _extremes(p: Parameter) -> list[float]:
    lo, hi = p.span
    if p.values is not None:
        return [lo, hi]
    if p.distribution == "norm":
        lo, hi = lo - 3 * hi, lo + 3 * hi
    return [_cast(lo, p), _cast(hi, p)]


def _cast(value: float, p: Parameter) -> float | int:
    return int(round(value)) if p.integer else float(value)


def metric_names(scenario: Any) -> list[str]:
    """Names of the per-run metrics of a scenario (from the metric registry; nothing is run)."""
    from sectorsim.metrics import summary_columns

    return summary_columns(scenario)


def problem_of(exp: Experiment) -> dict[str, Any]:
    """The SALib problem: names, bounds and distributions of the parameters."""
    return {
        "num_vars": len(exp.parameters),
        "names": [p.path for p in exp.parameters],
        "bounds": [list(p.span) for p in exp.parameters],
        "dists": [p.distribution for p in exp.parameters],
    }


def sample(exp: Experiment) -> np.ndarray:
    """The parameter samples (rows) for the experiment's method."""
    from SALib.sample import fast_sampler, latin, morris
    from SALib.sample import sobol as sobol_sample

    problem = problem_of(exp)
    if exp.method == "sobol":
        X = sobol_sample.sample(problem, exp.samples, calc_second_order=exp.second_order, seed=exp.seed)
    elif exp.method == "morris":
        X = morris.sample(problem, exp.samples, num_levels=exp.morris_levels, seed=exp.seed)
    elif exp.method == "fast":
        X = fast_sampler.sample(problem, exp.samples, seed=exp.seed)
    elif exp.method == "latin":
        X = latin.sample(problem, exp.samples, seed=exp.seed)
    else:
        axes = [
            p.values if p.values is not None else list(np.linspace(*p.span, exp.samples))
            for p in exp.parameters
        ]
        X = np.array(list(itertools.product(*axes)), dtype=float)
    for j, p in enumerate(exp.parameters):
        if p.integer:
            X[:, j] = np.round(X[:, j])
    return X


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
        for k, v in params.items():
            set_path(data, k, v)
        summary = run_one(resolve_targets(validate(data, "sweep"))[0], arm, seed).summary
        row.update({m: float(summary[m]) for m in metrics})
        row["error"] = ""
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded and the sweep goes on
        row.update({m: float("nan") for m in metrics})
        row["error"] = f"{type(exc).__name__}: {exc}"[:500]
    return row


def _part_name(sample_i: int, arm_i: int, rep: int) -> str:
    return f"part-s{sample_i:07d}-a{arm_i:02d}-r{rep:04d}.parquet"


def _write_row(runs_dir: Path, name: str, row: dict[str, Any], metrics: list[str]) -> None:
    fields = [("sample", pa.int64()), ("arm", pa.string()), ("replication", pa.int64()), ("seed", pa.int64())]
    fields += [(m, pa.float64()) for m in metrics] + [("error", pa.string())]
    table = pa.Table.from_pylist([row], schema=pa.schema(fields))
    tmp = runs_dir / f".{name}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, runs_dir / name)


def run_sweep(
    exp: Experiment,
    raw: dict[str, Any],
    out: str | Path,
    jobs: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    experiment_file: str = "experiment",
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

    Raises:
        InputError: if ``out`` holds a sweep of a different experiment.
    """
    from sectorsim.runner import replication_seed
    from sectorsim.scenario.schema import Scenario

    out = Path(out)
    runs_dir = out / "runs"
    fp = fingerprint(exp, raw)
    meta_path = out / "experiment.json"
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        if old.get("fingerprint") != fp:
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
    metrics = list(dict.fromkeys([*exp.outputs.metrics, *(d.metric for d in exp.outputs.differences)]))
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
    done = {p.name for p in runs_dir.glob("part-*.parquet")}
    tasks = []
    for i in range(X.shape[0]):  # loop: samples (building the task list)
        params = {p.path: _cast(X[i, j], p) for j, p in enumerate(exp.parameters)}
        for a_i, arm in enumerate(arms):
            for r in range(exp.replications):
                name = _part_name(i, a_i, r)
                if name in done:
                    continue
                seed = replication_seed(base.seed, r)
                ids = {"sample": i, "arm": arm, "replication": r, "seed": seed}
                tasks.append((name, (raw, params, arm, seed, ids, metrics)))
    total = X.shape[0] * len(arms) * exp.replications
    finished = total - len(tasks)
    if progress:
        progress(finished, total)

    def on_done(name: str, row: dict[str, Any]) -> None:
        nonlocal finished
        _write_row(runs_dir, name, row, metrics)
        finished += 1
        if progress:
            progress(finished, total)

    run_tasks(run_task, tasks, on_done, jobs=jobs, scheduler=scheduler, dask_local=dask_local)
    return out


def read_runs(out: str | Path) -> pd.DataFrame:
    """All finished runs of a sweep, one row each, sorted by (sample, arm, replication)."""
    df = pd.read_parquet(Path(out) / "runs")
    df = df.drop_duplicates(["sample", "arm", "replication"])
    return df.sort_values(["sample", "arm", "replication"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# analysis


def output_table(meta: dict[str, Any], runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per output, a (sample x replication) table of single-run values.

    Outputs are ``metric[arm]`` for each metric and swept arm, and ``metric[arm - minus]`` for each
    difference (computed within each replication: the arms share seeds).
    """
    exp = meta["experiment"]
    out: dict[str, pd.DataFrame] = {}
    for m in exp["outputs"]["metrics"]:
        for arm in meta["arms"]:
            sub = runs[runs["arm"] == arm]
            out[f"{m}[{arm}]"] = sub.pivot(index="sample", columns="replication", values=m)
    for d in exp["outputs"]["differences"]:
        a = runs[runs["arm"] == d["arm"]].pivot(index="sample", columns="replication", values=d["metric"])
        b = runs[runs["arm"] == d["minus"]].pivot(index="sample", columns="replication", values=d["metric"])
        out[f"{d['metric']}[{d['arm']} - {d['minus']}]"] = a - b
    return out


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
    """SALib indices for one output, as rows ``parameter, index, value, conf``.

    Sobol: S1, ST (and S2); Morris: mu, mu_star, sigma (conf: mu_star's); eFAST: S1, ST. Latin
    hypercube and grid: Spearman rank correlation of each parameter with the output (no variance
    decomposition exists for them).
    """
    from SALib.analyze import fast, morris, sobol

    names = problem["names"]
    rows: list[dict[str, Any]] = []
    if method == "sobol":
        res = sobol.analyze(problem, Y, calc_second_order=second_order, seed=seed)
        for j, n in enumerate(names):
            rows.append({"parameter": n, "index": "S1", "value": res["S1"][j], "conf": res["S1_conf"][j]})
            rows.append({"parameter": n, "index": "ST", "value": res["ST"][j], "conf": res["ST_conf"][j]})
        if second_order:
            for j, k in itertools.combinations(range(len(names)), 2):
                rows.append(
                    {
                        "parameter": f"{names[j]} x {names[k]}",
                        "index": "S2",
                        "value": res["S2"][j, k],
                        "conf": res["S2_conf"][j, k],
                    }
                )
    elif method == "morris":
        res = morris.analyze(problem, X, Y, num_levels=num_levels, seed=seed)
        for j, n in enumerate(names):
            rows.append(
                {
                    "parameter": n,
                    "index": "mu_star",
                    "value": res["mu_star"][j],
                    "conf": res["mu_star_conf"][j],
                }
            )
            rows.append({"parameter": n, "index": "sigma", "value": res["sigma"][j], "conf": float("nan")})
            rows.append({"parameter": n, "index": "mu", "value": res["mu"][j], "conf": float("nan")})
    elif method == "fast":
        res = fast.analyze(problem, Y, seed=seed)
        for j, n in enumerate(names):
            rows.append({"parameter": n, "index": "S1", "value": res["S1"][j], "conf": res["S1_conf"][j]})
            rows.append({"parameter": n, "index": "ST", "value": res["ST"][j], "conf": res["ST_conf"][j]})
    else:
        from scipy.stats import spearmanr

        for j, n in enumerate(names):
            rho = spearmanr(X[:, j], Y).statistic if np.ptp(X[:, j]) > 0 and np.ptp(Y) > 0 else 0.0
            half = 1.96 / math.sqrt(max(len(Y) - 3, 1))  # Fisher z approximation
            rows.append(
                {
                    "parameter": n,
                    "index": "spearman",
                    "value": float(rho),
                    "conf": float(abs(np.tanh(np.arctanh(np.clip(rho, -0.999, 0.999)) + half) - rho)),
                }
            )
    return rows


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
    rows, noise_rows = [], []
    failed = int((runs["error"] != "").sum())
    for name, table in output_table(meta, runs).items():
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
        for row in analyze_problem(
            meta["problem"],
            exp["method"],
            X,
            Y,
            second_order=exp["second_order"],
            num_levels=exp["morris_levels"],
            seed=exp["seed"],
        ):
            rows.append({"output": name, **row})
    return pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "conf"]), pd.DataFrame(
        noise_rows
    )
