"""Array-backed agent state: the worker and employer tables, built from declared columns.

A worker's row is its key and rows are never reused: people who arrive later get rows reserved for
their month of arrival (docs/ODD.md, 'Demography').
The columns are not listed here: each process, policy and the in-run study declares the columns it
owns (:mod:`sectorsim.columns`), and :func:`build_tables` allocates them. Processes read and write
whole columns; the ``Worker`` and ``Employer`` mesa agents in :mod:`sectorsim.agents` are views onto
single rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import NONE, Declared, Declares, Table, collect

__all__ = ["NONE", "EmployerTable", "Ladders", "WorkerTable", "build_tables", "filled_positions"]


@dataclass
class Ladders:
    """Occupational ladders of every sector, padded to the longest ladder.

    Attributes:
        wage: Base monthly wage by (sector, rung), $.
        required: Credential level each (sector, rung) requires.
        share: Share of the sector's positions on each rung (0 for padding).
        n_rungs: Rungs per sector.
        experience: Months employed in the sector each (sector, rung) requires.
        preferred: True where employers only prefer the rung's credential (a score, not a gate).
        pass_rate: Licensing-exam pass rate by (sector, credential level); 1 = no exam.
    """

    wage: NDArray[np.float64]
    required: NDArray[np.int8]
    share: NDArray[np.float64]
    n_rungs: NDArray[np.int64]
    experience: NDArray[np.int16]
    preferred: NDArray[np.bool_]
    pass_rate: NDArray[np.float64]

    @property
    def needs_experience(self) -> bool:
        """Whether any rung requires experience (the experience count is kept only then)."""
        return bool(self.experience.any())

    @property
    def max_level(self) -> NDArray[np.int8]:
        """Highest credential level that counts in each sector."""
        return np.where(self.share > 0, self.required, 0).max(axis=1).astype(np.int8)


class WorkerTable(Table):
    """State of every worker (one row each). See docs/ODD.md, 'State variables'."""

    def __init__(self, n: int, n_sectors: int, columns: list[Declared], capacity: int | None = None) -> None:
        self.n_sectors = n_sectors
        super().__init__(n, columns, {"sector": n_sectors}, capacity)

    @property
    def employed(self) -> NDArray[np.bool_]:
        """Workers holding a position."""
        return self.employer >= 0

    @property
    def in_training(self) -> NDArray[np.bool_]:
        """Workers enrolled in a training program."""
        return self.program >= 0


class EmployerTable(Table):
    """State of every employer (one row each). See docs/ODD.md, 'State variables'."""

    def __init__(self, n: int, n_rungs: int, columns: list[Declared]) -> None:
        self.n_rungs = n_rungs
        super().__init__(n, columns, {"rung": n_rungs})


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


def build_tables(
    n_workers: int,
    n_sectors: int,
    n_employers: int,
    n_rungs: int,
    owners: list[tuple[str, Declares]],
    worker_capacity: int | None = None,
) -> tuple[WorkerTable, EmployerTable]:
    """Allocate the worker and employer tables from the columns every owner declares.

    Args:
        n_workers: Worker rows that exist at the start.
        n_sectors: Sectors (second axis of ``sector`` columns).
        n_employers: Employer rows.
        n_rungs: Longest ladder (second axis of ``rung`` columns).
        owners: (module name, declarations) of every owner of state.
        worker_capacity: Worker rows to allocate, for people who arrive later (default: ``n_workers``).
    """
    workers, employers = collect(owners)
    return (
        WorkerTable(n_workers, n_sectors, workers, worker_capacity),
        EmployerTable(n_employers, n_rungs, employers),
    )
