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
def _recognized_levels(
    idx: NDArray[np.int64],
    employer: NDArray[np.int64],
    sector: NDArray[np.int64],
    credential: NDArray[np.int8],
    firm_sector: NDArray[np.int8],
    firm_employer: NDArray[np.int32],
    firm_level: NDArray[np.int8],
) -> NDArray[np.int16]:
    out = np.empty(idx.size, np.int16)
    for i in range(idx.size):  # loop: (worker, employer) pairs (compiled)
        r, s = idx[i], sector[i]
        out[i] = recognized(
            credential[r, s], firm_sector[r], firm_employer[r], firm_level[r], s, employer[i], False
        )
    return out


def recognized_level(
    model: SectorModel, idx: np.ndarray, employer: np.ndarray, sector: np.ndarray
) -> np.ndarray:
    """Credential level each employer recognizes for workers ``idx`` in ``sector`` (see ``recognized``).

    Used for internal promotion, so there is no outside-recognition draw: a firm-specific
    credential counts only at the employer that issued it.
    """
    w = model.workers
    return _recognized_levels(
        np.asarray(idx, np.int64),
        np.asarray(employer, np.int64),
        np.asarray(sector, np.int64),
        w.credential,
        w.firm_sector,
        w.firm_employer,
        w.firm_level,
    )


def step(model: SectorModel) -> None:
    """Promote eligible workers into open positions on the next rung."""
    w, e, lad, lm = model.workers, model.employers, model.ladders, model.labor
    idx = np.flatnonzero((w.employer >= 0) & (w.tenure >= lm.promotion_min_tenure))
    # the promotion draw first: every condition is required, so the order does not change who passes
    idx = idx[model.streams.uniform("promotion", model.month, w.key[idx]) < lm.promotion_rate]
    if idx.size == 0:
        return
    emp = w.employer[idx]
    sector = e.sector[emp].astype(np.int64)
    nxt = w.rung[idx].astype(np.int64) + 1
    has_next = nxt < lad.n_rungs[sector]
    idx, emp, sector, nxt = idx[has_next], emp[has_next], sector[has_next], nxt[has_next]
    level = recognized_level(model, idx, emp, sector)
    ok = level >= lad.required[sector, nxt]
    idx, emp, nxt = idx[ok], emp[ok], nxt[ok]
    if idx.size == 0:
        return
    open_ = np.maximum(e.positions - model.filled(), 0)
    cell = emp.astype(np.int64) * model.n_rungs + nxt
    tie = model.streams.uniform("promotion.rank", model.month, w.key[idx])
    order = np.lexsort((tie, -w.skill[idx], cell))
    idx, cell = idx[order], cell[order]
    rank = np.arange(cell.size) - np.searchsorted(cell, cell, side="left")
    win = rank < open_.ravel()[cell]
    w.rung[idx[win]] += 1
    model.flows.promotions += int(win.sum())
