"""Demand: positions grow or shrink by sector, shocks hit, layoffs follow where staff exceed positions.

Reads: scenario sectors (growth, annual fraction), shocks; employers.target, positions.
Writes: employers.target, employers.positions; lays off workers (last in, first out).
Sources: growth rates are scenario inputs (assumption in the shipped scenarios, from BLS
projections in spirit); integer positions are the real target rounded with a fixed hashed draw per
(employer, rung), so positions change only when demand really moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sectorsim.columns import Column, Declares
from sectorsim.processes.employment import separate
from sectorsim.streams import INIT_MONTH

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Labor demand: the positions each employer wants and has, by rung.
DECLARES = Declares(
    employers=(
        Column("target", "float64", 0.0, "positions", "Desired positions (real), by rung.", shape="rung"),
        Column("positions", "int32", 0, "positions", "Positions (integer), by rung.", shape="rung"),
    ),
)


def step(model: SectorModel) -> None:
    """Update positions for this month and lay off the excess."""
    cfg, e, w = model.config, model.employers, model.workers
    e.target *= model.sector_growth[e.sector][:, None]
    for shock in cfg.shocks:  # loop: scenario shocks (a handful)
        if shock.month == model.policy_month:
            s = model.sector_index[shock.sector]
            rows = e.sector == s
            if shock.rung is None:
                e.target[rows] *= 1.0 + shock.change
            else:
                r = model.rung_index[shock.sector, shock.rung]
                e.target[rows, r] *= 1.0 + shock.change
    cells = np.arange(e.target.size, dtype=np.int64)
    u = model.streams.uniform("demand.rounding", INIT_MONTH, cells).reshape(e.target.shape)
    e.positions[:] = np.floor(e.target + u).astype(np.int32)

    excess = np.maximum(model.filled() - e.positions, 0).ravel()
    if not excess.any():
        return
    emp = np.flatnonzero(w.employer >= 0)
    cell = w.employer[emp].astype(np.int64) * model.n_rungs + w.rung[emp]
    at_risk = excess[cell] > 0
    emp, cell = emp[at_risk], cell[at_risk]
    tie = model.streams.uniform("demand.layoff", model.month, w.key[emp])
    order = np.lexsort((tie, w.tenure[emp], cell))  # last in, first out within a position type
    emp, cell = emp[order], cell[order]
    first = np.searchsorted(cell, cell, side="left")
    rank = np.arange(cell.size) - first
    separate(model, emp[rank < excess[cell]], "layoff")
