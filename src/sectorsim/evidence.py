"""The evidence table: sectorsim against published flows and program evaluations (docs/VALIDATION.md).

Each program row runs a bundled scenario in scenarios/evidence/ through the in-silico randomized
evaluation and compares one statistic with the published figure. Bands:

- a published *range* is the pass band;
- a published *point estimate* gets a band of +/- one third of the estimate (our convention: the
  evaluations' 95% intervals are of about that width relative to the estimates; docs/VALIDATION.md);
- a *self-reported* figure with no comparison group is an upper bound (pass if the model is below it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sectorsim import shipped
from sectorsim.calibration import flow_table
from sectorsim.evaluation import cost_benefit, impacts, run_evaluation
from sectorsim.scenario import load_scenario

SCENARIOS = shipped.root()


@dataclass(frozen=True)
class ProgramTarget:
    """A published program figure and how to read the matching statistic from an evaluation."""

    name: str
    source: str
    scenario: str  # file under scenarios/evidence/
    statistic: str  # key into the statistics computed by `program_statistics`
    low: float
    high: float
    kind: str = "band"  # "band" or "upper_bound"
    note: str = ""


def third(x: float) -> tuple[float, float]:
    """The +/- one-third band around a point estimate."""
    return (x - abs(x) / 3, x + abs(x) / 3)


PROGRAM_TARGETS = (
    ProgramTarget(
        "SEIS pooled: 24-month earnings impact (%)",
        "Maguire et al. 2010 (P/PV), RCT",
        "seis_pooled.yaml",
        "pct_24m",
        *third(18.0),
    ),
    ProgramTarget(
        "SEIS pooled: 24-month earnings impact ($)",
        "Maguire et al. 2010 (P/PV), RCT",
        "seis_pooled.yaml",
        "usd_24m",
        *third(4500.0),
        note="dollar impacts scale with control earnings; see VALIDATION.md",
    ),
    ProgramTarget(
        "Sector RCT synthesis: impact in the year after training (%)",
        "Katz, Roth, Hendra, Schaberg 2022",
        "seis_pooled.yaml",
        "pct_y2",
        14.0,
        39.0,
    ),
    ProgramTarget(
        "WRTP: 2-year earnings impact ($)",
        "Maguire et al. 2010 (P/PV), RCT",
        "wrtp.yaml",
        "usd_24m",
        *third(6255.0),
        note="dollar impacts scale with control earnings; see VALIDATION.md",
    ),
    ProgramTarget(
        "Per Scholas (SEIS): year-2 earnings impact (%)",
        "Maguire et al. 2010 (P/PV), RCT",
        "per_scholas.yaml",
        "pct_y2",
        *third(32.0),
    ),
    ProgramTarget(
        "Per Scholas (WorkAdvance): year-2 earnings impact (%)",
        "Hendra et al. 2016 (MDRC), RCT",
        "per_scholas_workadvance.yaml",
        "pct_y2",
        *third(26.0),
    ),
    ProgramTarget(
        "Per Scholas (WorkAdvance): year-3 earnings impact (%)",
        "Hendra et al. 2016 (MDRC), RCT",
        "per_scholas_workadvance.yaml",
        "pct_y3",
        *third(27.0),
    ),
    ProgramTarget(
        "WorkAdvance pooled: year-2 earnings impact (%)",
        "Hendra et al. 2016 (MDRC), RCT",
        "workadvance.yaml",
        "pct_y2",
        *third(14.0),
    ),
    ProgramTarget(
        "Cost per participant ($)",
        "evaluated programs (SEIS, WorkAdvance, Per Scholas reports)",
        "seis_pooled.yaml",
        "cost_per_participant",
        5800.0,
        28000.0,
    ),
    ProgramTarget(
        "Training completion rate",
        "MA WCTF 2013-16, 90% (outcomes, no control group); evaluated programs 70-85%",
        "seis_pooled.yaml",
        "completion_rate",
        0.70,
        0.95,
    ),
    ProgramTarget(
        "Turnover reduction at partnership employers",
        "MA sector initiatives, 41% (self-reported, no comparison group)",
        "seis_pooled.yaml",
        "turnover_reduction_pct",
        -100.0,
        41.0,
        kind="upper_bound",
        note="an upper bound only: employers' self-reports without a comparison group. The model "
        "measures the members' turnover against the same employers, same seed, in the no-program arm "
        "(paired; one seed), from completer hires, the practices members adopt and career ladders",
    ),
)


def program_statistics(path: Path, replications: int | None, jobs: int) -> dict[str, float]:
    """Run one evidence scenario's evaluation and return the statistics the targets read."""
    overrides = {"replications": replications} if replications else {}
    sc = load_scenario(path, overrides)
    runs = run_evaluation(sc, jobs=jobs)
    yearly = impacts(runs, 12)
    costs = cost_benefit(runs, yearly)
    t = yearly["treatment_earnings"].to_numpy()
    c = yearly["control_earnings"].to_numpy()
    stats = {
        "usd_24m": float(t[:2].sum() - c[:2].sum()),
        "pct_24m": float(100 * (t[:2].sum() - c[:2].sum()) / c[:2].sum()),
        "pct_y2": float(yearly["earnings_impact_pct"].iloc[1]),
        "pct_y3": float(yearly["earnings_impact_pct"].iloc[2]) if len(yearly) > 2 else float("nan"),
        "control_annual": float(c[:2].mean()),
        "control_employed": float(yearly["control_employment"].iloc[:2].mean()),
        "cost_per_participant": float(costs["cost_per_participant"].iloc[0]),
    }
    stats.update(_program_side(sc, runs))
    return stats


