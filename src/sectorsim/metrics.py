"""The metric registry: every output column's name, label, unit, direction and how it aggregates.

Outputs are built from this table and nothing else: the monthly series (``sectorsim.outcomes``), the
per-run summary (``sectorsim.summary``), the reports, the terminal tables, the workshop app and the
sweeps (which ask :func:`summary_columns` for a scenario's metrics instead of running a model).
A metric either describes the whole region, or is one of a family with one column per group, sector
or area of the scenario (``turnover_health_care``); :func:`column` names those columns and
:func:`describe` reads them back, so no module builds or parses metric names by hand.

Reads: a scenario's group, sector and area names (duck-typed, to stay below the scenario layer).
Writes: nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

#: What a family of metrics has one column per.
Per = Literal["region", "group", "sector", "area"]
#: Which way is better for the region (for plain-language summaries); "neither" for counts and levels.
Better = Literal["higher", "lower", "neither"]
#: How a run's value comes from the months of the horizon.
Aggregate = Literal["mean", "sum", "ratio", "last"]


@dataclass(frozen=True)
class Metric:
    """One output, or one family of outputs (one column per group, sector or area).

    Attributes:
        key: The column name; for a family, the prefix before the item's slug.
        label: Plain-language label; a family's has ``{item}`` where the item's name goes.
        unit: Unit of the values ("$ / month", "share", "per year", "months", "persons", "$").
        better: Which way is better for the region.
        aggregate: How a run's value is formed from months: mean, sum, a ratio of sums, or the last.
        per: ``region`` for one column; otherwise what the family has one column per.
        decimals: Decimals when printed (money 0, rates 3).
    """

    key: str
    label: str
    unit: str
    better: Better
    aggregate: Aggregate
    per: Per = "region"
    decimals: int = 2


@lru_cache(maxsize=1024)
def slug(name: str) -> str:
    """Column-safe version of a scenario name ('Health care' -> 'health_care', '医疗' -> '医疗').

    Letters and digits of any script are kept (NFKC-normalized, case-folded); every run of other
    characters becomes one ``_``. A name with no letter or digit slugs to '' and is refused.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\W_]+", "_", folded).strip("_")


def column(metric: Metric | str, item: str | None = None) -> str:
    """Column name of a metric, or of one item (a group, sector or area name) of a family."""
    key = metric.key if isinstance(metric, Metric) else metric
    return key if item is None else f"{key}_{slug(item)}"


def _m(key: str, label: str, unit: str, better: Better, aggregate: Aggregate, **kw: Any) -> Metric:
    return Metric(key, label, unit, better, aggregate, **kw)


#: Region-wide rates both tables share.
EARNINGS_MEAN = _m(
    "earnings_mean",
    "Mean monthly earnings of working-age residents ($)",
    "$ / month",
    "higher",
    "mean",
    decimals=0,
)
EMPLOYMENT_RATE = _m(
    "employment_rate", "Employment-to-population ratio", "share", "higher", "mean", decimals=3
)
UNEMPLOYMENT_RATE = _m("unemployment_rate", "Unemployment rate", "share", "lower", "mean", decimals=3)
PARTICIPATION_RATE = _m(
    "participation_rate", "Labor-force participation rate", "share", "higher", "mean", decimals=3
)

#: The group family both tables share: earnings and labor-force status of each group.
GROUP_RATES: tuple[Metric, ...] = (
    _m(
        "earnings",
        "Mean monthly earnings, {item} ($)",
        "$ / month",
        "higher",
        "mean",
        per="group",
        decimals=0,
    ),
    _m(
        "employment",
        "Employment-to-population ratio, {item}",
        "share",
        "higher",
        "mean",
        per="group",
        decimals=3,
    ),
    _m(
        "participation",
        "Labor-force participation, {item}",
        "share",
        "higher",
        "mean",
        per="group",
        decimals=3,
    ),
    _m(
        "part_time_share",
        "Part-time share of the employed, {item}",
        "share",
        "neither",
        "mean",
        per="group",
        decimals=3,
    ),
)

