"""Hours of work: part-time and full-time jobs, unstable schedules, people who want more hours.

Ladder wages are full-time monthly equivalents (BLS OEWS hourly medians x 2,080 hours / 12), so a
job's monthly pay is its wage x usual weekly hours / 40. The hours of a job are drawn when it
starts (docs/ODD.md, 'Hours'):

- part-time (``part_time_hours``) with probability ``part_time_share`` of its (sector, rung): the
  sector's entry-rung share, times ``hours.rung_part_time_factor`` per rung up the ladder unless the
  rung sets its own; otherwise full-time (``full_time_hours``);
- unstable with probability ``unstable_share``: its hours then vary every month around the usual,
  with a relative standard deviation ``hours.volatility`` (a hashed uniform draw per worker and month);
- a part-time holder wants more hours (part time for economic reasons, "involuntary") with
  probability ``involuntary_share``; such a worker searches on the job with probability
  ``hours.involuntary_search`` and compares offers with their monthly pay, not their wage rate.

With ``hours.enabled: false`` every job is 40 hours, every month.

Stable scheduling (the employer lever ``schedule_stability``, set by a partnership among its members:
advance notice, no on-call shifts, core schedules, as in the Gap Stable Scheduling Study, Williams et
al. 2018) removes that share of an unstable job's burden: its hours volatility (``processes/earnings``)
and its quit premium ``labor_market.unstable_quit_multiplier`` (``processes/separations``). Which jobs
are unstable is still drawn at hire, so every draw stays where it was.

Reads: scenario sectors and hours. Writes: workers.hours, unstable, wants_more_hours (at hire and at
initialization; nothing monthly: earnings reads them).
Sources: docs/ODD.md, 'Hours' (CPS part-time shares and CES average weekly hours by industry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sectorsim.columns import FULL_TIME_EQUIVALENT_HOURS, Column, Declares

if TYPE_CHECKING:
    from sectorsim.model import SectorModel
    from sectorsim.scenario.schema import Scenario
    from sectorsim.state import WorkerTable
    from sectorsim.streams import Streams

#: The hours of the job a worker holds.
DECLARES = Declares(
    workers=(
        Column("hours", "float32", 0.0, "hours / week", "Usual weekly hours of the current job (0: none)."),
        Column("unstable", "bool", False, "bool", "The current job's hours vary from month to month."),
        Column(
            "wants_more_hours",
            "bool",
            False,
            "bool",
            "Works part time but wants more hours (part time for economic reasons).",
        ),
    ),
    employers=(
        Column(
            "schedule_stability",
            "float32",
            0.0,
            "0-1",
            "Share of an unstable job's burden removed by stable scheduling: its month-to-month hours "
            "volatility and its quit premium; 0 = no policy.",
            lever=True,
        ),
    ),
)


def layout(scenario: Scenario, n_rungs: int) -> dict[str, NDArray[np.float64]]:
    """Per (sector, rung): part-time share, full-time and part-time hours, unstable and involuntary shares."""
    n_s = len(scenario.sectors)
    keys = ("part_time", "full", "part", "unstable", "involuntary")
    out = {k: np.zeros((n_s, n_rungs)) for k in keys}  # loop: the five tables
    on = scenario.hours.enabled
    for s, sector in enumerate(scenario.sectors):  # loop: sectors
        for r in range(n_rungs):  # loop: rungs
            rung = sector.ladder[min(r, len(sector.ladder) - 1)]
            share = sector.part_time_share * scenario.hours.rung_part_time_factor**r
            share = rung.part_time_share if rung.part_time_share is not None else share
            out["part_time"][s, r] = share if on else 0.0
            out["full"][s, r] = sector.full_time_hours if on else FULL_TIME_EQUIVALENT_HOURS
            out["part"][s, r] = sector.part_time_hours
            out["unstable"][s, r] = sector.unstable_share if on else 0.0
            out["involuntary"][s, r] = sector.involuntary_share if on else 0.0
    return out


def assign(
    table: dict[str, NDArray[np.float64]],
    w: WorkerTable,
    idx: NDArray[np.int64],
    sector: NDArray[np.int64],
    rung: NDArray[np.int64],
    streams: Streams,
    month: int,
) -> None:
    """Draw the hours of the jobs workers ``idx`` start in (sector, rung) this month."""
    if idx.size == 0:
        return
    keys = w.key[idx]
    part = streams.uniform("hours.part_time", month, keys) < table["part_time"][sector, rung]
    w.hours[idx] = np.where(part, table["part"][sector, rung], table["full"][sector, rung]).astype(np.float32)
    w.unstable[idx] = streams.uniform("hours.unstable", month, keys) < table["unstable"][sector, rung]
    w.wants_more_hours[idx] = part & (
        streams.uniform("hours.involuntary", month, keys) < table["involuntary"][sector, rung]
    )


def reservation_pay(model: SectorModel) -> NDArray[np.float32]:
    """What on-the-job searchers compare offers with: the wage, or the monthly pay if they want more hours."""
    w = model.workers
    wanting = np.flatnonzero(w.wants_more_hours)
    if wanting.size == 0:
        return w.wage
    pay = w.wage.copy()
    pay[wanting] = w.wage[wanting] * (w.hours[wanting] / np.float32(FULL_TIME_EQUIVALENT_HOURS))
    return pay


__all__ = ["DECLARES", "FULL_TIME_EQUIVALENT_HOURS", "assign", "layout", "reservation_pay"]
