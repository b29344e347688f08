"""Labor-force participation: flows between unemployment and being out of the labor force.

A resident is employed (holds a job), unemployed (in the labor force, jobless: searches for work)
or out of the labor force (jobless, not searching). The flows between the three are those the CPS
labor force status flows measure (docs/ODD.md, 'Participation'):

- **E -> N.** Of the people who lose or leave a job this month for non-employment (quits, discharges,
  layoffs, barrier shocks), a share leaves the labor force (``separation_to_inactive``; after a
  barrier shock, ``barrier_to_inactive``: a childcare or transport breakdown takes people out of work
  altogether). The rest search (E -> U).
- **U -> N.** A searcher stops searching with hazard ``exit_rate``, times ``discouraged_multiplier``
  after ``discouraged_after`` months unemployed (discouraged workers) and ``barrier_exit_multiplier``
  with a barrier.
- **N -> U.** A person out of the labor force starts searching with hazard ``entry_rate``, times
  ``barrier_entry_multiplier`` with a barrier.
- **N -> E.** People out of the labor force still hear of jobs through contacts: they send
  ``passive_applications`` a month (matching), and a hire puts them straight into employment.
- Trainees count as in the labor force (they prepare for work); a program may enroll people from
  out of the labor force, who join it.

With ``participation.enabled: false`` nobody is ever out of the labor force.

Reads: workers (resident, employer, program, unemployed_months, barrier, in_labor_force), the
month's separations. Writes: workers.in_labor_force; the month's flows.
Sources: docs/ODD.md, 'Participation'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes.employment import jobless_residents
from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Whether a resident takes part in the labor force (works or searches).
DECLARES = Declares(
    workers=(
        Column(
            "in_labor_force",
            "bool",
            False,
            "bool",
            "In the labor force (employed, or jobless and searching); false also for non-residents.",
        ),
    ),
)


class FlowWorkers(NamedTuple):
    """The worker columns the U <-> N flows read, and the rows they run over (the jobless, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    program: NDArray[np.int16]
    in_labor_force: NDArray[np.bool_]
    barrier: NDArray[np.bool_]
    unemployed_months: NDArray[np.int16]
    just_lost: NDArray[np.bool_]  # lost a job this month (their E -> N draw is already made)


class FlowParams(NamedTuple):
    """Hazards of stopping and starting to search, and the stream base of ``participation.flow``."""

    exit_rate: float
    discouraged_after: int
    discouraged_multiplier: float
    barrier_exit_multiplier: float
    entry_rate: float
    barrier_entry_multiplier: float
    base: np.uint64


@njit(cache=True, nogil=True)
def _flows(workers: FlowWorkers, params: FlowParams) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Jobless residents not in training who stop searching (U -> N) and who start (N -> U).

    One hashed draw per person: an unemployed searcher leaves if it is below the exit hazard
    (times the discouraged multiplier after ``discouraged_after`` months, and the barrier multiplier,
    at most 1); a person out of the labor force joins if it is below the entry hazard (times the
    barrier multiplier, at most 1). Those who lost a job this month are skipped.
    """
    rows = workers.rows
    leave = np.empty(rows.size, np.int64)
    join = np.empty(rows.size, np.int64)
    n_leave = n_join = 0
    for t in range(rows.size):  # loop: residents without a job, one pass (compiled)
        i = rows[t]
        # every quantity is computed for everyone and the row kept by a count (no branch on the draws)
        jobless = (workers.employer[i] < 0) & (workers.program[i] < 0) & (not workers.just_lost[i])
        barrier = workers.barrier[i]
        u = key_uniform(workers.key[i], params.base)
        p_exit = params.exit_rate
        if workers.unemployed_months[i] >= params.discouraged_after:
            p_exit *= params.discouraged_multiplier
        p_exit = min(p_exit * (params.barrier_exit_multiplier if barrier else 1.0), 1.0)
        p_entry = min(params.entry_rate * (params.barrier_entry_multiplier if barrier else 1.0), 1.0)
        in_lf = workers.in_labor_force[i]
        leave[n_leave] = i
        join[n_join] = i
        n_leave += jobless & in_lf & (u < p_exit)
        n_join += jobless & (not in_lf) & (u < p_entry)
    return leave[:n_leave], join[:n_join]


def step(model: SectorModel) -> None:
    """This month's moves out of the labor force (after separations) and back into it."""
    p = model.config.participation
    if not p.enabled:
        return
    w, f, t = model.workers, model.flows, model.month
    # E -> N: this month's job losers who do not search
    lost = model.flows.to_non_employment()
    if lost.size:
        barrier_kind = model.flows.barrier_mask()
        share = np.where(barrier_kind, p.barrier_to_inactive, p.separation_to_inactive)
        out = lost[model.streams.uniform("participation.after_separation", t, w.key[lost]) < share]
        out = out[w.program[out] < 0]
        w.in_labor_force[out] = False
        f.employed_to_inactive += out.size
    # U -> N and N -> U, for people who were not just separated (hashed once per person and month)
    just_lost = np.zeros(w.n, bool)
    just_lost[lost] = True
    leave, join = _flows(
        FlowWorkers(
            rows=jobless_residents(model),  # the flows are between unemployment and inactivity
            key=w.key,
            employer=w.employer,
            program=w.program,
            in_labor_force=w.in_labor_force,
            barrier=w.barrier,
            unemployed_months=w.unemployed_months,
            just_lost=just_lost,
        ),
        FlowParams(
            exit_rate=p.exit_rate,
            discouraged_after=p.discouraged_after,
            discouraged_multiplier=p.discouraged_multiplier,
            barrier_exit_multiplier=p.barrier_exit_multiplier,
            entry_rate=p.entry_rate,
            barrier_entry_multiplier=p.barrier_entry_multiplier,
            base=model.streams.base("participation.flow", t),
        ),
    )
    w.in_labor_force[leave] = False
    w.in_labor_force[join] = True
    f.unemployed_to_inactive += leave.size
    f.inactive_to_unemployed += join.size
    # trainees are in the labor force
    trainees = np.flatnonzero((w.program >= 0) & ~w.in_labor_force)
    w.in_labor_force[trainees] = True
    f.inactive_to_unemployed += trainees.size


__all__ = ["DECLARES", "FlowParams", "FlowWorkers", "step"]