# ---- the per-run summary, in the order of summary.csv's columns ----------------------------------
# An entry is a Metric, or a tuple of family Metrics sharing one ``per`` whose columns interleave
# item by item (turnover_a, separation_rate_a, turnover_b, ...).
SUMMARY: tuple[Metric | tuple[Metric, ...], ...] = (
    EARNINGS_MEAN,
    EMPLOYMENT_RATE,
    UNEMPLOYMENT_RATE,
    PARTICIPATION_RATE,
    _m("part_time_share", "Part-time share of the employed", "share", "neither", "mean", decimals=3),
    _m(
        "involuntary_part_time_share",
        "Part time for economic reasons (share of the employed)",
        "share",
        "lower",
        "mean",
        decimals=3,
    ),
    _m("hours_mean", "Usual weekly hours of the employed", "hours / week", "neither", "ratio", decimals=1),
    _m("earnings_per_hour", "Earnings per hour worked ($)", "$ / hour", "higher", "ratio"),
    _m(
        "employed_to_unemployed_rate",
        "Employment to unemployment (monthly)",
        "per month",
        "lower",
        "ratio",
        decimals=4,
    ),
    _m(
        "employed_to_inactive_rate",
        "Employment to out of the labor force (monthly)",
        "per month",
        "neither",
        "ratio",
        decimals=4,
    ),
    _m(
        "unemployed_to_inactive_rate",
        "Unemployment to out of the labor force (monthly)",
        "per month",
        "neither",
        "ratio",
        decimals=3,
    ),
    _m(
        "inactive_to_unemployed_rate",
        "Out of the labor force to unemployment (monthly)",
        "per month",
        "neither",
        "ratio",
        decimals=4,
    ),
    _m(
        "inactive_to_employed_rate",
        "Out of the labor force to employment (monthly)",
        "per month",
        "higher",
        "ratio",
        decimals=4,
    ),
    _m(
        "residents", "Working-age residents (mean over the horizon)", "persons", "neither", "mean", decimals=0
    ),
    _m("entrants", "Young entrants", "persons", "neither", "sum", decimals=0),
    _m("in_migrants", "In-migrants", "persons", "neither", "sum", decimals=0),
    _m("out_migrants", "Out-migrants", "persons", "neither", "sum", decimals=0),
    _m("retirements", "Retirements and deaths", "persons", "neither", "sum", decimals=0),
    _m(
        "turnover_rate",
        "Employer turnover (separations per position per year)",
        "per year",
        "lower",
        "ratio",
        decimals=3,
    ),
    (
        _m("turnover", "Turnover, {item} (per year)", "per year", "lower", "ratio", per="sector", decimals=3),
        _m(
            "separation_rate",
            "Monthly separation rate, {item}",
            "per month",
            "lower",
            "ratio",
            per="sector",
            decimals=3,
        ),
    ),
    _m(
        "turnover_engaged",
        "Turnover at employers a policy engages (per year)",
        "per year",
        "lower",
        "ratio",
        decimals=3,
    ),
    _m(
        "turnover_not_engaged",
        "Turnover at employers no policy engages (per year)",
        "per year",
        "lower",
        "ratio",
        decimals=3,
    ),
    _m("turnover_cost", "Employers' turnover cost ($)", "$", "lower", "sum", decimals=0),
    _m("vacancy_cost", "Employers' cost of open positions ($)", "$", "lower", "sum", decimals=0),
    _m("vacancy_fill_months", "Vacancy fill time (months)", "months", "lower", "ratio"),
    _m(
        "engaged_employers",
        "Employers a policy engaged (at any time)",
        "employers",
        "neither",
        "last",
        decimals=0,
    ),
    _m(
        "vacancy_fill_months_engaged",
        "Vacancy fill time at engaged employers (months)",
        "months",
        "lower",
        "ratio",
    ),
    _m(
        "program_hire_share_engaged",
        "Program completers among engaged employers' hires",
        "share",
        "neither",
        "ratio",
        decimals=3,
    ),
    _m("turnover_cost_engaged", "Turnover cost at engaged employers ($)", "$", "lower", "sum", decimals=0),
    _m(
        "vacancy_cost_engaged",
        "Cost of open positions at engaged employers ($)",
        "$",
        "lower",
        "sum",
        decimals=0,
    ),
    _m(
        "employer_contributions",
        "Employers' contributions, money and in kind ($)",
        "$",
        "neither",
        "sum",
        decimals=0,
    ),
    _m(
        "job_finding_rate",
        "Job-finding rate of the unemployed (per month)",
        "per month",
        "higher",
        "ratio",
        decimals=3,
    ),
    _m(
        "job_to_job_rate",
        "Job-to-job moves (share of the employed per month)",
        "per month",
        "neither",
        "ratio",
        decimals=3,
    ),
    _m("credentials", "Credentials awarded", "credentials", "higher", "sum", decimals=0),
    _m("participants", "Program participants", "persons", "neither", "sum", decimals=0),
    _m("completions", "Program completions", "persons", "higher", "sum", decimals=0),
    _m("placements", "Placements in the trained sector", "persons", "higher", "sum", decimals=0),
    _m("program_cost", "Program spending, public and employer ($)", "$", "neither", "sum", decimals=0),
    _m(
        "cost_per_participant",
        "Cost per participant, public and employer money ($)",
        "$ / person",
        "lower",
        "ratio",
        decimals=0,
    ),
    _m(
        "cost_per_placement",
        "Cost per placement, public and employer money ($)",
        "$ / person",
        "lower",
        "ratio",
        decimals=0,
    ),
    # public and employer money apart (a pooled fund's employer contribution is not public money)
    _m("public_cost", "Public money spent ($)", "$", "neither", "sum", decimals=0),
    _m("employer_cost", "Employer money spent ($)", "$", "neither", "sum", decimals=0),
    _m(
        "public_cost_per_participant",
        "Public cost per participant ($)",
        "$ / person",
        "lower",
        "ratio",
        decimals=0,
    ),
    _m(
        "employer_cost_per_participant",
        "Employer cost per participant ($)",
        "$ / person",
        "lower",
        "ratio",
        decimals=0,
    ),
    (
        *GROUP_RATES,
        _m(
            "hours",
            "Usual weekly hours of the employed, {item}",
            "hours / week",
            "neither",
            "ratio",
            per="group",
            decimals=1,
        ),
        _m(
            "earnings_per_hour",
            "Earnings per hour worked, {item} ($)",
            "$ / hour",
            "higher",
            "ratio",
            per="group",
        ),
    ),
    (
        _m(
            "part_time_share", "Part-time share, {item}", "share", "neither", "mean", per="sector", decimals=3
        ),
        _m(
            "hours",
            "Usual weekly hours, {item}",
            "hours / week",
            "neither",
            "ratio",
            per="sector",
            decimals=1,
        ),
    ),
    _m("earnings_gap", "Earnings gap between groups ($/month)", "$ / month", "lower", "mean"),
    _m("employment_gap", "Employment gap between groups (pp)", "percentage points", "lower", "mean"),
    _m("earnings_gini", "Earnings Gini", "0-1", "lower", "mean", decimals=3),
    (
        _m(
            "earnings_area",
            "Mean monthly earnings of residents of {item} ($)",
            "$ / month",
            "higher",
            "mean",
            per="area",
            decimals=0,
        ),
        _m(
            "participants_area",
            "Program participants living in {item}",
            "persons",
            "neither",
            "sum",
            per="area",
            decimals=0,
        ),
    ),
)

