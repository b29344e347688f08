"""Wages and earnings.

A job's monthly wage is the ladder wage of its (sector, rung), times one plus the employer's wage
premium (job quality), times one plus ``skill_return`` per standard deviation of basic skills.
The wage is a full-time equivalent (40 hours a week): this month's earnings are the wage x the
job's usual weekly hours / 40, varying around that on an unstable job (``sectorsim.processes.hours``);
an employed trainee gives up ``training_hours_share`` of it; an unemployed trainee of a program
receives the stipend (training elsewhere pays none); anyone else without a job earns nothing
(lock-in). People not resident in the region are skipped (they neither earn nor count).

Reads: workers, employers.premium, ladders, scenario.training and hours. Writes: workers.wage,
earnings, tenure, unemployed_months, window accumulators (earnings, months employed, months
resident), and the earnings panel when the scenario keeps one.
Sources: ladder wages, BLS OEWS national medians (docs/ODD.md); skill return, assumption in the
range of returns to basic skills (Hanushek et al. 2015, ~0.05-0.2 per sd).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import ELSEWHERE, Column, Declares
from sectorsim.streams import key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Pay: the current wage, this month's earnings and their sums over the policy horizon.
DECLARES = Declares(
    workers=(
        Column("wage", "float32", 0.0, "$ / month", "Monthly wage of the current job (0 when not employed)."),
        Column("earnings", "float32", 0.0, "$ / month", "Earnings this month."),
        Column("window_earnings", "float64", 0.0, "$", "Earnings summed over the policy horizon."),
        Column("window_employed", "int32", 0, "months", "Months employed over the policy horizon."),
        Column(
            "window_months", "int32", 0, "months", "Months resident in the region over the policy horizon."
        ),
        Column(
            "window_hours",
            "float64",
            0.0,
            "hours",
            "Hours worked over the policy horizon (usual weekly x 52 / 12 a month).",
        ),
    ),
)


@njit(cache=True, nogil=True)
def wage_at(base: float, premium: float, skill: float, skill_return: float) -> float:
    """Monthly wage ($): ladder wage ``base`` at an employer with ``premium``, for ``skill`` (sd)."""
    factor = (1.0 + np.float64(premium)) * (1.0 + skill_return * min(max(np.float64(skill), -3.0), 3.0))
    return base * max(factor, 0.3)


#: Weeks in a month (52 / 12): usual weekly hours to hours in a month.
WEEKS_PER_MONTH = 52.0 / 12.0


class PayWorkers(NamedTuple):
    """The worker columns the pay pass reads, those it writes (marked), and its rows (the residents)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    rung: NDArray[np.int8]
    skill: NDArray[np.float32]
    program: NDArray[np.int16]
    hours: NDArray[np.float32]
    unstable: NDArray[np.bool_]
    wage: NDArray[np.float32]  # written
    earnings: NDArray[np.float32]  # written
    tenure: NDArray[np.int16]  # written
    unemployed_months: NDArray[np.int16]  # written
    window_earnings: NDArray[np.float64]  # written when accumulating
    window_employed: NDArray[np.int32]  # written when accumulating
    window_months: NDArray[np.int32]  # written when accumulating
    window_hours: NDArray[np.float64]  # written when accumulating


class PayEmployers(NamedTuple):
    """The employer columns the pay pass reads."""

    sector: NDArray[np.int8]
    premium: NDArray[np.float32]
    schedule_stability: NDArray[np.float32]  # share of an unstable job's hours volatility removed


class PayParams(NamedTuple):
    """Scalars of the pay pass."""

    skill_return: float
    trainee_hours: float  # share of the wage an employed trainee keeps: 1 - training_hours_share
    stipend: float  # monthly stipend of an unemployed trainee ($)
    accumulate: bool  # add the month to the horizon sums
    volatility: float  # relative sd of monthly hours on an unstable job
    hours_base: np.uint64  # stream base of this month's hours on unstable jobs


@njit(cache=True, nogil=True)
def _month(
    workers: PayWorkers, employers: PayEmployers, ladder_wage: NDArray[np.float64], params: PayParams
) -> None:
    """One pass over the worker table: wage, earnings, tenure, unemployment, window sums.

    Earnings of a job are its wage x usual hours / 40 (ladder wages are full-time equivalents),
    times ``1 + volatility * sqrt(3) * (1 - schedule_stability) * (2u - 1)`` on an unstable job (u
    hashed per worker and month: a relative sd of ``volatility``, less what the employer's stable
    scheduling removes), times the trainee's share when in training.
    """
    wage, earnings = workers.wage, workers.earnings
    spread = params.volatility * np.sqrt(3.0)
    for t in range(workers.rows.size):  # loop: residents, one pass (compiled)
        i = workers.rows[t]
        j = workers.employer[i]
        employed = j >= 0
        training = workers.program[i] >= 0
        stipend = params.stipend if workers.program[i] != ELSEWHERE else 0.0  # programs pay stipends
        # the job's pay is computed for everyone (row 0 stands in for no employer) and chosen by
        # selects, not branches: the same arithmetic for the employed, nothing used for the others
        jj = max(j, 0)
        pay = np.float32(
            wage_at(
                ladder_wage[employers.sector[jj], max(workers.rung[i], 0)],
                employers.premium[jj],
                workers.skill[i],
                params.skill_return,
            )
        )
        share = np.float64(workers.hours[i]) / 40.0
        damped = spread * (1.0 - np.float64(employers.schedule_stability[jj]))
        swing = 1.0 + damped * (2.0 * key_uniform(workers.key[i], params.hours_base) - 1.0)
        share = share * swing if workers.unstable[i] else share
        from_job = np.float64(pay) * share * (params.trainee_hours if training else 1.0)
        wage[i] = pay if employed else np.float32(0.0)
        earnings[i] = from_job if employed else (stipend if training else 0.0)
        workers.tenure[i] += employed
        workers.unemployed_months[i] += not employed
        if params.accumulate:
            workers.window_earnings[i] += earnings[i]
            workers.window_employed[i] += employed
            workers.window_months[i] += 1
            hours_worked = np.float64(workers.hours[i]) * WEEKS_PER_MONTH
            workers.window_hours[i] += hours_worked if employed else 0.0


def step(model: SectorModel, accumulate: bool | None = None) -> None:
    """Set wages and this month's earnings; age tenure and unemployment spells.

    Args:
        model: The model.
        accumulate: Add the month to the horizon sums (default: whether the month is in the horizon).
    """
    if accumulate is None:
        accumulate = model.in_horizon
    w, e, tr = model.workers, model.employers, model.config.training
    _month(
        PayWorkers(
            rows=model.demography.rows,
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            skill=w.skill,
            program=w.program,
            hours=w.hours,
            unstable=w.unstable,
            wage=w.wage,
            earnings=w.earnings,
            tenure=w.tenure,
            unemployed_months=w.unemployed_months,
            window_earnings=w.window_earnings,
            window_employed=w.window_employed,
            window_months=w.window_months,
            window_hours=w.window_hours,
        ),
        PayEmployers(sector=e.sector, premium=e.premium, schedule_stability=e.schedule_stability),
        model.ladders.wage,
        PayParams(
            skill_return=model.labor.skill_return,
            trainee_hours=1.0 - tr.training_hours_share,
            stipend=float(tr.stipend),
            accumulate=accumulate,
            volatility=float(model.config.hours.volatility),
            hours_base=model.streams.base("hours.month", model.month),
        ),
    )
    if accumulate and model.earnings_panel is not None:
        model.earnings_panel[model.policy_month // model.config.panel_months, : w.n] += w.earnings
