"""SectorModel: a regional labor market as a mesa.Model with array-backed agents.

Each month runs the steps of ``STEPS`` in order; the order is data, printed by ``sectorsim.model``'s
``step_order()``, documented in docs/ODD.md ('Process overview and scheduling') and checked against
it by a test:

1. ``demand``          positions grow or shrink; shocks; layoffs where positions fell below staff
2. ``demography``      deaths, retirements and out-migration; young entrants and in-migrants arrive
3. ``study.assign``    random assignment of applicants, when the run hosts a study
4. ``policies``        each active policy enrolls cohorts and sets its levers
5. ``separations``     quits and discharges to non-employment; barrier shocks
6. ``participation``   job losers who leave the labor force; searchers who stop, others who start
7. ``training``        progress, dropout, completion, credential award, placements
8. ``upskilling``      credentials earned outside programs by people at work
9. ``advancement``     internal promotion up the ladder where credentials allow
10. ``matching``       applications to vacancies within reach, employer ranking, offers
11. ``earnings``       wages, hours and this month's earnings (trainees earn less: lock-in)
12. ``study.record``   follow-up records of the study's applicants
13. ``skills``         skill loss in long unemployment, gain on the job
14. ``employer.books`` each employer's filled and open positions, their costs, engagement
15. ``collect``        one row of the monthly series

The tables' columns are declared by the modules that own them (``STATE_OWNERS``, plus every
policy type's module): see :mod:`sectorsim.columns`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import mesa
import numpy as np
from numpy.typing import NDArray

from sectorsim import outcomes, policies, population, study
from sectorsim.agents import Employer, Worker
from sectorsim.allocator import keep_freed_memory
from sectorsim.columns import Declares
from sectorsim.policies import build_policies
from sectorsim.processes import (
    advancement,
    demand,
    demography,
    earnings,
    employer_books,
    employment,
    hours,
    matching,
    participation,
    separations,
    skills,
    training,
    upskilling,
)
from sectorsim.scenario.schema import Scenario
from sectorsim.streams import Streams
from sectorsim.study import Members, Study


@dataclass(frozen=True)
class Step:
    """One named step of the month: a function of the model."""

    name: str
    run: Callable[[SectorModel], None]

    @property
    def module(self) -> str:
        """The module the step's function lives in."""
        return self.run.__module__


def _collect(model: SectorModel) -> None:
    model.datacollector.collect(model)


#: The month, in order. ``SectorModel.step`` runs exactly this list.
STEPS: tuple[Step, ...] = (
    Step("demand", demand.step),
    Step("demography", demography.step),
    Step("study.assign", study.assign),
    Step("policies", policies.advance),
    Step("separations", separations.step),
    Step("participation", participation.step),
    Step("training", training.step),
    Step("upskilling", upskilling.step),
    Step("advancement", advancement.step),
    Step("matching", matching.step),
    Step("earnings", earnings.step),
    Step("study.record", study.record),
    Step("skills", skills.step),
    Step("employer.books", employer_books.step),
    Step("collect", _collect),
)

#: Modules that own columns of the agent tables (besides the policy modules).
STATE_OWNERS = (
    population,
    demography,
    participation,
    employment,
    hours,
    demand,
    earnings,
    separations,
    advancement,
    employer_books,
    training,
    matching,
    study,
)


def state_owners() -> list[tuple[str, Declares]]:
    """(module, declarations) of every owner of state: the model's modules, then the policies'."""
    return [(m.__name__, m.DECLARES) for m in STATE_OWNERS] + policies.state_owners()


def step_order() -> list[str]:
    """Names of the month's steps, in order."""
    return [s.name for s in STEPS]


