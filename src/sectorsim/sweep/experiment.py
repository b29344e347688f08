"""The experiment file: its schema, and loading it against its scenario.

An experiment (``experiments/*.yaml``) names a scenario, the parameters to vary (dotted key paths into
the scenario, with bounds or values and a distribution), a method from the method table
(:data:`sectorsim.sweep.methods.METHODS`), the sample size, replications, arms and outputs: per-run
metrics and paired differences between two arms. Loading checks everything a sweep needs before any
run starts: the arms, the metric names, and that every parameter sets a valid scenario value at its
extremes.

Reads: the experiment file and its scenario. Writes: nothing.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sectorsim.errors import InputError, KeyedValueError
from sectorsim.scenario.loading import (
    describe_errors,
    load_yaml,
    resolve_extends,
    set_path,
    sibling_file,
    validate,
)
from sectorsim.sweep.methods import METHODS, MethodName

#: Most parameter samples (rows of the design) an experiment may have: checked before anything is
#: sampled, so a design too large to hold (grid levels to the power of the parameters, Sobol's
#: N x (2k + 2)) is refused in one line instead of filling the memory.
MAX_DESIGN_ROWS = 100_000
#: Most runs (samples x arms x replications) a sweep may hold: one Parquet part each.
MAX_RUNS = 1_000_000


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

    def cast(self, value: float) -> float | int:
        """A sampled value as the scenario gets it: rounded to an int for an integer parameter."""
        return int(round(value)) if self.integer else float(value)


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
    method: MethodName
    samples: int = Field(
        ge=1, le=1_000_000, description="Base sample size N (grid: levels per bounded parameter)."
    )
    second_order: bool = Field(
        False, description="Sobol: also second-order indices; HDMR: also second-order terms."
    )
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
        method = METHODS[self.method]
        if not method.discrete and any(p.values is not None for p in self.parameters):
            takes = " or ".join(m.name for m in METHODS.values() if m.discrete)  # loop: methods
            raise KeyedValueError(
                "parameters", f"values lists are for method {takes}; method {self.method} needs bounds"
            )
        wrong = method.samples_rule(self.samples)
        if wrong:
            raise KeyedValueError("samples", wrong)
        rows = self.design_rows
        if rows > MAX_DESIGN_ROWS:
            raise KeyedValueError(
                "samples",
                f"method {self.method} with samples {self.samples} and {len(self.parameters)} parameters "
                f"gives {rows:,} parameter samples; at most {MAX_DESIGN_ROWS:,} are allowed (lower samples)",
            )
        if not self.outputs.metrics and not self.outputs.differences:
            raise KeyedValueError("outputs", "name at least one metric or difference")
        return self

    @property
    def design_rows(self) -> int:
        """Parameter samples (rows) the method will give, computed without sampling."""
        from sectorsim.sweep.design import options_of

        return METHODS[self.method].rows(self.samples, len(self.parameters), options_of(self))

    @property
    def recorded_metrics(self) -> list[str]:
        """Every metric a run records: the outputs' metrics, then the differences', each once."""
        return list(dict.fromkeys([*self.outputs.metrics, *(d.metric for d in self.outputs.differences)]))


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
        key, message = describe_errors(exc, root=Experiment)
        raise InputError(str(path), key, message) from None
    scenario_path = sibling_file(path, exp.scenario, "scenario", "scenario file").resolve()
    raw = resolve_extends(scenario_path)
    if not exp.overrides:
        base = validate(raw, str(scenario_path))
    else:
        validate(copy.deepcopy(raw), str(scenario_path))  # the scenario's own mistakes name the scenario
        for k, v in exp.overrides.items():  # loop: overrides
            _set(raw, k, v, path, f"overrides.{k}")
        try:
            base = validate(raw, "")
        except InputError as exc:  # valid alone, so the overrides made it invalid
            raise InputError(str(path), "overrides", f"{exc.key}: {exc.message}") from None
    arms = [a.name for a in base.arms]
    for i, a in enumerate(exp.arms or []):  # loop: the experiment's arms
        if a not in arms:
            raise InputError(
                str(path), f"arms[{i}]", f"'{a}' is not an arm of the scenario ({', '.join(arms)})"
            )
    chosen = exp.arms or arms
    runs = exp.design_rows * len(chosen) * exp.replications
    if runs > MAX_RUNS:
        raise InputError(
            str(path),
            "replications",
            f"{exp.design_rows:,} samples x {len(chosen)} arms x {exp.replications} replications = {runs:,} "
            f"runs; at most {MAX_RUNS:,} are allowed (lower samples, arms or replications)",
        )
    for i, d in enumerate(exp.outputs.differences):  # loop: differences
        for side in ("arm", "minus"):  # loop: the two arms of a difference
            if getattr(d, side) not in chosen:
                raise InputError(
                    str(path),
                    f"outputs.differences[{i}].{side}",
                    f"'{getattr(d, side)}' is not a swept arm ({', '.join(chosen)})",
                )
    known = metric_names(base)
    for m in [*exp.outputs.metrics, *(d.metric for d in exp.outputs.differences)]:  # loop: metrics
        if m not in known:
            near = difflib.get_close_matches(m, known, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise InputError(
                str(path), "outputs", f"unknown metric '{m}'{hint} (metrics: {', '.join(known)})"
            )
    # every parameter must set a valid scenario value at its extremes
    for i, p in enumerate(exp.parameters):  # loop: parameters
        for value in _extremes(p):  # loop: a parameter's two extremes
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
    return [p.cast(lo), p.cast(hi)]


def metric_names(scenario: Any) -> list[str]:
    """Names of the per-run metrics of a scenario (from the metric registry; nothing is run)."""
    from sectorsim.metrics import summary_columns

    return summary_columns(scenario)
