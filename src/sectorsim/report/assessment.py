"""The report of a regional needs assessment: the sectors' ranking with the score's parts visible.

Reads: the assessment's tables (``sectorsim.assessment``). Writes: ``report.html``.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sectorsim.report.page import figures, panels, write
from sectorsim.scenario.schema import Scenario

#: Columns of the measures table, in order.
MEASURES = (
    "sector",
    "employment",
    "location_quotient",
    "growth",
    "entry_wage",
    "top_wage",
    "wage_gain",
    "vacancy_rate",
    "fill_months",
    "turnover",
    "climb_share",
)


def assessment_figures(sectors: pd.DataFrame, scenario: Scenario) -> list[plt.Figure]:
    """Concentration vs growth bubble chart, and a ladder chart per sector (in rows)."""
    fig1, ax = plt.subplots(figsize=(6.5, 4))
    size = 1200 * sectors["employment"] / sectors["employment"].max()
    ax.scatter(sectors["location_quotient"], 100 * sectors["growth"], s=size, alpha=0.5)
    r: Any  # a row of a data frame: its fields are dynamically typed
    for r in sectors.itertuples():  # loop: sectors
        ax.annotate(f"{r.rank}. {r.sector}", (r.location_quotient, 100 * r.growth), ha="center", fontsize=8)
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.axhline(0.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("location quotient (1 = as concentrated as the reference economy)")
    ax.set_ylabel("employment growth (% per year)")
    ax.set_title("Concentration vs growth (bubble size: employment)")
    fig2, axes = panels(len(scenario.sectors), 3.2, 3.2, sharey=True)
    for ax, sector in zip(axes, scenario.sectors, strict=True):  # loop: sectors
        wages = [r.wage for r in sector.ladder]
        ax.bar(range(len(wages)), wages, color=plt.cm.viridis(np.linspace(0.2, 0.8, len(wages))))
        ax.set_xticks(
            range(len(wages)),
            [textwrap.fill(f"{r.name} (L{r.credential})", 12) for r in sector.ladder],  # loop: rungs
            fontsize=7,
        )
        ax.set_title(sector.name, fontsize=9)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("monthly wage ($); L = credential level")
    fig2.suptitle("Career ladders")
    return [fig1, fig2]


def write_assessment_report(
    path: str, scenario: Scenario, sectors: pd.DataFrame, areas: pd.DataFrame
) -> None:
    """Write the needs-assessment report with the score's parts visible."""
    parts = ["rank", "sector", "score"] + [c for c in sectors.columns if c.startswith("points_")]
    imgs = figures(assessment_figures(sectors, scenario))
    w = scenario.assessment.weights.model_dump()
    weights = ", ".join(f"{k} {v:+g}" for k, v in w.items())  # loop: weights
    body = f"""<h1>Regional needs assessment: {html.escape(scenario.name)}</h1>
<p>Which sector should a partnership target? Measured on the simulated baseline (no policy) over
{scenario.assessment.months} months after burn-in, {scenario.assessment.replications} seeds. Top-ranked:
<b>{html.escape(str(sectors.loc[0, "sector"]))}</b>.</p>
<h2>Ranking and the score's parts</h2><p>Score = sum of weight × standardized part (weights: {html.escape(weights)}).
Each column 'points_x' is one part's contribution.</p>
{sectors[parts].to_html(index=False, float_format=lambda v: f"{v:,.2f}")}
<h2>Measures</h2>{sectors[list(MEASURES)].to_html(index=False, float_format=lambda v: f"{v:,.3f}")}
{imgs}
<h2>By area</h2>{areas.to_html(index=False, float_format=lambda v: f"{v:,.2f}")}"""
    write(path, f"Needs assessment: {scenario.name}", body)