@dataclass
class MonthFlows:
    """Counts of what happened this month (reset at the start of every month)."""

    n_sectors: int
    hires: int = 0
    hires_from_unemployment: int = 0
    job_to_job: int = 0
    quits: int = 0
    layoffs: int = 0
    barrier_separations: int = 0
    promotions: int = 0
    enrollments: int = 0
    completions: int = 0
    dropouts: int = 0
    placements: int = 0
    credentials: int = 0
    searching_unemployed: int = 0
    turnover_cost: float = 0.0
    separations_engaged: int = 0
    hires_from_inactive: int = 0
    exit_separations: int = 0
    entrants: int = 0
    in_migrants: int = 0
    retirements: int = 0
    out_migrants: int = 0
    employed_to_inactive: int = 0
    unemployed_to_inactive: int = 0
    inactive_to_unemployed: int = 0
    upskilled: int = 0
    elsewhere_starts: int = 0
    elsewhere_completions: int = 0
    separations_by_sector: NDArray[np.int64] = field(init=False)
    #: (rows, after a barrier shock?) of every job lost this month to non-employment
    lost_jobs: list[tuple[NDArray[np.int64], bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.separations_by_sector = np.zeros(self.n_sectors, np.int64)

    def to_non_employment(self) -> NDArray[np.int64]:
        """Rows of everyone who lost or left a job for non-employment this month, in order."""
        if not self.lost_jobs:
            return np.empty(0, np.int64)
        return np.concatenate([rows for rows, _ in self.lost_jobs]).astype(np.int64)

    def barrier_mask(self) -> NDArray[np.bool_]:
        """For each row of :meth:`to_non_employment`: did the job end in a barrier shock?"""
        if not self.lost_jobs:
            return np.empty(0, bool)
        return np.concatenate([np.full(rows.size, barrier) for rows, barrier in self.lost_jobs])


class SectorModel(mesa.Model):
    """A regional labor market under one arm's policies.

    Args:
        scenario: A validated scenario.
        arm: Name of the arm whose policies apply (default: the reference arm).
        rng: The run seed (an int). Every random draw is a pure function of this seed, a stream
            name, the month and an agent key, so arms that share a seed share their random numbers.
        study_access: Run the scenario's randomized evaluation in this run: True gives the
            treatment group access, False bars it too (the counterfactual). None: no study.
        study_members: Replay these applicants and assignments (the counterfactual run).
        no_policies: Ignore the arm's policies (the baseline of the needs assessment).
    """

    def __init__(
        self,
        *,
        scenario: Scenario,
        arm: str | None = None,
        rng: int | None = None,
        study_access: bool | None = None,
        study_members: Members | None = None,
        no_policies: bool = False,
    ) -> None:
        keep_freed_memory()  # a month's buffers stay in the process (sectorsim.allocator)
        seed = scenario.seed if rng is None else int(rng)
        super().__init__(rng=seed)
        self.config = scenario
        self.arm = scenario.arm(arm or scenario.reference_arm)
        self.run_seed = seed
        self.streams = Streams(seed)
        self.labor = scenario.labor_market
        self.month = 0
        region = population.build_region(scenario, self.streams, state_owners())
        self.ladders = region.ladders
        self.workers = region.workers
        self.employers = region.employers
        self.reach = region.reach
        self.job_hours = region.job_hours
        self.demography = demography.build(self)
        advancement.start(self)
        self.n_sectors = len(scenario.sectors)
        # per-sector and per-group parameters as arrays, built once (processes index them)
        self.sector_index = {s.name: i for i, s in enumerate(scenario.sectors)}
        self.group_index = {g.name: i for i, g in enumerate(scenario.groups)}
        self.area_index = {a.name: i for i, a in enumerate(scenario.region.areas)}
        self.rung_index = {(s.name, r.name): i for s in scenario.sectors for i, r in enumerate(s.ladder)}
        self.sector_growth = np.array([(1.0 + s.growth) ** (1.0 / 12.0) for s in scenario.sectors])
        self.sector_separation = np.array([s.separation_rate for s in scenario.sectors])
        self.group_network = np.array([g.network_access for g in scenario.groups])
        self.group_bias = np.array([g.hiring_bias for g in scenario.groups])
        self.n_rungs = self.employers.n_rungs
        self.cell_layout = matching.cell_layout(self)  # ladders and employers' places are fixed
        self.flows = MonthFlows(self.n_sectors)
        self.policies = build_policies([] if no_policies else self.arm.policies, self)
        self.study: Study | None = None
        if study_access is not None and scenario.evaluation is not None:
            self.study = Study(scenario.evaluation, self, members=study_members, access=study_access)
        if scenario.agent_views:
            # views of every row the run may use, arrivals included (``Worker.resident`` says who is here)
            for row in range(self.workers.capacity):  # loop: one-time creation of agent views
                Worker(self, row)
            for row in range(self.employers.n):  # loop: one-time creation of agent views
                Employer(self, row)
        #: Earnings by period of the horizon (periods x workers, float32), when the scenario asks for it.
        self.earnings_panel: NDArray[np.float32] | None = None
        if scenario.earnings_panel != "off":
            periods = -(-scenario.months // scenario.panel_months)
            self.earnings_panel = np.zeros((periods, self.workers.capacity), np.float32)
        earnings.step(self, accumulate=False)
        self.datacollector = outcomes.MonthlySeries(model_reporters=outcomes.monthly_reporters(self))

    # ----------------------------------------------------------------------------------------
    @property
    def policy_month(self) -> int:
        """Months since the end of burn-in (negative during burn-in)."""
        return self.month - self.config.burn_in

    @property
    def in_horizon(self) -> bool:
        """Whether the current month counts toward outcomes (after burn-in)."""
        return self.month >= self.config.burn_in

    def filled(self) -> NDArray[np.int64]:
        """Filled positions by (employer, rung): the count hires, separations and promotions keep current."""
        return self.employers.filled

    def step(self) -> None:
        """Advance the market by one month: every step of ``STEPS``, in order."""
        self.flows = MonthFlows(self.n_sectors)
        for step in STEPS:  # loop: the month's steps (a dozen)
            step.run(self)
        self.month += 1

    def run(self, months: int | None = None) -> None:
        """Run burn-in plus the policy horizon, or ``months`` months."""
        for _ in range(self.config.total_months if months is None else months):
            self.step()

    def fork(self, scenario: Scenario | None = None, arm: str | None = None) -> SectorModel:
        """A copy of this model that goes on under another arm (of ``scenario``, default this one's).

        Arms share their random numbers and no policy acts before its start month, which is at or
        after the end of burn-in, so every arm of a scenario is, bit for bit, the same market until
        then: a run forked at the end of burn-in gives exactly the results of a run of that arm from
        the start. ``scenario`` may differ from this model's only in its arms (the policies' settings).

        Raises:
            ValueError: a policy has already acted, the model hosts a study, it is past burn-in, or
                ``scenario`` differs outside its arms.
        """
        sc = scenario or self.config
        if self.month > self.config.burn_in or any(p.started for p in self.policies):  # loop: policies
            raise ValueError(
                f"cannot fork at month {self.month}: a policy may have acted (burn-in {sc.burn_in})"
            )
        if self.study is not None:
            raise ValueError("cannot fork a model that hosts a randomized evaluation")
        if sc is not self.config and sc.model_dump(exclude={"arms"}) != self.config.model_dump(
            exclude={"arms"}
        ):
            raise ValueError("cannot fork into a scenario that differs outside its arms")
        twin = copy.deepcopy(self)
        twin.config = sc
        twin.arm = sc.arm(arm or sc.reference_arm)
        twin.policies = build_policies(twin.arm.policies, twin)
        # the monthly series' reporters are closures over their own snapshot cache: give the twin its own
        twin.datacollector.model_reporters = outcomes.monthly_reporters(twin)
        return twin
