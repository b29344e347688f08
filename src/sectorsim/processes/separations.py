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

from typing import TYPE_CHECKING

import numpy as np

from sectorsim.processes.employment import separate

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def probability(model: SectorModel, idx: np.ndarray) -> np.ndarray:
    """Monthly quit/discharge probability of employed workers ``idx`` (before barrier shocks)."""
    w, e, lm = model.workers, model.employers, model.labor
    emp = w.employer[idx]
    # employer factor (sector base rate x job quality x policy multiplier), once per employer
    employer_factor = (
        model.sector_separation[e.sector]
        * (1.0 + e.premium.astype(np.float64)) ** (-lm.quality_elasticity)
        * e.separation_multiplier
    )
    rung_factor = (1.0 - lm.rung_separation_decline) ** np.arange(model.n_rungs)
    tenure = np.minimum(w.tenure[idx], 240)
    tenure_factor = 1.0 + (lm.new_hire_multiplier - 1.0) * np.exp(-np.arange(241) / lm.tenure_months_scale)
    p = employer_factor[emp] * rung_factor[w.rung[idx]] * tenure_factor[tenure]
    p *= 1.0 + lm.match_effect * (1.0 - 2.0 * w.match[idx])
    return np.minimum(p, 1.0)


def step(model: SectorModel) -> None:
    """Draw this month's separations to non-employment."""
    w = model.workers
    idx = np.flatnonzero(w.employer >= 0)
    keys = w.key[idx]
    quit_ = model.streams.uniform("separation", model.month, keys) < probability(model, idx)
    supported = np.where(w.support_left[idx] > 0, w.support_strength[idx], 0.0)
    p_shock = model.labor.barrier_shock_rate * (1.0 - supported)
    shock = w.barrier[idx] & (model.streams.uniform("separation.barrier", model.month, keys) < p_shock)
    separate(model, idx[quit_], "quit")
    separate(model, idx[shock & ~quit_], "barrier")
