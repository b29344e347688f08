"""The worker-level counterfactual of a scenario run, and the headline a policy designer reads first.

Common random numbers make the counterfactual exact: a worker row is the same person in every arm,
and replication ``r`` of every arm uses the same seed, so a person's earnings over the horizon in an
arm minus the same person's earnings in the reference arm's replication ``r`` is what the arm's
policies did to that person. Summed over the people a program served, that is the participants'
gain; over everyone else, the spillover on the rest of the region (employers hired a completer
instead of someone else); the others who earned less than without the policy are the displaced.
Once one hire differs, who gets the next vacancy differs too, so other people's careers are
reshuffled: many earn less and about as many earn more. Their net is the spillover; the two sides
are shown so a reader sees who lost and how much of it is reshuffling.

Per (arm, replication) the impacts are one row (:func:`worker_impacts`); over replications each has
a mean and a 95% t interval (:func:`headline_table`), and the interval decides whether a difference
is distinguishable from replication noise. :func:`headline` turns them into plain sentences, per
arm, for the report and the terminal. Metric names and labels come from ``metrics.IMPACTS`` and the
summary's registry.

Reads: each run's per-row horizon totals (``runner.horizon_totals``) and the comparison table.
Writes: nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sectorsim.compare import mean_ci
from sectorsim.metrics import IMPACTS, arm_label
from sectorsim.runner import ScenarioResults

#: A person counts as displaced when they earned at least this much less over the horizon ($).
DISPLACED_DOLLARS = 1.0


def _padded(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` as float64, lengthened with zeros to ``n`` rows (a row not yet used earned nothing)."""
    out = np.zeros(n, np.float64)
    out[: x.size] = x
    return out


