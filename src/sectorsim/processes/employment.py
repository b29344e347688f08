"""Job transitions shared by processes: hiring a worker into a position and ending a job.

Reads and writes: workers.employer, rung, tenure, unemployed_months, match, wage, and each
employer's count of filled positions by rung (``employers.filled``, so no process recounts the
worker table to find open positions); a hire also draws
the job's hours (``sectorsim.processes.hours``) and puts the hired in the labor force; the month's
flows (separations by sector, by engaged employers, turnover cost; who lost a job to non-employment,
for the participation step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes import employer_books, hours
from sectorsim.state import NONE

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: The job a worker holds, written by hires and separations.
DECLARES = Declares(
    workers=(
        Column("employer", "int32", NONE, "row", "Employer of the current job, or -1 when not employed."),
        Column("rung", "int8", NONE, "index", "Rung of the current job on the employer's ladder, or -1."),
        Column("tenure", "int16", 0, "months", "Months in the current job."),
        Column("unemployed_months", "int16", 0, "months", "Months out of work in the current spell."),
        Column("match", "float32", 0.5, "0-1", "Match quality of the current job (low: likelier to leave)."),
    ),
    employers=(
        Column(
            "filled",
            "int64",
            0,
            "positions",
            "Positions held by a worker, by rung (kept current by every hire, separation and promotion).",
            shape="rung",
        ),
    ),
)


def count_positions(
    filled: NDArray[np.int64], employer: NDArray[np.integer], rung: NDArray[np.integer], sign: int
) -> None:
    """Add ``sign`` to ``filled[employer, rung]`` for each pair (repeats add up), in one bincount."""
    if employer.size == 0:
        return
    flat = employer.astype(np.int64) * filled.shape[1] + rung
    counts = np.bincount(flat, minlength=filled.size).reshape(filled.shape)
    filled += (sign * counts).astype(filled.dtype)


@njit(cache=True, nogil=True)
def _split_by_job(
    rows: NDArray[np.int64], employer: NDArray[np.int32]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows (ascending) split into those holding a job and those without one, both ascending."""
    employed = np.empty(rows.size, np.int64)
    jobless = np.empty(rows.size, np.int64)
    n_employed = n_jobless = 0
    for t in range(rows.size):  # loop: rows, one pass (compiled)
        i = rows[t]
        has_job = employer[i] >= 0
        # both lists are written every time and kept by a count (no branch on who holds a job)
        employed[n_employed] = i
        jobless[n_jobless] = i
        n_employed += has_job
        n_jobless += not has_job
    return employed[:n_employed], jobless[:n_jobless]


def _job_split(model: SectorModel) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The residents' rows split by whether they hold a job, kept until a hire or separation.

    :func:`hire` and :func:`separate` are the only writers of ``workers.employer`` in a month, and
    both drop the kept split, as does a change of the residents' rows.
    """
    demo = model.demography
    if demo.job_split is None:
        demo.job_split = _split_by_job(demo.rows, model.workers.employer)
    return demo.job_split


def employed_residents(model: SectorModel) -> NDArray[np.int64]:
    """Rows of the residents who hold a job now, ascending.

    The passes that act only on job holders (separations, upskilling, promotion) run over these
    rows rather than all residents: the same rows in the same order, about a third fewer to visit.
    """
    return _job_split(model)[0]


def jobless_residents(model: SectorModel) -> NDArray[np.int64]:
    """Rows of the residents who hold no job now, ascending (the participation flows' rows)."""
    return _job_split(model)[1]


SeparationKind = Literal["quit", "barrier", "layoff", "job_to_job", "exit"]


def separate(model: SectorModel, idx: NDArray[np.int64], kind: SeparationKind) -> None:
    """End the jobs of workers ``idx`` and count the separations at their employers.

    Args:
        model: The model.
        idx: Rows of employed workers.
        kind: Why the job ended; every kind counts toward employer turnover (``exit``: the worker
            retired, died or left the region).
    """
    if idx.size == 0:
        return
    w, e, f = model.workers, model.employers, model.flows
    model.demography.job_split = None
    emp = w.employer[idx]
    count_positions(e.filled, emp, w.rung[idx], -1)
    sector = e.sector[emp]
    f.separations_by_sector += np.bincount(sector, minlength=model.n_sectors)
    f.separations_engaged += int(e.engaged[emp].sum())
    annual_wage = 12.0 * w.wage[idx].astype(np.float64)
    f.turnover_cost += float(annual_wage.sum() * model.labor.turnover_cost_share)
    employer_books.count_separations(model, emp, kind, annual_wage * model.labor.turnover_cost_share)
    match kind:
        case "quit":
            f.quits += idx.size
        case "barrier":
            f.barrier_separations += idx.size
        case "layoff":
            f.layoffs += idx.size
        case "job_to_job":
            f.job_to_job += idx.size
        case "exit":
            f.exit_separations += idx.size
    if kind in ("quit", "barrier", "layoff"):
        f.lost_jobs.append((idx, kind == "barrier"))
    w.employer[idx] = NONE
    w.rung[idx] = NONE
    w.tenure[idx] = 0
    w.hours[idx] = 0.0
    w.unstable[idx] = False
    w.wants_more_hours[idx] = False
    if kind != "job_to_job":
        w.unemployed_months[idx] = 0


def hire(
    model: SectorModel,
    idx: NDArray[np.int64],
    employer: NDArray[np.int64],
    rung: NDArray[np.int64],
) -> None:
    """Place workers ``idx`` in positions (employer, rung); a move from a job is a separation.

    Match quality is a hashed uniform; an employer that screens its committed program's
    completers draws it from a better distribution (``u ** (1 / (1 + boost))``).
    """
    if idx.size == 0:
        return
    w, e, f = model.workers, model.employers, model.flows
    model.demography.job_split = None
    was_employed = w.employer[idx] >= 0
    moving = idx[was_employed]
    separate(model, moving, "job_to_job")
    f.hires += idx.size
    from_inactive = int((~was_employed & ~w.in_labor_force[idx]).sum())
    f.hires_from_inactive += from_inactive
    f.hires_from_unemployment += idx.size - moving.size - from_inactive
    w.in_labor_force[idx] = True
    u = model.streams.uniform("hire.match", model.month, w.key[idx])
    piped = (w.pipeline[idx] >= 0) & (w.pipeline[idx] == e.commitment[employer])
    boost = np.where(piped, e.screening_boost[employer], 0.0)
    w.match[idx] = (u ** (1.0 / (1.0 + boost))).astype(np.float32)
    employer_books.count_hires(model, employer, w.pipeline[idx] >= 0)
    w.employer[idx] = employer
    w.rung[idx] = rung
    count_positions(e.filled, employer, rung, 1)
    w.tenure[idx] = 0
    w.unemployed_months[idx] = 0
    hours.assign(
        model.job_hours, w, idx, e.sector[employer].astype(np.int64), rung, model.streams, model.month
    )
