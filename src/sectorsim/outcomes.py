"""Outcomes observed each month: the monthly series (a mesa DataCollector) and its snapshot.

The per-run summary over the policy horizon is ``sectorsim.summary`` (the records layer).

Definitions (docs/ODD.md, 'Observation'):

- earnings: mean monthly earnings of all workers over the policy horizon ($/month), all and by group;
- employment rate: share of the labor force holding a job;
- unemployment rate: jobless and not in training, over the labor force minus jobless trainees;
- turnover rate: annualized separations (quits, discharges, barrier separations, layoffs,
  job-to-job moves) per filled position, ``12 * sum(separations) / sum(filled positions)``;
- turnover cost: ``turnover_cost_share`` x annual wage of each job that ends ($);
- vacancy fill time: mean open positions / mean monthly hires (Little's law), months;
- earnings gap: mean monthly earnings of the reference group minus the share-weighted mean of the
  other groups ($/month); employment gap likewise in percentage points;
- earnings Gini: Gini coefficient of workers' mean monthly earnings over the horizon;
- cost per participant / per placement: program spending divided by enrollees / by completers
  employed in the trained sector within six months (0 when there are none, with the counts beside).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import mesa
import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.metrics import column, slug

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

FLOW_COUNTS = (
    "hires",
    "hires_from_unemployment",
    "job_to_job",
    "quits",
    "layoffs",
    "barrier_separations",
    "promotions",
    "enrollments",
    "completions",
    "dropouts",
    "placements",
    "credentials",
    "searching_unemployed",
    "separations_engaged",
    "turnover_cost",
)


class TallyWorkers(NamedTuple):
    """The worker columns the monthly tally reads."""

    employer: NDArray[np.int32]
    program: NDArray[np.int16]
    group: NDArray[np.int8]
    earnings: NDArray[np.float32]


class TallyEmployers(NamedTuple):
    """The employer columns the monthly tally reads."""

    sector: NDArray[np.int8]
    engaged: NDArray[np.bool_]


@njit(cache=True, nogil=True)
def _tally(workers: TallyWorkers, employers: TallyEmployers, n_groups: int, n_sectors: int) -> tuple:
    """One pass over workers: counts by status, by group and by sector (sums in row order).

    Returns (employed, in training, jobless trainees, employed at engaged employers, earnings sum by
    group, employed by group, workers by group, employed by sector).
    """
    employer, program, group, earnings = workers.employer, workers.program, workers.group, workers.earnings
    e_sector, e_engaged = employers.sector, employers.engaged
    n_emp = n_training = jobless_trainees = engaged = 0
    g_earn = np.zeros(n_groups, np.float64)
    g_emp = np.zeros(n_groups, np.float64)
    g_n = np.zeros(n_groups, np.int64)
    by_sector = np.zeros(n_sectors, np.int64)
    for i in range(employer.size):  # loop: workers, one pass (compiled)
        g = group[i]
        g_n[g] += 1
        g_earn[g] += earnings[i]
        training = program[i] >= 0
        n_training += training
        j = employer[i]
        if j >= 0:
            n_emp += 1
            g_emp[g] += 1.0
            by_sector[e_sector[j]] += 1
            engaged += e_engaged[j]
        else:
            jobless_trainees += training
    return n_emp, n_training, jobless_trainees, engaged, g_earn, g_emp, g_n, by_sector


def snapshot(model: SectorModel) -> dict[str, float]:
    """All monthly series values for the current month, computed once."""
    w, e, f = model.workers, model.employers, model.flows
    n = w.n
    n_groups = len(model.config.groups)
    n_emp, n_training, jobless_trainees, engaged, g_earn, g_emp, g_n, by_sector = _tally(
        TallyWorkers(employer=w.employer, program=w.program, group=w.group, earnings=w.earnings),
        TallyEmployers(sector=e.sector, engaged=e.engaged),
        n_groups,
        model.n_sectors,
    )
    g_n = np.maximum(g_n, 1)
    positions = int(e.positions.sum())
    row: dict[str, float] = {
        "month": model.month,
        "employment_rate": n_emp / n,
        "unemployment_rate": (n - n_emp - jobless_trainees) / max(n - jobless_trainees, 1),
        "earnings_mean": float(w.earnings.mean(dtype=np.float64)),
        "positions": positions,
        "vacancies": positions - n_emp,
        "in_training": n_training,
        "employed_engaged": engaged,
        "program_spend": float(sum(p.spent for p in model.policies)),
    }
    for name in FLOW_COUNTS:
        row[name] = float(getattr(f, name))
    row["separations"] = float(f.separations_by_sector.sum())
    row["job_finding_rate"] = f.hires_from_unemployment / max(f.searching_unemployed, 1)
    row["job_to_job_rate"] = f.job_to_job / max(n_emp, 1)
    for g, group in enumerate(model.config.groups):  # loop: groups
        row[column("earnings", group.name)] = float(g_earn[g] / g_n[g])
        row[column("employment", group.name)] = float(g_emp[g] / g_n[g])
    for s, sector in enumerate(model.config.sectors):  # loop: sectors
        row[column("separations", sector.name)] = float(f.separations_by_sector[s])
        row[column("employed", sector.name)] = float(by_sector[s])
    return row


class MonthlySeries(mesa.DataCollector):
    """Mesa's DataCollector for the monthly series: one model reporter per column.

    The reporters (:func:`monthly_reporters`) read one :func:`snapshot` computed once a month, so the
    month's tally runs once whatever the number of columns; collection itself is mesa's own
    ``collect`` (which also keeps the collected steps that ``mesa.batch_run`` reads).
    """


def monthly_reporters(model: SectorModel) -> dict[str, Callable[[SectorModel], float]]:
    """Model reporters for mesa's DataCollector: one per column of :func:`snapshot`."""
    cache: dict[str, object] = {"month": None, "row": None}

    def current(m: SectorModel) -> dict[str, float]:
        if cache["month"] != (id(m), m.month):
            cache["month"], cache["row"] = (id(m), m.month), snapshot(m)
        return cache["row"]  # type: ignore[return-value]

    def reporter(key: str) -> Callable[[SectorModel], float]:
        return lambda m: current(m)[key]

    return {key: reporter(key) for key in snapshot(model)}


__all__ = ["FLOW_COUNTS", "MonthlySeries", "monthly_reporters", "slug", "snapshot"]