def person_impacts(cur: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> dict[str, float]:
    """The counterfactual of one run against the same seed's reference run (see the module docstring).

    Args:
        cur: The arm's per-row horizon totals: ``earnings``, ``months``, ``participant``.
        ref: The reference arm's, same replication.

    Returns:
        Every quantity of ``metrics.IMPACTS`` but the cost ratio, plus ``participants``.
    """
    n = max(cur["earnings"].size, ref["earnings"].size)
    gain = _padded(cur["earnings"], n) - _padded(ref["earnings"], n)
    part = _padded(cur["participant"], n) > 0
    here = (_padded(cur["months"], n) > 0) | (_padded(ref["months"], n) > 0)
    rest = here & ~part
    lost = rest & (gain <= -DISPLACED_DOLLARS)
    won = rest & (gain >= DISPLACED_DOLLARS)
    n_part, n_rest, n_lost, n_won = int(part.sum()), int(rest.sum()), int(lost.sum()), int(won.sum())
    total_part = float(gain[part].sum())
    total_rest = float(gain[rest].sum())
    total_lost = float(-gain[lost].sum())
    total_won = float(gain[won].sum())
    return {
        "participants": float(n_part),
        "participant_gain": total_part / n_part if n_part else 0.0,
        "participant_gain_total": total_part,
        "rest_people": float(n_rest),
        "rest_gain": total_rest / n_rest if n_rest else 0.0,
        "rest_gain_total": total_rest,
        "displaced": float(n_lost),
        "displaced_loss": total_lost / n_lost if n_lost else 0.0,
        "displaced_loss_total": total_lost,
        "gainers": float(n_won),
        "gainers_gain": total_won / n_won if n_won else 0.0,
        "gainers_gain_total": total_won,
        "net_gain_total": total_part + total_rest,
    }


def worker_impacts(results: ScenarioResults) -> pd.DataFrame:
    """One row per (arm, replication) other than the reference arm: the counterfactual and the costs.

    Returns:
        Columns ``arm, replication`` and every metric of ``metrics.IMPACTS``, plus ``public_cost``
        and ``employer_cost`` of the run. Empty when the runs kept no horizon totals.
    """
    sc, totals = results.scenario, results.workers or {}
    ref = sc.reference_arm
    s = results.summary
    costs = dict(
        zip(
            zip(s["arm"].astype(str), s["replication"].astype(int), strict=True),
            zip(s["public_cost"].astype(float), s["employer_cost"].astype(float), strict=True),
            strict=True,
        )
    )
    rows = []
    for (arm, rep), cur in totals.items():  # loop: runs (a few dozen)
        if arm == ref or (ref, rep) not in totals:
            continue
        row: dict[str, float | str | int] = {"arm": arm, "replication": rep}
        row.update(person_impacts(cur, totals[(ref, rep)]))
        public, employer = costs[(arm, rep)]
        row["public_cost"] = public
        row["employer_cost"] = employer
        gained = float(row["participant_gain_total"])
        row["public_cost_per_gain"] = public / gained if gained > 0 else float("nan")
        rows.append(row)
    cols = ["arm", "replication", *(m.key for m in IMPACTS), "public_cost", "employer_cost"]  # loop: metrics
    return pd.DataFrame(rows, columns=list(dict.fromkeys(["arm", "replication", "participants", *cols])))


def headline_table(impacts: pd.DataFrame) -> pd.DataFrame:
    """Mean over replications with its 95% interval, per (arm, metric) of the counterfactual.

    The public cost per $1 of participants' gain is a ratio of means (public cost over mean gain);
    its interval is the public cost over the gain's interval, open-ended when the gain's interval
    reaches 0.

    Returns:
        Columns ``arm, metric, n, mean, ci_low, ci_high, distinguishable`` (the interval excludes 0).
    """
    rows = []
    keys = [m.key for m in IMPACTS if m.key != "public_cost_per_gain"]  # loop: metrics
    for arm, runs in impacts.groupby("arm", sort=False):  # loop: arms
        stats: dict[str, tuple[float, float, float]] = {}
        for key in (*keys, "participants", "public_cost", "employer_cost"):  # loop: metrics
            stats[key] = mean_ci(runs[key].to_numpy())
        cost = stats["public_cost"][0]
        gain, glo, ghi = stats["participant_gain_total"]
        ratio = cost / gain if gain > 0 else float("nan")
        low = cost / ghi if np.isfinite(ghi) and ghi > 0 else float("nan")
        if not np.isfinite(glo):  # one replication: no interval
            high = float("nan")
        else:
            high = cost / glo if glo > 0 else float("inf") if gain > 0 else float("nan")
        stats["public_cost_per_gain"] = (ratio, low, high)
        for key, (m, lo, hi) in stats.items():  # loop: metrics
            rows.append(
                {
                    "arm": arm,
                    "metric": key,
                    "n": len(runs),
                    "mean": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "distinguishable": bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0)),
                }
            )
    return pd.DataFrame(rows)


@dataclass
class ArmHeadline:
    """What one arm bought, in plain sentences (the first is the answer)."""

    arm: str
    description: str
    sentences: list[str]
    #: (who, how many, change per person [CI], total [CI]) for participants, the rest, the displaced
    lines: list[tuple[str, str, str, str]]


def _money(value: float, cents: bool = False) -> str:
    """Dollars without cents ('-$1,234'); with ``cents``, two decimals (a ratio of dollars)."""
    if not np.isfinite(value):
        return "–"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}" if cents else f"{sign}${abs(value):,.0f}"


def _name(metric: str, scenario: object) -> str:
    """A metric's label without its unit in parentheses, for a sentence."""
    from sectorsim.metrics import label

    return re.sub(r"\s*\([^)]*\)$", "", label(metric, scenario))


def _signed(value: float) -> str:
    return ("+" if np.isfinite(value) and value >= 0 else "") + _money(value)


def _ci(lo: float, hi: float) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval: one replication"
    return f"95% CI {_money(lo)} to {_money(hi)}"


def _noise(distinct: bool, lo: float) -> str:
    if not np.isfinite(lo):
        return "too few replications to tell from noise"
    return "distinguishable from noise" if distinct else "not distinguishable from noise"


def _pick(table: pd.DataFrame, arm: str, metric: str) -> pd.Series:
    return table[(table["arm"] == arm) & (table["metric"] == metric)].iloc[0]


