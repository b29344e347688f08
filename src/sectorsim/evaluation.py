"""An in-silico randomized evaluation, run the way sector programs are evaluated in the field.

Design (``evaluation:`` in a scenario):

1. **Applicants.** From ``assignment_month`` for ``window_months`` months, workers who are eligible for
   the program and willing to enroll (the same take-up draw the program uses) apply. In each month a
   share of the remaining ``applicants`` is taken, in hashed order.
2. **Random assignment.** Each applicant is assigned to access with probability ``treatment_share``
   (a hashed draw). The treatment group is invited first at the program's next intake. The control
   group is barred from the program for ``follow_up_months``; everything else in their lives goes on
   as the model says.
3. **Follow-up.** Each applicant's monthly earnings, employment, employment in the program's sector and
   credential in that sector are recorded for ``follow_up_months`` after their own assignment.
4. **The model's true effect.** Because arms share random numbers, the same run is repeated with the
   treatment group barred too (the same applicants, the same assignments). The difference in each
   treated worker's outcomes between the two runs is the effect of access on the treated, which no
   field evaluation can observe. It includes the program's spillovers on the labor market.

Estimation. Within a replication, the impact in year (or quarter) k is the difference of group means.
Across R replications (independent regions and applicant samples), the estimate is the mean of the
per-replication impacts and its 95% interval is ``mean +/- t_{R-1} * sd / sqrt(R)``: the spread of the
per-replication estimates contains both individual sampling variation (which applicants land in which
group) and replication variation (the region's randomness). ``se_within`` reports the average
within-replication standard error (Welch), the uncertainty a single field evaluation of that size
would report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from sectorsim.compare import mean_ci
from sectorsim.model import SectorModel
from sectorsim.pool import run_tasks
from sectorsim.scenario.schema import Scenario
from sectorsim.study import Members


@dataclass
class StudyRun:
    """One replication: the panels with and without access, and program costs."""

    replication: int
    seed: int
    members: Members
    groups: np.ndarray
    with_access: dict[str, np.ndarray]
    without_access: dict[str, np.ndarray]
    cost_per_participant: float
    participants: int


def run_study(scenario: Scenario, replication: int) -> StudyRun:
    """Run one replication of the evaluation: with access, then the same applicants without."""
    from sectorsim.runner import replication_seed

    ev = scenario.evaluation
    if ev is None:
        raise ValueError("the scenario has no evaluation block")
    seed = replication_seed(scenario.seed, replication)
    with_model = SectorModel(scenario=scenario, arm=ev.arm, rng=seed, study_access=True)
    with_model.run()
    study = with_model.study
    assert study is not None
    without_model = SectorModel(
        scenario=scenario, arm=ev.arm, rng=seed, study_access=False, study_members=study.members
    )
    without_model.run()
    prog = with_model.policies[ev.program]
    return StudyRun(
        replication=replication,
        seed=seed,
        members=study.members,
        groups=with_model.workers.group[study.members.rows],
        with_access=study.panel(),
        without_access=without_model.study.panel(),  # type: ignore[union-attr]
        cost_per_participant=prog.spent / prog.participants if prog.participants else 0.0,
        participants=prog.participants,
    )


def _period_sums(panel: np.ndarray, months: int, agg: str) -> np.ndarray:
    """Sum (earnings) or mean (rates) over consecutive periods of ``months``."""
    n, f = panel.shape
    k = f // months
    shaped = panel[:, : k * months].reshape(n, k, months).astype(np.float64)
    return shaped.sum(axis=2) if agg == "sum" else shaped.mean(axis=2)


def _welch_se(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2 or b.size < 2:
        return float("nan")
    return float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))


def impacts(
    runs: list[StudyRun], period_months: int, mask: Callable[[StudyRun], np.ndarray] | None = None
) -> pd.DataFrame:
    """Impacts by period after random assignment, pooled over replications.

    Args:
        runs: One StudyRun per replication.
        period_months: 12 for years, 3 for quarters.
        mask: Optional subgroup selector (a boolean array over a run's members).

    Returns:
        One row per period with treatment and control means, the impact with its CI, percentage
        impacts, the control group's share of months employed, employment/in-sector/credential
        impacts (percentage points) and the true effect
        on the treated with its CI.
    """
    per_rep: list[dict[str, np.ndarray]] = []
    for run in runs:
        sel = np.ones(run.members.rows.size, bool) if mask is None else mask(run)
        t, c = sel & run.members.treated, sel & ~run.members.treated
        earn = _period_sums(run.with_access["earnings"], period_months, "sum")
        earn_cf = _period_sums(run.without_access["earnings"], period_months, "sum")
        rates = {
            k: _period_sums(run.with_access[k], period_months, "mean")
            for k in ("employed", "in_sector", "credential")
        }
        k = earn.shape[1]
        per_rep.append(
            {
                "treatment": earn[t].mean(axis=0) if t.any() else np.zeros(k),
                "control": earn[c].mean(axis=0) if c.any() else np.zeros(k),
                "se_within": np.array([_welch_se(earn[t, j], earn[c, j]) for j in range(k)]),
                "true": (earn[t] - earn_cf[t]).mean(axis=0) if t.any() else np.zeros(k),
                "true_base": earn_cf[t].mean(axis=0) if t.any() else np.zeros(k),
                **{
                    f"{name}_pp": 100 * (r[t].mean(axis=0) - r[c].mean(axis=0))
                    if t.any() and c.any()
                    else np.zeros(k)
                    for name, r in rates.items()
                },
                "control_employed": rates["employed"][c].mean(axis=0) if c.any() else np.zeros(k),
                "n_t": np.full(k, t.sum()),
                "n_c": np.full(k, c.sum()),
            }
        )
    k = per_rep[0]["treatment"].size
    label = "year" if period_months == 12 else "quarter" if period_months == 3 else "period"
    rows = []
    for j in range(k):
        get = {key: np.array([r[key][j] for r in per_rep]) for key in per_rep[0]}
        diff = get["treatment"] - get["control"]
        pct = 100 * diff / np.where(get["control"] > 0, get["control"], np.nan)
        true_pct = 100 * get["true"] / np.where(get["true_base"] > 0, get["true_base"], np.nan)
        d, lo, hi = mean_ci(diff)
        p, plo, phi = mean_ci(pct[np.isfinite(pct)]) if np.isfinite(pct).any() else (np.nan,) * 3
        tr, tlo, thi = mean_ci(get["true"])
        tp = float(np.nanmean(true_pct)) if np.isfinite(true_pct).any() else float("nan")
        rows.append(
            {
                label: j + 1,
                "treatment_earnings": float(get["treatment"].mean()),
                "control_earnings": float(get["control"].mean()),
                "earnings_impact": d,
                "earnings_impact_pct": p,
                "ci_low": lo,
                "ci_high": hi,
                "pct_ci_low": plo,
                "pct_ci_high": phi,
                "se_within": float(np.nanmean(get["se_within"])),
                "control_employment": float(get["control_employed"].mean()),
                "employment_impact_pp": float(get["employed_pp"].mean()),
                "in_sector_impact_pp": float(get["in_sector_pp"].mean()),
                "credential_impact_pp": float(get["credential_pp"].mean()),
                "true_effect": tr,
                "true_effect_ci_low": tlo,
                "true_effect_ci_high": thi,
                "true_effect_pct": tp,
                "n_treatment": float(get["n_t"].mean()),
                "n_control": float(get["n_c"].mean()),
                "replications": len(runs),
            }
        )
    return pd.DataFrame(rows)


def _in_group(run: StudyRun, group: int) -> np.ndarray:
    """Which of a run's members belong to population group ``group``."""
    return run.groups == group


def subgroup_impacts(runs: list[StudyRun], scenario: Scenario) -> pd.DataFrame:
    """Impact on annual earnings averaged over the follow-up, by population group."""
    rows = []
    for g, group in enumerate(scenario.groups):  # loop: groups
        yearly = impacts(runs, 12, mask=partial(_in_group, group=g))
        per_rep_mean = yearly["earnings_impact"].mean()
        y2 = yearly.iloc[1] if len(yearly) > 1 else pd.Series(float("nan"), index=yearly.columns)
        rows.append(
            {
                "group": group.name,
                "n_treatment": float(yearly["n_treatment"].iloc[0]),
                "n_control": float(yearly["n_control"].iloc[0]),
                "annual_earnings_impact": float(per_rep_mean),
                "annual_earnings_impact_pct": float(yearly["earnings_impact_pct"].mean()),
                "year2_earnings_impact": float(y2["earnings_impact"]),
                "year2_ci_low": float(y2["ci_low"]),
                "year2_ci_high": float(y2["ci_high"]),
                "true_annual_effect": float(yearly["true_effect"].mean()),
            }
        )
    return pd.DataFrame(rows)


def cost_benefit(runs: list[StudyRun], yearly: pd.DataFrame) -> pd.DataFrame:
    """Cost per participant, cumulative earnings gain per treatment-group member, and the return."""
    cost = float(np.mean([r.cost_per_participant for r in runs]))
    gain = float(yearly["earnings_impact"].sum())
    true_gain = float(yearly["true_effect"].sum())
    return pd.DataFrame(
        [
            {
                "cost_per_participant": cost,
                "participants": float(np.mean([r.participants for r in runs])),
                "follow_up_years": len(yearly),
                "cumulative_earnings_gain": gain,
                "true_cumulative_earnings_gain": true_gain,
                "benefit_cost_ratio": gain / cost if cost > 0 else 0.0,
                "net_benefit": gain - cost,
            }
        ]
    )


def run_evaluation(
    scenario: Scenario, jobs: int = 1, progress: Callable[[StudyRun], None] | None = None
) -> list[StudyRun]:
    """Run every replication of the evaluation (in processes when ``jobs`` > 1), in replication order."""
    out: list[StudyRun] = []

    def done(_rep: int, run: StudyRun) -> None:
        out.append(run)
        if progress:
            progress(run)

    run_tasks(run_study, [(r, (scenario, r)) for r in range(scenario.replications)], done, jobs=jobs)
    return sorted(out, key=lambda r: r.replication)
