"""The per-run summary: outcomes over the policy horizon, from the tables and the monthly series.

Definitions are in ``sectorsim.outcomes`` and docs/ODD.md ('Observation').

Employer outcomes come from every employer's books (``processes/employer_books``):
:func:`employer_books` is one run's table of them, one row per employer, and :func:`pair_employers`
follows the employers an arm's policies engaged into the reference arm's run with the same seed,
which gives the paired columns of summary.csv (``metrics.PAIRED``) and the rows of employers.csv.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sectorsim.metrics import column, paired_columns
from sectorsim.processes.earnings import WEEKS_PER_MONTH
from sectorsim.processes.employer_books import KINDS

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 for an all-zero vector)."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    total = x.sum()
    if x.size == 0 or total <= 0:
        return 0.0
    i = np.arange(1, x.size + 1)
    return float(2.0 * (i * x).sum() / (x.size * total) - (x.size + 1) / x.size)


#: The labor market's headline rates, averaged by year of the horizon (:func:`yearly_rates`).
YEARLY_RATES = ("unemployment_rate", "employment_rate", "participation_rate")


def yearly_rates(series: pd.DataFrame, burn_in: int) -> pd.DataFrame:
    """Mean of each of :data:`YEARLY_RATES` by year of the horizon (0 = the first year after burn-in).

    With several runs in ``series`` (replications), months are pooled: the result is the mean over
    runs. A partial last year is averaged over the months it has.
    """
    h = series[series["month"] >= burn_in]
    year = (h["month"] - burn_in) // 12
    return h.groupby(year.rename("year"))[list(YEARLY_RATES)].mean()


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def summarize(model: SectorModel, series: pd.DataFrame) -> dict[str, float]:
    """Per-run outcomes over the policy horizon (months after burn-in).

    People are counted for the months they lived in the region: earnings and employment are per
    resident-month, so arrivals and leavers weigh what they were present for.
    """
    cfg, w = model.config, model.workers
    h = series[series["month"] >= cfg.burn_in]
    present = w.window_months > 0
    resident_months = w.window_months.astype(np.float64)
    mean_earn = np.divide(w.window_earnings, resident_months, out=np.zeros(w.n), where=present)
    employed_months = float(h["employed"].sum())
    hours_worked = float(h["hours_total"].sum()) * WEEKS_PER_MONTH
    out: dict[str, float] = {
        "earnings_mean": _ratio(float(w.window_earnings.sum()), float(resident_months.sum())),
        "employment_rate": _ratio(float(w.window_employed.sum()), float(resident_months.sum())),
        "unemployment_rate": float(h["unemployment_rate"].mean()),
        "participation_rate": float(h["participation_rate"].mean()),
        "part_time_share": _ratio(float(h["part_time"].sum()), employed_months),
        "involuntary_part_time_share": _ratio(float(h["involuntary_part_time"].sum()), employed_months),
        "hours_mean": _ratio(float(h["hours_total"].sum()), employed_months),
        "earnings_per_hour": _ratio(float((h["earnings_mean"] * h["residents"]).sum()), hours_worked),
    }
    lost = float((h["quits"] + h["layoffs"] + h["barrier_separations"]).sum())
    to_inactive = float(h["employed_to_inactive"].sum())
    inactive, unemployed = float(h["inactive"].sum()), float(h["unemployed"].sum())
    out["employed_to_unemployed_rate"] = _ratio(lost - to_inactive, employed_months)
    out["employed_to_inactive_rate"] = _ratio(to_inactive, employed_months)
    out["unemployed_to_inactive_rate"] = _ratio(float(h["unemployed_to_inactive"].sum()), unemployed)
    out["inactive_to_unemployed_rate"] = _ratio(float(h["inactive_to_unemployed"].sum()), inactive)
    out["inactive_to_employed_rate"] = _ratio(float(h["hires_from_inactive"].sum()), inactive)
    out["residents"] = float(h["residents"].mean())
    for flow in ("entrants", "in_migrants", "out_migrants", "retirements"):  # loop: population flows
        out[flow] = float(h[flow].sum())
    filled_total = sum(float(h[column("employed", s.name)].sum()) for s in cfg.sectors)
    out["turnover_rate"] = 12.0 * _ratio(float(h["separations"].sum()), filled_total)
    for s in cfg.sectors:  # loop: sectors
        turnover = column("turnover", s.name)
        separations, employed = h[column("separations", s.name)].sum(), h[column("employed", s.name)].sum()
        out[turnover] = 12.0 * _ratio(separations, employed)
        out[column("separation_rate", s.name)] = out[turnover] / 12.0
    books = employer_books(model)
    engaged = books[books["engaged_months"] > 0]
    rest = books[books["engaged_months"] == 0]
    out["turnover_engaged"] = turnover_of(engaged)
    out["turnover_not_engaged"] = turnover_of(rest)
    out["turnover_cost"] = float(h["turnover_cost"].sum())
    out["vacancy_cost"] = float(books["vacancy_cost"].sum())
    out["vacancy_fill_months"] = _ratio(h["vacancies"].mean(), h["hires"].mean())
    out["engaged_employers"] = float(len(engaged))
    out["vacancy_fill_months_engaged"] = fill_months_of(engaged)
    out["program_hire_share_engaged"] = _ratio(engaged["program_hires"].sum(), engaged["hires"].sum())
    out["turnover_cost_engaged"] = float(engaged["turnover_cost"].sum())
    out["vacancy_cost_engaged"] = float(engaged["vacancy_cost"].sum())
    out["employer_contributions"] = float(engaged["contribution"].sum())
    out["job_finding_rate"] = _ratio(h["hires_from_unemployment"].sum(), h["searching_unemployed"].sum())
    out["job_to_job_rate"] = _ratio(h["job_to_job"].sum(), filled_total)
    out["credentials"] = float(h["credentials"].sum())
    out["participants"] = float(sum(p.participants for p in model.policies))
    out["completions"] = float(h["completions"].sum())
    out["placements"] = float(h["placements"].sum())
    cost = float(sum(p.spent for p in model.policies))
    out["program_cost"] = cost
    out["cost_per_participant"] = _ratio(cost, out["participants"])
    out["cost_per_placement"] = _ratio(cost, out["placements"])
    public = float(sum(p.spent * p.public_share for p in model.policies))
    out["public_cost"] = public
    out["employer_cost"] = max(cost - public, 0.0)
    out["public_cost_per_participant"] = _ratio(public, out["participants"])
    out["employer_cost_per_participant"] = _ratio(out["employer_cost"], out["participants"])
    groups = [g.name for g in cfg.groups]
    ref = groups.index(cfg.disparity.reference_group or groups[0])
    g_earn, g_emp, g_n = [], [], []
    for g, name in enumerate(groups):  # loop: groups
        mask = w.group == g
        months = float(resident_months[mask].sum())
        g_n.append(int((mask & present).sum()))
        g_earn.append(_ratio(float(w.window_earnings[mask].sum()), months))
        g_emp.append(_ratio(float(w.window_employed[mask].sum()), months))
        out[column("earnings", name)] = g_earn[-1]
        out[column("employment", name)] = g_emp[-1]
        out[column("participation", name)] = float(h[column("participation", name)].mean())
        out[column("part_time_share", name)] = float(h[column("part_time_share", name)].mean())
        worked = float(w.window_hours[mask].sum())
        out[column("hours", name)] = _ratio(worked / WEEKS_PER_MONTH, float(w.window_employed[mask].sum()))
        out[column("earnings_per_hour", name)] = _ratio(float(w.window_earnings[mask].sum()), worked)
    for s in cfg.sectors:  # loop: sectors
        employed = float(h[column("employed", s.name)].sum())
        out[column("part_time_share", s.name)] = _ratio(float(h[column("part_time", s.name)].sum()), employed)
        out[column("hours", s.name)] = _ratio(float(h[column("hours_total", s.name)].sum()), employed)
    others = [g for g in range(len(groups)) if g != ref and g_n[g] > 0]
    if others:
        wts = np.array([g_n[g] for g in others], float)
        out["earnings_gap"] = g_earn[ref] - float(np.dot(wts, [g_earn[g] for g in others]) / wts.sum())
        out["employment_gap"] = 100.0 * (
            g_emp[ref] - float(np.dot(wts, [g_emp[g] for g in others]) / wts.sum())
        )
    else:
        out["earnings_gap"] = 0.0
        out["employment_gap"] = 0.0
    out["earnings_gini"] = gini(mean_earn[present])
    # by area of residence: who a program reaches, and whose earnings move (county lines matter)
    n_areas = len(cfg.region.areas)
    area_months = np.maximum(np.bincount(w.area, weights=resident_months, minlength=n_areas), 1)
    area_earn = np.bincount(w.area, weights=w.window_earnings, minlength=n_areas) / area_months
    area_part = np.bincount(w.area, weights=w.ever_enrolled, minlength=n_areas)
    for a, area in enumerate(cfg.region.areas):  # loop: areas
        out[column("earnings_area", area.name)] = float(area_earn[a])
        out[column("participants_area", area.name)] = float(area_part[a])
    return out


#: Outcomes of one employer in employers.csv, each also given for the reference arm.
EMPLOYER_OUTCOMES = (
    "turnover",
    *(f"separations_{kind}" for kind in KINDS),  # loop: separation kinds
    "hires",
    "program_hires",
    "promotions",
    "filled_months",
    "open_months",
    "fill_months",
    "turnover_cost",
    "vacancy_cost",
)


def employer_books(model: SectorModel) -> pd.DataFrame:
    """Every employer's books over the horizon: one row per employer row, in row order.

    Columns: employer (row), key, sector, area, engaged_months, separations by kind
    (``separations_quit``...) and in all, hires, program_hires, promotions, filled_months and
    open_months (position-months), turnover_cost and vacancy_cost ($), contribution ($ paid into a
    partnership), turnover (12 x separations / filled position-months) and fill_months (open
    position-months / hires).
    """
    e, cfg = model.employers, model.config
    sectors = [s.name for s in cfg.sectors]
    areas = [a.name for a in cfg.region.areas]
    seps = {f"separations_{k}": e.column(f"book_{k}").astype(np.float64) for k in KINDS}  # loop: kinds
    total = np.sum(list(seps.values()), axis=0) if seps else np.zeros(e.n)
    filled = e.book_filled_months.astype(np.float64)
    hires = e.book_hires.astype(np.float64)
    contribution = e.contribution_paid if "contribution_paid" in e.declared else np.zeros(e.n)
    return pd.DataFrame(
        {
            "employer": np.arange(e.n),
            "key": e.key,
            "sector": np.asarray(sectors, dtype=object)[e.sector.astype(np.int64)],
            "area": np.asarray(areas, dtype=object)[e.area.astype(np.int64)],
            "engaged_months": e.book_engaged_months.astype(np.int64),
            **seps,
            "separations": total,
            "hires": hires,
            "program_hires": e.book_program_hires.astype(np.float64),
            "promotions": e.book_promotions.astype(np.float64),
            "filled_months": filled,
            "open_months": e.book_open_months.astype(np.float64),
            "turnover_cost": e.book_turnover_cost.astype(np.float64),
            "vacancy_cost": e.book_vacancy_cost.astype(np.float64),
            "contribution": np.asarray(contribution, np.float64),
            "turnover": 12.0 * np.divide(total, filled, out=np.zeros(e.n), where=filled > 0),
            "fill_months": np.divide(
                e.book_open_months.astype(np.float64), hires, out=np.zeros(e.n), where=hires > 0
            ),
        }
    )


def turnover_of(books: pd.DataFrame) -> float:
    """Pooled turnover of a set of employers: 12 x their separations / their filled position-months."""
    return 12.0 * _ratio(float(books["separations"].sum()), float(books["filled_months"].sum()))


def fill_months_of(books: pd.DataFrame) -> float:
    """Pooled vacancy fill time of a set of employers: open position-months / hires (Little's law)."""
    return _ratio(float(books["open_months"].sum()), float(books["hires"].sum()))


def paired_outcomes(books: pd.DataFrame, reference: pd.DataFrame) -> dict[str, float]:
    """The paired columns of one run: its engaged employers, and the same employers in ``reference``.

    Args:
        books: The run's :func:`employer_books`.
        reference: The reference arm's books with the same seed (the same employer rows).
    """
    engaged = books["engaged_months"].to_numpy() > 0
    mine, theirs = books[engaged], reference[engaged]
    t, t_ref = turnover_of(mine), turnover_of(theirs)
    f, f_ref = fill_months_of(mine), fill_months_of(theirs)
    saved_t = float(theirs["turnover_cost"].sum() - mine["turnover_cost"].sum())
    saved_v = float(theirs["vacancy_cost"].sum() - mine["vacancy_cost"].sum())
    paid = float(mine["contribution"].sum())
    out = {
        "turnover_engaged_reference": t_ref,
        "turnover_engaged_change": t - t_ref,
        "turnover_engaged_change_pct": 100.0 * (t - t_ref) / t_ref if t_ref > 0 else 0.0,
        "vacancy_fill_months_engaged_reference": f_ref,
        "vacancy_fill_months_engaged_change": f - f_ref,
        "turnover_cost_saved": saved_t,
        "vacancy_cost_saved": saved_v,
        "employer_return": (saved_t + saved_v - paid) / paid if paid > 0 else float("nan"),
    }
    assert list(out) == paired_columns()
    return out


def employer_rows(books: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """employers.csv rows of one run: each engaged employer, its outcomes and the reference arm's.

    Columns: employer, key, sector, area, engaged_months, contribution, then every outcome of
    :data:`EMPLOYER_OUTCOMES` and the same with ``_reference``, then ``return`` (costs saved minus
    contribution, over contribution; empty without a contribution).
    """
    engaged = books["engaged_months"].to_numpy() > 0
    mine, theirs = books[engaged].reset_index(drop=True), reference[engaged].reset_index(drop=True)
    out = mine[["employer", "key", "sector", "area", "engaged_months", "contribution"]].copy()
    for name in EMPLOYER_OUTCOMES:  # loop: outcomes (columns)
        out[name] = mine[name].to_numpy()
        out[f"{name}_reference"] = theirs[name].to_numpy()
    saved = theirs["turnover_cost"] + theirs["vacancy_cost"] - mine["turnover_cost"] - mine["vacancy_cost"]
    paid = mine["contribution"].to_numpy()
    out["return"] = np.where(paid > 0, (saved.to_numpy() - paid) / np.where(paid > 0, paid, 1.0), np.nan)
    return out
