"""SectorModel: a regional labor market as a mesa.Model with array-backed agents.

Each month runs these steps in a fixed order (docs/ODD.md, 'Process overview and scheduling'):

1. ``demand``       positions grow or shrink; shocks; layoffs where positions fell below staff
   (evaluation)     random assignment of applicants, when a study runs
2. policies         each active policy enrolls cohorts and sets its levers
3. ``separations``  quits and discharges to non-employment; barrier shocks
4. ``training``     progress, dropout, completion, credential award, placements
5. ``advancement``  internal promotion up the ladder where credentials allow
6. ``matching``     applications to vacancies within reach, employer ranking, offers
7. ``earnings``     wages and this month's earnings (trainees earn less: lock-in)
   (evaluation)     follow-up records of the study's applicants
8. ``skills``       skill loss in long unemployment, gain on the job
9. data collection  one row of the monthly series
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np
from numpy.typing import NDArray

from sectorsim.agents import Employer, Worker
from sectorsim.evaluation import Members, Study
from sectorsim.policies import build_policies
from sectorsim.population import build_region
from sectorsim.processes import (
    advancement,
    demand,
    earnings,
    matching,
    separations,
    skills,
    training,
)
from sectorsim.scenario.schema import Scenario
from sectorsim.state import filled_positions
from sectorsim.streams import Streams

PROCESS_ORDER = (
    "demand",
    "policies",
    "separations",
    "training",
    "advancement",
    "matching",
    "earnings",
    "skills",
    "collect",
)


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
    separations_by_sector: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        self.separations_by_sector = np.zeros(self.n_sectors, np.int64)


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
        seed = scenario.seed if rng is None else int(rng)
        super().__init__(rng=seed)
        self.config = scenario
        self.arm = scenario.arm(arm or scenario.reference_arm)
        self.run_seed = seed
        self.streams = Streams(seed)
        self.labor = scenario.labor_market
        self.month = 0
        region = build_region(scenario, self.streams)
        self.ladders = region.ladders
        self.workers = region.workers
        self.employers = region.employers
        self.reach = region.reach
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
        self.chosen_targets: list[dict] = []
        self.policies = build_policies([] if no_policies else self.arm.policies, self)
        self.study: Study | None = None
        if study_access is not None and scenario.evaluation is not None:
            self.study = Study(scenario.evaluation, self, members=study_members, access=study_access)
        if scenario.agent_views:
            for row in range(self.workers.n):  # loop: one-time creation of agent views
                Worker(self, row)
            for row in range(self.employers.n):  # loop: one-time creation of agent views
                Employer(self, row)
        #: Earnings by period of the horizon (periods x workers, float32), when the scenario asks for it.
        self.earnings_panel: NDArray[np.float32] | None = None
        if scenario.earnings_panel != "off":
            periods = -(-scenario.months // scenario.panel_months)
            self.earnings_panel = np.zeros((periods, self.workers.n), np.float32)
        earnings.step(self, accumulate=False)
        self.datacollector = self._collector()

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
        """Filled positions by (employer, rung)."""
        return filled_positions(self.workers, self.employers.n, self.n_rungs)

    def step(self) -> None:
        """Advance the market by one month (see the module docstring for the order)."""
        self.flows = MonthFlows(self.n_sectors)
        demand.step(self)
        if self.study is not None:
            self.study.advance(self)
        for policy in self.policies:  # loop: the arm's policies (a handful)
            policy.advance(self)
        separations.step(self)
        training.step(self)
        advancement.step(self)
        matching.step(self)
        earnings.step(self, accumulate=self.in_horizon)
        if self.study is not None:
            self.study.record(self)
        skills.step(self)
        self.datacollector.collect(self)
        self.month += 1

    def run(self, months: int | None = None) -> None:
        """Run burn-in plus the policy horizon, or ``months`` months."""
        for _ in range(self.config.total_months if months is None else months):
            self.step()

    # ----------------------------------------------------------------------------------------
    def _collector(self) -> mesa.DataCollector:
        """Mesa DataCollector of the monthly series, one model reporter per column."""
        from sectorsim import outcomes

        return outcomes.MonthlySeries(model_reporters=outcomes.monthly_reporters(self))
