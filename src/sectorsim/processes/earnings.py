"""Wages and earnings.

A job's monthly wage is the ladder wage of its (sector, rung), times one plus the employer's wage
premium (job quality), times one plus ``skill_return`` per standard deviation of basic skills.
This month's earnings: the wage; an employed trainee gives up ``training_hours_share`` of it;
an unemployed trainee receives the stipend; anyone else without a job earns nothing (lock-in).

Reads: workers, employers.premium, ladders, scenario.training. Writes: workers.wage, earnings,
tenure, unemployed_months, window accumulators.
Sources: ladder wages, BLS OEWS national medians (docs/ODD.md); skill return, assumption in the
range of returns to basic skills (Hanushek et al. 2015, ~0.05-0.2 per sd).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def wage_for(model: SectorModel, idx: np.ndarray, employer: np.ndarray, rung: np.ndarray) -> np.ndarray:
    """Monthly wage ($) worker rows ``idx`` would earn at (employer, rung)."""
    e = model.employers
    base = model.ladders.wage[e.sector[employer], rung]
    skill = np.clip(model.workers.skill[idx].astype(np.float64), -3.0, 3.0)
    factor = (1.0 + e.premium[employer].astype(np.float64)) * (1.0 + model.labor.skill_return * skill)
    return base * np.maximum(factor, 0.3)


def step(model: SectorModel, accumulate: bool) -> None:
    """Set wages and this month's earnings; age tenure and unemployment spells."""
    w, tr = model.workers, model.config.training
    emp = w.employer >= 0
    idx = np.flatnonzero(emp)
    w.wage[:] = 0.0
    w.wage[idx] = wage_for(model, idx, w.employer[idx], w.rung[idx])
    training = w.program >= 0
    hours = np.where(training, 1.0 - tr.training_hours_share, 1.0)
    w.earnings[:] = np.where(emp, w.wage * hours, np.where(training, tr.stipend, 0.0))
    w.tenure[emp] += 1
    w.unemployed_months[~emp] += 1
    if accumulate:
        w.window_earnings += w.earnings
        w.window_employed += emp