# ---- employer outcomes paired with the reference arm, after summary.csv's per-run columns ----------
# The employers an arm's policies engaged, followed with the same seed in the reference arm
# (``sectorsim.summary.pair_employers``): computed from two runs, so not part of one run's summary.
PAIRED: tuple[Metric, ...] = (
    _m(
        "turnover_engaged_reference",
        "Turnover of the same employers in the reference arm (per year)",
        "per year",
        "lower",
        "ratio",
        decimals=3,
    ),
    _m(
        "turnover_engaged_change",
        "Change in engaged employers' turnover, paired with the reference arm (per year)",
        "per year",
        "lower",
        "ratio",
        decimals=3,
    ),
    _m(
        "turnover_engaged_change_pct",
        "Change in engaged employers' turnover, paired (%)",
        "percent",
        "lower",
        "ratio",
        decimals=1,
    ),
    _m(
        "vacancy_fill_months_engaged_reference",
        "Vacancy fill time of the same employers in the reference arm (months)",
        "months",
        "lower",
        "ratio",
    ),
    _m(
        "vacancy_fill_months_engaged_change",
        "Change in engaged employers' vacancy fill time, paired (months)",
        "months",
        "lower",
        "ratio",
    ),
    _m(
        "turnover_cost_saved",
        "Turnover cost engaged employers saved against the reference arm ($)",
        "$",
        "higher",
        "sum",
        decimals=0,
    ),
    _m(
        "vacancy_cost_saved",
        "Vacancy cost engaged employers saved against the reference arm ($)",
        "$",
        "higher",
        "sum",
        decimals=0,
    ),
    _m(
        "employer_return",
        "Employers' return: (costs saved - contributions) / contributions, pooled",
        "ratio",
        "higher",
        "ratio",
    ),
)

