"""The budget-curves report: what each approach buys as its public budget grows (``sectorsim budgets``).

Reads: the curves table of ``sectorsim.budgets.budget_curves``. Writes: ``budgets.html``.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from sectorsim.metrics import arm_label
from sectorsim.report.page import figure, write
from sectorsim.scenario.schema import Scenario


def curve_rows(curves: pd.DataFrame) -> list[dict[str, str]]:
    """One formatted row per (arm, budget): public money, people, placements, gain, cost per $1 of gain."""
    out = []
    points = curves[["arm", "budget"]].drop_duplicates()
    pairs = zip(points["arm"].astype(str), points["budget"].astype(float), strict=True)
    for arm, budget in pairs:  # loop: points
        rows = curves[(curves["arm"] == arm) & (curves["budget"] == budget)].set_index("metric")
        r = {(col, m): float(rows.loc[m, col]) for col in ("mean", "ci_low", "ci_high") for m in rows.index}
        spent, gain = r[("mean", "public_cost")], r[("mean", "participant_gain_total")]
        lo, hi = r[("ci_low", "participant_gain")], r[("ci_high", "participant_gain")]
        ci = f" [{lo:,.0f}, {hi:,.0f}]" if np.isfinite(lo) and np.isfinite(hi) else ""
        out.append(
            {
                "approach": arm_label(str(arm)),
                "public budget ($)": f"{budget:,.0f}",
                "public money spent ($)": f"{spent:,.0f}",
                "people served": f"{r[('mean', 'participants')]:,.0f}",
                "placements": f"{r[('mean', 'placements')]:,.0f}",
                "gain per participant ($) [95% CI]": f"{r[('mean', 'participant_gain')]:+,.0f}{ci}",
                "participants' gain ($)": f"{gain:+,.0f}",
                "public $ per $1 of gain": f"{spent / gain:.2f}" if gain > 0 else "no gain",
            }
        )
    return out


def curves_table_html(curves: pd.DataFrame) -> str:
    """The table of every point of the curves (:func:`curve_rows`)."""
    rows = curve_rows(curves)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0]) if rows else ""  # loop: columns
    body_rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r.values()) + "</tr>"  # loop: cells
        for r in rows  # loop: points
    )
    return f"<table><tr>{head}</tr>{body_rows}</table>"


def write_budgets_report(path: str, scenario: Scenario, curves: pd.DataFrame, fig_html: str) -> None:
    """Write the budget-curves page: the figure, then the table of every point."""
    body = f"""<h1>{html.escape(scenario.name)}: budget curves</h1>
<p>Every approach run at each public budget with the same {scenario.replications} seeds; each point is set
against the same people in the same replication of <b>{html.escape(arm_label(scenario.reference_arm))}</b>
(common random numbers). Economies of scale show as curves that bend upward.</p>
{fig_html}
{curves_table_html(curves)}"""
    write(path, f"sectorsim: {scenario.name} budget curves", body)


def budgets_figure_html(curves: pd.DataFrame, scenario: Scenario) -> str:
    """The curves figure embedded as an image."""
    from sectorsim.budgets import curves_figure

    return figure(curves_figure(curves, scenario))
