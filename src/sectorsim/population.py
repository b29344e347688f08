"""Initialization: build the region's ladders, employers, workers and initial jobs from a scenario.

Every draw uses the named streams at ``INIT_MONTH`` keyed by the agent's key, so all arms of a
scenario start from the same region, bit for bit. The initial population has the stationary age
profile of the demography (``sectorsim.processes.demography``), a share ``initial_participation``
in the labor force, and jobs (with their hours) for all but ``initial_unemployment`` of those.
The worker table is allocated for everyone who may arrive during the run. Loops here run over
areas, sectors and rungs (a handful each), never over workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes import demography, hours
from sectorsim.scenario.schema import Scenario
from sectorsim.state import NONE, EmployerTable, Ladders, WorkerTable, build_tables, filled_positions
from sectorsim.streams import INIT_MONTH, Streams

#: Who the agents are: identity, place and fixed traits, set once at initialization.
DECLARES = Declares(
    workers=(
        Column("key", "int64", 0, "key", "Stable key of the worker (its initial row)."),
        Column("group", "int8", 0, "index", "Population group (for disparity analysis)."),
        Column("area", "int16", 0, "index", "Area of residence."),
        Column("skill", "float32", 0.0, "sd", "Basic skills, in standard deviations."),
        Column(
            "barrier", "bool", False, "bool", "Has a barrier to steady work (childcare, transport, records)."
        ),
    ),
    employers=(
        Column("key", "int64", 0, "key", "Stable key of the employer (its row)."),
        Column("sector", "int8", 0, "index", "Industry sector."),
        Column("area", "int16", 0, "index", "Area where its positions are."),
        Column(
            "premium",
            "float32",
            0.0,
            "fraction",
            "Wage premium over the ladder wage (job quality); job-quality policies raise it.",
            lever=True,
        ),
    ),
)


@dataclass
class Region:
    """Everything built at initialization."""

    ladders: Ladders
    workers: WorkerTable
    employers: EmployerTable
    reach: NDArray[np.bool_]  # (areas, areas): can a resident of row commute to column
    job_hours: dict[str, NDArray[np.float64]]  # hours of new jobs by (sector, rung): hours.layout


def build_ladders(scenario: Scenario) -> Ladders:
    """Pad every sector's ladder into (sector, rung) arrays."""
    n_s = len(scenario.sectors)
    n_r = max(len(s.ladder) for s in scenario.sectors)
    wage = np.zeros((n_s, n_r))
    required = np.full((n_s, n_r), 127, np.int8)  # padding rungs are unattainable
    share = np.zeros((n_s, n_r))
    experience = np.zeros((n_s, n_r), np.int16)
    preferred = np.zeros((n_s, n_r), bool)
    pass_rate = np.ones((n_s, 7))  # by credential level 0..6 (level 0 needs no exam)
    for s, sector in enumerate(scenario.sectors):  # loop: sectors
        for r, rung in enumerate(sector.ladder):  # loop: rungs
            wage[s, r], required[s, r], share[s, r] = rung.wage, rung.credential, rung.share
            experience[s, r], preferred[s, r] = rung.experience_months, not rung.credential_required
        wage[s, len(sector.ladder) :] = sector.ladder[-1].wage
        pass_rate[s, 1 : 1 + len(sector.exam_pass_rate)] = sector.exam_pass_rate
    return Ladders(
        wage=wage,
        required=required,
        share=share,
        n_rungs=np.array([len(s.ladder) for s in scenario.sectors]),
        experience=experience,
        preferred=preferred,
        pass_rate=pass_rate,
    )


def reach_matrix(scenario: Scenario) -> NDArray[np.bool_]:
    """Which areas a resident of each area can commute to."""
    commute = np.asarray(scenario.region.commute_matrix(), dtype=float)
    return commute <= scenario.region.max_commute_minutes


def _employer_cells(scenario: Scenario) -> list[tuple[int, int, int, float]]:
    """(area, sector, number of employers, positions) of every (area, sector) cell."""
    total_positions = scenario.n_workers * scenario.labor_market.jobs_per_worker
    areas = scenario.region.areas
    n_workers = np.array([a.workers for a in areas], float)
    job_share = (
        np.array([a.job_share for a in areas], float)
        if areas[0].job_share is not None
        else n_workers / n_workers.sum()
    )
    cells = []  # (area, sector, n_employers, positions)
    for a in range(len(areas)):  # loop: areas
        for s, sector in enumerate(scenario.sectors):  # loop: sectors
            pos = total_positions * job_share[a] * sector.share
            n_emp = max(1, int(round(pos / scenario.employers.mean_size)))
            cells.append((a, s, n_emp, pos))
    return cells


def _init_employers(
    scenario: Scenario,
    ladders: Ladders,
    table: EmployerTable,
    cells: list[tuple[int, int, int, float]],
    streams: Streams,
) -> None:
    table.key[:] = np.arange(table.n, dtype=np.int64)
    sigma = scenario.employers.size_sigma
    z_size = streams.normal("init.employer.size", INIT_MONTH, table.key)
    z_quality = streams.normal("init.employer.quality", INIT_MONTH, table.key)
    start = 0
    for a, s, n_emp, pos in cells:  # loop: (area, sector) cells
        rows = slice(start, start + n_emp)
        weight = np.exp(sigma * z_size[rows])
        size = pos * weight / weight.sum()
        table.sector[rows] = s
        table.area[rows] = a
        table.target[rows] = size[:, None] * ladders.share[s][None, :]
        start += n_emp
    sd = scenario.employers.quality_sd
    table.premium[:] = np.clip(sd * z_quality, -2.5 * sd, 2.5 * sd).astype(np.float32)
    flat_keys = np.arange(table.target.size, dtype=np.int64)
    table.positions[:] = streams.round_counts(
        "init.positions", INIT_MONTH, flat_keys, table.target.ravel()
    ).reshape(table.target.shape)


