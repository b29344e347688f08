"""The HTML report of a scenario run: tables and plots in one self-contained file.

Plots: earnings by group over time for each arm; employment over time; annual turnover by sector;
paired differences against the reference arm with 95% error bars. Figures are embedded as PNG, so
the report opens offline and can be mailed as one file.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sectorsim.compare import HEADLINE  # noqa: E402
from sectorsim.outcomes import slug  # noqa: E402
from sectorsim.scenario.schema import Scenario  # noqa: E402

LABELS = {
    "earnings_mean": "Mean monthly earnings ($)",
    "employment_rate": "Employment rate",
    "turnover_rate": "Employer turnover (separations per position per year)",
    "earnings_gap": "Earnings gap between groups ($/month)",
    "earnings_gini": "Earnings Gini",
    "participants": "Program participants",
    "cost_per_participant": "Cost per participant ($)",
    "employment_gap": "Employment gap between groups (pp)",
    "placements": "Placements in the trained sector",
    "cost_per_placement": "Cost per placement ($)",
    "turnover_cost": "Employers' turnover cost ($)",
    "vacancy_fill_months": "Vacancy fill time (months)",
}


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def fmt(value: float, metric: str = "") -> str:
    """Format a number for a table: money without decimals, rates with three."""
    if not np.isfinite(value):
        return "–"
    if "rate" in metric or "gini" in metric:
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def interval(mean: float, low: float, high: float, metric: str, signed: bool = False) -> tuple[str, str]:
    """Format a value and its interval: ('3,140', '[3,120, 3,160]'); signed puts '+' on gains."""
    sign = "+" if signed and np.isfinite(mean) and mean >= 0 else ""
    return f"{sign}{fmt(mean, metric)}", f"[{fmt(low, metric)}, {fmt(high, metric)}]"


def earnings_by_group_figure(series: pd.DataFrame, scenario: Scenario) -> plt.Figure:
    """Mean monthly earnings by group over time, one panel per arm."""
    arms = list(series["arm"].drop_duplicates())
    fig, axes = plt.subplots(1, len(arms), figsize=(4.2 * len(arms), 3.2), sharey=True, squeeze=False)
    for ax, arm in zip(axes[0], arms, strict=True):
        s = series[series["arm"] == arm].groupby("month").mean(numeric_only=True)
        x = s.index - scenario.burn_in
        for g in scenario.groups:
            ax.plot(x, s[f"earnings_{slug(g.name)}"], label=g.name)
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        ax.set_title(arm)
        ax.set_xlabel("months since policies start")
    axes[0][0].set_ylabel("mean monthly earnings ($)")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle("Earnings by group over time (mean of replications)")
    return fig


def employment_figure(series: pd.DataFrame, scenario: Scenario) -> plt.Figure:
    """Employment rate over time, one line per arm."""
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for arm, s in series.groupby("arm", sort=False):
        m = s.groupby("month")["employment_rate"].mean()
        ax.plot(m.index - scenario.burn_in, m.to_numpy(), label=arm)
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("months since policies start")
    ax.set_ylabel("employment rate")
    ax.legend(fontsize=8)
    ax.set_title("Employment (mean of replications)")
    return fig


def turnover_figure(comparison: pd.DataFrame, scenario: Scenario) -> plt.Figure:
    """Annual turnover by sector and arm, with 95% CIs."""
    arms = list(comparison["arm"].drop_duplicates())
    sectors = [s.name for s in scenario.sectors]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    width = 0.8 / len(arms)
    for i, arm in enumerate(arms):
        rows = comparison[(comparison["arm"] == arm)].set_index("metric")
        keys = [f"turnover_{slug(s)}" for s in sectors]
        mean = rows.loc[keys, "mean"].to_numpy()
        err = np.vstack([mean - rows.loc[keys, "ci_low"], rows.loc[keys, "ci_high"] - mean])
        err = np.nan_to_num(err)
        ax.bar(np.arange(len(sectors)) + i * width, mean, width, yerr=err, capsize=3, label=arm)
    ax.set_xticks(np.arange(len(sectors)) + width * (len(arms) - 1) / 2, sectors)
    ax.set_ylabel("separations per position per year")
    ax.set_title("Employer turnover by sector")
    ax.legend(fontsize=8)
    return fig


def differences_figure(comparison: pd.DataFrame, reference: str, metrics: list[str]) -> plt.Figure:
    """Paired differences vs the reference arm with 95% CIs, one panel per metric."""
    others = [a for a in comparison["arm"].drop_duplicates() if a != reference]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.3 * len(metrics), 0.6 + 0.5 * max(len(others), 1)))
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics, strict=True):
        rows = comparison[(comparison["metric"] == metric) & (comparison["arm"] != reference)]
        y = np.arange(len(rows))
        d = rows["diff"].to_numpy()
        err = np.nan_to_num(np.vstack([d - rows["diff_ci_low"], rows["diff_ci_high"] - d]))
        ax.errorbar(d, y, xerr=err, fmt="o", capsize=4)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, rows["arm"] if ax is axes[0] else [""] * len(rows))
        ax.set_title(textwrap.fill(LABELS.get(metric, metric), 28), fontsize=8)
        ax.set_ylim(-0.7, len(rows) - 0.3)
    fig.suptitle(f"Difference from '{reference}' (paired by seed, 95% CI)", fontsize=10, y=1.25)
    return fig


def _auto_targets_html(targets: pd.DataFrame | None) -> str:
    if targets is None or targets.empty:
        return ""
    items = "".join(
        f"<li>arm <b>{html.escape(str(t['arm']))}</b>: <b>{html.escape(str(t['target_sector']))}</b> (score {t['assessment_score']:+.2f})</li>"
        for t in targets.to_dict("records")
    )
    return f"<p><code>target_sector: auto</code> chose, by the regional needs assessment (<code>sectorsim assess</code>):</p><ul>{items}</ul>"


def comparison_table(comparison: pd.DataFrame, reference: str, metrics: list[str]) -> str:
    """HTML table: one row per metric, per arm 'mean [CI]' and 'difference [CI]'."""
    arms = list(comparison["arm"].drop_duplicates())
    head = "".join(f"<th>{html.escape(a)}</th>" for a in arms)
    body = []
    for metric in metrics:
        cells = []
        for arm in arms:
            r = comparison[(comparison["arm"] == arm) & (comparison["metric"] == metric)].iloc[0]
            value, ci = interval(r["mean"], r["ci_low"], r["ci_high"], metric)
            text = f"{value}<br><small>{ci}</small>"
            if arm != reference:
                value, ci = interval(r["diff"], r["diff_ci_low"], r["diff_ci_high"], metric, signed=True)
                text += f"<br><b>{value}</b> <small>{ci}</small>"
            cells.append(f"<td>{text}</td>")
        body.append(f"<tr><th>{html.escape(LABELS.get(metric, metric))}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def write_report(
    path: str,
    scenario: Scenario,
    series: pd.DataFrame,
    comparison: pd.DataFrame,
    targets: pd.DataFrame | None = None,
) -> None:
    """Write the self-contained HTML report."""
    ref = scenario.reference_arm
    metrics = [m for m in HEADLINE if m in set(comparison["metric"])]
    extra = [
        m
        for m in (
            "employment_gap",
            "placements",
            "cost_per_placement",
            "turnover_engaged",
            "vacancy_fill_months",
        )
        if m in set(comparison["metric"])
    ]
    figs = [
        earnings_by_group_figure(series, scenario),
        employment_figure(series, scenario),
        turnover_figure(comparison, scenario),
        differences_figure(
            comparison, ref, ["earnings_mean", "turnover_rate", "earnings_gap", "employment_rate"]
        ),
    ]
    imgs = "".join(f'<p><img src="data:image/png;base64,{_png(f)}"></p>' for f in figs)
    arms = "".join(
        f"<li><b>{html.escape(a.name)}</b>{' (reference)' if a.name == ref else ''}: {html.escape(a.description)}</li>"
        for a in scenario.arms
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>sectorsim: {html.escape(scenario.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}}
th:first-child{{text-align:left}}small{{color:#666}}</style></head><body>
<h1>{html.escape(scenario.name)}</h1><p>{html.escape(scenario.description)}</p>
<p>{scenario.n_workers:,} workers; {scenario.burn_in} months of burn-in, then {scenario.months} months under
each arm's policies; {scenario.replications} replications, paired by seed (common random numbers).</p>
<h2>Arms</h2><ul>{arms}</ul>{_auto_targets_html(targets)}
<h2>Outcomes over the policy horizon</h2>
<p>Each cell: mean over replications [95% CI]; for arms other than the reference, the paired
difference from <b>{html.escape(ref)}</b> in bold [95% CI]. An interval that excludes 0 means the policy's
effect is distinguishable from replication noise.</p>
{comparison_table(comparison, ref, metrics + extra)}
<h2>Plots</h2>{imgs}
<h2>How to read this report</h2>
<ul><li>Earnings are mean monthly earnings of <i>all</i> workers in the region over the policy horizon,
including months without a job (0) and in training (reduced hours or a stipend).</li>
<li>Turnover counts every separation (quits, discharges, layoffs, job-to-job moves) per filled position per year.</li>
<li>The earnings gap is the reference group's mean minus the other groups' mean; a negative difference
from the reference arm means the policy narrowed the gap.</li>
<li>Definitions, parameters and sources: docs/ODD.md. Calibration evidence: docs/VALIDATION.md.</li></ul>
</body></html>"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)


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
    cols = [
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
    ]
    table = yearly[cols].to_html(index=False, float_format=lambda v: f"{v:,.1f}")
    sub = subgroups.to_html(index=False, float_format=lambda v: f"{v:,.1f}")
    cb = costs.to_html(index=False, float_format=lambda v: f"{v:,.2f}")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Evaluation: {html.escape(scenario.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style></head><body>
<h1>In-silico randomized evaluation: {html.escape(scenario.name)}</h1><p>{html.escape(scenario.description)}</p>
<p>{ev.applicants:,} applicants eligible for the program of arm <b>{html.escape(ev.arm)}</b> were randomized
({ev.treatment_share:.0%} to access) over {ev.window_months} months from month {ev.assignment_month} after burn-in, and
followed for {ev.follow_up_months} months. Controls were barred from the program. {scenario.replications} replications;
intervals pool individual sampling and replication variation (docs/ODD.md, 'Evaluation').</p>
<h2>Impacts by year after random assignment (annual $)</h2>{table}
<p><img src="data:image/png;base64,{_png(impact_figure(quarterly))}"></p>
<h2>By population group</h2>{sub}
<h2>Cost and benefit</h2>{cb}
<p>The cumulative earnings gain is per treatment-group member over the follow-up; the benefit-cost ratio divides it
by the cost per participant. The true effect compares the treated with themselves in the same run without access.</p>
</body></html>"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)


def assessment_figures(sectors: pd.DataFrame, scenario: Scenario) -> list[plt.Figure]:
    """Concentration vs growth bubble chart, and a ladder chart per sector."""
    fig1, ax = plt.subplots(figsize=(6.5, 4))
    size = 1200 * sectors["employment"] / sectors["employment"].max()
    ax.scatter(sectors["location_quotient"], 100 * sectors["growth"], s=size, alpha=0.5)
    r: Any  # a row of a data frame: its fields are dynamically typed
    for r in sectors.itertuples():
        ax.annotate(f"{r.rank}. {r.sector}", (r.location_quotient, 100 * r.growth), ha="center", fontsize=8)
    ax.axvline(1.0, color="grey", lw=0.8, ls=":")
    ax.axhline(0.0, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("location quotient (1 = as concentrated as the reference economy)")
    ax.set_ylabel("employment growth (% per year)")
    ax.set_title("Concentration vs growth (bubble size: employment)")
    n = len(scenario.sectors)
    fig2, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.2), sharey=True, squeeze=False)
    for ax, sector in zip(axes[0], scenario.sectors, strict=True):
        wages = [r.wage for r in sector.ladder]
        ax.bar(range(len(wages)), wages, color=plt.cm.viridis(np.linspace(0.2, 0.8, len(wages))))
        ax.set_xticks(
            range(len(wages)),
            [textwrap.fill(f"{r.name} (L{r.credential})", 12) for r in sector.ladder],
            fontsize=7,
        )
        ax.set_title(sector.name, fontsize=9)
    axes[0][0].set_ylabel("monthly wage ($); L = credential level")
    fig2.suptitle("Career ladders")
    return [fig1, fig2]


def write_assessment_report(
    path: str, scenario: Scenario, sectors: pd.DataFrame, areas: pd.DataFrame
) -> None:
    """Write the needs-assessment report with the score's parts visible."""
    parts = ["rank", "sector", "score"] + [c for c in sectors.columns if c.startswith("points_")]
    measures = [
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
    ]
    imgs = "".join(
        f'<p><img src="data:image/png;base64,{_png(f)}"></p>' for f in assessment_figures(sectors, scenario)
    )
    w = scenario.assessment.weights.model_dump()
    weights = ", ".join(f"{k} {v:+g}" for k, v in w.items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Needs assessment: {html.escape(scenario.name)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style></head><body>
<h1>Regional needs assessment: {html.escape(scenario.name)}</h1>
<p>Which sector should a partnership target? Measured on the simulated baseline (no policy) over
{scenario.assessment.months} months after burn-in, {scenario.assessment.replications} seeds. Top-ranked:
<b>{html.escape(str(sectors.loc[0, "sector"]))}</b>.</p>
<h2>Ranking and the score's parts</h2><p>Score = sum of weight × standardized part (weights: {html.escape(weights)}).
Each column 'points_x' is one part's contribution.</p>
{sectors[parts].to_html(index=False, float_format=lambda v: f"{v:,.2f}")}
<h2>Measures</h2>{sectors[measures].to_html(index=False, float_format=lambda v: f"{v:,.3f}")}
{imgs}
<h2>By area</h2>{areas.to_html(index=False, float_format=lambda v: f"{v:,.2f}")}
</body></html>"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)


def sensitivity_figures(
    indices: pd.DataFrame, meta: dict, tables: dict[str, pd.DataFrame]
) -> list[plt.Figure]:
    """Index bars with CIs per output; Morris mu*-sigma; each output against each parameter."""
    figs = []
    method = meta["experiment"]["method"]
    outputs = list(tables)
    names = meta["problem"]["names"]
    short = [textwrap.fill(n.split(".")[-1] if n.count(".") > 2 else n, 18) for n in names]
    if method in ("sobol", "fast", "latin", "grid") and not indices.empty:
        kinds = ["S1", "ST"] if method in ("sobol", "fast") else ["spearman"]
        fig, axes = plt.subplots(
            1, len(outputs), figsize=(3.6 * len(outputs), 3.4), sharey=True, squeeze=False
        )
        for ax, out in zip(axes[0], outputs, strict=True):
            sub = indices[indices["output"] == out]
            width = 0.8 / len(kinds)
            for k, kind in enumerate(kinds):
                rows = sub[sub["index"] == kind].set_index("parameter").reindex(names)
                ax.bar(
                    np.arange(len(names)) + k * width,
                    rows["value"],
                    width,
                    yerr=rows["conf"].fillna(0),
                    capsize=3,
                    label=kind,
                )
            ax.set_xticks(
                np.arange(len(names)) + width * (len(kinds) - 1) / 2,
                short,
                rotation=60,
                fontsize=7,
                ha="right",
            )
            ax.set_title(textwrap.fill(out, 30), fontsize=8)
            ax.axhline(0, color="grey", lw=0.6)
        axes[0][0].legend(fontsize=8)
        fig.suptitle("Sensitivity indices (95% CI)", y=1.02)
        figs.append(fig)
    if method == "morris" and not indices.empty:
        fig, axes = plt.subplots(1, len(outputs), figsize=(3.6 * len(outputs), 3.4), squeeze=False)
        for ax, out in zip(axes[0], outputs, strict=True):
            sub = indices[indices["output"] == out]
            mu = sub[sub["index"] == "mu_star"].set_index("parameter").reindex(names)["value"]
            sd = sub[sub["index"] == "sigma"].set_index("parameter").reindex(names)["value"]
            ax.scatter(mu, sd)
            for n, x, y in zip(short, mu, sd, strict=True):
                ax.annotate(n, (x, y), fontsize=7)
            ax.set_xlabel("mu*")
            ax.set_ylabel("sigma")
            ax.set_title(textwrap.fill(out, 30), fontsize=8)
        fig.suptitle("Morris: mean |elementary effect| vs its spread", y=1.02)
        figs.append(fig)
    X = np.array(meta["X"], float)
    fig, axes = plt.subplots(
        len(outputs), len(names), figsize=(2.4 * len(names), 2.0 * len(outputs)), squeeze=False
    )
    for i, out in enumerate(outputs):
        Y = tables[out].mean(axis=1).to_numpy(float)
        for j in range(len(names)):
            ax = axes[i][j]
            ax.scatter(X[:, j], Y, s=6, alpha=0.6)
            if i == len(outputs) - 1:
                ax.set_xlabel(short[j], fontsize=7)
            if j == 0:
                ax.set_ylabel(textwrap.fill(out, 22), fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Outputs (mean over replications) against each parameter", y=1.0)
    figs.append(fig)
    return figs


def write_sensitivity_report(
    path: str, meta: dict, indices: pd.DataFrame, noise: pd.DataFrame, tables: dict[str, pd.DataFrame]
) -> None:
    """Write the sensitivity-analysis report."""
    exp = meta["experiment"]
    imgs = "".join(
        f'<p><img src="data:image/png;base64,{_png(f)}"></p>'
        for f in sensitivity_figures(indices, meta, tables)
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Sensitivity: {html.escape(exp["name"])}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style></head><body>
<h1>Sensitivity analysis: {html.escape(exp["name"])}</h1><p>{html.escape(exp["description"])}</p>
<p>Method {html.escape(exp["method"])}, {len(meta["X"]):,} samples x {len(meta["arms"])} arms x {exp["replications"]} replications
(common random numbers across arms and samples). Indices are computed on each sample's mean over replications.</p>
<h2>Replication noise</h2><p><i>noise_share</i>: share of the variance of single runs that is replication noise;
<i>noise_share_of_mean</i>: share of the variance of the sample means that is still noise. When the latter is
large (say above 0.2), the indices mostly describe noise: add replications.</p>
{noise.to_html(index=False, float_format=lambda v: f"{v:,.4g}")}
{imgs}
<h2>Indices</h2>{indices.to_html(index=False, float_format=lambda v: f"{v:,.4f}")}
</body></html>"""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)
