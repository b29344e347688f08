"""Advancement: internal promotion one rung up the employer's ladder.

An employed worker with at least ``promotion_min_tenure`` months, whose credential (portable, or
firm-specific from this employer) meets the next rung's requirement, is considered with monthly
probability ``promotion_rate``; each employer promotes up to its open positions on that rung, best
skills first (hashed tie-break).

Reads: workers (employer, rung, tenure, credential, firm credential, skill), employers
(positions), ladders. Writes: workers.rung. Sources: promotion rate, assumption (internal-ladder
literature, e.g. Doeringer and Piore 1971, gives no single number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


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


@njit(cache=True, nogil=True)
def _candidates(
    workers: tuple,
    e_sector: NDArray[np.int8],
    n_rungs: NDArray[np.int64],
    required: NDArray[np.int8],
    min_tenure: int,
    rate: float,
    base: np.uint64,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows considered for promotion this month, and the rung each would move to.

    The promotion draw comes first: every condition is required, so the order of the checks does
    not change who passes.
    """
    key, employer, tenure, rung, credential, firm_sector, firm_employer, firm_level = workers
    rows = np.empty(key.size, np.int64)
    nxt = np.empty(key.size, np.int64)
    n_out = 0
    for i in range(key.size):  # loop: workers, one pass (compiled)
        j = employer[i]
        if j < 0 or tenure[i] < min_tenure or not key_uniform(key[i], base) < rate:
            continue
        s = e_sector[j]
        r = rung[i] + 1
        if r >= n_rungs[s]:
            continue
        if (
            recognized(credential[i, s], firm_sector[i], firm_employer[i], firm_level[i], s, j, False)
            < required[s, r]
        ):
            continue
        rows[n_out] = i
        nxt[n_out] = r
        n_out += 1
    return rows[:n_out], nxt[:n_out]


def step(model: SectorModel) -> None:
    """Promote eligible workers into open positions on the next rung."""
    w, e, lad, lm = model.workers, model.employers, model.ladders, model.labor
    idx, nxt = _candidates(
        (w.key, w.employer, w.tenure, w.rung, w.credential, w.firm_sector, w.firm_employer, w.firm_level),
        e.sector,
        lad.n_rungs,
        lad.required,
        lm.promotion_min_tenure,
        lm.promotion_rate,
        model.streams.base("promotion", model.month),
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
    w.rung[idx[win]] += 1
    model.flows.promotions += int(win.sum())
