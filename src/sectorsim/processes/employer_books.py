"""The employer's books: what each employer's turnover and open positions cost it, month by month.

Every employer keeps, over the policy horizon, its separations by kind, hires (and hires of program
completers), promotions, position-months filled and open, and what turnover and open positions cost it.
They are kept for *every* employer in every arm, so the employers one arm's policies engage can be
followed, with the same seed, in the reference arm (``sectorsim.summary.pair_employers``): the
paired employer outcomes of docs/ODD.md ('Observation').

- Separations, hires and promotions are added where they happen (``employment.separate``,
  ``employment.hire``, ``advancement.step``) by :func:`count_separations`, :func:`count_hires` and
  :func:`count_promotions`: one ``np.bincount`` over the month's rows each.
- :func:`step` (once a month, after matching) adds each employer's filled and open position-months,
  the cost of its open positions (``vacancy_cost_share`` x the position's monthly wage, per month
  open), and the months it was engaged by a policy; it also keeps every employer's recent annual
  turnover and vacancy costs (exponentially smoothed over about a year, burn-in included), which is
  what an employer deciding to join a partnership looks at (``policies/sector_partnership.py``).

Reads: employers (positions, filled, premium, sector, engaged), ladders, labor_market
(turnover_cost_share, vacancy_cost_share). Writes: the ``book_*`` and ``recent_*`` employer columns.
Sources: turnover cost, Boushey and Glynn (2012); vacancy cost, docs/ODD.md ('Labor market').
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Separation kinds, in the order of the ``book_*`` columns that count them.
KINDS = ("quit", "barrier", "layoff", "job_to_job", "exit")

#: Months over which the recent costs are smoothed (an exponential average with this mean age).
RECENT_MONTHS = 12.0
DECAY = 1.0 - 1.0 / RECENT_MONTHS


def _tally(name: str, unit: str, doc: str, dtype: str = "float64") -> Column:
    return Column(name, dtype, 0, unit, doc)


DECLARES = Declares(
    employers=(
        *(
            _tally(f"book_{kind}", "separations", f"Separations of kind '{kind}' over the horizon.", "int64")
            for kind in KINDS  # loop: separation kinds (five)
        ),
        _tally("book_hires", "hires", "Hires over the horizon.", "int64"),
        _tally("book_program_hires", "hires", "Hires of program completers over the horizon.", "int64"),
        _tally("book_promotions", "promotions", "Promotions over the horizon.", "int64"),
        _tally("book_filled_months", "position-months", "Filled positions summed over the horizon's months."),
        _tally("book_open_months", "position-months", "Open positions summed over the horizon's months."),
        _tally(
            "book_turnover_cost", "$", "Turnover cost over the horizon (turnover_cost_share x annual wage)."
        ),
        _tally(
            "book_vacancy_cost", "$", "Cost of open positions over the horizon (vacancy_cost_share x wage)."
        ),
        _tally("book_engaged_months", "months", "Months of the horizon engaged by a policy.", "int32"),
        _tally("recent_turnover_cost", "$ / year", "Turnover cost of about the last year (smoothed)."),
        _tally(
            "recent_vacancy_cost", "$ / year", "Cost of open positions of about the last year (smoothed)."
        ),
    ),
)


def _per_employer(
    model: SectorModel, emp: NDArray[np.integer], weights: NDArray[np.float64] | None = None
) -> NDArray[Any]:
    return np.bincount(emp, weights=weights, minlength=model.employers.n)


def count_separations(
    model: SectorModel, emp: NDArray[np.integer], kind: str, cost: NDArray[np.float64]
) -> None:
    """Add separations of ``kind`` at employers ``emp`` (one per row) and their turnover cost ($)."""
    e = model.employers
    if model.in_horizon:
        book = e.column(f"book_{kind}")
        book += _per_employer(model, emp).astype(book.dtype)
        e.book_turnover_cost += _per_employer(model, emp, cost)
    # the recent cost is a yearly rate: step() multiplies it by DECAY after this month's costs are in
    e.recent_turnover_cost += _per_employer(model, emp, cost) * (12.0 / RECENT_MONTHS / DECAY)


def count_hires(model: SectorModel, emp: NDArray[np.integer], from_program: NDArray[np.bool_]) -> None:
    """Add hires at employers ``emp`` (one per row); ``from_program`` marks program completers."""
    if not model.in_horizon:
        return
    e = model.employers
    e.book_hires += _per_employer(model, emp).astype(np.int64)
    e.book_program_hires += _per_employer(model, emp[from_program]).astype(np.int64)


def count_promotions(model: SectorModel, emp: NDArray[np.integer]) -> None:
    """Add promotions at employers ``emp`` (one per row)."""
    if model.in_horizon:
        model.employers.book_promotions += _per_employer(model, emp).astype(np.int64)


def monthly_wages(model: SectorModel) -> NDArray[np.float64]:
    """Monthly wage of a position by (employer, rung): ladder wage x (1 + premium), at mean skill ($)."""
    e = model.employers
    return model.ladders.wage[e.sector] * (1.0 + e.premium.astype(np.float64))[:, None]


def step(model: SectorModel) -> None:
    """Add the month's filled and open positions, the cost of the open ones, and engagement."""
    e, lm = model.employers, model.labor
    filled = e.filled
    open_ = np.maximum(e.positions - filled, 0)
    vacancy_cost = (open_ * monthly_wages(model)).sum(axis=1) * lm.vacancy_cost_share
    # r = DECAY * r + 12 * (this month's cost) / RECENT_MONTHS: about a year's cost in steady state;
    # turnover: this month's separations were added (/ DECAY) as they happened
    e.recent_turnover_cost *= DECAY
    e.recent_vacancy_cost *= DECAY
    e.recent_vacancy_cost += vacancy_cost * (12.0 / RECENT_MONTHS)
    if not model.in_horizon:
        return
    e.book_filled_months += filled.sum(axis=1)
    e.book_open_months += open_.sum(axis=1)
    e.book_vacancy_cost += vacancy_cost
    e.book_engaged_months += e.engaged


__all__ = ["DECLARES", "KINDS", "count_hires", "count_promotions", "count_separations", "step"]
