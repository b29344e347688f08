"""Skill change: basic skills erode in long unemployment and grow slowly on the job.

Reads: workers.unemployed_months, employer. Writes: workers.skill.
Sources: erosion after six months out of work, assumption informed by the scarring literature
(e.g. Edin and Gustavsson 2008: ~0.1 sd per year out of work); on-the-job gain, assumption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


@njit(cache=True, nogil=True)
def _change(
    skill: NDArray[np.float32],
    employer: NDArray[np.int32],
    unemployed_months: NDArray[np.int16],
    loss_after: int,
    loss: np.float32,
    gain: np.float32,
) -> None:
    for i in range(skill.size):  # loop: workers, one pass (compiled)
        if employer[i] >= 0:
            skill[i] += gain
        elif unemployed_months[i] > loss_after:
            skill[i] -= loss


def step(model: SectorModel) -> None:
    """Apply this month's skill loss and gain."""
    w, lm = model.workers, model.labor
    _change(
        w.skill,
        w.employer,
        w.unemployed_months,
        lm.skill_loss_after,
        np.float32(lm.skill_loss_per_month),
        np.float32(lm.skill_gain_per_year / 12.0),
    )
