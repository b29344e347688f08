"""Budget curves: each approach run at several public budgets with the same seeds.

"The same public money" is the core comparison, but one budget hides economies of scale: a
partnership's pooled cohorts share fixed costs that small single-employer grants do not. For every
budget level, every arm other than the reference is run with its policies' public budgets set to
that level (an arm with several budgeted policies keeps their proportions), each replication with
the same seed as every other level and arm; the reference arm runs once per replication. Each point
is set against the reference arm's run of the same replication, person by person
(``counterfactual.person_impacts``), so its participants' gain is the exact counterfactual.

Plotted against the public money each arm actually spent (a program that cannot fill its cohorts
spends less than its budget): people served, placements, and participants' earnings gain over the
horizon, with 95% intervals over replications.

Reads: a scenario. Writes: nothing (the CLI writes ``budgets.csv`` and ``budgets.html``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sectorsim.compare import mean_ci
from sectorsim.counterfactual import person_impacts
from sectorsim.errors import InputError
from sectorsim.metrics import arm_label, label
from sectorsim.pool import run_tasks
from sectorsim.report.page import panels
from sectorsim.runner import RunResult, replication_seed, run_one
from sectorsim.scenario.schema import Scenario

#: Most budget levels one call may ask for.
MAX_LEVELS = 12
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}
#: The curves' outcomes, by column: plotted one panel each, in this order.
CURVES = ("participants", "placements", "participant_gain_total")


def parse_budgets(text: str, option: str = "--budgets") -> list[float]:
    """Budgets from '0.5M,1M,2M,4M' (k, M and B suffixes; $ and _ allowed), ascending, without repeats.

    Raises:
        InputError: an entry that is not a positive amount, or more than ``MAX_LEVELS``.
    """
    out = []
    for part in text.split(","):  # loop: the levels given
        item = part.strip().lower().replace("$", "").replace("_", "")
        m = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)([kmb]?)", item)
        if not m or float(m.group(1)) <= 0:
            raise InputError(
                option,
                "",
                f"'{part.strip()}' is not a positive amount; give e.g. 0.5M,1M,2M,4M or 500000,1000000",
            )
        out.append(float(m.group(1)) * _SUFFIX[m.group(2)])
    levels = sorted(set(out))
    if len(levels) > MAX_LEVELS:
        raise InputError(option, "", f"{len(levels)} levels; give at most {MAX_LEVELS}")
    return levels


def budgeted_arms(scenario: Scenario) -> list[str]:
    """Arms other than the reference with at least one policy that has a public budget."""
    ref = scenario.reference_arm
    return [
        a.name
        for a in scenario.arms  # loop: arms
        if a.name != ref and any(hasattr(p, "budget") for p in a.policies)  # loop: policies
    ]


def at_budget(scenario: Scenario, arm: str, budget: float) -> Scenario:
    """The scenario with ``arm``'s budgeted policies sharing ``budget`` of public money, in proportion."""
    sc = scenario.model_copy(deep=True)
    for a in sc.arms:  # loop: arms
        if a.name != arm:
            continue
        funded = [p for p in a.policies if hasattr(p, "budget")]  # loop: policies
        total = sum(float(p.budget) for p in funded)  # loop: policies
        for p in funded:  # loop: policies
            share = float(p.budget) / total if total > 0 else 1.0 / len(funded)
            p.budget = budget * share
    return sc


def _task(scenario: Scenario, arm: str, budget: float | None, replication: int) -> RunResult:
    sc = scenario if budget is None else at_budget(scenario, arm, budget)
    return run_one(sc, arm, replication_seed(scenario.seed, replication), replication)


def budget_curves(
    scenario: Scenario,
    budgets: list[float],
    jobs: int = 1,
    progress: Callable[[RunResult], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every budgeted arm at every budget, and the reference arm once, per replication.

    Returns:
        ``(runs, curves)``: one row per (arm, budget, replication) with ``public_cost``,
        ``employer_cost``, ``placements`` and the counterfactual's quantities; and one row per
        (arm, budget, metric) with ``mean, ci_low, ci_high`` over replications.
    """
    ref = scenario.reference_arm
    arms = budgeted_arms(scenario)
    reps = range(scenario.replications)
    tasks: list[tuple[tuple[str, float | None, int], tuple]] = [
        ((ref, None, r), (scenario, ref, None, r))
        for r in reps  # loop: replications
    ]
    tasks += [((a, b, r), (scenario, a, b, r)) for a in arms for b in budgets for r in reps]  # loop: points
    done: dict[tuple[str, float | None, int], RunResult] = {}

    def finished(key: tuple[str, float | None, int], res: RunResult) -> None:
        done[key] = res
        if progress:
            progress(res)

    run_tasks(_task, tasks, finished, jobs=jobs)
    rows = []
    for a in arms:  # loop: arms
        for b in budgets:  # loop: budget levels
            for r in reps:  # loop: replications
                res, base = done[(a, b, r)], done[(ref, None, r)]
                assert res.workers is not None and base.workers is not None
                row = {"arm": a, "budget": b, "replication": r}
                row.update(person_impacts(res.workers, base.workers))
                for key in ("public_cost", "employer_cost", "placements"):  # loop: summary columns
                    row[key] = res.summary[key]
                rows.append(row)
    runs = pd.DataFrame(rows)
    stats = []
    for a in arms:  # loop: arms
        for b in budgets:  # loop: budget levels
            grp = runs[(runs["arm"] == a) & (runs["budget"] == b)]
            for metric in (*CURVES, "public_cost", "employer_cost", "participant_gain"):  # loop: metrics
                m, lo, hi = mean_ci(grp[metric].to_numpy())
                stats.append(
                    {"arm": a, "budget": b, "metric": metric, "mean": m, "ci_low": lo, "ci_high": hi}
                )
    return runs, pd.DataFrame(stats)


def curves_figure(curves: pd.DataFrame, scenario: Scenario | None = None) -> plt.Figure:
    """People served, placements and participants' gain against public money spent, one line per arm."""
    fig, axes = panels(len(CURVES), 3.2, 3.0)
    for ax, metric in zip(axes, CURVES, strict=True):  # loop: panels
        for arm in curves["arm"].drop_duplicates():  # loop: arms
            mine = curves[curves["arm"] == arm]
            x = mine[mine["metric"] == "public_cost"].sort_values("budget")["mean"].to_numpy() / 1e6
            d = mine[mine["metric"] == metric].sort_values("budget")
            y = d["mean"].to_numpy()
            err = np.nan_to_num(np.vstack([y - d["ci_low"].to_numpy(), d["ci_high"].to_numpy() - y]))
            scale = 1e6 if metric == "participant_gain_total" else 1.0
            ax.errorbar(
                x, y / scale, yerr=err / scale, marker="o", ms=4, capsize=3, label=arm_label(str(arm))
            )
        name = label(metric, scenario) if metric != "participants" else "People served"
        ax.set_title(
            name.replace(" ($)", " ($ millions)") if metric == "participant_gain_total" else name,
            fontsize=8,
            wrap=True,
        )
        ax.set_xlabel("public money spent ($ millions)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    axes[0].legend(fontsize=7)
    fig.suptitle("What each approach buys as its public budget grows (same seeds, 95% CI)", fontsize=10)
    return fig