# ---- the monthly series, in the order of its columns ------------------------------------------------
MONTHLY: tuple[Metric | tuple[Metric, ...], ...] = (
    _m("month", "Month", "month", "neither", "last", decimals=0),
    EMPLOYMENT_RATE,
    UNEMPLOYMENT_RATE,
    PARTICIPATION_RATE,
    EARNINGS_MEAN,
    _m("residents", "Working-age residents", "persons", "neither", "mean", decimals=0),
    _m("employed", "Employed", "persons", "neither", "mean", decimals=0),
    _m(
        "unemployed",
        "Unemployed (searching or in training without a job)",
        "persons",
        "neither",
        "mean",
        decimals=0,
    ),
    _m("inactive", "Out of the labor force", "persons", "neither", "mean", decimals=0),
    _m("part_time", "Employed part time", "persons", "neither", "mean", decimals=0),
    _m("involuntary_part_time", "Part time for economic reasons", "persons", "lower", "mean", decimals=0),
    _m(
        "hours_total", "Usual weekly hours of all the employed", "hours / week", "neither", "mean", decimals=0
    ),
    _m("positions", "Positions", "positions", "neither", "mean", decimals=0),
    _m("vacancies", "Open positions", "positions", "neither", "mean", decimals=0),
    _m("in_training", "In training", "persons", "neither", "mean", decimals=0),
    _m("employed_engaged", "Employed at engaged employers", "persons", "neither", "mean", decimals=0),
    _m("program_spend", "Program spending to date ($)", "$", "neither", "last", decimals=0),
    _m("hires", "Hires", "persons / month", "neither", "sum", decimals=0),
    _m("hires_from_unemployment", "Hires from unemployment", "persons / month", "neither", "sum", decimals=0),
    _m("job_to_job", "Job-to-job moves", "persons / month", "neither", "sum", decimals=0),
    _m("quits", "Quits and discharges", "persons / month", "lower", "sum", decimals=0),
    _m("layoffs", "Layoffs", "persons / month", "lower", "sum", decimals=0),
    _m(
        "barrier_separations",
        "Separations after a barrier shock",
        "persons / month",
        "lower",
        "sum",
        decimals=0,
    ),
    _m("promotions", "Promotions", "persons / month", "higher", "sum", decimals=0),
    _m("enrollments", "Enrollments", "persons / month", "neither", "sum", decimals=0),
    _m("completions", "Completions", "persons / month", "higher", "sum", decimals=0),
    _m("dropouts", "Dropouts", "persons / month", "lower", "sum", decimals=0),
    _m("placements", "Placements", "persons / month", "higher", "sum", decimals=0),
    _m("credentials", "Credentials awarded", "credentials / month", "higher", "sum", decimals=0),
    _m("searching_unemployed", "Unemployed searching", "persons", "neither", "mean", decimals=0),
    _m(
        "separations_engaged",
        "Separations at engaged employers",
        "persons / month",
        "lower",
        "sum",
        decimals=0,
    ),
    _m("turnover_cost", "Employers' turnover cost ($)", "$ / month", "lower", "sum", decimals=0),
    _m(
        "hires_from_inactive",
        "Hires from out of the labor force",
        "persons / month",
        "neither",
        "sum",
        decimals=0,
    ),
    _m(
        "exit_separations",
        "Jobs ended by retirement, death or a move away",
        "persons / month",
        "neither",
        "sum",
        decimals=0,
    ),
    _m("entrants", "Young entrants", "persons / month", "neither", "sum", decimals=0),
    _m("in_migrants", "In-migrants", "persons / month", "neither", "sum", decimals=0),
    _m("out_migrants", "Out-migrants", "persons / month", "neither", "sum", decimals=0),
    _m("retirements", "Retirements and deaths", "persons / month", "neither", "sum", decimals=0),
    _m(
        "employed_to_inactive",
        "From a job to out of the labor force",
        "persons / month",
        "neither",
        "sum",
        decimals=0,
    ),
    _m("unemployed_to_inactive", "Stopped searching", "persons / month", "neither", "sum", decimals=0),
    _m("inactive_to_unemployed", "Started searching", "persons / month", "neither", "sum", decimals=0),
    _m(
        "upskilled", "Credentials earned outside programs", "credentials / month", "higher", "sum", decimals=0
    ),
    _m("separations", "Separations", "persons / month", "lower", "sum", decimals=0),
    _m("job_finding_rate", "Job-finding rate of the unemployed", "per month", "higher", "ratio", decimals=3),
    _m(
        "job_to_job_rate",
        "Job-to-job moves (share of the employed)",
        "per month",
        "neither",
        "ratio",
        decimals=3,
    ),
    (*GROUP_RATES,),
    (
        _m("separations", "Separations, {item}", "persons / month", "lower", "sum", per="sector", decimals=0),
        _m("employed", "Employed, {item}", "persons", "neither", "mean", per="sector", decimals=0),
        _m("part_time", "Employed part time, {item}", "persons", "neither", "mean", per="sector", decimals=0),
        _m(
            "hours_total",
            "Usual weekly hours of the employed, {item}",
            "hours / week",
            "neither",
            "mean",
            per="sector",
            decimals=0,
        ),
    ),
)


