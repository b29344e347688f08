"""Array-backed agent state: one numpy column per attribute, one row per agent.

A worker's row is its key and rows are never reused (the labor force is closed; see docs/ODD.md).
Processes read and write whole columns; the ``Worker`` and ``Employer`` mesa agents in
:mod:`sectorsim.agents` are views onto single rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit
from numpy.typing import NDArray

NONE = -1  # sentinel for "no employer / no rung / no program"


@dataclass
class Ladders:
    """Occupational ladders of every sector, padded to the longest ladder.

    Attributes:
        wage: Base monthly wage by (sector, rung), $.
        required: Credential level each (sector, rung) requires.
        share: Share of the sector's positions on each rung (0 for padding).
        n_rungs: Rungs per sector.
    """

    wage: NDArray[np.float64]
    required: NDArray[np.int8]
    share: NDArray[np.float64]
    n_rungs: NDArray[np.int64]

    @property
    def max_level(self) -> NDArray[np.int8]:
        """Highest credential level that counts in each sector."""
        return np.where(self.share > 0, self.required, 0).max(axis=1).astype(np.int8)


@dataclass
class WorkerTable:
    """State of every worker (one row each). See docs/ODD.md, 'State variables'."""

    n: int
    n_sectors: int
    key: NDArray[np.int64] = field(init=False)
    group: NDArray[np.int8] = field(init=False)
    area: NDArray[np.int16] = field(init=False)
    skill: NDArray[np.float32] = field(init=False)
    barrier: NDArray[np.bool_] = field(init=False)
    credential: NDArray[np.int8] = field(init=False)  # (n, sectors) portable levels
    firm_level: NDArray[np.int8] = field(init=False)  # firm-specific credential level
    firm_employer: NDArray[np.int32] = field(init=False)  # employer that issued it
    firm_sector: NDArray[np.int8] = field(init=False)
    employer: NDArray[np.int32] = field(init=False)
    rung: NDArray[np.int8] = field(init=False)
    wage: NDArray[np.float32] = field(init=False)
    tenure: NDArray[np.int16] = field(init=False)
    unemployed_months: NDArray[np.int16] = field(init=False)
    match: NDArray[np.float32] = field(init=False)
    program: NDArray[np.int16] = field(init=False)  # program enrolled in, or NONE
    training_left: NDArray[np.int16] = field(init=False)
    training_sector: NDArray[np.int8] = field(init=False)
    training_level: NDArray[np.int8] = field(init=False)
    training_firm: NDArray[np.int32] = field(init=False)
    support_left: NDArray[np.int16] = field(init=False)  # months of support services left
    support_strength: NDArray[np.float32] = field(init=False)  # how much support cuts shocks
    pipeline: NDArray[np.int16] = field(init=False)  # program completed (referral pipeline)
    completed_month: NDArray[np.int16] = field(init=False)
    placed: NDArray[np.bool_] = field(init=False)
    ever_enrolled: NDArray[np.bool_] = field(init=False)
    barred: NDArray[np.bool_] = field(init=False)  # randomized-out controls
    priority: NDArray[np.bool_] = field(init=False)  # invited first (randomized-in applicants)
    earnings: NDArray[np.float32] = field(init=False)  # this month, $
    window_earnings: NDArray[np.float64] = field(init=False)  # sum over the policy horizon
    window_employed: NDArray[np.int32] = field(init=False)

    def __post_init__(self) -> None:
        n = self.n
        self.key = np.arange(n, dtype=np.int64)
        self.group = np.zeros(n, np.int8)
        self.area = np.zeros(n, np.int16)
        self.skill = np.zeros(n, np.float32)
        self.barrier = np.zeros(n, bool)
        self.credential = np.zeros((n, self.n_sectors), np.int8)
        self.firm_level = np.zeros(n, np.int8)
        self.firm_employer = np.full(n, NONE, np.int32)
        self.firm_sector = np.full(n, NONE, np.int8)
        self.employer = np.full(n, NONE, np.int32)
        self.rung = np.full(n, NONE, np.int8)
        self.wage = np.zeros(n, np.float32)
        self.tenure = np.zeros(n, np.int16)
        self.unemployed_months = np.zeros(n, np.int16)
        self.match = np.full(n, 0.5, np.float32)
        self.program = np.full(n, NONE, np.int16)
        self.training_left = np.zeros(n, np.int16)
        self.training_sector = np.full(n, NONE, np.int8)
        self.training_level = np.zeros(n, np.int8)
        self.training_firm = np.full(n, NONE, np.int32)
        self.support_left = np.zeros(n, np.int16)
        self.support_strength = np.zeros(n, np.float32)
        self.pipeline = np.full(n, NONE, np.int16)
        self.completed_month = np.full(n, NONE, np.int16)
        self.placed = np.zeros(n, bool)
        self.ever_enrolled = np.zeros(n, bool)
        self.barred = np.zeros(n, bool)
        self.priority = np.zeros(n, bool)
        self.earnings = np.zeros(n, np.float32)
        self.window_earnings = np.zeros(n, np.float64)
        self.window_employed = np.zeros(n, np.int32)

    @property
    def employed(self) -> NDArray[np.bool_]:
        """Workers holding a position."""
        return self.employer >= 0

    @property
    def in_training(self) -> NDArray[np.bool_]:
        """Workers enrolled in a training program."""
        return self.program >= 0


@dataclass
class EmployerTable:
    """State of every employer (one row each)."""

    n: int
    n_rungs: int
    key: NDArray[np.int64] = field(init=False)
    sector: NDArray[np.int8] = field(init=False)
    area: NDArray[np.int16] = field(init=False)
    premium: NDArray[np.float32] = field(init=False)  # wage premium (job quality), fraction
    separation_multiplier: NDArray[np.float32] = field(init=False)  # set by policies, 1 = none
    target: NDArray[np.float64] = field(init=False)  # (n, rungs) desired positions, real
    positions: NDArray[np.int32] = field(init=False)  # (n, rungs) positions, integer
    commitment: NDArray[np.int16] = field(init=False)  # program whose completers it favors
    referral_bonus: NDArray[np.float32] = field(init=False)
    screening_boost: NDArray[np.float32] = field(init=False)
    engaged: NDArray[np.bool_] = field(init=False)  # engaged by a policy (member or grantee)

    def __post_init__(self) -> None:
        n, r = self.n, self.n_rungs
        self.key = np.arange(n, dtype=np.int64)
        self.sector = np.zeros(n, np.int8)
        self.area = np.zeros(n, np.int16)
        self.premium = np.zeros(n, np.float32)
        self.separation_multiplier = np.ones(n, np.float32)
        self.target = np.zeros((n, r), np.float64)
        self.positions = np.zeros((n, r), np.int32)
        self.commitment = np.full(n, NONE, np.int16)
        self.referral_bonus = np.zeros(n, np.float32)
        self.screening_boost = np.zeros(n, np.float32)
        self.engaged = np.zeros(n, bool)


@njit(cache=True, nogil=True)
def _count_jobs(
    employer: NDArray[np.int32], rung: NDArray[np.int8], n_employers: int, n_rungs: int
) -> NDArray:
    out = np.zeros((n_employers, n_rungs), np.int64)
    for i in range(employer.size):  # loop: workers, one pass (compiled)
        if employer[i] >= 0:
            out[employer[i], rung[i]] += 1
    return out


def filled_positions(workers: WorkerTable, n_employers: int, n_rungs: int) -> NDArray[np.int64]:
    """Count workers by (employer, rung): the filled positions."""
    return _count_jobs(workers.employer, workers.rung, n_employers, n_rungs)
