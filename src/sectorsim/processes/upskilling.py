"""Upskilling: workers earn the next rung's credential on their own, outside any program.

Credentials are not only made by the programs a scenario evaluates: employers sponsor certification,
community colleges run evening courses, workers pay for a licence. Without such a route an open
population would slowly lose its credential holders as they retire, and the ladders' upper rungs
would empty with no policy at all. Each month an employed worker (not in a program) whose
credential in their employer's sector is below what the next rung of their ladder requires earns
it with probability ``labor_market.upskilling_rate``; internal promotion (advancement) can then
move them up. The rate is a labor-market parameter, calibrated so that the region's stock of
credentials holds still with no policy (docs/VALIDATION.md); 0 turns the route off.

Reads: workers (employer, rung, program, credential), employers.sector, ladders. Writes:
workers.credential; the month's flows (``upskilled``).
Sources: docs/ODD.md, 'Upskilling' (calibration).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def step(model: SectorModel) -> None:
    """Award this month's credentials earned outside programs."""
    rate = model.labor.upskilling_rate
    if rate <= 0:
        return
    w, e, lad = model.workers, model.employers, model.ladders
    emp = np.flatnonzero((w.employer >= 0) & (w.program < 0))
    sector = e.sector[w.employer[emp]].astype(np.int64)
    nxt = np.minimum(w.rung[emp].astype(np.int64) + 1, lad.n_rungs[sector] - 1)
    needed = lad.required[sector, nxt]
    lacking = w.credential[emp, sector] < needed
    emp, sector, needed = emp[lacking], sector[lacking], needed[lacking]
    win = model.streams.uniform("upskilling", model.month, w.key[emp]) < rate
    w.credential[emp[win], sector[win]] = needed[win]
    model.flows.upskilled += int(win.sum())


__all__ = ["step"]