# ---- the worker-level counterfactual: each arm's run against the same seed's reference-arm run -----
# A row is the same person in every arm, so a person's earnings in an arm minus their earnings in the
# reference arm, same replication, is the policy's effect on that person (``sectorsim.counterfactual``).
IMPACTS: tuple[Metric, ...] = (
    _m(
        "participant_gain",
        "Earnings gain per participant over the horizon ($)",
        "$ / person",
        "higher",
        "sum",
        decimals=0,
    ),
    _m(
        "participant_gain_total",
        "Participants' total earnings gain over the horizon ($)",
        "$",
        "higher",
        "sum",
        decimals=0,
    ),
    _m("rest_people", "Other residents (not in a program)", "persons", "neither", "sum", decimals=0),
    _m(
        "rest_gain",
        "Earnings change per other resident over the horizon ($)",
        "$ / person",
        "higher",
        "sum",
        decimals=0,
    ),
    _m(
        "rest_gain_total",
        "Other residents' total earnings change over the horizon ($)",
        "$",
        "higher",
        "sum",
        decimals=0,
    ),
    _m(
        "displaced",
        "Other residents who earned less than without the policy",
        "persons",
        "lower",
        "sum",
        decimals=0,
    ),
    _m(
        "displaced_loss",
        "Earnings loss per displaced resident over the horizon ($)",
        "$ / person",
        "lower",
        "sum",
        decimals=0,
    ),
    _m(
        "displaced_loss_total",
        "Displaced residents' total earnings loss over the horizon ($)",
        "$",
        "lower",
        "sum",
        decimals=0,
    ),
    _m(
        "gainers",
        "Other residents who earned more than without the policy",
        "persons",
        "neither",
        "sum",
        decimals=0,
    ),
    _m(
        "gainers_gain",
        "Earnings gain per such resident over the horizon ($)",
        "$ / person",
        "neither",
        "sum",
        decimals=0,
    ),
    _m(
        "gainers_gain_total",
        "Their total earnings gain over the horizon ($)",
        "$",
        "neither",
        "sum",
        decimals=0,
    ),
    _m(
        "net_gain_total",
        "Net earnings change of everyone in the region over the horizon ($)",
        "$",
        "higher",
        "sum",
        decimals=0,
    ),
    _m(
        "public_cost_per_gain",
        "Public cost per $1 of participants' earnings gain ($)",
        "$ / $",
        "lower",
        "ratio",
        decimals=2,
    ),
)


