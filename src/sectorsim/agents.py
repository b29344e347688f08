"""Mesa agents that are views onto rows of the state tables.

``Worker`` and ``Employer`` are real :class:`mesa.Agent` subclasses, so ``model.agents``,
``model.agents_by_type[Worker]``, ``AgentSet.select`` and agent reporters work as Mesa users
expect. Their attributes read and write the numpy row (``row``), so a change made through an agent
is seen by the vectorized processes and vice versa. Processes never loop over these objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def _column(table: str, name: str, doc: str) -> property:
    # read the whole allocated column: a view may stand for a row reserved for someone who arrives later
    def get(self: _RowView) -> Any:
        return getattr(self.model, table).storage(name)[self.row].item()

    def set_(self: _RowView, value: Any) -> None:
        getattr(self.model, table).storage(name)[self.row] = value

    return property(get, set_, doc=doc)


class _RowView(mesa.Agent):
    model: SectorModel

    def __init__(self, model: SectorModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    def step(self) -> None:
        """Agents do nothing on their own: the model's processes move whole columns."""


class Worker(_RowView):
    """A worker: a view onto one row of ``model.workers``."""

    group = _column("workers", "group", "Population group index.")
    area = _column("workers", "area", "Area of residence (index into scenario.region.areas).")
    skill = _column("workers", "skill", "Basic skills (standard deviations).")
    barrier = _column("workers", "barrier", "Has a barrier to steady work.")
    employer = _column("workers", "employer", "Employer row, or -1 when not employed.")
    rung = _column("workers", "rung", "Rung on the employer's ladder, or -1.")
    wage = _column("workers", "wage", "Monthly wage of the current job ($).")
    tenure = _column("workers", "tenure", "Months with the current employer.")
    earnings = _column("workers", "earnings", "Earnings this month ($).")
    program = _column("workers", "program", "Training program enrolled in, or -1.")
    resident = _column("workers", "resident", "0: not (yet) in the region; 1: resident; 2: left.")
    born = _column("workers", "born", "Month of birth (counted from the first simulated month).")
    in_labor_force = _column("workers", "in_labor_force", "Employed, or jobless and searching.")
    hours = _column("workers", "hours", "Usual weekly hours of the current job.")

    @property
    def employed(self) -> bool:
        """Whether the worker holds a position."""
        return self.employer >= 0

    def credentials(self) -> dict[str, int]:
        """Portable credential level held in each sector, by sector name."""
        names = [s.name for s in self.model.config.sectors]
        held = self.model.workers.storage("credential")[self.row]
        return {n: int(v) for n, v in zip(names, held, strict=True)}


class Employer(_RowView):
    """An employer: a view onto one row of ``model.employers``."""

    sector = _column("employers", "sector", "Sector index.")
    area = _column("employers", "area", "Area where its positions are.")
    premium = _column("employers", "premium", "Wage premium over the ladder wage (fraction).")
    engaged = _column("employers", "engaged", "Engaged by a policy (partnership member/grantee).")

    @property
    def positions(self) -> int:
        """Total positions across rungs."""
        return int(self.model.employers.positions[self.row].sum())

    @property
    def filled(self) -> int:
        """Positions currently held by a worker."""
        return int((self.model.workers.employer == self.row).sum())