def _program_side(sc, runs) -> dict[str, float]:  # noqa: ANN001
    """Completion rate, and the paired turnover change of the employers the program engaged.

    The engaged employers are followed, with the same seed, in the reference arm (their books:
    ``summary.paired_outcomes``): the same employers, the same random numbers, no program.
    """
    from sectorsim.model import SectorModel
    from sectorsim.summary import employer_books, paired_outcomes

    ev = sc.evaluation
    seed = runs[0].seed
    with_prog = SectorModel(scenario=sc, arm=ev.arm, rng=seed)
    with_prog.run()
    base = SectorModel(scenario=sc, arm=sc.reference_arm, rng=seed)
    base.run()
    prog = with_prog.policies[ev.program]
    paired = paired_outcomes(employer_books(with_prog), employer_books(base))
    completions = float(with_prog.datacollector.get_model_vars_dataframe()["completions"].sum())
    return {
        "completion_rate": completions / prog.participants if prog.participants else 0.0,
        "turnover_reduction_pct": -paired["turnover_engaged_change_pct"],
    }


def evidence_table(
    replications: int | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
    flow_replications: int = 10,
) -> pd.DataFrame:
    """Run the flow targets and every program target; one row each.

    Returns:
        Columns ``target, source, low, high, simulated, passed, kind, note``.
    """
    rows = []
    default = load_scenario(SCENARIOS / "default.yaml")
    flows = flow_table(default, replications=flow_replications)
    for r in flows.itertuples():
        rows.append(
            {
                "target": r.target,
                "source": r.source,
                "low": r.low,
                "high": r.high,
                "simulated": r.simulated,
                "passed": r.passed,
                "kind": r.kind,
                "note": "",
            }
        )
    if progress:
        progress("labor-market flows")
    cache: dict[str, dict[str, float]] = {}
    for t in PROGRAM_TARGETS:  # loop: evidence rows
        if t.scenario not in cache:
            cache[t.scenario] = program_statistics(SCENARIOS / "evidence" / t.scenario, replications, jobs)
            if progress:
                progress(t.scenario)
        value = cache[t.scenario][t.statistic]
        passed = bool(value <= t.high) if t.kind == "upper_bound" else bool(t.low <= value <= t.high)
        note = f"{t.note}; simulated control group: ${cache[t.scenario]['control_annual']:,.0f}/year"
        note += f", employed {cache[t.scenario]['control_employed']:.0%} of months"
        rows.append(
            {
                "target": t.name,
                "source": t.source,
                "low": t.low,
                "high": t.high,
                "simulated": value,
                "passed": bool(passed and np.isfinite(value)),
                "kind": t.kind,
                "note": note.strip("; "),
            }
        )
    return pd.DataFrame(rows)


def _fmt(value: float, target: str) -> str:
    if "(%)" in target:
        return f"{value:+.1f}%"
    if "($)" in target:
        return f"${value:,.0f}"
    if "rate" in target.lower() and abs(value) <= 1:
        return f"{value:.1%}" if "finding" not in target else f"{value:.3f}"
    return f"{value:,.3g}"


