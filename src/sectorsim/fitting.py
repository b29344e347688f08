"""Calibrate a region automatically: fit its labor-market parameters to its own targets (Optuna).

``sectorsim calibrate SCENARIO --targets FILE`` fits the parameters docs/ODD.md marks
**calibration** (sector separation rates, part-time shares and hours, the share of part-timers who
want more hours, jobs per worker, applications, on-the-job search and the flows into and out of the
labor force) so the scenario's no-policy arm lands in every band of a targets file, all at once.
Program and policy parameters are never fitted.

**Parameters.** Each fitted parameter is a multiplier on one or more scenario keys (one sector's
full- and part-time hours move together), starting at 1, clipped to each key's allowed range, and
paired with the target it moves most (:func:`parameters`). A parameter is fitted only when the
targets file has its target.

**The search.** Every trial runs the reference arm with the same seeds (common random numbers, so
the fit is a deterministic function of the parameters) and scores the bands: the sum, over targets,
of the squared distance outside the band in band widths (0 when every band is met). The next trial
takes damped Gauss-Newton steps on log scales toward every band at once, with a Jacobian of prior
elasticities: each parameter on its own target and on the targets it is known to move, measured on
the shipped region (:meth:`Problem.propose`). The trials are Optuna's: steps are enqueued, and when
no step is left (every target where it should be but the score not yet 0) Optuna's TPE sampler
proposes. Optuna
records every trial in an SQLite file, so a killed calibration run again continues the same study.

**Refused before any run.** An unknown metric, a band outside what the metric can take (a share
above 1, hours above 80), a band with low above high, or bands that contradict each other (the
employment-to-population ratio above participation times one minus unemployment).

Reads: a scenario (as its raw mapping) and a targets file. Writes: nothing (the CLI writes the
calibrated scenario and the fit report).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sectorsim.calibration import FLOW_TARGETS, flow_targets
from sectorsim.errors import InputError
from sectorsim.metrics import describe, slug, summary_columns
from sectorsim.runner import replication_seed, run_one
from sectorsim.scenario.loading import load_yaml, set_path, validate
from sectorsim.scenario.schema import Scenario

#: Units whose values are shares or monthly probabilities (0 to 1), and weekly hours (0 to 80).
UNIT_RANGE = {"share": (0.0, 1.0), "per month": (0.0, 1.0), "hours / week": (0.0, 80.0)}
#: Multipliers Optuna's sampler may propose (log scale): a parameter may move 4x either way.
MULTIPLIER_RANGE = (0.25, 4.0)
#: Share of the Gauss-Newton step a proposal takes.
GAIN = 0.7
#: A proposal aims this share of a band's width inside each edge (the shipped region sits near
#: the lower edges of the labor-force flow bands, so aiming at their middle asks for the impossible).
MARGIN = 0.1


@dataclass(frozen=True)
class Band:
    """A target band a summary metric of the no-policy arm must land in."""

    metric: str
    low: float
    high: float
    name: str = ""
    source: str = ""

    def distance(self, value: float) -> float:
        """How far ``value`` is outside the band, in band widths (0 inside)."""
        width = max(self.high - self.low, 1e-12)
        return max(self.low - value, 0.0, value - self.high) / width


@dataclass(frozen=True)
class Parameter:
    """A fitted multiplier: the scenario keys it scales, the target it moves, and how strongly.

    Attributes:
        name: Short name (the Optuna parameter's name).
        keys: Dotted scenario keys it multiplies (``sectors.retail.separation_rate``).
        target: The summary metric it moves most.
        elasticity: Prior d log(target) / d log(multiplier).
    """

    name: str
    keys: tuple[str, ...]
    target: str
    elasticity: float
    #: prior elasticities on other targets it is known to move (metric -> elasticity)
    also: tuple[tuple[str, float], ...] = ()


def parameters(scenario: Scenario, bands: list[Band]) -> list[Parameter]:
    """The parameters to fit for ``bands``: those whose target is banded (docs/ODD.md: calibration)."""
    wanted = {b.metric for b in bands}
    out: list[Parameter] = []
    for s in scenario.sectors:  # loop: sectors
        k, name = f"sectors.{s.name}", slug(s.name)
        out += [
            # a sector's separations are part of everyone's flows out of employment, by its share
            Parameter(
                f"separations_{name}",
                (f"{k}.separation_rate",),
                f"separation_rate_{name}",
                0.8,
                (("employed_to_unemployed_rate", s.share), ("employed_to_inactive_rate", s.share)),
            ),
            Parameter(f"part_time_{name}", (f"{k}.part_time_share",), f"part_time_share_{name}", 1.0),
            Parameter(
                f"hours_{name}", (f"{k}.full_time_hours", f"{k}.part_time_hours"), f"hours_{name}", 1.0
            ),
        ]
    everywhere = tuple(f"sectors.{s.name}.involuntary_share" for s in scenario.sectors)  # loop: sectors
    out += [
        Parameter("involuntary_part_time", everywhere, "involuntary_part_time_share", 1.0),
        # elasticities below: measured on the shipped region (3,000 workers), one parameter at 1.25x
        Parameter(
            "jobs_per_worker",
            ("labor_market.jobs_per_worker",),
            "employment_rate",
            0.25,
            (
                ("participation_rate", 0.23),
                ("unemployment_rate", -0.36),
                ("job_finding_rate", 0.14),
                ("employed_to_inactive_rate", -0.54),
                ("employed_to_unemployed_rate", -0.36),
            ),
        ),
        Parameter(
            "applications",
            ("labor_market.applications_per_month",),
            "job_finding_rate",
            0.33,
            (("unemployment_rate", -0.21), ("employed_to_inactive_rate", -0.23)),
        ),
        # job-to-job moves are separations too (JOLTS counts them)
        Parameter(
            "on_the_job_search",
            ("labor_market.on_the_job_search",),
            "job_to_job_rate",
            0.8,
            tuple((f"separation_rate_{slug(x.name)}", 0.3) for x in scenario.sectors),  # loop: sectors
        ),
        # job losers who leave the labor force: fewer of them means more unemployment inflows
        Parameter(
            "separation_to_inactive",
            ("participation.separation_to_inactive",),
            "employed_to_unemployed_rate",
            -1.29,
            (("employed_to_inactive_rate", 0.74), ("job_finding_rate", -0.67), ("unemployment_rate", -0.21)),
        ),
        # the flows into and out of the labor force
        Parameter(
            "exit_rate",
            ("participation.exit_rate",),
            "unemployed_to_inactive_rate",
            0.8,
            (
                ("unemployment_rate", -1.06),
                ("job_finding_rate", 0.48),
                ("employed_to_unemployed_rate", -0.45),
                ("employed_to_inactive_rate", -0.21),
            ),
        ),
        Parameter(
            "entry_rate",
            ("participation.entry_rate",),
            "inactive_to_unemployed_rate",
            0.8,
            (
                ("unemployment_rate", 0.42),
                ("job_finding_rate", -0.59),
                ("employed_to_unemployed_rate", -0.36),
                ("employed_to_inactive_rate", -0.29),
            ),
        ),
        Parameter(
            "passive_applications",
            ("participation.passive_applications",),
            "inactive_to_employed_rate",
            0.8,
            (("job_finding_rate", -0.57), ("unemployment_rate", 0.4), ("employed_to_inactive_rate", -0.22)),
        ),
    ]
    return [p for p in out if p.target in wanted]  # loop: parameters


# ---- reading and refusing targets ---------------------------------------------------------------


def published_bands(scenario: Scenario) -> list[Band]:
    """The published bands (docs/VALIDATION.md) that apply to the scenario's sectors and region."""
    return [Band(t.metric, t.low, t.high, t.name, t.source) for t in flow_targets(scenario)[0]]  # loop


def targets_yaml(bands: list[Band] | None = None) -> str:
    """A targets file's text (default: the published bands of the shipped region's sectors)."""
    if bands is None:
        bands = [Band(t.metric, t.low, t.high, t.name, t.source) for t in FLOW_TARGETS]  # loop: targets
    rows = [
        {"metric": b.metric, "low": b.low, "high": b.high, "name": b.name, "source": b.source}
        for b in bands  # loop: targets
    ]
    head = (
        "# Calibration targets: bands the no-policy market must land in (sectorsim calibrate --targets).\n"
        "# metric: a column of summary.csv; low, high: the band; name, source: for the fit report.\n"
    )
    return head + yaml.safe_dump({"targets": rows}, sort_keys=False, allow_unicode=True, width=110)


def read_targets(path: Path | str, scenario: Scenario) -> list[Band]:
    """Read and check a targets file against the scenario; ``published`` gives the published bands.

    Raises:
        InputError: naming the file, the target's key and what is allowed, before any run.
    """
    if str(path) == "published":
        bands = published_bands(scenario)
    else:
        raw = load_yaml(path)
        items = raw.get("targets") if isinstance(raw, dict) else None
        if not isinstance(items, list) or not items:
            raise InputError(str(path), "targets", "give a list of targets, each {metric, low, high}")
        bands = []
        for i, item in enumerate(items):  # loop: targets in the file
            key = f"targets[{i}]"
            if not isinstance(item, dict) or not {"metric", "low", "high"} <= set(item):
                raise InputError(str(path), key, "each target needs metric, low and high")
            extra = set(item) - {"metric", "low", "high", "name", "source"}
            if extra:
                raise InputError(
                    str(path),
                    f"{key}.{sorted(extra)[0]}",
                    "unknown key (allowed: metric, low, high, name, source)",
                )
            try:
                low, high = float(item["low"]), float(item["high"])
            except (TypeError, ValueError):
                raise InputError(str(path), key, "low and high must be numbers") from None
            if not (math.isfinite(low) and math.isfinite(high)):
                raise InputError(str(path), key, "low and high must be finite numbers")
            bands.append(
                Band(str(item["metric"]), low, high, str(item.get("name", "")), str(item.get("source", "")))
            )
    check_bands(bands, scenario, str(path))
    return bands


def check_bands(bands: list[Band], scenario: Scenario, source: str) -> None:
    """Refuse bands the model cannot meet, with a one-line message (see the module docstring).

    Raises:
        InputError: the first problem found.
    """
    known = summary_columns(scenario)
    seen: dict[str, Band] = {}
    for i, b in enumerate(bands):  # loop: targets
        key = f"targets[{i}] ({b.metric})"
        if b.metric not in known:
            near = [m for m in known if m.startswith(b.metric.split("_")[0])][:6]  # loop: metrics
            raise InputError(
                source, key, f"no such metric for this scenario (e.g. {', '.join(near or known[:6])})"
            )
        if b.metric in seen:
            raise InputError(source, key, "the metric has two targets; give one band per metric")
        seen[b.metric] = b
        if b.low > b.high:
            raise InputError(source, key, f"low {b.low:g} is above high {b.high:g}")
        metric, _ = describe(b.metric, scenario)
        lo, hi = UNIT_RANGE.get(metric.unit if metric else "", (-math.inf, math.inf))
        if b.high < lo or b.low > hi:
            raise InputError(
                source, key, f"the model cannot meet {b.low:g}-{b.high:g}: the metric lies in {lo:g}-{hi:g}"
            )
    emp, part, unemp = (seen.get(m) for m in ("employment_rate", "participation_rate", "unemployment_rate"))
    if emp and part and unemp and emp.low > part.high * (1 - unemp.low) + 1e-9:
        raise InputError(
            source,
            "targets (employment_rate)",
            f"the model cannot meet these bands together: employment-to-population at least {emp.low:g} "
            f"needs participation x (1 - unemployment) that high, but it is at most "
            f"{part.high * (1 - unemp.low):.3f}",
        )


# ---- one trial ------------------------------------------------------------------------------


def _get(data: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted key of a validated scenario's dump (sectors addressed by name)."""
    node: Any = data
    for part in dotted.split("."):  # loop: key parts
        node = next(x for x in node if x.get("name") == part) if isinstance(node, list) else node[part]
    return node


def _bounds(scenario: Scenario, dotted: str) -> tuple[float, float]:
    """The allowed range of a numeric scenario key, from the schema's constraints."""
    model: Any = scenario
    parts = dotted.split(".")
    for part in parts[:-1]:  # loop: key parts
        model = next(x for x in model if x.name == part) if isinstance(model, list) else getattr(model, part)
    info = type(model).model_fields[parts[-1]]
    low, high = -math.inf, math.inf
    for m in info.metadata:  # loop: the field's constraints
        ge, le, lt, gt = (getattr(m, k, None) for k in ("ge", "le", "lt", "gt"))  # loop: bounds
        if ge is not None:
            low = max(low, float(ge))
        if gt is not None:
            low = max(low, float(gt) + 1e-4 * max(1.0, abs(float(gt))))
        if le is not None:
            high = min(high, float(le))
        if lt is not None:
            high = min(high, float(lt) - 1e-4 * max(1.0, abs(float(lt))))
    return low, high


def market_arm(scenario: Scenario, source: str) -> str:
    """The arm the market is calibrated on: the reference arm if it has no policy, else the first such.

    Raises:
        InputError: every arm has a policy (a program must never be calibrated to the bands).
    """
    free = [a.name for a in scenario.arms if not a.policies]  # loop: arms
    if not free:
        raise InputError(source, "arms", "calibration needs an arm with no policy (add {name: none})")
    return scenario.reference_arm if scenario.reference_arm in free else free[0]


def calibrated_yaml(raw: dict[str, Any], values: dict[str, float], header: str) -> str:
    """The scenario ``raw`` with every fitted key at its value, as YAML text with ``header`` on top."""
    data = copy.deepcopy(raw)
    data.pop("extends", None)
    for k, v in values.items():  # loop: fitted keys
        set_path(data, k, round(float(v), 6))
    lines = "".join(f"# {line}\n" for line in header.splitlines())  # loop: header lines
    return lines + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


class Problem:
    """A calibration problem: the start scenario, its bands and parameters, and how to score a point."""

    def __init__(self, raw: dict[str, Any], bands: list[Band], replications: int, source: str) -> None:
        self.raw = copy.deepcopy(raw)
        self.source = source
        self.start = validate(copy.deepcopy(raw), source)
        self.arm = market_arm(self.start, source)
        self.bands = bands
        self.params = parameters(self.start, bands)
        self.replications = replications
        dump = self.start.model_dump()
        self.base = {k: float(_get(dump, k)) for p in self.params for k in p.keys}  # loop: keys
        self.limits = {k: _bounds(self.start, k) for k in self.base}  # loop: keys

    def key(self) -> str:
        """A name for the study that changes whenever the problem does (so a changed input starts anew)."""
        blob = json.dumps(
            [
                self.raw,
                [b.__dict__ for b in self.bands],
                [p.__dict__ for p in self.params],
                self.replications,
            ],
            sort_keys=True,
            default=str,
        )
        return f"{self.start.name}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"

    def values(self, multipliers: dict[str, float]) -> dict[str, float]:
        """Scenario key -> value at these multipliers (clipped to each key's range)."""
        out = {}
        for p in self.params:  # loop: parameters
            for k in p.keys:  # loop: the keys it scales
                lo, hi = self.limits[k]
                out[k] = float(np.clip(self.base[k] * multipliers.get(p.name, 1.0), lo, hi))
        return out

    def scenario_raw(self, multipliers: dict[str, float]) -> dict[str, Any]:
        """The raw scenario with the parameters at ``multipliers``."""
        data = copy.deepcopy(self.raw)
        for k, v in self.values(multipliers).items():  # loop: keys
            set_path(data, k, round(v, 6))
        return data

    def simulate(self, multipliers: dict[str, float]) -> dict[str, float]:
        """The banded metrics of the no-policy arm (mean over the replications' seeds)."""
        sc = validate(self.scenario_raw(multipliers), self.source)
        runs = [
            run_one(sc, self.arm, replication_seed(sc.seed, r), r).summary
            for r in range(self.replications)  # loop: replications (a few)
        ]
        return {b.metric: float(np.mean([r[b.metric] for r in runs])) for b in self.bands}  # loop: bands

    def score(self, simulated: dict[str, float]) -> float:
        """Sum of squared distances outside the bands, in band widths (0: every band met)."""
        return float(sum(b.distance(simulated[b.metric]) ** 2 for b in self.bands))  # loop: bands

    def jacobian(self) -> np.ndarray:
        """D log(target) / d log(multiplier), bands x parameters: the parameters' prior elasticities.

        Each parameter's elasticity on its own target and on the targets it is known to move
        (measured on the shipped region by changing one parameter by 25%; see ``parameters``).
        """
        rows = {b.metric: i for i, b in enumerate(self.bands)}  # loop: bands
        jac = np.zeros((len(self.bands), len(self.params)))
        for j, p in enumerate(self.params):  # loop: parameters
            jac[rows[p.target], j] = p.elasticity
            for metric, e in p.also:  # loop: its known side effects
                if metric in rows:
                    jac[rows[metric], j] = e
        return jac

    def _x(self, multipliers: dict[str, float]) -> np.ndarray:
        return np.log([multipliers.get(p.name, 1.0) for p in self.params])  # loop: parameters

    def _y(self, simulated: dict[str, float]) -> np.ndarray:
        return np.log([max(simulated[b.metric], 1e-9) for b in self.bands])  # loop: bands

    def propose(
        self, history: list[tuple[dict[str, float], dict[str, float], float]], steps: list[bool]
    ) -> dict[str, float] | None:
        """The next point: a damped Gauss-Newton step from the latest step (None: no step left).

        Every target aims at its band less ``MARGIN`` at each edge (a target there stays where it
        is), in band widths on a log scale; the step solves the least-squares problem with
        :meth:`jacobian` and takes ``GAIN`` of it, at most 2x on any multiplier. It starts from the
        latest step (or the start), not from the best trial: a run's randomness makes some trials
        lucky, and a search that only accepts improvements stalls on the luckiest (stochastic
        approximation instead).

        Args:
            history: Every trial so far: (multipliers, simulated targets, score).
            steps: Whether each trial was one of these steps (not a sampler's proposal).
        """
        base = max((i for i, m in enumerate(steps) if m), default=0)  # loop: trials
        base_m, base_v, _ = history[base]
        y = self._y(base_v)
        low = np.log([max(b.low + MARGIN * (b.high - b.low), 1e-9) for b in self.bands])  # loop: bands
        high = np.log([max(b.high - MARGIN * (b.high - b.low), 1e-9) for b in self.bands])  # loop: bands
        width = np.log([max(b.high, 1e-9) / max(b.low, 1e-9) for b in self.bands])  # loop: bands
        weight = 1.0 / np.maximum(width, 1e-3)
        residual = weight * (np.clip(y, low, high) - y)
        if not np.any(np.abs(residual) > 1e-9):
            return None
        jac = weight[:, None] * self.jacobian()
        lam = 1e-2 * max(float(np.trace(jac.T @ jac)) / max(len(self.params), 1), 1e-6)
        step = GAIN * np.linalg.solve(jac.T @ jac + lam * np.eye(len(self.params)), jac.T @ residual)
        step = np.clip(step, -math.log(2), math.log(2))
        lo, hi = MULTIPLIER_RANGE
        x = np.clip(self._x(base_m) + step, math.log(lo), math.log(hi))
        out = {p.name: float(math.exp(v)) for p, v in zip(self.params, x, strict=True)}  # loop: parameters
        if all(abs(out[k] - base_m.get(k, 1.0)) < 1e-6 for k in out):  # loop: parameters
            return None
        return out


# ---- the study ----------------------------------------------------------------------------------


@dataclass
class Fit:
    """A calibration's outcome: the best point, the start and the fitted values, every trial's score."""

    problem: Problem
    multipliers: dict[str, float]
    start_values: dict[str, float]
    fitted: dict[str, float]
    trials: int
    new_trials: int
    study_name: str

    @property
    def met(self) -> bool:
        """Whether every band is met."""
        return self.problem.score(self.fitted) == 0.0

    def report(self) -> pd.DataFrame:
        """One row per target: name, metric, band, value at the start, fitted value, met."""
        return pd.DataFrame(
            [
                {
                    "target": b.name or b.metric,
                    "metric": b.metric,
                    "low": b.low,
                    "high": b.high,
                    "start": self.start_values[b.metric],
                    "fitted": self.fitted[b.metric],
                    "met": bool(b.low <= self.fitted[b.metric] <= b.high),
                }
                for b in self.problem.bands  # loop: targets
            ]
        )

    def moved(self) -> pd.DataFrame:
        """One row per scenario key: its value before and after, and the change in percent."""
        before = self.problem.values({})
        after = self.problem.values(self.multipliers)
        return pd.DataFrame(
            [
                {
                    "parameter": k,
                    "start": before[k],
                    "fitted": after[k],
                    "change_pct": 100 * (after[k] / before[k] - 1) if before[k] else 0.0,
                }
                for k in before  # loop: keys
            ]
        )


def calibrate(
    problem: Problem,
    storage: Path,
    trials: int,
    progress: Callable[[int, float, int], None] | None = None,
) -> Fit:
    """Run (or resume) the study in ``storage`` until every band is met or ``trials`` trials are done.

    Args:
        problem: What to fit.
        storage: The SQLite file of the Optuna study (created, or resumed when it holds this study).
        trials: Total trials of the study, counting those of earlier, interrupted runs.
        progress: Called after each trial with (trials done, best score, bands met).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = problem.key()
    study = optuna.create_study(
        study_name=name,
        storage=f"sqlite:///{storage}",
        load_if_exists=True,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=0),
    )
    lo, hi = MULTIPLIER_RANGE
    dist: dict[str, optuna.distributions.BaseDistribution] = {
        p.name: optuna.distributions.FloatDistribution(lo, hi, log=True) for p in problem.params
    }  # loop
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):  # loop: stale
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)  # a run killed mid-trial
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    history: list[tuple[dict[str, float], dict[str, float], float]] = [
        (dict(t.params), dict(t.user_attrs["simulated"]), float(t.value or 0.0))
        for t in complete  # loop: trials
    ]
    steps = [bool(t.user_attrs.get("step", False)) for t in complete]  # loop: trials
    new = 0
    while len(history) < trials and not (history and min(h[2] for h in history) == 0.0):  # loop: trials
        point = {p.name: 1.0 for p in problem.params} if not history else problem.propose(history, steps)
        mine = point is not None and point not in (h[0] for h in history)
        if mine and point is not None:
            study.enqueue_trial(point)
        trial = study.ask(dist)  # Optuna's sampler proposes when no step is left
        params = {p.name: float(trial.params[p.name]) for p in problem.params}  # loop: parameters
        simulated = problem.simulate(params)
        value = problem.score(simulated)
        trial.set_user_attr("simulated", simulated)
        trial.set_user_attr("step", mine)
        study.tell(trial, value)
        history.append((params, simulated, value))
        steps.append(mine)
        new += 1
        if progress:
            met = sum(b.low <= simulated[b.metric] <= b.high for b in problem.bands)  # loop: bands
            progress(len(history), min(h[2] for h in history), met)
    first = next((h for h in history if all(v == 1.0 for v in h[0].values())), history[0])  # loop: trials
    best_m, best_v, _ = min(history, key=lambda h: h[2])
    return Fit(problem, best_m, first[1], best_v, len(history), new, name)
