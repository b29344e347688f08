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
Sources: docs/ODD.md, 'Labor market' (`upskilling_rate`, calibration).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.processes.employment import employed_residents
from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class UpskillWorkers(NamedTuple):
    """The worker columns the upskilling draw reads, and the rows it runs over (job holders, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    rung: NDArray[np.int8]
    program: NDArray[np.int16]
    credential: NDArray[np.int8]  # (workers, sectors)


class UpskillLadders(NamedTuple):
    """What decides the next rung's requirement: each employer's sector and the ladders."""

    employer_sector: NDArray[np.int8]
    n_rungs: NDArray[np.int64]
    required: NDArray[np.int8]  # (sectors, rungs)


@njit(cache=True, nogil=True)
def _draw(
    workers: UpskillWorkers, ladders: UpskillLadders, rate: float, base: np.uint64
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """Employed workers not in a program, lacking the next rung's credential, who earn it this month.

    Returns their rows (ascending), the sector and the level each earns.
    """
    here = workers.rows
    rows = np.empty(here.size, np.int64)
    sectors = np.empty(here.size, np.int64)
    levels = np.empty(here.size, np.int8)
    k = 0
    for t in range(here.size):  # loop: job holders, one pass (compiled)
        i = here[t]
        j = workers.employer[i]
        # the rare event first, in one test of all conditions (no short circuit): a predicted branch
        drawn = key_uniform(workers.key[i], base) < rate
        if not ((j >= 0) & (workers.program[i] < 0) & drawn):
            continue
        s = np.int64(ladders.employer_sector[j])
        nxt = min(np.int64(workers.rung[i]) + 1, ladders.n_rungs[s] - 1)
        needed = ladders.required[s, nxt]
        if workers.credential[i, s] < needed:
            rows[k] = i
            sectors[k] = s
            levels[k] = needed
            k += 1
    return rows[:k], sectors[:k], levels[:k]


def step(model: SectorModel) -> None:
    """Award this month's credentials earned outside programs."""
    rate = model.labor.upskilling_rate
    if rate <= 0:
        return
    w, e, lad = model.workers, model.employers, model.ladders
    rows, sectors, levels = _draw(
        UpskillWorkers(
            rows=employed_residents(model),  # only job holders upskill on their own
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            program=w.program,
            credential=w.credential,
        ),
        UpskillLadders(employer_sector=e.sector, n_rungs=lad.n_rungs.astype(np.int64), required=lad.required),
        float(rate),
        model.streams.base("upskilling", model.month),
    )
    w.credential[rows, sectors] = levels
    model.flows.upskilled += rows.size


__all__ = ["UpskillLadders", "UpskillWorkers", "step"]
