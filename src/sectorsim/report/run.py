"""The report of a scenario run: outcomes per arm with CIs, paired differences, and plots.

Plots: earnings by group over time for each arm; the labor market's rates by year (is the baseline
stationary?); annual turnover by sector;
paired differences against the reference arm with 95% error bars. Metric names are shown by their
labels in the metric registry (``sectorsim.metrics``).

Reads: a run's monthly series and comparison table. Writes: ``report.html``.
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sectorsim.compare import HEADLINE
from sectorsim.metrics import arm_label, label
from sectorsim.outcomes import slug
from sectorsim.report.formats import interval
from sectorsim.report.headline import headline_html
from sectorsim.report.page import figures, panels, write
from sectorsim.scenario.schema import Scenario
from sectorsim.summary import YEARLY_RATES, yearly_rates

if TYPE_CHECKING:
    from sectorsim.counterfactual import ArmHeadline

#: Metrics the table shows after the headline ones, when the run has them.
EXTRA = (
    "employment_gap",
    "placements",
    "cost_per_participant",
    "cost_per_placement",
    "turnover_engaged",
    "vacancy_fill_months",
)
#: The employer side: engaged employers beside the same employers in the reference arm (same seed).
EMPLOYER_SIDE = (
    "engaged_employers",
    "turnover_engaged",
    "turnover_engaged_reference",
    "turnover_engaged_change",
    "turnover_engaged_change_pct",
    "vacancy_fill_months_engaged",
    "vacancy_fill_months_engaged_reference",
    "program_hire_share_engaged",
    "turnover_cost_saved",
    "vacancy_cost_saved",
    "employer_contributions",
    "employer_return",
)
#: Metrics of the differences plot, one panel each.
DIFFERENCES = ("earnings_mean", "turnover_rate", "earnings_gap", "employment_rate")


def earnings_by_group_figure(series: pd.DataFrame, scenario: Scenario) -> plt.Figure:
    """Mean monthly earnings by group over time, one panel per arm."""
    arms = list(series["arm"].drop_duplicates())
    fig, axes = panels(len(arms), 4.2, 3.2, sharey=True)
    for ax, arm in zip(axes, arms, strict=True):  # loop: arms
        s = series[series["arm"] == arm].groupby("month").mean(numeric_only=True)
        x = s.index - scenario.burn_in
        for g in scenario.groups:  # loop: groups
            ax.plot(x, s[f"earnings_{slug(g.name)}"], label=g.name)
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        ax.set_title(arm_label(arm))
        ax.set_xlabel("months since policies start")
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("mean monthly earnings ($)")
    axes[-1].legend(fontsize=8)
    fig.suptitle("Earnings by group over time (mean of replications)")
    return fig


#: How far a yearly rate of the reference arm may stray from its first year for the market to count
#: as holding still (percentage points): docs/ODD.md, 'Purpose and patterns'.
STATIONARY_POINTS = {"unemployment_rate": 0.3, "employment_rate": 0.5, "participation_rate": 0.5}


def labor_market_figure(series: pd.DataFrame, scenario: Scenario) -> plt.Figure:
    """Unemployment, employment-to-population and participation by year of the horizon, one line per arm.

    The shaded band is the reference arm's first year ± the tolerance within which a market counts as
    holding still, so a drifting baseline shows at a glance.
    """
    fig, axes = panels(len(YEARLY_RATES), 3.4, 3.0)
    ref = scenario.reference_arm
    for ax, rate in zip(axes, YEARLY_RATES, strict=True):  # loop: the three rates
        for arm, s in series.groupby("arm", sort=False):  # loop: arms
            y = 100 * yearly_rates(s, scenario.burn_in)[rate]
            ax.plot(
                y.index + 1,
                y.to_numpy(),
                marker="o",
                ms=3,
                label=arm_label(str(arm)),
                lw=2 if arm == ref else 1,
            )
            if arm == ref and len(y):
                tol = STATIONARY_POINTS[rate]
                ax.axhspan(y.iloc[0] - tol, y.iloc[0] + tol, color="grey", alpha=0.15, lw=0)
        ax.set_title(label(rate), fontsize=9)
        ax.set_xlabel("year of the horizon")
        ax.set_ylabel("percent")
    axes[0].legend(fontsize=7)
    fig.suptitle("The labor market by year (band: reference arm's first year ± tolerance)", fontsize=10)
    return fig


def turnover_figure(comparison: pd.DataFrame, scenario: Scenario) -> plt.Figure:
    """Annual turnover by sector and arm, with 95% CIs."""
    arms = list(comparison["arm"].drop_duplicates())
    sectors = [s.name for s in scenario.sectors]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    width = 0.8 / len(arms)
    for i, arm in enumerate(arms):  # loop: arms
        rows = comparison[(comparison["arm"] == arm)].set_index("metric")
        keys = [f"turnover_{slug(s)}" for s in sectors]
        mean = rows.loc[keys, "mean"].to_numpy()
        err = np.vstack([mean - rows.loc[keys, "ci_low"], rows.loc[keys, "ci_high"] - mean])
        err = np.nan_to_num(err)
        ax.bar(np.arange(len(sectors)) + i * width, mean, width, yerr=err, capsize=3, label=arm_label(arm))
    ax.set_xticks(np.arange(len(sectors)) + width * (len(arms) - 1) / 2, sectors)
    ax.set_ylabel("separations per position per year")
    ax.set_title("Employer turnover by sector")
    ax.legend(fontsize=8)
    return fig


def differences_figure(
    comparison: pd.DataFrame, reference: str, metrics: list[str], scenario: Scenario | None = None
) -> plt.Figure:
    """Paired differences vs the reference arm with 95% CIs, one panel per metric, in rows."""
    others = [a for a in comparison["arm"].drop_duplicates() if a != reference]
    fig, axes = panels(len(metrics), 3.3, 1.0 + 0.5 * max(len(others), 1))
    for ax, metric in zip(axes, metrics, strict=True):  # loop: metrics
        rows = comparison[(comparison["metric"] == metric) & (comparison["arm"] != reference)]
        y = np.arange(len(rows))
        d = rows["diff"].to_numpy()
        err = np.nan_to_num(np.vstack([d - rows["diff_ci_low"], rows["diff_ci_high"] - d]))
        ax.errorbar(d, y, xerr=err, fmt="o", capsize=4)
        ax.axvline(0, color="grey", lw=0.8)
        names = [arm_label(a) for a in rows["arm"]]  # loop: arms
        ax.set_yticks(y, names if ax.get_subplotspec().is_first_col() else [""] * len(rows))
        ax.set_title(textwrap.fill(label(metric, scenario), 28), fontsize=8)
        ax.set_ylim(-0.7, len(rows) - 0.3)
    fig.suptitle(f"Difference from {arm_label(reference)} (paired by seed, 95% CI)", fontsize=10)
    return fig


def _auto_targets_html(targets: pd.DataFrame | None) -> str:
    if targets is None or targets.empty:
        return ""
    items = "".join(
        f"<li>arm <b>{html.escape(str(t['arm']))}</b>: <b>{html.escape(str(t['target_sector']))}</b> (score {t['assessment_score']:+.2f})</li>"
        for t in targets.to_dict("records")  # loop: arms with an auto target
    )
    return f"<p><code>target_sector: auto</code> chose, by the regional needs assessment (<code>sectorsim assess</code>):</p><ul>{items}</ul>"


def comparison_table(
    comparison: pd.DataFrame, reference: str, metrics: list[str], scenario: Scenario | None = None
) -> str:
    """HTML table: one row per metric (by its label), per arm 'mean [CI]' and 'difference [CI]'."""
    arms = list(comparison["arm"].drop_duplicates())
    head = "".join(f"<th>{html.escape(arm_label(a))}</th>" for a in arms)  # loop: arms
    body = []
    for metric in metrics:  # loop: metrics
        cells = []
        for arm in arms:  # loop: arms
            r = comparison[(comparison["arm"] == arm) & (comparison["metric"] == metric)].iloc[0]
            value, ci = interval(r["mean"], r["ci_low"], r["ci_high"], metric)
            text = f"{value}<br><small>{ci}</small>"
            if arm != reference:
                value, ci = interval(r["diff"], r["diff_ci_low"], r["diff_ci_high"], metric, signed=True)
                text += f"<br><b>{value}</b> <small>{ci}</small>"
            cells.append(f"<td>{text}</td>")
        body.append(f"<tr><th>{html.escape(label(metric, scenario))}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def _employer_side_html(comparison: pd.DataFrame, reference: str, scenario: Scenario) -> str:
    """The employer side: each arm's engaged employers, and the same employers in the reference arm."""
    present = set(comparison["metric"])
    metrics = [m for m in EMPLOYER_SIDE if m in present]  # loop: metrics
    if not metrics:
        return ""
    return f"""<h2>The employer side</h2>
<p>The employers each arm's policies engaged (at any time), followed with the same seed in
<b>{html.escape(reference)}</b>: their turnover there, and the paired change (arm minus reference, per
replication, with its 95% CI). Savings are the same employers' turnover and vacancy costs in the
reference arm minus those in the arm; the employers' return is (savings − contributions) ÷
contributions, pooled over engaged employers (employers.csv has it per employer). The "difference"
lines of this table compare with the reference arm's own row, which engages nobody.</p>
{comparison_table(comparison, reference, metrics, scenario)}"""