def validation_markdown(table: pd.DataFrame, replications: int | None) -> str:
    """Render docs/VALIDATION.md from the evidence table."""
    reps = (
        "each evidence file's own replications"
        if replications is None
        else f"{replications} replication{'s' if replications != 1 else ''}"
    )
    lines = [
        "# Validation: sectorsim against published evidence",
        "",
        "Generated by `sectorsim evidence --docs docs/VALIDATION.md` (do not edit the table by hand);",
        f"this version: {reps}. Every row names its source; the notes below say how each is measured.",
        "",
        "| target | source | band | simulated | passed | note |",
        "|---|---|---|---|---|---|",
    ]
    r: Any  # a row of a data frame: its fields are dynamically typed
    for r in table.itertuples():
        band = (
            f"≤ {_fmt(r.high, r.target)}"
            if r.kind == "upper_bound"
            else f"{_fmt(r.low, r.target)} – {_fmt(r.high, r.target)}"
        )
        passed = "yes" if r.passed else "**no**"
        lines.append(
            f"| {r.target} | {r.source} | {band} | {_fmt(r.simulated, r.target)} | {passed} | {r.note} |"
        )
    lines += ["", f"**{int(table['passed'].sum())} of {len(table)} rows pass.**", "", VALIDATION_NOTES]
    return "\n".join(lines)