def headline(
    table: pd.DataFrame, comparison: pd.DataFrame, scenario: object, months: int
) -> list[ArmHeadline]:
    """Plain-language answer per arm other than the reference, from :func:`headline_table`.

    Args:
        table: The counterfactual's means and intervals (:func:`headline_table`).
        comparison: The summary's comparison table (``compare.compare``), for the employer side
            and the group gap.
        scenario: The scenario (its arms, reference arm and groups).
        months: Months of the policy horizon.
    """
    ref = scenario.reference_arm  # type: ignore[attr-defined]
    out = []
    for arm in scenario.arms:  # type: ignore[attr-defined]  # loop: arms
        if arm.name == ref or arm.name not in set(table["arm"]):
            continue
        a, name, base = arm.name, arm_label(arm.name), arm_label(ref)

        def get(metric: str, frame: pd.DataFrame = table, who: str = a) -> pd.Series:
            return _pick(frame, who, metric)

        n = get("participants")["mean"]
        gain = get("participant_gain")
        sentences = []
        if n <= 0:
            sentences.append(f"{name} served no one over the {months}-month horizon.")
        else:
            enrolled = _pick(comparison, a, "participants")["mean"]
            times = f" ({enrolled:,.0f} enrollments)" if round(enrolled) != round(n) else ""
            sentences.append(
                f"{name} served {n:,.0f} people{times}. Over the {months}-month horizon each earned "
                f"{_signed(gain['mean'])} compared with the same person under {base} "
                f"({_ci(gain['ci_low'], gain['ci_high'])}; "
                f"{_noise(gain['distinguishable'], gain['ci_low'])})."
            )
            public, employer = get("public_cost")["mean"], get("employer_cost")["mean"]
            ratio = get("public_cost_per_gain")
            per_dollar = (
                f"{_money(ratio['mean'], cents=True)} of public money per $1 of participants' earnings gain"
                + (
                    f" ({_money(ratio['ci_low'], cents=True)} to {_money(ratio['ci_high'], cents=True)})"
                    if np.isfinite(ratio["ci_low"]) and np.isfinite(ratio["ci_high"])
                    else " (the gain's interval reaches 0, so there is no upper bound)"
                    if np.isinf(ratio["ci_high"])
                    else ""
                )
                if np.isfinite(ratio["mean"])
                else "no earnings gain to set the public money against"
            )
            sentences.append(
                f"Public cost: {_money(public / n)} per participant ({_money(public)} in all); "
                f"employer money pooled into the program: {_money(employer / n)} per participant "
                f"({_money(employer)}); "
                f"{per_dollar}."
            )
        rest, lost, won = get("rest_gain_total"), get("displaced"), get("gainers")
        sentences.append(
            f"Everyone else in the region (the spillover): {_signed(rest['mean'])} in all "
            f"({_ci(rest['ci_low'], rest['ci_high'])}; {_noise(rest['distinguishable'], rest['ci_low'])}). "
            f"Hiring reshuffles careers: {lost['mean']:,.0f} of them earned less than without the policy "
            f"({_money(get('displaced_loss')['mean'])} each on average) and {won['mean']:,.0f} earned more "
            f"({_money(get('gainers_gain')['mean'])} each)."
        )
        net = get("net_gain_total")
        sentences.append(
            f"Net for the region, participants and everyone else: {_signed(net['mean'])} over the horizon "
            f"({_ci(net['ci_low'], net['ci_high'])}; {_noise(net['distinguishable'], net['ci_low'])})."
        )
        sentences.append(_employer_sentence(comparison, a, ref, scenario))
        gap = get("earnings_gap", comparison)
        sentences.append(
            f"{_name('earnings_gap', scenario)}: {_signed(gap['diff'])} a month vs {base} "
            f"({_ci(gap['diff_ci_low'], gap['diff_ci_high'])}; "
            f"{_noise(_excludes_zero(gap), gap['diff_ci_low'])}"
            f"{'; negative means narrower' if np.isfinite(gap['diff']) else ''})."
        )
        lines = [
            _line("Participants", get("participants"), gain, get("participant_gain_total")),
            _line("Rest of the region", get("rest_people"), get("rest_gain"), rest),
            _line(
                "  of whom earned less (displaced)",
                lost,
                get("displaced_loss"),
                get("displaced_loss_total"),
                loss=True,
            ),
            _line("  of whom earned more", won, get("gainers_gain"), get("gainers_gain_total")),
            _line("Everyone (net)", get("rest_people"), get("net_gain_total"), net, per_person=False),
        ]
        out.append(ArmHeadline(a, arm.description, sentences, lines))
    return out