def _init_workers(scenario: Scenario, w: WorkerTable, streams: Streams) -> None:
    w.key[:] = np.arange(w.n, dtype=np.int64)
    w.area[:] = np.repeat(np.arange(len(scenario.region.areas)), [a.workers for a in scenario.region.areas])
    everyone = np.arange(w.n, dtype=np.int64)
    demography.draw_traits(scenario, w, everyone, streams, INIT_MONTH)
    w.resident[:] = demography.HERE
    w.born[:] = -demography.draw_ages(scenario, w.key, streams, INIT_MONTH)
    p = scenario.participation
    w.in_labor_force[:] = (not p.enabled) or (
        streams.uniform("init.participation", INIT_MONTH, w.key) < p.initial_participation
    )


def _initial_jobs(
    scenario: Scenario,
    ladders: Ladders,
    workers: WorkerTable,
    employers: EmployerTable,
    reach: NDArray[np.bool_],
    streams: Streams,
    job_hours: dict[str, NDArray[np.float64]],
) -> None:
    """Fill positions with residents of areas within commuting reach.

    Better-skilled workers hold higher rungs (with noise); each job holder gets the credential
    their rung requires.
    """
    n_r = employers.n_rungs
    slot_cell = np.repeat(np.arange(employers.positions.size), employers.positions.ravel())
    slot_emp = slot_cell // n_r
    slot_rung = slot_cell % n_r
    slot_area = employers.area[slot_emp]
    slot_u = streams.uniform("init.slot.order", INIT_MONTH, np.arange(slot_cell.size))
    filled = np.zeros(slot_cell.size, bool)
    u_job = streams.uniform("init.employed", INIT_MONTH, workers.key)
    rank_noise = streams.normal("init.rank", INIT_MONTH, workers.key)
    u0 = scenario.labor_market.initial_unemployment
    for a in range(reach.shape[0]):  # loop: areas
        residents = np.flatnonzero((workers.area == a) & (u_job >= u0) & workers.in_labor_force)
        avail = np.flatnonzero(~filled & reach[a, slot_area])
        # own area first, then other reachable areas, each in hashed order
        avail = avail[np.lexsort((slot_u[avail], slot_area[avail] != a))]
        k = min(residents.size, avail.size)
        if k == 0:
            continue
        take_slots = avail[:k]
        take_workers = residents[np.argsort(u_job[residents], kind="stable")[:k]]
        # sort both sides so higher-skilled workers hold higher rungs, with noise
        ws = take_workers[
            np.argsort(-(workers.skill[take_workers] + rank_noise[take_workers]), kind="stable")
        ]
        ss = take_slots[np.argsort(-slot_rung[take_slots], kind="stable")]
        filled[ss] = True
        workers.employer[ws] = slot_emp[ss]
        workers.rung[ws] = slot_rung[ss]
    emp = workers.employer >= 0
    sector = employers.sector[workers.employer[emp]]
    req = ladders.required[sector, workers.rung[emp]]
    workers.credential[np.flatnonzero(emp), sector] = req
    u_ten = streams.uniform("init.tenure", INIT_MONTH, workers.key)
    workers.tenure[:] = np.where(emp, np.floor(u_ten * 60), 0).astype(np.int16)
    workers.unemployed_months[:] = np.where(emp, 0, np.floor(u_ten * 6)).astype(np.int16)
    workers.match[:] = streams.uniform("init.match", INIT_MONTH, workers.key).astype(np.float32)
    workers.rung[~emp] = NONE
    if scenario.demography.open:
        everyone = np.arange(workers.n, dtype=np.int64)
        age = -workers.born.astype(np.int64)
        demography.draw_history(scenario, ladders, workers, everyone, age, streams, INIT_MONTH)
    employers.filled[:] = filled_positions(workers, employers.n, n_r)
    rows = np.flatnonzero(emp)
    hours.assign(
        job_hours,
        workers,
        rows,
        sector.astype(np.int64),
        workers.rung[rows].astype(np.int64),
        streams,
        INIT_MONTH,
    )


def build_region(scenario: Scenario, streams: Streams, owners: list[tuple[str, Declares]]) -> Region:
    """Build the initial region for a run.

    Args:
        scenario: The validated scenario.
        streams: The run's random streams.
        owners: (module, declarations) of every owner of state: the tables get their columns.
    """
    ladders = build_ladders(scenario)
    reach = reach_matrix(scenario)
    cells = _employer_cells(scenario)
    n_rungs = ladders.wage.shape[1]
    capacity = demography.schedule(scenario, streams).capacity
    workers, employers = build_tables(
        scenario.n_workers, len(scenario.sectors), sum(c[2] for c in cells), n_rungs, owners, capacity
    )
    job_hours = hours.layout(scenario, n_rungs)
    _init_employers(scenario, ladders, employers, cells, streams)
    _init_workers(scenario, workers, streams)
    _initial_jobs(scenario, ladders, workers, employers, reach, streams, job_hours)
    return Region(ladders=ladders, workers=workers, employers=employers, reach=reach, job_hours=job_hours)
