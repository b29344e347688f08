"""Advancement: internal promotion one rung up the employer's ladder, and experience in a sector.

An employed worker with at least ``promotion_min_tenure`` months, whose credential (portable, or
firm-specific from this employer) meets the next rung's requirement (unless the rung only prefers
it: ``credential_required: false``) and who has the months of experience in the sector the rung
asks (``experience_months``), is considered with monthly
probability ``promotion_rate`` times the employer's ``promotion_multiplier`` (a lever: a visible
career ladder a partnership builds with its members raises how often incumbents are considered; 1 =
no policy); each employer promotes up to its open positions on that rung, best
skills first (hashed tie-break). A worker an employer trained as an incumbent (the lever
``promote_at``, set by a program's ``incumbent_workers``) is considered there every month, without
the draw or the tenure minimum, once qualified, and goes first; the promotion opens the rung below.

Reads: workers (employer, rung, tenure, credential, firm credential, skill), employers
(positions, promotion_multiplier), ladders. Writes: workers.rung, workers.experience (months
employed in each sector: kept only when some rung asks for experience; each month's employed add one
month in their employer's sector, before promotion and hiring). Sources: promotion rate, assumption
(internal-ladder literature, e.g. Doeringer and Piore 1971, gives no single number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes.employer_books import count_promotions
from sectorsim.processes.employment import count_positions, employed_residents
from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


#: The career-ladder lever: how much more often the employer considers its incumbents for promotion.
DECLARES = Declares(
    workers=(
        Column(
            "experience",
            "int16",
            0,
            "months",
            "Months employed in each sector (kept only when a rung requires experience).",
            shape="sector",
        ),
        Column(
            "promote_at",
            "int32",
            -1,
            "row",
            "Employer that promotes this worker first, once qualified (incumbent-worker training), or -1.",
            lever=True,
        ),
    ),
    employers=(
        Column(
            "promotion_multiplier",
            "float32",
            1.0,
            "factor",
            "Multiplier on the monthly chance an incumbent is considered for promotion (a visible "
            "career ladder); 1 = no policy.",
            lever=True,
        ),
    ),
)


@njit(cache=True, nogil=True)
def recognized(
    portable: int,
    firm_sector: int,
    firm_employer: int,
    firm_level: int,
    sector: int,
    employer: int,
    outside: bool,
) -> int:
    """Credential level an employer recognizes for one worker in ``sector``.

    A portable credential counts everywhere. A firm-specific one counts in full at the issuing
    employer and, elsewhere, only where ``outside`` is True (a hashed recognition draw).
    """
    if firm_sector == sector and (firm_employer == employer or outside) and firm_level > portable:
        return firm_level
    return portable


class PromotionWorkers(NamedTuple):
    """The worker columns the promotion pass reads, and the rows it runs over (job holders, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    tenure: NDArray[np.int16]
    rung: NDArray[np.int8]
    credential: NDArray[np.int8]
    firm_sector: NDArray[np.int8]
    firm_employer: NDArray[np.int32]
    firm_level: NDArray[np.int8]
    experience: NDArray[np.int16]  # (workers, sectors)
    promote_at: NDArray[np.int32]  # employer that promotes the worker first, or -1


class PromotionLadders(NamedTuple):
    """Each employer's sector and promotion multiplier; each sector's ladder length and requirements."""

    employer_sector: NDArray[np.int8]
    promotion_multiplier: NDArray[np.float64]
    n_rungs: NDArray[np.int64]
    required: NDArray[np.int8]
    experience: NDArray[np.int16]  # months in the sector each (sector, rung) requires
    preferred: NDArray[np.bool_]  # the rung's credential is preferred, not required


class PromotionParams(NamedTuple):
    """Promotion rules and the stream base of the monthly promotion draw."""

    min_tenure: int  # promotion_min_tenure
    rate: float  # promotion_rate
    base: np.uint64  # stream "promotion"


@njit(cache=True, nogil=True)
def _candidates(
    workers: PromotionWorkers, ladders: PromotionLadders, params: PromotionParams
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows considered for promotion this month, and the rung each would move to.

    The promotion draw comes first: every condition is required, so the order of the checks does
    not change who passes.
    """
    key, here = workers.key, workers.rows
    rows = np.empty(here.size, np.int64)
    nxt = np.empty(here.size, np.int64)
    n_out = 0
    for t in range(here.size):  # loop: job holders, one pass (compiled)
        i = here[t]
        j = workers.employer[i]
        # one test of all three (no short circuit), true for few: a branch that is predicted
        drawn = key_uniform(key[i], params.base) < params.rate * ladders.promotion_multiplier[max(j, 0)]
        # an employer that trained its incumbent promotes them once qualified, without the draw
        first = workers.promote_at[i] == j
        if not ((j >= 0) & (((workers.tenure[i] >= params.min_tenure) & drawn) | first)):
            continue
        s = ladders.employer_sector[j]
        r = workers.rung[i] + 1
        if r >= ladders.n_rungs[s]:
            continue
        level = recognized(
            workers.credential[i, s],
            workers.firm_sector[i],
            workers.firm_employer[i],
            workers.firm_level[i],
            s,
            j,
            False,
        )
        short = (level < ladders.required[s, r]) & (not ladders.preferred[s, r])
        if short | (workers.experience[i, s] < ladders.experience[s, r]):
            continue
        rows[n_out] = i
        nxt[n_out] = r
        n_out += 1
    return rows[:n_out], nxt[:n_out]


def start(model: SectorModel) -> None:
    """Experience at the start, when some rung asks for it.

    An incumbent has at least the months their own rung requires, and at least their tenure (an
    assumption: incumbents met their rung's requirements when they were hired or promoted).
    """
    lad = model.ladders
    if not lad.needs_experience:
        return
    w, e = model.workers, model.employers
    emp = np.flatnonzero(w.employer >= 0)
    s = e.sector[w.employer[emp]].astype(np.int64)
    w.experience[emp, s] = np.maximum(w.tenure[emp], lad.experience[s, w.rung[emp]])


def accrue(model: SectorModel) -> None:
    """Each employed resident adds a month of experience in their employer's sector (capped)."""
    w, e = model.workers, model.employers
    emp = employed_residents(model)
    s = e.sector[w.employer[emp]].astype(np.int64)
    w.experience[emp, s] = np.minimum(w.experience[emp, s] + 1, 30000)


def step(model: SectorModel) -> None:
    """Promote eligible workers into open positions on the next rung (after a month of experience)."""
    w, e, lad, lm = model.workers, model.employers, model.ladders, model.labor
    if lad.needs_experience:
        accrue(model)
    idx, nxt = _candidates(
        PromotionWorkers(
            rows=employed_residents(model),  # only job holders are promoted (the split is kept)
            key=w.key,
            employer=w.employer,
            tenure=w.tenure,
            rung=w.rung,
            credential=w.credential,
            firm_sector=w.firm_sector,
            firm_employer=w.firm_employer,
            firm_level=w.firm_level,
            experience=w.experience,
            promote_at=w.promote_at,
        ),
        PromotionLadders(
            employer_sector=e.sector,
            promotion_multiplier=e.promotion_multiplier.astype(np.float64),
            n_rungs=lad.n_rungs,
            required=lad.required,
            experience=lad.experience,
            preferred=lad.preferred,
        ),
        PromotionParams(
            min_tenure=lm.promotion_min_tenure,
            rate=lm.promotion_rate,
            base=model.streams.base("promotion", model.month),
        ),
    )
    if idx.size == 0:
        return
    emp = w.employer[idx]
    open_ = np.maximum(e.positions - model.filled(), 0)
    cell = emp.astype(np.int64) * model.n_rungs + nxt
    tie = model.streams.uniform("promotion.rank", model.month, w.key[idx])
    first = w.promote_at[idx] == emp  # incumbents the employer trained for the rung go first
    order = np.lexsort((tie, -w.skill[idx], ~first, cell))
    idx, cell = idx[order], cell[order]
    rank = np.arange(cell.size) - np.searchsorted(cell, cell, side="left")
    win = rank < open_.ravel()[cell]
    up = idx[win]
    count_positions(e.filled, w.employer[up], w.rung[up], -1)
    w.rung[up] += 1
    w.promote_at[up] = -1
    count_positions(e.filled, w.employer[up], w.rung[up], 1)
    model.flows.promotions += int(win.sum())
    count_promotions(model, w.employer[up])
