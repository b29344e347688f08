"""Sector partnership: an industry-led partnership convened by an intermediary.

Several employers of one sector join (``member_share``); the intermediary pools public money with
employer contributions, trains large cohorts for credentials the whole sector recognizes and that
stack into a career ladder, recruits across the commuting region, screens applicants, adds support
services, and member employers commit to considering completers first. Sources: seeds
000_0d6f6798fd1f8fe6.txt (core elements), 001_5d1c9fe7ab9fb324.txt (industry-led partnerships and
career pathway systems), 003_71466a8ef41a6f67.txt (the convener/intermediary, pooled resources);
cost defaults within the $5,800-$28,000 per participant of the evaluated programs
(docs/VALIDATION.md).

Presets for the three strands of 000_0d6f6798fd1f8fe6.txt (``preset:``) fill defaults that the
scenario can still override: see ``PRESETS``.

The employer customer (docs/ODD.md, 'The employer in a partnership'):

- **Practices.** Members adopt what the partnership spreads (``practices:``): onboarding and mentoring
  of new hires, supervisor training, stable schedules, and a visible career ladder, through the
  employer levers ``onboarding_relief``, ``supervision_relief``, ``schedule_stability``,
  ``promotion_multiplier`` and ``ladder_quit_relief``. A member that leaves drops them.
- **Contributions.** The employer money pooled (``employer_contribution`` x ``budget``) is paid in
  equal monthly parts over the policy's months, shared among the month's members by positions; each
  member also bears ``joining.in_kind_cost`` a year (staff time, adopting the practices). Both are
  recorded per employer (``contribution_paid``), the denominator of the employer's return.
- **Joining and staying.** Without ``member_share``, every employer of the target sector in the
  partnership's areas decides: it joins (or stays) when ``log(gain / cost) + decision_noise * z > 0``,
  where gain is ``expected_savings`` x its own recent annual turnover and vacancy costs (its "pain
  points", kept by ``processes/employer_books``), cost its share of the contributions plus the in-kind
  cost, and z a standard normal from the stream ``partnership.decide`` (per employer and month).
  Every ``review_months`` members compare their costs with those before they joined and update what
  they expect (weight ``learning``); non-members hear the members' pooled result; everyone decides
  again, so membership grows or shrinks. ``member_share`` keeps the old fixed, hashed membership.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator
from scipy.special import ndtri

from sectorsim.columns import Column, Declares
from sectorsim.policies.program import (
    Eligibility,
    Money,
    Probability,
    SupportServices,
    TrainingProgram,
    TrainingProgramConfig,
    _Block,
)
from sectorsim.streams import INIT_MONTH

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: The three strands of the sector movement (seed 000_0d6f6798fd1f8fe6.txt) as default sets.
PRESETS: dict[str, dict[str, Any]] = {
    # good jobs for people with serious barriers: deep support, little screening
    "philanthropic": {
        "eligibility": {"status": "low_wage", "max_monthly_earnings": 2600, "min_basic_skills": -1.5},
        "support": {"enabled": True, "strength": 0.6, "months_after": 12, "cost_per_participant": 2500},
        "program_months": 6,
        "cohort_size": 20,
        "employer_contribution": 0.1,
    },
    # industry's overall labor demand: incumbent and new workers, strong screening, employer money
    "economic_development": {
        "eligibility": {"status": "any", "max_monthly_earnings": 4000, "min_basic_skills": 0.0},
        "support": {"enabled": False},
        "program_months": 4,
        "cohort_size": 25,
        "member_share": 0.7,
        "employer_contribution": 0.5,
        "screening_boost": 1.0,
    },
    # community-college pathways: stackable credentials, semester intakes, longer programs
    "career_pathway": {
        "eligibility": {"status": "low_wage", "max_monthly_earnings": 3200, "min_basic_skills": -1.0},
        "support": {"enabled": True, "strength": 0.4, "months_after": 6, "cost_per_participant": 1200},
        "program_months": 9,
        "intake_every": 6,
        "cohort_size": 30,
        "cohorts_per_intake": 2,
        "cost_per_trainee": 7000,
        "credential": {"portability": "sector_wide", "stackable": True},
    },
}


#: What a partnership records about its members.
DECLARES = Declares(
    employers=(
        Column(
            "contribution_paid",
            "float64",
            0.0,
            "$",
            "Paid into a partnership over the horizon: its share of the pooled employer money plus the "
            "in-kind cost of taking part.",
        ),
    ),
)


class Practices(_Block):
    """Practices a partnership spreads among its members (each 0 / 1 = none)."""

    onboarding: Probability = Field(
        0.2, description="Share of the new-hire excess separation hazard removed (onboarding, mentoring)."
    )
    supervisor_training: Annotated[float, Field(ge=0.0, le=0.9)] = Field(
        0.15, description="Proportional cut in members' separation hazard from supervisor training."
    )
    stable_schedules: Probability = Field(
        0.3, description="Share of an unstable job's burden removed (hours volatility, quit premium)."
    )
    career_ladder_promotion: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.5, description="Multiplier on the monthly chance an incumbent is considered for promotion."
    )
    career_ladder_quit_relief: Annotated[float, Field(ge=0.0, le=0.9)] = Field(
        0.1, description="Cut in the separation hazard of incumbents with a rung above them."
    )


class Joining(_Block):
    """How employers decide to join and stay (used when ``member_share`` is not set)."""

    expected_savings: Probability = Field(
        0.1, description="Share of its own turnover and vacancy costs an employer expects to save."
    )
    in_kind_cost: Money = Field(5000.0, description="A member's yearly cost of taking part ($).")
    decision_noise: Annotated[float, Field(gt=0.0, le=10.0)] = Field(
        0.5, description="Spread of employers' judgments (sd of log gain / cost)."
    )
    review_months: int = Field(12, ge=1, le=240, description="Months between membership reviews.")
    learning: Probability = Field(0.5, description="Weight of observed results in what an employer expects.")


class SectorPartnershipConfig(TrainingProgramConfig):
    """An industry-led sector partnership."""

    type: Literal["sector_partnership"] = "sector_partnership"
    preset: Literal["philanthropic", "economic_development", "career_pathway"] | None = None
    member_share: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Fixed share of the sector's employers that join (hashed); none: employers decide.",
    )
    practices: Practices = Practices()
    joining: Joining = Joining()
    cohort_size: int = Field(25, ge=1, le=10_000)
    cost_per_trainee: float = Field(5500.0, ge=0, le=1e12)
    cost_per_cohort: float = Field(60000.0, ge=0, le=1e12)
    program_months: int = Field(5, ge=1, le=60)
    employer_contribution: float = Field(0.25, ge=0.0, le=5.0)
    eligibility: Eligibility = Eligibility(status="low_wage", min_basic_skills=-0.5)
    support: SupportServices = SupportServices(enabled=True)
    recruitment: Literal["area", "region"] = "region"
    hiring_commitment: float = Field(1.0, ge=0.0, le=10.0)
    screening_boost: float = Field(0.5, ge=0.0, le=10.0)

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("preset"), str) and data["preset"] in PRESETS:
            merged = dict(PRESETS[data["preset"]])
            for key, value in data.items():
                if isinstance(value, dict) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
            return merged
        return data


class SectorPartnership(TrainingProgram):
    """One pooled program for a sector's member employers across the region."""

    config_type = SectorPartnershipConfig

    name = "sector_partnership"
    config: SectorPartnershipConfig

    def __init__(self, config: SectorPartnershipConfig, pid: int, model: SectorModel) -> None:
        super().__init__(config, pid, model)
        e = model.employers
        self.eligible_rows = np.flatnonzero((e.sector == self.sector) & self.area_mask[e.area])
        n = self.eligible_rows.size
        self.expected = np.full(n, config.joining.expected_savings)  # by eligible employer
        self.baseline = np.zeros(n)  # recent costs when it last joined ($ / year)
        self.member = np.zeros(n, bool)
        horizon = model.config.months
        self.end = min(config.end_month or horizon, horizon)  # the month after burn-in it stops

    # ---- membership ---------------------------------------------------------------------
    def recent_costs(self, model: SectorModel) -> np.ndarray:
        """Each eligible employer's recent annual turnover and vacancy costs ($ / year)."""
        e = model.employers
        rows = self.eligible_rows
        return np.asarray(e.recent_turnover_cost[rows] + e.recent_vacancy_cost[rows], np.float64)

    @property
    def annual_dues(self) -> float:
        """The pooled employer money, per year of the policy's months ($ / year)."""
        return 12.0 * self.monthly_dues

    @property
    def monthly_dues(self) -> float:
        """The pooled employer money, per month of the policy ($ / month)."""
        cfg = self.config
        return cfg.budget * cfg.employer_contribution / self.months

    def decide(self, model: SectorModel, month: int) -> np.ndarray:
        """Who of the eligible employers is a member after deciding (gain against cost).

        An employer's cost is its share, by positions, of the dues among the employers that join, so
        the decision is solved as a fixed point: start from everyone joining and decide again until
        the members stop changing.
        """
        j = self.config.joining
        rows = self.eligible_rows
        size = model.employers.positions[rows].sum(axis=1).astype(np.float64)
        costs = self.recent_costs(model)
        # members count their gains against their costs before joining; others against their own now
        basis = np.where(self.member, self.baseline, costs)
        gain = np.maximum(self.expected * basis, 1e-9)
        z = ndtri(model.streams.uniform("partnership.decide", month, model.employers.key[rows]))
        joins = np.ones(rows.size, bool)
        for _ in range(50):  # loop: fixed-point iterations over the membership (a few)
            pool = float(size[joins].sum())
            share = size / np.maximum(pool + np.where(joins, 0.0, size), 1.0)
            cost = share * self.annual_dues + j.in_kind_cost
            now = np.log(gain) - np.log(np.maximum(cost, 1e-9)) + j.decision_noise * z > 0
            if np.array_equal(now, joins):
                break
            joins = now
        return joins

    def choose_employers(self, model: SectorModel) -> np.ndarray:
        """Employers of the target sector that join: a fixed hashed share, or their own decision."""
        e = model.employers
        rows = self.eligible_rows
        if self.config.member_share is not None:
            u = model.streams.uniform("partnership.join", INIT_MONTH, e.key[rows])
            self.member = u < self.config.member_share
        else:
            self.member = self.decide(model, model.month)
        self.baseline = np.where(self.member, self.recent_costs(model), 0.0)
        return rows[self.member]

    def engage(self, model: SectorModel, rows: np.ndarray) -> None:
        """Engage members: the hiring levers, and the practices the partnership spreads."""
        super().engage(model, rows)
        p, e = self.config.practices, model.employers
        e.onboarding_relief[rows] = p.onboarding
        e.supervision_relief[rows] = p.supervisor_training
        e.schedule_stability[rows] = p.stable_schedules
        e.promotion_multiplier[rows] = p.career_ladder_promotion
        e.ladder_quit_relief[rows] = p.career_ladder_quit_relief

    def disengage(self, model: SectorModel, rows: np.ndarray) -> None:
        """A member leaves: every lever the partnership set goes back to its no-policy value."""
        e = model.employers
        for name in (  # loop: the levers a partnership sets (ten)
            "engaged",
            "commitment",
            "referral_bonus",
            "screening_boost",
            "onboarding_relief",
            "supervision_relief",
            "schedule_stability",
            "promotion_multiplier",
            "ladder_quit_relief",
        ):
            e.column(name)[rows] = e.declared[name].column.fill

    def review(self, model: SectorModel) -> None:
        """Members see their results, everyone updates what they expect, and decides again."""
        j = self.config.joining
        costs = self.recent_costs(model)
        m = self.member
        if m.any():
            seen = np.clip(1.0 - costs[m] / np.maximum(self.baseline[m], 1e-9), -1.0, 1.0)
            pooled = float(np.clip(1.0 - costs[m].sum() / max(self.baseline[m].sum(), 1e-9), -1.0, 1.0))
            self.expected[m] = (1.0 - j.learning) * self.expected[m] + j.learning * seen
            self.expected[~m] = (1.0 - j.learning) * self.expected[~m] + j.learning * pooled
        self.expected = np.clip(self.expected, 0.0, 1.0)
        now = self.decide(model, model.month)
        joined, left = now & ~m, m & ~now
        self.baseline[joined] = costs[joined]
        self.member = now
        self.engage(model, self.eligible_rows[joined])
        self.disengage(model, self.eligible_rows[left])
        self.hosts = self.eligible_rows[now]

    @property
    def months(self) -> int:
        """Months the policy acts within the horizon (at least one)."""
        return max(self.end - self.config.start_month, 1)

    def step(self, model: SectorModel) -> None:
        """Review membership in review months, record the month's contributions, then run intakes."""
        cfg = self.config
        since = model.policy_month - cfg.start_month
        if cfg.member_share is None and since > 0 and since % cfg.joining.review_months == 0:
            self.review(model)
        e, rows = model.employers, self.hosts
        if rows.size:
            size = e.positions[rows].sum(axis=1).astype(np.float64)
            share = size / max(float(size.sum()), 1.0)
            e.contribution_paid[rows] += share * self.monthly_dues + cfg.joining.in_kind_cost / 12.0
        super().step(model)

    def intakes(self, model: SectorModel) -> Iterator[tuple[int, np.ndarray]]:
        """One pooled intake, recruiting wherever the partnership works."""
        yield -1, self.area_mask
