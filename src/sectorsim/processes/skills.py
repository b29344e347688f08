"""Skill change: basic skills erode in long unemployment and grow slowly on the job.

Reads: workers.unemployed_months, employer. Writes: workers.skill.
Sources: erosion after six months out of work, assumption informed by the scarring literature
(e.g. Edin and Gustavsson 2008: ~0.1 sd per year out of work); on-the-job gain, assumption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def step(model: SectorModel) -> None:
    """Apply this month's skill loss and gain."""
    w, lm = model.workers, model.labor
    long_out = (w.employer < 0) & (w.unemployed_months > lm.skill_loss_after)
    w.skill[long_out] -= np.float32(lm.skill_loss_per_month)
    w.skill[w.employer >= 0] += np.float32(lm.skill_gain_per_year / 12.0)
