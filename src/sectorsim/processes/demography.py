"""Demography: people enter young, age, retire or die, and move into and out of the region.

Who is here changes every month, so that a region whose jobs grow does not simply run out of
people (docs/ODD.md, 'Demography'):

1. **Exits.** A resident leaves with a monthly hazard of death (``mortality_rate``), retirement
   (``retirement_rate`` from ``retirement_age``; everyone still here at ``exit_age``) and
   out-migration (``migration_rate``, times ``unemployed_migration_multiplier`` for an unemployed
   searcher, times ``exp(response x gap)``). A leaver's job ends (a separation of kind
   ``exit``: retirements and moves are employer turnover too).
2. **Young entrants** arrive every month at ``entry_age`` with no credentials, in the labor force with
   probability ``entrant_participation`` (the others are still studying). Their number is fixed by
   the initial population and the demographic hazards, so that entries balance deaths and
   retirements (a stationary age structure).
3. **In-migrants** arrive in number ``residents x in_rate / 12``, with ``in_rate = (migration_rate +
   g) x exp(-response x gap)``: ``g`` is the growth of the region's positions over the last twelve
   months (people move to where jobs grow) and ``gap`` how much less likely a working-age resident
   was to hold a job last month than elsewhere: ``reference_employment_rate`` minus the region's
   employment-to-population ratio (a local market with few jobs per resident pushes people out and
   draws fewer in, one with many draws them: Blanchard and Katz 1992 find regional employment
   shocks absorbed mainly by migration within five to seven years). They come to work: in the
   labor force, with the age profile of the population and what adults bring from past work
   (:func:`draw_history`).

**Rows and keys.** Rows are never reused and a row is a worker's key. The initial population holds
rows ``0 .. n-1``; each month then reserves one block of rows: ``entrants[t]`` rows for young
entrants, then ``cap`` rows for in-migrants, the k-th in-migrant of month t taking the k-th row of
the block. A row is thus a pure function of (month, flow, ordinal), the same in every arm, so
people who arrive later keep common random numbers with their counterparts in other arms; a
reserved row nobody takes stays empty. Storage for every block is allocated when the model is
built (:meth:`sectorsim.columns.Table.grow` only lengthens views), so no month copies the tables.

Reads: workers (born, resident, employer, program, in_labor_force), employers.positions, scenario
demography, groups and areas. Writes: workers (born, resident, in_labor_force, group, area, skill,
barrier of arrivals); ends leavers' jobs via ``employment.separate``; the month's flows.
Sources: docs/ODD.md, 'Demography' (parameters with units, defaults and sources).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.columns import Column, Declares
from sectorsim.processes.employment import separate
from sectorsim.streams import INIT_MONTH, Streams, key_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel
    from sectorsim.scenario.schema import Scenario
    from sectorsim.state import Ladders, WorkerTable

#: Values of ``workers.resident``.
NOT_YET, HERE, LEFT = 0, 1, 2

#: Who is in the region, and since when they were born.
DECLARES = Declares(
    workers=(
        Column(
            "resident",
            "int8",
            NOT_YET,
            "code",
            "0: not (yet) in the region (a reserved row); 1: resident; 2: left (retired, died, moved).",
        ),
        Column("born", "int16", 0, "month", "Month of birth, counted from the first simulated month."),
    ),
)


def survival(scenario: Scenario) -> NDArray[np.float64]:
    """Probability of still being in the region ``a`` months after entry, from deaths and retirements.

    One value per month of age from ``entry_age`` to ``exit_age`` (migration is left out: in-migrants
    arrive with the population's own age profile).
    """
    d = scenario.demography
    ages = d.entry_age * 12 + np.arange((d.exit_age - d.entry_age) * 12)
    hazard = d.mortality_rate / 12.0 + np.where(ages >= d.retirement_age * 12, d.retirement_rate / 12.0, 0.0)
    return np.concatenate([[1.0], np.cumprod(1.0 - hazard)[:-1]])


@dataclass(frozen=True)
class Schedule:
    """Rows reserved for arrivals, month by month (a pure function of the scenario).

    Attributes:
        entrants: Young entrants in each month of the run.
        cap: Rows reserved for in-migrants each month.
        start: First row of each month's block (``start[t + 1] - start[t] = entrants[t] + cap``).
    """

    entrants: NDArray[np.int64]
    cap: int
    start: NDArray[np.int64]

    @property
    def capacity(self) -> int:
        """Rows the worker table needs for the whole run."""
        return int(self.start[-1])


def expected_growth(scenario: Scenario) -> float:
    """Annual growth of the region's positions implied by the sectors' growth rates."""
    return float(sum(s.share * s.growth for s in scenario.sectors))  # loop: sectors


def schedule(scenario: Scenario, streams: Streams) -> Schedule:
    """The month-by-month reservation of rows for young entrants and in-migrants."""
    n0, months, d = scenario.n_workers, scenario.total_months, scenario.demography
    if not d.open:
        return Schedule(np.zeros(months, np.int64), 0, np.full(months + 1, n0, np.int64))
    per_month = n0 / float(survival(scenario).sum())
    entrants = streams.round_counts(
        "demography.entrants", INIT_MONTH, np.arange(months), np.full(months, per_month)
    )
    base_in = n0 * (d.migration_rate + max(expected_growth(scenario), 0.0)) / 12.0
    cap = int(np.ceil(d.migrant_cap * base_in))
    start = n0 + np.concatenate([[0], np.cumsum(entrants + cap)])
    return Schedule(entrants.astype(np.int64), cap, start.astype(np.int64))


def draw_traits(
    scenario: Scenario, w: WorkerTable, rows: NDArray[np.int64], streams: Streams, month: int
) -> None:
    """Group, skills and barrier of the people in ``rows`` (hashed by key: the same in every arm).

    The initial population draws at ``INIT_MONTH``; arrivals in the month they arrive.
    """
    cum = np.cumsum([g.share for g in scenario.groups])  # loop: groups
    cum[-1] = 1.0
    keys = w.key[rows]
    group = np.searchsorted(cum, streams.uniform("init.group", month, keys), side="right")
    w.group[rows] = group
    mean_skill = np.array([g.basic_skills for g in scenario.groups])  # loop: groups
    barrier_rate = np.array([g.barrier_rate for g in scenario.groups])  # loop: groups
    w.skill[rows] = mean_skill[group] + streams.normal("init.skill", month, keys)
    w.barrier[rows] = streams.uniform("init.barrier", month, keys) < barrier_rate[group]


def work_share(scenario: Scenario) -> float:
    """Share of their adult years that people have spent at work (the initial employment rate)."""
    p = scenario.participation
    in_lf = p.initial_participation if p.enabled else 1.0
    return in_lf * (1.0 - scenario.labor_market.initial_unemployment)


def draw_history(
    scenario: Scenario,
    ladders: Ladders,
    w: WorkerTable,
    rows: NDArray[np.int64],
    age_months: NDArray[np.int64],
    streams: Streams,
    month: int,
) -> None:
    """What adults bring from the years before: skills from experience and a past job's credential.

    Skills grow on the job (``skill_gain_per_year``), so an adult's skill adds the gain over the
    years worked since ``entry_age`` (:func:`work_share` of them). With probability
    :func:`work_share`, a person without a job now has held one: a sector (by the sectors' shares)
    and a rung (by the rungs' shares) are drawn, and the person keeps that rung's credential.
    Without this an open population would start with too few skills and credentials and drift
    toward its steady state for decades.
    """
    share = work_share(scenario)
    years = np.maximum(age_months - scenario.demography.entry_age * 12, 0) / 12.0
    w.skill[rows] += (scenario.labor_market.skill_gain_per_year * share * years).astype(np.float32)
    keys = w.key[rows]
    had = (streams.uniform("history.worked", month, keys) < share) & (w.employer[rows] < 0)
    sector_cum = np.cumsum([s.share for s in scenario.sectors])  # loop: sectors
    sector_cum[-1] = 1.0
    sector = np.searchsorted(sector_cum, streams.uniform("history.sector", month, keys), side="right")
    rung_cum = np.cumsum(ladders.share, axis=1)
    rung_cum[np.arange(rung_cum.shape[0]), ladders.n_rungs - 1] = 1.0
    u = streams.uniform("history.rung", month, keys)
    rung = (u[:, None] >= rung_cum[sector]).sum(axis=1)
    level = ladders.required[sector, np.minimum(rung, ladders.n_rungs[sector] - 1)]
    r, s_ = rows[had], sector[had]
    w.credential[r, s_] = np.maximum(w.credential[r, s_], level[had])


def draw_ages(scenario: Scenario, keys: NDArray[np.int64], streams: Streams, month: int) -> NDArray[np.int64]:
    """Ages in months, from the stationary age profile (density proportional to :func:`survival`)."""
    s = survival(scenario)
    cdf = np.cumsum(s) / s.sum()
    u = streams.uniform("demography.age", month, keys)
    return scenario.demography.entry_age * 12 + np.minimum(np.searchsorted(cdf, u), s.size - 1)


def _areas(scenario: Scenario, keys: NDArray[np.int64], streams: Streams, month: int) -> NDArray[np.int64]:
    """Area of residence of arrivals, in proportion to the areas' initial populations."""
    sizes = np.array([a.workers for a in scenario.region.areas], float)  # loop: areas
    cum = np.cumsum(sizes / sizes.sum())
    cum[-1] = 1.0
    return np.searchsorted(cum, streams.uniform("demography.area", month, keys), side="right")


@dataclass
class Demography:
    """The demography of one run: its schedule of reserved rows and what it remembers month to month."""

    schedule: Schedule
    #: Rows of the residents, ascending (kept current by exits and arrivals): the monthly passes over
    #: people run over these rows, so rows of people gone or not yet arrived cost them nothing.
    rows: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    positions: deque[float] = field(default_factory=lambda: deque(maxlen=13))
    #: The residents' rows split into job holders and the jobless, while no hire, separation or
    #: change of ``rows`` has happened since it was made (``sectorsim.processes.employment``), or None.
    job_split: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None

    def __setattr__(self, name: str, value: object) -> None:
        """Set an attribute; new resident rows make the job split stale."""
        if name == "rows":
            object.__setattr__(self, "job_split", None)
        object.__setattr__(self, name, value)

    @property
    def residents(self) -> int:
        """Residents now: the number of residents' rows."""
        return int(self.rows.size)


def build(model: SectorModel) -> Demography:
    """The run's demography (its row schedule was fixed when the tables were allocated)."""
    # every row that exists when the model is built is an initial resident
    n = model.workers.n
    return Demography(schedule(model.config, model.streams), rows=np.arange(n, dtype=np.int64))


def employment_rate(model: SectorModel) -> float:
    """Employed working-age residents over all of them (as in the monthly series).

    Both counts are kept current (``demography.residents``, ``employers.filled``), so nothing is
    recounted; tests/test_invariants.py checks both against a recount every month.
    """
    here, employed = model.demography.residents, int(model.employers.filled.sum())
    return employed / here if here > 0 else 0.0


class ExitWorkers(NamedTuple):
    """The worker columns the exit draw reads, and the rows it runs over (the residents, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    born: NDArray[np.int16]
    employer: NDArray[np.int32]
    in_labor_force: NDArray[np.bool_]


class ExitParams(NamedTuple):
    """Monthly exit hazards and the stream base of ``demography.exit``."""

    month: int
    death: float  # mortality_rate / 12
    retire: float  # retirement_rate / 12, from retirement_age
    retirement_months: int  # retirement_age x 12
    exit_months: int  # exit_age x 12: everyone still here leaves
    migrate: float  # out-migration hazard this month (migration_rate / 12 x exp(response x gap))
    unemployed_multiplier: float  # on the out-migration hazard of an unemployed searcher
    base: np.uint64


@njit(cache=True, nogil=True)
def _exit_draw(
    workers: ExitWorkers, params: ExitParams
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Residents who retire or die, residents who move away (one hashed draw each), and those who stay.

    With u the draw: retire (or die) if u < death + retire (from retirement age) or at exit age; else
    move away if u < that + the migration hazard (times the multiplier for an unemployed searcher).
    """
    rows = workers.rows
    retire = np.empty(rows.size, np.int64)
    move = np.empty(rows.size, np.int64)
    stay = np.empty(rows.size, np.int64)
    n_retire = n_move = n_stay = 0
    # no resident's exit hazard exceeds this bound: rounding is monotone, so each of its terms is at
    # least the matching term of any resident's hazard. A draw at or above it means "stays" (unless
    # at exit age), the common case, decided without computing the hazard
    bound = params.death + max(params.retire, 0.0) + params.migrate * max(params.unemployed_multiplier, 1.0)
    for t in range(rows.size):  # loop: residents, one pass (compiled)
        i = int(rows[t])
        age = params.month - np.int64(workers.born[i])
        u = key_uniform(workers.key[i], params.base)
        if u >= bound and age < params.exit_months:  # a predicted branch: few leave in a month
            stay[n_stay] = i
            n_stay += 1
            continue
        p_out = params.death + (params.retire if age >= params.retirement_months else 0.0)
        searching = (workers.employer[i] < 0) & workers.in_labor_force[i]
        p_move = params.migrate * (params.unemployed_multiplier if searching else 1.0)
        out = (u < p_out) | (age >= params.exit_months)
        away = (not out) & (u < p_out + p_move)
        retire[n_retire] = i
        move[n_move] = i
        stay[n_stay] = i
        n_retire += int(out)
        n_move += int(away)
        n_stay += int(not (out | away))
    return retire[:n_retire], move[:n_move], stay[:n_stay]


def step(model: SectorModel) -> None:
    """This month's exits, young entrants and in-migrants."""
    cfg = model.config
    d = cfg.demography
    if not d.open:
        return
    demo, w, t = model.demography, model.workers, model.month
    gap = d.reference_employment_rate - employment_rate(model)
    demo.positions.append(float(model.employers.positions.sum()))
    if len(demo.positions) == demo.positions.maxlen:
        growth = demo.positions[-1] / max(demo.positions[0], 1.0) - 1.0
    else:
        growth = expected_growth(cfg)
    stay = _exits(model, gap)
    sched = demo.schedule
    first, n_entrants = int(sched.start[t]), int(sched.entrants[t])
    w.grow(int(sched.start[t + 1]))
    expected = stay.size * (d.migration_rate + max(growth, 0.0)) * np.exp(-d.migration_response * gap) / 12.0
    n_in = min(
        int(model.streams.round_counts("demography.in", t, np.zeros(1, np.int64), np.array([expected]))[0]),
        sched.cap,
    )
    # the month's arrivals: young entrants, then in-migrants, in consecutive rows
    arrivals = np.arange(first, first + n_entrants + n_in, dtype=np.int64)
    _arrive(model, arrivals, n_entrants)
    # arrivals take rows above every earlier row, so the residents' rows stay ascending
    demo.rows = np.concatenate([stay, arrivals])
    model.flows.entrants += n_entrants
    model.flows.in_migrants += n_in


def _exits(model: SectorModel, gap: float) -> NDArray[np.int64]:
    """This month's deaths, retirements and moves away; returns the rows of the residents left."""
    d, w, t = model.config.demography, model.workers, model.month
    retire, move, stay = _exit_draw(
        ExitWorkers(
            rows=model.demography.rows,
            key=w.key,
            born=w.born,
            employer=w.employer,
            in_labor_force=w.in_labor_force,
        ),
        ExitParams(
            month=t,
            death=d.mortality_rate / 12.0,
            retire=d.retirement_rate / 12.0,
            retirement_months=d.retirement_age * 12,
            exit_months=d.exit_age * 12,
            migrate=d.migration_rate / 12.0 * float(np.exp(d.migration_response * gap)),
            unemployed_multiplier=float(d.unemployed_migration_multiplier),
            base=model.streams.base("demography.exit", t),
        ),
    )
    leave = np.sort(np.concatenate([retire, move]))
    separate(model, leave[w.employer[leave] >= 0], "exit")
    w.resident[leave] = LEFT
    w.in_labor_force[leave] = False
    # people gone earn nothing (the monthly passes run over residents only, so this is set once)
    w.wage[leave] = 0.0
    w.earnings[leave] = 0.0
    model.flows.retirements += retire.size
    model.flows.out_migrants += move.size
    return stay


def _arrive(model: SectorModel, rows: NDArray[np.int64], n_young: int) -> None:
    """Make residents of the month's arrivals: ``rows[:n_young]`` young entrants, the rest in-migrants.

    Every draw is keyed by row, so drawing the traits of both kinds at once gives each person what
    drawing them kind by kind would.
    """
    if rows.size == 0:
        return
    cfg, w, t, streams = model.config, model.workers, model.month, model.streams
    w.key[rows] = rows
    draw_traits(cfg, w, rows, streams, t)
    w.area[rows] = _areas(cfg, rows, streams, t)
    young, adults = rows[:n_young], rows[n_young:]
    age = np.empty(rows.size, np.float64)
    in_lf = np.ones(rows.size, bool)
    if young.size:
        age[:n_young] = cfg.demography.entry_age * 12 + np.floor(
            12 * streams.uniform("demography.entry_age", t, young)
        )
        in_lf[:n_young] = (
            streams.uniform("demography.participation", t, young) < cfg.demography.entrant_participation
        )
    if adults.size:
        adult_age = draw_ages(cfg, adults, streams, t)
        age[n_young:] = adult_age
        draw_history(cfg, model.ladders, w, adults, adult_age, streams, t)
    w.born[rows] = (t - age).astype(np.int16)
    w.in_labor_force[rows] = in_lf | (not cfg.participation.enabled)
    w.resident[rows] = HERE


__all__ = [
    "DECLARES",
    "HERE",
    "LEFT",
    "NOT_YET",
    "Demography",
    "Schedule",
    "build",
    "draw_ages",
    "draw_traits",
    "expected_growth",
    "schedule",
    "step",
    "survival",
    "employment_rate",
]
