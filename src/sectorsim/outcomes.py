"""Outcomes observed each month: the monthly series (a mesa DataCollector) and its snapshot.

The per-run summary over the policy horizon is ``sectorsim.summary`` (the records layer).

Definitions (docs/ODD.md, 'Observation'):

- earnings: mean monthly earnings of working-age residents over the policy horizon ($/month), all
  and by group (everyone counts: employed, unemployed and out of the labor force);
- employment rate: the employment-to-population ratio (employed / working-age residents);
- participation rate: labor force (employed, or jobless and searching, trainees included) / residents;
- unemployment rate: jobless and not in training, over the labor force minus jobless trainees;
- part-time share: employed with usual hours under 35 a week / employed; hours: usual weekly hours
  of the employed; earnings per hour: earnings / hours worked (usual weekly hours x 52 / 12 a month);
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
    "hires_from_inactive",
    "exit_separations",
    "entrants",
    "in_migrants",
    "out_migrants",
    "retirements",
    "employed_to_inactive",
    "unemployed_to_inactive",
    "inactive_to_unemployed",
    "upskilled",
)


class TallyWorkers(NamedTuple):
    """The worker columns the monthly tally reads, and the rows it counts (the residents, ascending)."""

    rows: NDArray[np.int64]
    in_labor_force: NDArray[np.bool_]
    employer: NDArray[np.int32]
    program: NDArray[np.int16]
    group: NDArray[np.int8]
    earnings: NDArray[np.float32]
    hours: NDArray[np.float32]
    wants_more_hours: NDArray[np.bool_]


class TallyEmployers(NamedTuple):
    """The employer columns the monthly tally reads."""

    sector: NDArray[np.int8]
    engaged: NDArray[np.bool_]


class Tally(NamedTuple):
    """What the monthly tally counts (residents only)."""

    residents: int
    labor_force: int
    employed: int
    in_training: int
    jobless_trainees: int
    employed_engaged: int
    part_time: int
    involuntary_part_time: int
    hours: float  # usual weekly hours of all the employed
    by_group: NDArray[np.float64]  # (groups, 6): residents, labor force, employed, part time, earnings, hours
    by_sector: NDArray[np.float64]  # (sectors, 3): employed, part time, usual weekly hours


#: Usual weekly hours under which a job is part-time (the CPS definition).
PART_TIME_HOURS = 35.0


@njit(cache=True, nogil=True)
def _tally(workers: TallyWorkers, employers: TallyEmployers, n_groups: int, n_sectors: int) -> Tally:
    """One pass over the residents: counts by status, by group and by sector (sums in row order)."""
    e_sector, e_engaged = employers.sector, employers.engaged
    n_res = n_lf = n_emp = n_training = jobless_trainees = engaged = n_part = n_invol = 0
    total_hours = 0.0
    by_group = np.zeros((n_groups, 6), np.float64)
    by_sector = np.zeros((n_sectors, 3), np.float64)
    for t in range(workers.rows.size):  # loop: residents, one pass (compiled)
        i = workers.rows[t]
        g = workers.group[i]
        n_res += 1
        by_group[g, 0] += 1.0
        by_group[g, 4] += workers.earnings[i]
        if workers.in_labor_force[i]:
            n_lf += 1
            by_group[g, 1] += 1.0
        training = workers.program[i] >= 0
        n_training += training
        j = workers.employer[i]
        if j >= 0:
            h = np.float64(workers.hours[i])
            part = h < PART_TIME_HOURS
            n_emp += 1
            n_part += 1 if part else 0
            n_invol += workers.wants_more_hours[i]
            total_hours += h
            by_group[g, 2] += 1.0
            by_group[g, 3] += part
            by_group[g, 5] += h
            s = e_sector[j]
            by_sector[s, 0] += 1.0
            by_sector[s, 1] += part
            by_sector[s, 2] += h
            engaged += e_engaged[j]
        else:
            jobless_trainees += training
    return Tally(
        n_res,
        n_lf,
        n_emp,
        n_training,
        jobless_trainees,
        engaged,
        n_part,
        n_invol,
        total_hours,
        by_group,
        by_sector,
    )


def _share(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def snapshot(model: SectorModel) -> dict[str, float]:
    """All monthly series values for the current month, computed once.

    Denominators say whom they count: rates of the population are over working-age residents,
    the unemployment rate over the labor force (trainees without a job left out), hours and
    part-time shares over the employed.
    """
    w, e, f = model.workers, model.employers, model.flows
    n_groups = len(model.config.groups)
    t = _tally(
        TallyWorkers(
            rows=model.demography.rows,
            in_labor_force=w.in_labor_force,
            employer=w.employer,
            program=w.program,
            group=w.group,
            earnings=w.earnings,
            hours=w.hours,
            wants_more_hours=w.wants_more_hours,
        ),
        TallyEmployers(sector=e.sector, engaged=e.engaged),
        n_groups,
        model.n_sectors,
    )
    positions = int(e.positions.sum())
    n = max(t.residents, 1)
    unemployed = t.labor_force - t.employed
    g = t.by_group
    row: dict[str, float] = {
        "month": model.month,
        "employment_rate": t.employed / n,
        "unemployment_rate": (unemployed - t.jobless_trainees) / max(t.labor_force - t.jobless_trainees, 1),
        "participation_rate": t.labor_force / n,
        "earnings_mean": float(w.earnings.sum(dtype=np.float64) / n),  # non-residents earn 0
        "residents": t.residents,
        "employed": t.employed,
        "unemployed": unemployed,
        "inactive": t.residents - t.labor_force,
        "part_time": t.part_time,
        "involuntary_part_time": t.involuntary_part_time,
        "hours_total": t.hours,
        "positions": positions,
        "vacancies": positions - t.employed,
        "in_training": t.in_training,
        "employed_engaged": t.employed_engaged,
        "program_spend": float(sum(p.spent for p in model.policies)),
    }
    for name in FLOW_COUNTS:
        row[name] = float(getattr(f, name))
    row["separations"] = float(f.separations_by_sector.sum())
    row["job_finding_rate"] = f.hires_from_unemployment / max(f.searching_unemployed, 1)
    row["job_to_job_rate"] = f.job_to_job / max(t.employed, 1)
    for k, group in enumerate(model.config.groups):  # loop: groups
        row[column("earnings", group.name)] = _share(g[k, 4], max(g[k, 0], 1))
        row[column("employment", group.name)] = _share(g[k, 2], max(g[k, 0], 1))
        row[column("participation", group.name)] = _share(g[k, 1], g[k, 0])
        row[column("part_time_share", group.name)] = _share(g[k, 3], g[k, 2])
    for k, sector in enumerate(model.config.sectors):  # loop: sectors
        row[column("separations", sector.name)] = float(f.separations_by_sector[k])
        row[column("employed", sector.name)] = float(t.by_sector[k, 0])
        row[column("part_time", sector.name)] = float(t.by_sector[k, 1])
        row[column("hours_total", sector.name)] = float(t.by_sector[k, 2])
    return row


class MonthlySeries(mesa.DataCollector):
    """Mesa's DataCollector for the monthly series: one model reporter per column.

    The reporters (:func:`monthly_reporters`) read one :func:`snapshot` computed once a month, so the
    month's tally runs once whatever the number of columns. :meth:`collect` stores the values the
    reporters return, as mesa's does, and keeps the collected steps that ``mesa.batch_run`` reads; it
    skips mesa's per-value ``deepcopy``, which copies nothing here (every value is a number).
    """

    def collect(self, model: SectorModel) -> None:
        """Append this month's value of every reporter (one snapshot) to ``model_vars``.

        With agent reporters, mesa's own ``collect`` runs instead (it records them too).
        """
        if self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        self._validated = True
        model_vars = self.model_vars
        for var, reporter in self.model_reporters.items():  # loop: series columns (about 70)
            model_vars[var].append(reporter(model))


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