VALIDATION_NOTES = """## How the labor-market rows are measured

The default region (scenarios/default.yaml), arm `none`, over the 96 months after a 48-month burn-in,
mean of 10 replications. The region is open: people enter at 18, age, retire and migrate, and are
employed, unemployed or out of the labor force.

- **Separations by sector** are all job endings (quits and discharges to non-employment, barrier
  separations, layoffs, job-to-job moves, retirements and moves away) over filled positions, as JOLTS
  counts total separations over employment.
- **Unemployment** is jobless people who search, not in training, over the labor force less jobless
  trainees; **job finding** is hires from unemployment over searching unemployed people; **job-to-job
  moves** are direct moves between employers over filled positions.
- **Participation** is the labor force over working-age residents; the **employment-to-population
  ratio** is the employed over working-age residents. Both are compared with the US figures for ages
  16-64 (BLS CPS 2019, quoted from the published annual averages: participation about 73%,
  employment-population about 70-71%; not re-verified against the table in this session). The model's
  working ages are 18-69.
- **CPS flows** are monthly transition probabilities: from employment to unemployment (job losers who
  search) and out of the labor force (job losers who do not), over the employed; from unemployment and
  from out of the labor force, over the stock they leave. The published figures (BLS labor force status
  flows, series LNS17100000-LNS17900000, 2015-2019 means computed from the flows and stocks): E->U
  0.0106, E->N 0.0297, U->E 0.262, U->N 0.241, N->E 0.0471, N->U 0.0199. These raw CPS flows include
  spurious transitions from misclassification, largest into and out of non-participation (Abowd and
  Zellner 1985; Elsby, Hobijn and Sahin 2015), and are not consistent with JOLTS separations, which the
  model also meets; so the bands reach below the raw figures, and the model sits at their low end for
  E->N and N->E.
- **Part-time shares** are the employed with usual hours under 35 over the employed, by sector (CPS;
  Golden 2016 for 2015: all 18.0%, retail 29.5%, leisure and hospitality 39.8%, education and health
  20.9%). **Weekly hours** are the usual weekly hours of the employed (BLS CES all employees, 2019: total
  private 34.4; the industry centres are quoted from the published series and not re-verified here).
  **Part time for economic reasons** is part-timers who want more hours over the employed (4.5% of those
  at work in 2015, about 2.8% in 2019).
- **Stationarity**: the largest distance of any year's unemployment rate (employment-to-population
  ratio) from the first year's, in points, over the horizon; the closed population of the previous
  version drifted 0.7 points in unemployment and 4.9 in employment-to-population with the same growth
  (tests/test_stationarity.py).

## How the program rows are measured

Each program row runs a scenario in scenarios/evidence/ through `sectorsim evaluate`'s randomized
evaluation (docs/ODD.md, 'Evaluation'): eligible, willing applicants are randomized to access or to a
control group barred from the program, and followed for 36 months. Percentage impacts are
(treatment - control) / control earnings over the stated period. Each scenario sets the published
program's design (sector, eligibility, screening, length, support, a single non-stacking credential)
and nothing else; no program parameter was tuned to hit its row. The note gives the simulated control
group's annual earnings and share of months employed over the first two years, to set beside the
evaluations' control groups (SEIS: about $12,500 a year).

Controls were barred from the program, not from training: each scenario's `evaluation.control_training`
is the share of the evaluation's control group that trained elsewhere within two years, as the
evaluation published it: SEIS 41% pooled (Maguire et al. 2010, p. 10; also used for its WRTP and Per
Scholas sites, which it does not report separately), WorkAdvance 63.0% at Per Scholas and 57% pooled
(the unweighted mean of its four providers' 49.5-63.0%; Hendra et al. 2016, Table 3.2). These figures
were taken from the extraction in Roodman's job-training meta-analysis data
(github.com/droodman/job-training-meta-analysis) and have not been re-checked against the reports.
They count any training (WorkAdvance: any education or training), and the model trains these controls
for the program's own credential, so the control services are overstated and the measured impacts
understated on that account. With no control services at all (`control_training.share` 0, the same
runs otherwise) the rows read: SEIS pooled +73.1% ($16,444), synthesis +86.7%, WRTP $10,600, Per
Scholas +24.5% (year 2) and +33.6% (year 3), WorkAdvance pooled +22.1%; the model's answer lies
between the two.

Bands: a published range is the pass band; a published point estimate gets +/- one third of the
estimate (our convention, about the width of these evaluations' 95% intervals); a self-reported
figure with no comparison group is an upper bound.

## What was fitted, and to what

Fitted to the labor-market bands above, all at once (docs/ODD.md marks them **calibration**): the four
sectors' base `separation_rate`, `part_time_share`, `full_time_hours`, `part_time_hours` and
`involuntary_share`; `jobs_per_worker`, `initial_unemployment`, `applications_per_month`,
`on_the_job_search`, `upskilling_rate`; participation's `initial_participation`,
`separation_to_inactive`, `exit_rate`, `entry_rate`, `passive_applications`; demography's
`migration_response`; and the burn-in. One parameter set meets every band, checked together by
tests/test_calibration.py. The quit premium of unstable jobs (`unstable_quit_multiplier`, 1.2) is taken
from the literature, not fitted: with it in place, retail's and food service's base separation rates
were refitted (`sectorsim calibrate` on the four separation bands: 0.020 to 0.0186 and 0.025 to 0.0237)
and every other band checked again. Program and policy parameters were not fitted. One structural choice
about programs was made on design grounds, before these rows were measured again: applicants are drawn
from the labor force (job seekers and workers), since people out of it do not apply to training
programs; a program can reach further with `eligibility.include_inactive`.

## Rows that do not pass, and why

- **SEIS pooled (% and $) and the synthesis row.** Since jobs have hours and people move in and out of
  the labor force, the simulated control group earns about what the SEIS control group earned (see
  the note: about $12,000 a year against about $12,500), where it earned twice as much before; but the
  measured impact is three times the published one (+62% with the control services, +73% without).
  The control group works in under half of its months. SEIS applicants are unemployed job seekers,
  and in the model an unemployed person stops searching at the population's average hazard (22% a
  month) and starts again at the average rate of everyone out of the labor force (2% a month), so the
  control group drifts out of the labor force and stays out, while training and placement keep the
  treatment group in it. The CPS flows the model meets are averages over very different people: the
  marginally attached re-enter within months, the long-term inactive rarely. The model has one kind of
  non-participant; attachment that differs between people (a re-entry hazard that falls with months
  out of the labor force, calibrated to the persistence of CPS flows, not to these rows) is the
  mechanism still missing.
- **WRTP ($).** The control group (low-wage workers and job seekers) earns about $22,600 a year and
  works most months, well above WRTP's controls; the dollar impact scales with it.
- **Per Scholas (WorkAdvance), year 3 (%).** With 63% of the controls trained for the same IT
  certification within two years (the published share counts any education or training), the controls
  catch up by year 3 (+14.7%, against +27% published and +33.6% without control services): the
  control services are overstated here, as said above.
- **WorkAdvance pooled (%).** The model's scenario gives every provider the shared design (sector
  focus, screening, coaching, a credential); the evaluation found impacts from 0 to +26% by provider,
  and the model has no provider that fails to place its completers. Control services change the row
  little (+24.1%, against +22.1% without): controls who train elsewhere stop searching while they
  train, as the treated do, which in the first two years offsets part of what their credential brings.
"""
