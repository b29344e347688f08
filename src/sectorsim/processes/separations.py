"""Separations: quits and discharges to non-employment, and barrier shocks.

Monthly probability for an employed worker in sector s on rung r at employer e:

    p = base_s * (1 - rung_decline)**r * (1 + premium_e)**(-quality_elasticity)
        * separation_multiplier_e * (1 + match_effect * (1 - 2 * match))
        * (1 + (new_hire_multiplier - 1) * exp(-tenure / tenure_months_scale))

plus, for workers with a barrier, a shock with probability
``barrier_shock_rate * (1 - support_strength)`` while support services last.
Job-to-job moves are turnover too; they happen in matching.

Reads: workers (employer, rung, match, tenure, barrier, support), employers (sector, premium,
separation_multiplier), scenario sectors.separation_rate and labor_market.
Writes: ends jobs via ``employment.separate``.
Sources: base rates calibrated to JOLTS separations (docs/VALIDATION.md); the quality
elasticity follows the separation-elasticity range in Manning (2003); tenure profile: assumption
shaped on the well-documented decline of separation hazards with tenure (Farber 1994).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes.employment import separate
from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: The lever policies use to change how often people leave an employer (stable schedules, benefits).
DECLARES = Declares(
    employers=(
        Column(
            "separation_multiplier",
            "float32",
            1.0,
            "factor",
            "Multiplier on the employer's separation hazard; 1 = no policy.",
            lever=True,
        ),
    ),
)


def employer_factors(model: SectorModel) -> np.ndarray:
    """Per-employer factor: sector base rate x job quality x policy multiplier."""
    e, lm = model.employers, model.labor
    return (
        model.sector_separation[e.sector]
        * (1.0 + e.premium.astype(np.float64)) ** (-lm.quality_elasticity)
        * e.separation_multiplier
    )


class SeparationWorkers(NamedTuple):
    """The worker columns the separation draw reads, and the rows it runs over (the residents, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    rung: NDArray[np.int8]
    tenure: NDArray[np.int16]
    match: NDArray[np.float32]
    barrier: NDArray[np.bool_]
    support_left: NDArray[np.int16]
    support_strength: NDArray[np.float32]


class HazardFactors(NamedTuple):
    """Factors of the monthly quit hazard: by employer row, by rung, by tenure (0-240 months)."""

    employer: NDArray[np.float64]
    rung: NDArray[np.float64]
    tenure: NDArray[np.float64]


class SeparationParams(NamedTuple):
    """Scalars of the separation draw: match effect, barrier shock rate, and the two stream bases."""

    match_effect: np.float32
    shock_rate: np.float32  # barrier_shock_rate
    quit_base: np.uint64  # stream "separation"
    shock_base: np.uint64  # stream "separation.barrier"


@njit(cache=True, nogil=True)
def _draw(
    workers: SeparationWorkers, factors: HazardFactors, params: SeparationParams
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows that quit or are discharged, and rows hit by a barrier shock (and did not quit)."""
    rows = workers.rows
    quits = np.empty(rows.size, np.int64)
    shocks = np.empty(rows.size, np.int64)
    n_quit = n_shock = 0
    one, two = np.float32(1.0), np.float32(2.0)
    for t in range(rows.size):  # loop: residents, one pass (compiled)
        i = rows[t]
        j = workers.employer[i]
        # the hazard is computed for everyone (row 0 stands in for no employer), the row kept by a
        # count: no branch on the draws
        jj = max(j, 0)
        p = factors.employer[jj] * factors.rung[max(workers.rung[i], 0)]
        p *= factors.tenure[min(workers.tenure[i], 240)]
        p *= np.float64(one + params.match_effect * (one - two * workers.match[i]))
        quit = (j >= 0) & (key_uniform(workers.key[i], params.quit_base) < min(p, 1.0))
        quits[n_quit] = i
        n_quit += quit
        supported = workers.support_strength[i] if workers.support_left[i] > 0 else np.float32(0.0)
        hit = key_uniform(workers.key[i], params.shock_base) < np.float64(
            params.shock_rate * (one - supported)
        )
        shocks[n_shock] = i
        n_shock += (j >= 0) & (not quit) & workers.barrier[i] & hit
    return quits[:n_quit], shocks[:n_shock]


def step(model: SectorModel) -> None:
    """Draw this month's separations to non-employment."""
    w, lm = model.workers, model.labor
    rung_factor = (1.0 - lm.rung_separation_decline) ** np.arange(model.n_rungs, dtype=np.float64)
    tenure_factor = 1.0 + (lm.new_hire_multiplier - 1.0) * np.exp(-np.arange(241) / lm.tenure_months_scale)
    quits, shocks = _draw(
        SeparationWorkers(
            rows=model.demography.rows,
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            tenure=w.tenure,
            match=w.match,
            barrier=w.barrier,
            support_left=w.support_left,
            support_strength=w.support_strength,
        ),
        HazardFactors(employer=employer_factors(model), rung=rung_factor, tenure=tenure_factor),
        SeparationParams(
            match_effect=np.float32(lm.match_effect),
            shock_rate=np.float32(lm.barrier_shock_rate),
            quit_base=model.streams.base("separation", model.month),
            shock_base=model.streams.base("separation.barrier", model.month),
        ),
    )
    separate(model, quits, "quit")
    separate(model, shocks, "barrier")
