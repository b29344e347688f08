"""Search and matching: applications to vacancies within reach, employer ranking, offers.

1. Vacancies are open positions (positions minus filled) by (employer, rung). They are grouped in
   cells (area, sector, rung).
2. Searchers are the unemployed not in training, and employed workers not in training who search
   on the job this month (probability ``on_the_job_search``). An unemployed searcher sends
   ``applications_per_month`` applications, an on-the-job searcher ``on_the_job_applications``,
   both times the group's ``network_access`` (rounded with a hashed draw).
3. Each application picks a cell with weight
   ``open positions * (wage / median wage) ** wage_preference`` among cells the worker can
   commute to, believes they qualify for (credential held >= the rung's requirement) and, for
   on-the-job searchers, that pay more than ``min_wage_gain`` above the current wage; then a
   vacancy in that cell uniformly. Draws are hashed per (worker, month, application index).
4. Employers screen: an application counts only if the credential the employer recognizes meets
   the rung (a firm-specific credential from another employer is recognized with probability
   ``firm_specific_recognition``, drawn per (worker, employer)). They rank by
   ``score_credential * (level above requirement) + score_skills * skill
   + referral bonus (committed program's completers) - group hiring bias
   - score_unemployment_duration * years unemployed + hiring credit (a worker-level lever)
   + score_noise * N(0,1)`` (hashed per pair).
5. ``matching_rounds`` rounds of offers: each vacancy offers its best remaining applicant; each
   worker takes the best-paid offer; it is accepted with probability ``offer_acceptance`` (drawn
   per (worker, employer)). A move from a job is a job-to-job separation.

Steps 1 and the month's orchestration live here; steps 2-3 in ``sectorsim.processes.search``,
steps 4-5 in ``sectorsim.processes.offers``.

No shuffles: every ordering is by (score, hashed tie-break), so the process is CRN-safe.
Reads: workers, employers, ladders, reach, scenario groups and labor_market.
Writes: hires through ``employment.hire``; flows.searching_unemployed.
Sources: application counts and acceptance, assumption calibrated to the job-finding and
job-to-job rates in docs/VALIDATION.md (Shimer 2012; Fallick and Fleischman 2004); hiring bias and
network access: scenario inputs (audit studies such as Bertrand and Mullainathan 2004 show
callback gaps of this order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import NONE, Column, Declares
from sectorsim.processes import hours, offers, search
from sectorsim.processes.employment import hire

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: The hiring levers: a program an employer commits to, and what that commitment does to hiring.
DECLARES = Declares(
    employers=(
        Column("commitment", "int16", NONE, "id", "Program whose completers it favors, or -1.", lever=True),
        Column(
            "referral_bonus",
            "float32",
            0.0,
            "score",
            "Hiring-score bonus for committed completers.",
            lever=True,
        ),
        Column(
            "screening_boost",
            "float32",
            0.0,
            "exponent",
            "Match-quality boost when hiring a committed completer (u ** (1 / (1 + boost))).",
            lever=True,
        ),
    ),
    workers=(
        Column(
            "hiring_credit",
            "float32",
            0.0,
            "score",
            "Hiring-score points every employer adds to this worker's applications (a policy lever).",
            lever=True,
        ),
    ),
)


def cell_layout(model: SectorModel) -> dict[str, np.ndarray]:
    """What does not change month to month about the cells (area, sector, rung): built once per model.

    Returns each cell's area, sector, ladder wage and required credential; each cell's wage
    threshold for on-the-job searchers and the sorted distinct thresholds (the wage bands); the
    appeal factor ``(wage / median wage) ** wage_preference``; each employer's first cell; and the
    base in which a searcher's credential levels are written as one profile key, and the number of
    possible profile keys.
    """
    e, lad, lm = model.employers, model.ladders, model.labor
    n_a, n_s, n_r = model.reach.shape[0], model.n_sectors, model.n_rungs
    cell = np.arange(n_a * n_s * n_r)
    c_area, c_sector, c_rung = cell // (n_s * n_r), (cell // n_r) % n_s, cell % n_r
    wage = lad.wage[c_sector, c_rung]
    # an on-the-job searcher only applies where the cell can pay min_wage_gain more than now
    best_premium = 1.0 + 2.5 * model.config.employers.quality_sd
    threshold = wage * best_premium / (1.0 + lm.min_wage_gain)
    bands = np.unique(threshold)
    level_base = int(lad.max_level.max()) + 1
    return {
        "area": c_area,
        "sector": c_sector,
        "wage": wage,
        "required": lad.required[c_sector, c_rung],
        "threshold": threshold,
        "bands": bands,
        "appeal": (wage / np.median(lad.wage)) ** lm.wage_preference,
        "employer_cell": (e.area.astype(np.int64) * n_s + e.sector) * n_r,
        "level_base": level_base,  # credential levels are digits in this base
        "profile_space": n_a * level_base**n_s * (bands.size + 1),  # profile keys lie below this
    }


@njit(cache=True, nogil=True)
def _slots(
    open_: NDArray[np.int64], employer_cell: NDArray[np.int64], n_rungs: int, n_cells: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Open positions as slots (employer, rung), grouped by cell, by employer within a cell."""
    count = np.zeros(n_cells, np.int64)
    for j in range(employer_cell.size):  # loop: employers (compiled)
        for r in range(n_rungs):  # loop: rungs (compiled)
            count[employer_cell[j] + r] += open_[j, r]
    fill = np.cumsum(count) - count
    slot_emp = np.empty(count.sum(), np.int64)
    slot_rung = np.empty(count.sum(), np.int64)
    for j in range(employer_cell.size):  # loop: employers (compiled)
        for r in range(n_rungs):  # loop: rungs (compiled)
            c = employer_cell[j] + r
            for _ in range(open_[j, r]):  # loop: open positions of one (employer, rung) (compiled)
                slot_emp[fill[c]] = j
                slot_rung[fill[c]] = r
                fill[c] += 1
    return slot_emp, slot_rung, count


def _vacancy_cells(model: SectorModel) -> dict[str, np.ndarray]:
    """Open positions as slots, sorted by cell (area, sector, rung), with the cells' layout."""
    layout = model.cell_layout
    open_ = np.maximum(model.employers.positions - model.filled(), 0)
    slot_emp, slot_rung, count = _slots(open_, layout["employer_cell"], model.n_rungs, layout["wage"].size)
    return {
        **layout,
        "emp": slot_emp,
        "rung": slot_rung,
        "count": count,
        "start": np.cumsum(count) - count,
        # what on-the-job searchers compare offers with (their pay, for part-timers wanting more hours)
        "reservation": hours.reservation_pay(model),
    }


def step(model: SectorModel) -> None:
    """Run this month's search, screening and offer rounds."""
    cells = _vacancy_cells(model)
    idx, n_apps = search.searchers(model)
    if cells["emp"].size == 0 or idx.size == 0:
        return
    app_w, app_s = search.applications(model, cells, idx, n_apps)
    if app_w.size == 0:
        return
    hw, hs = offers.hires(model, cells, app_w, app_s)
    hire(model, hw, cells["emp"][hs], cells["rung"][hs])
