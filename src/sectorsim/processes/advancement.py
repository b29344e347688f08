"""Advancement: internal promotion one rung up the employer's ladder.

An employed worker with at least ``promotion_min_tenure`` months, whose credential (portable, or
firm-specific from this employer) meets the next rung's requirement, is considered with monthly
probability ``promotion_rate`` times the employer's ``promotion_multiplier`` (a lever: a visible
career ladder a partnership builds with its members raises how often incumbents are considered; 1 =
no policy); each employer promotes up to its open positions on that rung, best
skills first (hashed tie-break).

Reads: workers (employer, rung, tenure, credential, firm credential, skill), employers
(positions, promotion_multiplier), ladders. Writes: workers.rung. Sources: promotion rate, assumption
(internal-ladder literature, e.g. Doeringer and Piore 1971, gives no single number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes.employer_books import count_promotions
from sectorsim.processes.employment import count_positions
from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


#: The career-ladder lever: how much more often the employer considers its incumbents for promotion.
DECLARES = Declares(
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
    """The worker columns the promotion pass reads, and the rows it runs over (the residents, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    tenure: NDArray[np.int16]
    rung: NDArray[np.int8]
    credential: NDArray[np.int8]
    firm_sector: NDArray[np.int8]
    firm_employer: NDArray[np.int32]
    firm_level: NDArray[np.int8]


class PromotionLadders(NamedTuple):
    """Each employer's sector and promotion multiplier; each sector's ladder length and requirements."""

    employer_sector: NDArray[np.int8]
    promotion_multiplier: NDArray[np.float64]
    n_rungs: NDArray[np.int64]
    required: NDArray[np.int8]


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
    for t in range(here.size):  # loop: residents, one pass (compiled)
        i = here[t]
        j = workers.employer[i]
        # one test of all three (no short circuit), true for few: a branch that is predicted
        drawn = key_uniform(key[i], params.base) < params.rate * ladders.promotion_multiplier[max(j, 0)]
        if not ((j >= 0) & (workers.tenure[i] >= params.min_tenure) & drawn):
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
        if level < ladders.required[s, r]:
            continue
        rows[n_out] = i
        nxt[n_out] = r
        n_out += 1
    return rows[:n_out], nxt[:n_out]


def step(model: SectorModel) -> None:
    """Promote eligible workers into open positions on the next rung."""
    w, e, lad, lm = model.workers, model.employers, model.ladders, model.labor
    idx, nxt = _candidates(
        PromotionWorkers(
            rows=model.demography.rows,
            key=w.key,
            employer=w.employer,
            tenure=w.tenure,
            rung=w.rung,
            credential=w.credential,
            firm_sector=w.firm_sector,
            firm_employer=w.firm_employer,
            firm_level=w.firm_level,
        ),
        PromotionLadders(
            employer_sector=e.sector,
            promotion_multiplier=e.promotion_multiplier.astype(np.float64),
            n_rungs=lad.n_rungs,
            required=lad.required,
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
    order = np.lexsort((tie, -w.skill[idx], cell))
    idx, cell = idx[order], cell[order]
    rank = np.arange(cell.size) - np.searchsorted(cell, cell, side="left")
    win = rank < open_.ravel()[cell]
    up = idx[win]
    count_positions(e.filled, w.employer[up], w.rung[up], -1)
    w.rung[up] += 1
    count_positions(e.filled, w.employer[up], w.rung[up], 1)
    model.flows.promotions += int(win.sum())
    count_promotions(model, w.employer[up])
