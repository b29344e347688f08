"""Declared state: every column of the agent tables is declared once, by the module that owns it.

As in Starsim's ``define_states`` and LASER's ``add_scalar_property``, a process, a policy or the
in-run study declares the columns it owns (name, dtype, fill value, shape, unit, meaning) in a
module-level :class:`Declares`; the worker and employer tables are allocated from those
declarations (:func:`sectorsim.state.build_tables`) and nowhere else. A column marked ``lever`` is
a handle a policy may set; its fill value is "no policy", so a table no policy touches behaves as
the bare labor market.

Reads: nothing. Writes: nothing (the tables hold the arrays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

NONE = -1  # sentinel for "no employer / no rung / no program"

#: ``workers.program`` of someone training elsewhere (a community college or another provider, no
#: program of the arm's): in training (lock-in, no search), in no program's referral pipeline.
ELSEWHERE = 32767

#: Weekly hours a wage column is paid for: ladder wages are full-time monthly equivalents, so a job's
#: monthly pay is its wage x usual weekly hours / this.
FULL_TIME_EQUIVALENT_HOURS = 40.0

#: What one row of a column holds: a scalar, one value per sector, or one per ladder rung.
Shape = Literal["row", "sector", "rung"]


@dataclass(frozen=True)
class Column:
    """One declared column of an agent table.

    Attributes:
        name: Attribute name on the table (``workers.employer``).
        dtype: numpy dtype name (``"int32"``, ``"float32"``, ``"bool"``).
        fill: Value of a new row (``NONE`` for "no employer", 0, 1.0 for a neutral multiplier).
        unit: Unit of the values ("$ / month", "months", "index", "bool", ...).
        doc: What the column means, in the domain's words.
        shape: ``row`` (one value), ``sector`` (one per sector) or ``rung`` (one per ladder rung).
        lever: True for a handle policies set; ``fill`` is then the no-policy value.
    """

    name: str
    dtype: str
    fill: float | int | bool
    unit: str
    doc: str
    shape: Shape = "row"
    lever: bool = False


@dataclass(frozen=True)
class Declares:
    """The columns one owner (a process, policy or study module) adds to each table."""

    workers: tuple[Column, ...] = ()
    employers: tuple[Column, ...] = ()


@dataclass(frozen=True)
class Declared:
    """A column together with the name of the module that declared it."""

    column: Column
    owner: str


class Table:
    """Agents as rows, one numpy array per declared column; rows are never reused.

    Columns are plain instance attributes (``table.employer``), so processes read and write them
    at numpy speed. Asking for a column nobody declared raises an ``AttributeError`` that says so.

    Storage is allocated once for ``capacity`` rows; the attributes are views of the first ``n``
    (the rows that exist so far). :meth:`grow` makes later rows exist without copying anything:
    an open population adds rows as people arrive, and no month copies the tables.

    Args:
        n: Number of rows that exist at the start.
        columns: The declared columns, each with its owner.
        extents: Length of the second axis for ``sector`` and ``rung`` columns.
        capacity: Rows allocated (default: ``n``).
    """

    def __init__(
        self, n: int, columns: list[Declared], extents: dict[str, int], capacity: int | None = None
    ) -> None:
        self.n = n
        self.capacity = max(n, capacity or n)
        self.declared: dict[str, Declared] = {}
        self._storage: dict[str, NDArray[Any]] = {}
        for item in columns:  # loop: declared columns (a few dozen)
            self._add(item, extents)

    def _add(self, item: Declared, extents: dict[str, int]) -> None:
        col = item.column
        if col.name in self.declared:
            first = self.declared[col.name].owner
            raise ValueError(f"column '{col.name}' is declared by both {first} and {item.owner}")
        if hasattr(type(self), col.name) or col.name in self.__dict__:
            owner = type(self).__name__
            raise ValueError(f"column '{col.name}' ({item.owner}) shadows an attribute of {owner}")
        rows = self.capacity
        shape: tuple[int, ...] = (rows,) if col.shape == "row" else (rows, extents[col.shape])
        self.declared[col.name] = item
        self._storage[col.name] = np.full(shape, col.fill, dtype=np.dtype(col.dtype))
        setattr(self, col.name, self._storage[col.name][: self.n])

    def grow(self, n: int) -> None:
        """Make rows up to ``n`` exist (they hold their columns' fill values until written).

        Raises:
            ValueError: if ``n`` exceeds the capacity or is below the current row count.
        """
        if not self.n <= n <= self.capacity:
            raise ValueError(
                f"cannot grow {type(self).__name__} from {self.n} to {n} rows (capacity {self.capacity})"
            )
        self.n = n
        for name, array in self._storage.items():  # loop: declared columns (a few dozen)
            setattr(self, name, array[:n])

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a copied or unpickled table with its column attributes views of its storage again.

        ``copy.deepcopy`` and pickle copy a view as a separate array; without this, writes through a
        column attribute would no longer reach the storage that :meth:`grow` and :meth:`storage` use.
        """
        self.__dict__.update(state)
        for name, array in self._storage.items():  # loop: declared columns (a few dozen)
            setattr(self, name, array[: self.n])

    def column(self, name: str) -> NDArray[Any]:
        """The array of column ``name`` (the same object as the attribute)."""
        array: NDArray[Any] = getattr(self, name)
        return array

    def storage(self, name: str) -> NDArray[Any]:
        """The whole allocated array of column ``name`` (rows not yet in existence included)."""
        return self._storage[name]

    def __setattr__(self, name: str, value: Any) -> None:
        # declared here so type checkers accept writes to columns they cannot see
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> NDArray[Any]:
        # only called when normal lookup fails: the column was never declared
        if name.startswith("__"):
            raise AttributeError(name)
        known = ", ".join(sorted(self.__dict__.get("declared", {})))
        raise AttributeError(f"{type(self).__name__} has no column '{name}' (declared: {known})")


def collect(owners: list[tuple[str, Declares]]) -> tuple[list[Declared], list[Declared]]:
    """Worker and employer columns of every owner, in declaration order (owners as listed)."""
    workers: list[Declared] = []
    employers: list[Declared] = []
    for owner, declares in owners:  # loop: owners (modules)
        workers += [Declared(c, owner) for c in declares.workers]  # loop: columns
        employers += [Declared(c, owner) for c in declares.employers]  # loop: columns
    return workers, employers


__all__ = ["FULL_TIME_EQUIVALENT_HOURS", "NONE", "Column", "Declared", "Declares", "Table", "collect"]
