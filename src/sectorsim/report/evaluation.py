"""The report of an in-silico randomized evaluation: impacts by year, by quarter, by group; costs.

Reads: the evaluation's tables (``sectorsim.evaluation``). Writes: ``report.html``.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import pandas as pd

from sectorsim.report.page import figure, write
from sectorsim.scenario.schema import Scenario

#: Columns of the yearly impacts table, in order.
YEARLY = (
    "year",
    "treatment_earnings",
    "control_earnings",
    "earnings_impact",
    "earnings_impact_pct",
    "ci_low",
    "ci_high",
    "employment_impact_pp",
    "in_sector_impact_pp",
    "credential_impact_pp",
    "true_effect",
    "true_effect_pct",
)


def impact_figure(quarterly: pd.DataFrame) -> plt.Figure:
    """Earnings impact by quarter after random assignment, with its 95% band and the true effect."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    q = quarterly["quarter"]
    ax.fill_between(q, quarterly["ci_low"], quarterly["ci_high"], alpha=0.25, label="95% CI (RCT estimate)")
    ax.plot(q, quarterly["earnings_impact"], "o-", label="RCT estimate: treatment − control")
    ax.plot(
        q, quarterly["true_effect"], "k--", lw=1, label="true effect on the treated (same workers, no access)"
    )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("quarter after random assignment")
    ax.set_ylabel("earnings impact ($ per quarter)")
    ax.set_title("Impact on earnings by quarter")
    ax.legend(fontsize=8)
    return fig


def write_evaluation_report(
    path: str,
    scenario: Scenario,
    yearly: pd.DataFrame,
    quarterly: pd.DataFrame,
    subgroups: pd.DataFrame,
    costs: pd.DataFrame,
) -> None:
    """Write the evaluation report: impacts by year, by quarter (plot), by group, and cost-benefit."""
    ev = scenario.evaluation
    assert ev is not None
    table = yearly[list(YEARLY)].to_html(index=False, float_format=lambda v: f"{v:,.1f}")
    sub = subgroups.to_html(index=False, float_format=lambda v: f"{v:,.1f}")
    cb = costs.to_html(index=False, float_format=lambda v: f"{v:,.2f}")
    body = f"""<h1>In-silico randomized evaluation: {html.escape(scenario.name)}</h1><p>{html.escape(scenario.description)}</p>
<p>{ev.applicants:,} applicants eligible for the program of arm <b>{html.escape(ev.arm)}</b> were randomized
({ev.treatment_share:.0%} to access) over {ev.window_months} months from month {ev.assignment_month} after burn-in, and
followed for {ev.follow_up_months} months. Controls were barred from the program. {scenario.replications} replications;
intervals pool individual sampling and replication variation (docs/ODD.md, 'Evaluation').</p>
<h2>Impacts by year after random assignment (annual $)</h2>{table}
{figure(impact_figure(quarterly))}
<h2>By population group</h2>{sub}
<h2>Cost and benefit</h2>{cb}
<p>The cumulative earnings gain is per treatment-group member over the follow-up; the benefit-cost ratio divides it
by the cost per participant. The true effect compares the treated with themselves in the same run without access.</p>"""
    write(path, f"Evaluation: {scenario.name}", body)