def _items(scenario: Any, per: Per) -> list[str]:
    if per == "group":
        return [g.name for g in scenario.groups]
    if per == "sector":
        return [s.name for s in scenario.sectors]
    if per == "area":
        return [a.name for a in scenario.region.areas]
    return []


def expand(
    table: tuple[Metric | tuple[Metric, ...], ...], scenario: Any
) -> list[tuple[str, Metric, str | None]]:
    """(column, metric, item name or None) of every column ``table`` gives for ``scenario``, in order."""
    out: list[tuple[str, Metric, str | None]] = []
    for entry in table:  # loop: registry entries
        if isinstance(entry, Metric):
            out.append((entry.key, entry, None))
            continue
        for item in _items(scenario, entry[0].per):  # loop: the scenario's groups, sectors or areas
            out += [(column(m, item), m, item) for m in entry]  # loop: the family's metrics
    return out


def summary_columns(scenario: Any) -> list[str]:
    """Names of the per-run metrics of a scenario, in the order of summary.csv."""
    return [c for c, _, _ in expand(SUMMARY, scenario)]


def paired_columns() -> list[str]:
    """Names of the paired employer outcomes summary.csv adds after the per-run metrics."""
    return [m.key for m in PAIRED]


def monthly_columns(scenario: Any) -> list[str]:
    """Names of the monthly series' columns for a scenario, in order."""
    return [c for c, _, _ in expand(MONTHLY, scenario)]


def collisions(scenario: Any) -> list[str]:
    """Columns that two metrics (or two names of the scenario) would both write, each once."""
    seen: dict[str, str] = {}
    clashes: list[str] = []
    for table in (SUMMARY, MONTHLY):  # loop: the two tables
        seen.clear()
        for col, metric, item in expand(table, scenario):  # loop: columns
            who = metric.key if item is None else f"{metric.key} of {metric.per} '{item}'"
            if col in seen and seen[col] != who:
                clashes.append(f"'{col}' ({seen[col]} and {who})")
            seen.setdefault(col, who)
    return list(dict.fromkeys(clashes))


def describe(name: str, scenario: Any | None = None) -> tuple[Metric | None, str]:
    """The metric a column belongs to and its plain-language label (the name itself if unknown)."""
    tables = (SUMMARY, PAIRED, MONTHLY, IMPACTS)
    for table in tables:  # loop: the tables
        if scenario is not None:
            for col, metric, item in expand(table, scenario):  # loop: columns
                if col == name:
                    return metric, metric.label.replace("{item}", item or "")
        for entry in table:  # loop: registry entries
            if isinstance(entry, Metric) and entry.key == name:
                return entry, entry.label
    return None, name


def arm_label(name: str) -> str:
    """Display name of an arm ('single_employer' -> 'Single employer', 'none' -> 'No policy')."""
    if name == "none":
        return "No policy"
    text = re.sub(r"[_]+", " ", name).strip()
    return text[:1].upper() + text[1:]


def label(name: str, scenario: Any | None = None) -> str:
    """Plain-language label of a column (its name when the registry does not know it)."""
    return describe(name, scenario)[1]


def decimals(name: str, scenario: Any | None = None) -> int | None:
    """Decimals a column is printed with, or None when the registry does not know it."""
    metric = describe(name, scenario)[0]
    return None if metric is None else metric.decimals
