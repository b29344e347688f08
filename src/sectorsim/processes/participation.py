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

from typing import TYPE_CHECKING

import numpy as np

from sectorsim.columns import Column, Declares

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
    jobless = np.flatnonzero((w.resident == 1) & (w.employer < 0) & (w.program < 0))
    if lost.size:
        jobless = jobless[~np.isin(jobless, lost)]
    in_lf = w.in_labor_force[jobless]
    barrier = w.barrier[jobless]
    long_term = w.unemployed_months[jobless] >= p.discouraged_after
    p_exit = p.exit_rate * np.where(long_term, p.discouraged_multiplier, 1.0)
    p_exit = np.minimum(p_exit * np.where(barrier, p.barrier_exit_multiplier, 1.0), 1.0)
    p_entry = np.minimum(p.entry_rate * np.where(barrier, p.barrier_entry_multiplier, 1.0), 1.0)
    u = model.streams.uniform("participation.flow", t, w.key[jobless])
    leave = jobless[in_lf & (u < p_exit)]
    join = jobless[~in_lf & (u < p_entry)]
    w.in_labor_force[leave] = False
    w.in_labor_force[join] = True
    f.unemployed_to_inactive += leave.size
    f.inactive_to_unemployed += join.size
    # trainees are in the labor force
    trainees = np.flatnonzero((w.program >= 0) & ~w.in_labor_force)
    w.in_labor_force[trainees] = True
    f.inactive_to_unemployed += trainees.size


__all__ = ["DECLARES", "step"]