def write_report(
    path: str,
    scenario: Scenario,
    series: pd.DataFrame,
    comparison: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    heads: list[ArmHeadline] | None = None,
    extra_html: str = "",
) -> None:
    """Write the self-contained HTML report of a run.

    Args:
        path: The file to write.
        scenario: The scenario that ran.
        series: Every run's monthly series.
        comparison: The summary's comparison table (``compare.compare``).
        targets: The sectors ``target_sector: auto`` chose, if any.
        heads: The headline per arm (``counterfactual.headline``), shown first.
        extra_html: Sections to add after the plots (budget curves).
    """
    ref = scenario.reference_arm
    present = set(comparison["metric"])
    metrics = [m for m in (*HEADLINE, *EXTRA) if m in present]  # loop: metrics
    imgs = figures(
        [
            earnings_by_group_figure(series, scenario),
            labor_market_figure(series, scenario),
            turnover_figure(comparison, scenario),
            differences_figure(comparison, ref, list(DIFFERENCES), scenario),
        ]
    )
    arms = "".join(
        f"<li><b>{html.escape(arm_label(a.name))}</b> (<code>{html.escape(a.name)}</code>){' (reference)' if a.name == ref else ''}: {html.escape(a.description)}</li>"
        for a in scenario.arms  # loop: arms
    )
    body = f"""<h1>{html.escape(scenario.name)}</h1><p>{html.escape(scenario.description)}</p>
<p>{scenario.n_workers:,} workers; {scenario.burn_in} months of burn-in, then {scenario.months} months under
each arm's policies; {scenario.replications} replications, paired by seed (common random numbers).</p>
{headline_html(heads or [], ref)}
<h2>Arms</h2><ul>{arms}</ul>{_auto_targets_html(targets)}
<h2>Outcomes over the policy horizon</h2>
<p>Each cell: mean over replications [95% CI]; for arms other than the reference, the paired
difference from <b>{html.escape(arm_label(ref))}</b> in bold [95% CI]. An interval that excludes 0 means the policy's
effect is distinguishable from replication noise.</p>
{comparison_table(comparison, ref, metrics, scenario)}
{_employer_side_html(comparison, ref, scenario)}
<h2>Plots</h2>{imgs}{extra_html}
<h2>How to read this report</h2>
<ul><li>Earnings are mean monthly earnings of <i>all</i> working-age residents over the policy horizon,
each counted for the months they lived in the region, including months without a job or out of the
labor force (0), part-time months and months in training (reduced hours or a stipend).</li>
<li>The employment rate is the employment-to-population ratio; the unemployment rate counts jobless
people who search, over the labor force.</li>
<li>Turnover counts every separation (quits, discharges, layoffs, job-to-job moves) per filled position per year.</li>
<li>The earnings gap is the reference group's mean minus the other groups' mean; a negative difference
from the reference arm means the policy narrowed the gap.</li>
<li>Definitions, parameters and sources: docs/ODD.md. Calibration evidence: docs/VALIDATION.md.</li></ul>"""
    write(path, f"sectorsim: {scenario.name}", body)
