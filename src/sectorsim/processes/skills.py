"""Skill change: basic skills erode in long unemployment and grow slowly on the job.

Erosion applies to the unemployed (jobless and in the labor force) after ``skill_loss_after``
months; people out of the labor force (students, carers, the retired-early) neither gain nor lose.

Reads: workers.unemployed_months, employer, in_labor_force. Writes: workers.skill.
Sources: erosion after six months out of work, assumption informed by the scarring literature
(e.g. Edin and Gustavsson 2008: ~0.1 sd per year out of work); on-the-job gain, assumption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class SkillWorkers(NamedTuple):
    """The worker columns skill change reads (``skill`` is changed in place)."""

    skill: NDArray[np.float32]
    employer: NDArray[np.int32]
    unemployed_months: NDArray[np.int16]
    in_labor_force: NDArray[np.bool_]


class SkillParams(NamedTuple):
    """Monthly skill change: loss after ``loss_after`` months out of work, gain on the job (sd)."""

    loss_after: int
    loss: np.float32
    gain: np.float32


@njit(cache=True, nogil=True)
def _change(workers: SkillWorkers, params: SkillParams) -> None:
    """Add ``gain`` to the employed's skill; take ``loss`` from the unemployed jobless > ``loss_after``."""
    skill = workers.skill
    for i in range(skill.size):  # loop: workers, one pass (compiled)
        if workers.employer[i] >= 0:
            skill[i] += params.gain
        elif workers.in_labor_force[i] and workers.unemployed_months[i] > params.loss_after:
            skill[i] -= params.loss


def step(model: SectorModel) -> None:
    """Apply this month's skill loss and gain."""
    w, lm = model.workers, model.labor
    _change(
        SkillWorkers(
            skill=w.skill,
            employer=w.employer,
            unemployed_months=w.unemployed_months,
            in_labor_force=w.in_labor_force,
        ),
        SkillParams(
            loss_after=lm.skill_loss_after,
            loss=np.float32(lm.skill_loss_per_month),
            gain=np.float32(lm.skill_gain_per_year / 12.0),
        ),
    )