def _excludes_zero(row: pd.Series) -> bool:
    lo, hi = row["diff_ci_low"], row["diff_ci_high"]
    return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


def _line(
    who: str,
    count: pd.Series,
    each: pd.Series,
    total: pd.Series,
    loss: bool = False,
    per_person: bool = True,
) -> tuple[str, str, str, str]:
    sign = -1.0 if loss else 1.0
    if not per_person:
        return who, "", "", _cell(total, sign)
    return who, f"{count['mean']:,.0f}", _cell(each, sign), _cell(total, sign)


def _cell(r: pd.Series, sign: float) -> str:
    lo, hi = sorted((sign * r["ci_low"], sign * r["ci_high"]))
    ci = f" [{_money(lo)}, {_money(hi)}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{_signed(sign * r['mean'])}{ci}"


def _employer_sentence(comparison: pd.DataFrame, arm: str, ref: str, scenario: object) -> str:
    """Employers: turnover and turnover cost against the reference arm, with intervals."""
    parts = []
    for metric in ("turnover_rate", "turnover_cost"):  # loop: the employer-side metrics
        r = _pick(comparison, arm, metric)
        value = (
            f"{r['diff']:+.3f} separations per position a year" if "rate" in metric else _signed(r["diff"])
        )
        lo, hi = r["diff_ci_low"], r["diff_ci_high"]
        ci = (
            (f"[{lo:+.3f}, {hi:+.3f}]" if "rate" in metric else f"[{_money(lo)}, {_money(hi)}]")
            if np.isfinite(lo) and np.isfinite(hi)
            else "[no interval]"
        )
        parts.append(f"{_name(metric, scenario).lower()} {value} {ci}, {_noise(_excludes_zero(r), lo)}")
    text = f"Employers, vs {arm_label(ref)}: " + "; ".join(parts) + "."
    return text + _members_sentence(comparison, arm)


def _members_sentence(comparison: pd.DataFrame, arm: str) -> str:
    """The engaged employers against the same employers in the reference arm, when the run has them."""
    have = set(comparison.loc[comparison["arm"] == arm, "metric"])
    if not {"turnover_engaged_change_pct", "turnover_cost_saved"} <= have:
        return ""
    change, saved = (
        _pick(comparison, arm, "turnover_engaged_change_pct"),
        _pick(comparison, arm, "turnover_cost_saved"),
    )
    if not np.isfinite(change["mean"]):
        return ""
    lo, hi = change["ci_low"], change["ci_high"]
    ci = f" [{lo:+.1f}%, {hi:+.1f}%]" if np.isfinite(lo) and np.isfinite(hi) else ""
    noise = _noise(bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0)), lo)
    text = (
        f" At the employers it engaged, turnover {change['mean']:+.1f}%{ci} against the same employers "
        f"without it ({noise}); "
        + (
            f"they saved {_money(saved['mean'])} in turnover costs"
            if saved["mean"] >= 0
            else f"their turnover costs rose by {_money(-saved['mean'])}"
        )
    )
    if "employer_contributions" in have:
        paid = _pick(comparison, arm, "employer_contributions")["mean"]
        if np.isfinite(paid) and paid > 0:
            text += f", against {_money(paid)} they contributed in money and in kind"
    return text + "."


def analyze(
    results: ScenarioResults, comparison: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[ArmHeadline]]:
    """The counterfactual per run, its means and intervals, and the headline per arm.

    Returns:
        ``(worker_impacts, headline_table, headlines)``; all empty when the runs kept no totals.
    """
    impacts = worker_impacts(results)
    if impacts.empty:
        return impacts, pd.DataFrame(), []
    table = headline_table(impacts)
    return impacts, table, headline(table, comparison, results.scenario, results.scenario.months)
