"""Separations: quits and discharges to non-employment, and barrier shocks.

Monthly probability for an employed worker in sector s on rung r at employer e:

    p = base_s * (1 - rung_decline)**r * (1 + premium_e)**(-quality_elasticity)
        * separation_multiplier_e * (1 - supervision_relief_e)
        * (1 + match_effect * (1 - 2 * match))
        * (1 + (new_hire_multiplier - 1) * exp(-tenure / tenure_months_scale) * (1 - onboarding_relief_e))
        * [unstable job] (1 + (unstable_quit_multiplier - 1) * (1 - schedule_stability_e))
        * [below the sector's top rung] (1 - ladder_quit_relief_e)

plus, for workers with a barrier, a shock with probability
``barrier_shock_rate * (1 - support_strength)`` while support services last.
Job-to-job moves are turnover too; they happen in matching.

The employer's practices are levers a partnership sets among its members (docs/ODD.md, 'Levers'):
onboarding and mentoring of new hires (``onboarding_relief``: the share of the new-hire excess hazard
removed), supervisor training (``supervision_relief``), stable schedules (``schedule_stability``,
declared in ``sectorsim.processes.hours``: the share of an unstable job's quit premium removed) and
visible career ladders (``ladder_quit_relief`` for incumbents who have a rung to climb).
Every one is 0 without a policy, and the hazard is then the same number to the last bit.

Reads: workers (employer, rung, match, tenure, unstable, barrier, support), employers (sector, premium,
separation_multiplier and the practice levers), ladders, scenario sectors.separation_rate and
labor_market.
Writes: ends jobs via ``employment.separate``.
Sources: base rates calibrated to JOLTS separations (docs/VALIDATION.md); the quality
elasticity follows the separation-elasticity range in Manning (2003); tenure profile: assumption
shaped on the well-documented decline of separation hazards with tenure (Farber 1994); the premium of
unstable schedules, ``unstable_quit_multiplier`` (1.2: Bergman, David and Song 2023 and Choper,
Schneider and Harknett 2021; the base rates are calibrated with it: docs/ODD.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes.employment import employed_residents, separate
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
        Column(
            "onboarding_relief",
            "float32",
            0.0,
            "0-1",
            "Share of the new-hire excess separation hazard removed (onboarding, mentoring); 0 = no policy.",
            lever=True,
        ),
        Column(
            "supervision_relief",
            "float32",
            0.0,
            "0-1",
            "Proportional cut in the separation hazard from supervisor training; 0 = no policy.",
            lever=True,
        ),
        Column(
            "ladder_quit_relief",
            "float32",
            0.0,
            "0-1",
            "Cut in the separation hazard of incumbents below the top rung (a visible career ladder).",
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
        * (1.0 - e.supervision_relief.astype(np.float64))
    )


class SeparationWorkers(NamedTuple):
    """The worker columns the separation draw reads, and the rows it runs over (job holders, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    rung: NDArray[np.int8]
    tenure: NDArray[np.int16]
    match: NDArray[np.float32]
    unstable: NDArray[np.bool_]
    barrier: NDArray[np.bool_]
    support_left: NDArray[np.int16]
    support_strength: NDArray[np.float32]


class HazardFactors(NamedTuple):
    """Factors of the monthly quit hazard: by employer row, by rung, by tenure (0-240 months).

    ``tenure`` is the new-hire excess (the tenure factor minus 1), which ``new_hire`` (per employer:
    1 - onboarding relief) scales; ``unstable`` multiplies the hazard of an unstable job, ``ladder``
    that of a worker below ``top_rung`` (both per employer).
    """

    employer: NDArray[np.float64]
    rung: NDArray[np.float64]
    tenure: NDArray[np.float64]
    new_hire: NDArray[np.float64]
    unstable: NDArray[np.float64]
    ladder: NDArray[np.float64]
    top_rung: NDArray[np.int64]


class SeparationParams(NamedTuple):
    """Scalars of the separation draw: match effect, barrier shock rate, and the two stream bases."""

    match_effect: np.float32
    shock_rate: np.float32  # barrier_shock_rate
    quit_base: np.uint64  # stream "separation"
    shock_base: np.uint64  # stream "separation.barrier"


@njit(cache=True, nogil=True)
def _hazard_bounds(factors: HazardFactors, params: SeparationParams) -> NDArray[np.float64]:
    """Per employer, a number no monthly quit hazard of its workers exceeds (computed as the hazard is).

    Each factor is replaced by its largest value over what varies by worker (rung, tenure, an
    unstable job or not, a rung below the top or not, match quality in [0, 1]) and the product is
    taken in the hazard's order: every factor is non-negative and rounding is monotone, so the bound
    holds to the last bit.
    """
    one, two = np.float32(1.0), np.float32(2.0)
    low = np.float64(one + params.match_effect * (one - two * np.float32(0.0)))
    high = np.float64(one + params.match_effect * (one - two * np.float32(1.0)))
    match = max(low, high)
    rung = factors.rung.max()
    tenure = factors.tenure.max()
    bounds = np.empty(factors.employer.size, np.float64)
    for j in range(bounds.size):  # loop: employers (compiled)
        p = factors.employer[j] * rung * (1.0 + tenure * factors.new_hire[j])
        p = p * max(factors.unstable[j], 1.0)
        p = p * max(factors.ladder[j], 1.0)
        bounds[j] = p * match
    return bounds


@njit(cache=True, nogil=True)
def _draw(
    workers: SeparationWorkers, factors: HazardFactors, params: SeparationParams
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows that quit or are discharged, and rows hit by a barrier shock (and did not quit).

    The quit draw is compared with the employer's bound (:func:`_hazard_bounds`) first: a draw at
    or above it is no quit whatever the worker's hazard, so the hazard is computed only for the few
    draws below it. The barrier shock is drawn only for job holders with a barrier.
    """
    rows = workers.rows
    quits = np.empty(rows.size, np.int64)
    shocks = np.empty(rows.size, np.int64)
    n_quit = n_shock = 0
    one, two = np.float32(1.0), np.float32(2.0)
    bounds = _hazard_bounds(factors, params)
    for t in range(rows.size):  # loop: job holders, one pass (compiled)
        i = rows[t]
        j = workers.employer[i]
        jj = max(j, 0)  # row 0 stands in for no employer (no quit, no shock)
        u = key_uniform(workers.key[i], params.quit_base)
        quit = False
        if u < bounds[jj]:  # a predicted branch: the bound is a few percent
            excess = factors.tenure[min(workers.tenure[i], 240)] * factors.new_hire[jj]
            p = factors.employer[jj] * factors.rung[max(workers.rung[i], 0)] * (1.0 + excess)
            p = p * factors.unstable[jj] if workers.unstable[i] else p
            p = p * factors.ladder[jj] if workers.rung[i] < factors.top_rung[jj] else p
            p *= np.float64(one + params.match_effect * (one - two * workers.match[i]))
            quit = (j >= 0) & (u < min(p, 1.0))
        quits[n_quit] = i
        n_quit += quit
        if workers.barrier[i] & (j >= 0) & (not quit):
            supported = workers.support_strength[i] if workers.support_left[i] > 0 else np.float32(0.0)
            hit = key_uniform(workers.key[i], params.shock_base) < np.float64(
                params.shock_rate * (one - supported)
            )
            shocks[n_shock] = i
            n_shock += int(hit)
    return quits[:n_quit], shocks[:n_shock]


def practice_factors(model: SectorModel) -> HazardFactors:
    """The hazard's factors by employer, rung and tenure, with each employer's practices."""
    e, lm = model.employers, model.labor
    f64 = np.float64
    rung_factor = (1.0 - lm.rung_separation_decline) ** np.arange(model.n_rungs, dtype=f64)
    excess = (lm.new_hire_multiplier - 1.0) * np.exp(-np.arange(241) / lm.tenure_months_scale)
    unstable_excess = (lm.unstable_quit_multiplier - 1.0) * (1.0 - e.schedule_stability.astype(f64))
    return HazardFactors(
        employer=employer_factors(model),
        rung=rung_factor,
        tenure=excess,
        new_hire=1.0 - e.onboarding_relief.astype(f64),
        unstable=1.0 + unstable_excess,
        ladder=1.0 - e.ladder_quit_relief.astype(f64),
        top_rung=model.ladders.n_rungs[e.sector] - 1,
    )


def step(model: SectorModel) -> None:
    """Draw this month's separations to non-employment."""
    w, lm = model.workers, model.labor
    quits, shocks = _draw(
        SeparationWorkers(
            rows=employed_residents(model),  # only job holders can quit or be hit at work
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            tenure=w.tenure,
            match=w.match,
            unstable=w.unstable,
            barrier=w.barrier,
            support_left=w.support_left,
            support_strength=w.support_strength,
        ),
        practice_factors(model),
        SeparationParams(
            match_effect=np.float32(lm.match_effect),
            shock_rate=np.float32(lm.barrier_shock_rate),
            quit_base=model.streams.base("separation", model.month),
            shock_base=model.streams.base("separation.barrier", model.month),
        ),
    )
    separate(model, quits, "quit")
    separate(model, shocks, "barrier")
