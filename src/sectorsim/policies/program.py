"""The training-program engine shared by single-employer grants and sector partnerships.

A program has a budget, a cost per trainee and a fixed cost per cohort (so cohort size matters),
runs intakes every ``intake_every`` months, screens and recruits eligible workers in its
recruitment area, and awards a credential that is either recognized sector-wide (portable,
possibly stackable) or specific to one firm. Employers it engages favor its completers when hiring
(``hiring_commitment``) and may screen them for fit (``screening_boost``). The two policies differ
only in *which employers host cohorts and how far they recruit* (``intakes`` and
``choose_employers``), which is where the field says they differ (seed 000_0d6f6798fd1f8fe6.txt:
"employer engagement by industry sectors ... rather than by single employers").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sectorsim.columns import FULL_TIME_EQUIVALENT_HOURS, Column, Declares
from sectorsim.policies.base import Policy, PolicyBase, check_member, sector_of

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Who ever took part in a program (for counts of participants by area).
DECLARES = Declares(
    workers=(Column("ever_enrolled", "bool", False, "bool", "Ever enrolled in a training program."),),
)

Money = Annotated[float, Field(ge=0.0, le=1e12)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Eligibility(_Block):
    """Who may enroll."""

    status: Literal["any", "unemployed", "low_wage"] = Field(
        "any",
        description="any: employed or not; unemployed: no job; low_wage: no job or monthly pay "
        "at or below max_monthly_earnings.",
    )
    max_monthly_earnings: Money | None = Field(
        3200.0,
        description="Employed applicants must earn at most this much a month at their usual hours ($).",
    )
    include_inactive: bool = Field(
        False,
        description="Also recruit people out of the labor force (outreach to the disconnected); "
        "by default applicants are job seekers and workers, as those who apply to programs are.",
    )
    min_basic_skills: float | None = Field(
        None, ge=-5, le=5, description="Screen: minimum basic-skills score (sd); none = no screen."
    )
    groups: list[str] | None = Field(None, description="Only these groups (default: all).")
    barriers_only: bool = Field(False, description="Only workers with a barrier to steady work.")


class SupportServices(_Block):
    """Case management, childcare, transport help during and after training."""

    enabled: bool = False
    strength: Probability = Field(
        0.5, description="Fraction by which support cuts dropout and barrier shocks."
    )
    months_after: int = Field(6, ge=0, le=60, description="Months of support after training ends.")
    cost_per_participant: Money = Field(1500.0, description="$ per participant.")


class Credential(_Block):
    """What a completer receives."""

    portability: Literal["sector_wide", "firm_specific"] = "sector_wide"
    stackable: bool = Field(True, description="A completer may return for the next level (a career ladder).")


class Maturity(_Block):
    """How effective the provider is: a state that starts at ``start`` and grows with cohorts served."""

    start: Probability = Field(
        1.0,
        description="Effectiveness at the start (1 = a mature provider, the no-growth default): the share "
        "of hiring_commitment and screening_boost its employer relationships deliver.",
    )
    cohorts_to_mature: Annotated[float, Field(gt=0.0, le=1000.0)] = Field(
        8.0,
        description="Cohorts over which the gap to full effectiveness shrinks by a factor e "
        "(effectiveness = 1 - (1 - start) x exp(-cohorts / cohorts_to_mature)).",
    )


class TrainingProgramConfig(PolicyBase):
    """Parameters every training program has (defaults are overridden per policy)."""

    target_sector: str = Field(
        description="Sector whose credential the program awards; 'auto': the needs assessment's top sector."
    )
    budget: Money = Field(2_000_000.0, description="Public budget ($).")
    employer_contribution: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        0.0, description="Employer money pooled in, as a share of the public budget."
    )
    cost_per_trainee: Money = Field(5000.0, description="Variable cost per trainee ($).")
    cost_per_cohort: Money = Field(40000.0, description="Fixed cost per cohort ($).")
    cohort_size: int = Field(20, ge=1, le=10_000, description="Trainees per cohort (at most).")
    cohorts_per_intake: int = Field(1, ge=1, le=1000)
    intake_every: int = Field(3, ge=1, le=120, description="Months between intakes.")
    program_months: int = Field(6, ge=1, le=60, description="Length of training (months).")
    program_months_by_level: list[Annotated[int, Field(ge=1, le=60)]] | None = Field(
        None,
        min_length=1,
        max_length=6,
        description="Length of training for credential level 1, 2, ... (a stackable pathway's short "
        "first step, longer later ones); levels past the list take its last entry. None: program_months.",
    )
    cost_per_trainee_by_level: list[Money] | None = Field(
        None,
        min_length=1,
        max_length=6,
        description="Variable cost per trainee by credential level trained for ($); levels past the list "
        "take its last entry. None: cost_per_trainee.",
    )
    maturity: Maturity = Maturity()
    incumbent_workers: bool = Field(
        False,
        description="Train only the incumbent workers of the engaged employers in the target sector, for "
        "the next level while they keep their job (part-time lock-in); their employer promotes them "
        "first once they qualify, opening the rung below.",
    )
    credential: Credential = Credential()
    eligibility: Eligibility = Eligibility()
    take_up: Probability = Field(0.5, description="Share of invited eligible workers who enroll.")
    support: SupportServices = SupportServices()
    recruitment: Literal["area", "region"] = Field(
        "region", description="Recruit in the host's own area only, or across the region."
    )
    areas: list[str] | None = Field(None, description="Areas the program works in (default: all areas).")
    hiring_commitment: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        1.0, description="Hiring-score bonus engaged employers give completers."
    )
    screening_boost: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.0, description="Match-quality boost when an engaged employer hires a completer."
    )

    def check_names(self, *, sectors: set[str], groups: set[str], areas: set[str]) -> None:
        """Check the target sector, groups and areas exist in the scenario."""
        check_member(self.target_sector, sectors | {"auto"}, "target_sector", "target_sector")
        for g in self.eligibility.groups or []:  # loop: group names in the config
            check_member(g, groups, "group", "eligibility.groups")
        for a in self.areas or []:  # loop: area names in the config
            check_member(a, areas, "area", "areas")


def first_in_order(first: np.ndarray, draw: np.ndarray, n: int) -> np.ndarray:
    """Positions of the first ``n`` in the order (``first`` True before False, then ``draw`` ascending).

    The same as ``np.lexsort((draw, ~first))[:n]``, but only the ``n`` chosen are sorted: with
    tens of thousands eligible and a cohort of a few dozen, the full sort was most of an intake.
    (Ties in a hashed 53-bit draw, which the stable sort would break by position, are left to
    ``np.argpartition``; their chance is about n x eligible / 2**53.)
    """
    chosen, left = [], n
    for group in (np.flatnonzero(first), np.flatnonzero(~first)):  # loop: priority, then the rest
        take = min(left, group.size)
        if take <= 0:
            continue
        left -= take
        if take < group.size:
            group = group[np.argpartition(draw[group], take - 1)[:take]]
        chosen.append(group[np.lexsort((group, draw[group]))])
    return np.concatenate(chosen) if chosen else np.empty(0, np.int64)


class TrainingProgram(Policy):
    """Run a training program: intakes, eligibility, budget, enrollment, employer engagement."""

    config: TrainingProgramConfig

    def __init__(self, config: TrainingProgramConfig, pid: int, model: SectorModel) -> None:
        super().__init__(config, pid, model)
        self.sector = sector_of(model, config.target_sector)
        names = config.areas or list(model.area_index)
        chosen = [model.area_index[a] for a in names]  # loop: area names in the config
        self.area_mask = np.isin(np.arange(len(model.area_index)), chosen)
        self.hosts = np.empty(0, np.int64)
        self.cohorts = 0
        # (month, rows in the table, rows that pass the static screen, the level each would train for)
        self._screen: tuple[int, int, np.ndarray, np.ndarray] | None = None

    # ---- what differs between policies --------------------------------------------------
    def choose_employers(self, model: SectorModel) -> np.ndarray:
        """Employer rows the program engages."""
        raise NotImplementedError

    def intakes(self, model: SectorModel) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (host employer or -1 for a pooled cohort, mask over areas whose residents it may recruit)."""
        raise NotImplementedError

    # ---- shared mechanics --------------------------------------------------------------
    def start(self, model: SectorModel) -> None:
        """Set the budget and engage employers."""
        cfg = self.config
        self.budget = cfg.budget * (1.0 + cfg.employer_contribution)
        self.hosts = self.choose_employers(model)
        self.engage(model, self.hosts)

    def engage(self, model: SectorModel, rows: np.ndarray) -> None:
        """Mark employers ``rows`` engaged and set their hiring levers for this program's completers."""
        cfg, e = self.config, model.employers
        e.engaged[rows] = True
        e.commitment[rows] = self.pid
        if cfg.maturity.start >= 1.0:
            e.referral_bonus[rows] = cfg.hiring_commitment
            e.screening_boost[rows] = cfg.screening_boost
        else:  # a provider still building its employer relationships delivers part of them
            e.referral_bonus[rows] = cfg.hiring_commitment * self.effectiveness
            e.screening_boost[rows] = cfg.screening_boost * self.effectiveness

    @property
    def effectiveness(self) -> float:
        """Share of its hiring commitment and screening the provider delivers, after the cohorts it ran."""
        m = self.config.maturity
        return float(1.0 - (1.0 - m.start) * np.exp(-self.cohorts / m.cohorts_to_mature))

    def step(self, model: SectorModel) -> None:
        """Run an intake in intake months."""
        if (model.policy_month - self.config.start_month) % self.config.intake_every:
            return
        for host, areas in self.intakes(model):  # loop: host employers (per-employer logic)
            self._intake(model, host, areas)
        if self.config.maturity.start < 1.0 and self.hosts.size:
            self.engage(model, self.hosts)  # the provider learned from this intake's cohorts

    def eligible(self, model: SectorModel, host: int, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of eligible workers (ascending) and the credential level each would train for.

        The screen that no enrollment or assignment of this month can change (residence, area, labor
        force, status, pay, skills, group, barriers, and the portable credential held) is computed
        once a month and kept; who is in training or barred is checked on every call, since intakes
        and random assignment change it during the month. ``areas``: a mask over areas, the intake's
        recruiting area; only their residents count, checked first so the rest look at fewer rows.
        """
        cfg, w = self.config, model.workers
        if self._screen is None or self._screen[0] != model.month or self._screen[1] != w.n:
            ok, level = self._static_screen(model)
            passed = np.flatnonzero(ok)
            self._screen = (model.month, w.n, passed, level[passed])
        _, _, pool, target = self._screen
        here = areas[w.area[pool]]
        pool, target = pool[here], target[here]
        # the checks below look only at the rows the static screen let through
        keep = (w.program[pool] < 0) & ~w.barred[pool]
        if cfg.incumbent_workers:  # the engaged employers' own workers (the host's, for one host)
            emp = w.employer[pool]
            job = np.maximum(emp, 0)
            at_host = (emp == host) if host >= 0 else model.employers.commitment[job] == self.pid
            keep &= (emp >= 0) & at_host & (model.employers.sector[job] == self.sector)
        s = self.sector
        if cfg.credential.portability == "firm_specific":  # the level held depends on the host
            if host >= 0:
                mine = (w.firm_employer[pool] == host) & (w.firm_sector[pool] == s)
                held = np.where(mine, w.firm_level[pool], 0)
            else:
                held = w.credential[pool, s]
            target = held + 1 if cfg.credential.stackable else np.ones_like(held)
            keep &= (target <= model.ladders.max_level[s]) & (held < target)
        return pool[keep], target[keep].astype(np.int8)

    def _static_screen(self, model: SectorModel) -> tuple[np.ndarray, np.ndarray]:
        """This month's screen (everything but training and the study's bar) and the level to train for.

        For firm-specific credentials the credential part depends on the host and is left to
        :meth:`eligible`.
        """
        cfg, w, el = self.config, model.workers, self.config.eligibility
        ok = (w.resident == 1) & self.area_mask[w.area]
        employed = w.employer >= 0
        if not el.include_inactive:
            ok &= w.in_labor_force
        if el.status == "unemployed":
            ok &= ~employed
        if el.max_monthly_earnings is not None and el.status != "unemployed":
            pay = w.wage * (w.hours / np.float32(FULL_TIME_EQUIVALENT_HOURS))  # monthly pay at usual hours
            ok &= ~employed | (pay <= el.max_monthly_earnings)
        if el.min_basic_skills is not None:
            ok &= w.skill >= el.min_basic_skills
        if el.groups:
            ok &= np.isin(w.group, [model.group_index[g] for g in el.groups])  # loop: group names
        if el.barriers_only:
            ok &= w.barrier
        s = self.sector
        held = w.credential[:, s]
        target = held + 1 if cfg.credential.stackable else np.ones_like(held)
        if cfg.credential.portability != "firm_specific":
            ok &= (target <= model.ladders.max_level[s]) & (held < target)
        return ok, target

    @property
    def public_share(self) -> float:
        """Share of spending that is public: the pool is the budget plus employers' contribution."""
        return 1.0 / (1.0 + self.config.employer_contribution)

    @property
    def variable_cost(self) -> float:
        """Cost per trainee: training plus support services when enabled ($)."""
        cfg = self.config
        return cfg.cost_per_trainee + (cfg.support.cost_per_participant if cfg.support.enabled else 0)

    def months_for(self, level: np.ndarray) -> np.ndarray:
        """Months of training for each credential level trained for."""
        by = self.config.program_months_by_level
        if by is None:
            return np.full(level.size, self.config.program_months, np.int64)
        return np.asarray(by, np.int64)[np.clip(level.astype(np.int64) - 1, 0, len(by) - 1)]

    def trainee_costs(self, level: np.ndarray) -> np.ndarray:
        """Variable cost of each trainee by the level trained for (training plus support, $)."""
        cfg, by = self.config, self.config.cost_per_trainee_by_level
        support = cfg.support.cost_per_participant if cfg.support.enabled else 0.0
        if by is None:
            return np.full(level.size, self.variable_cost)
        return np.asarray(by, np.float64)[np.clip(level.astype(np.int64) - 1, 0, len(by) - 1)] + support

    def affordable(self, wanted: int, per: float | None = None) -> int:
        """Most trainees (<= wanted) whose cohorts' fixed and variable costs fit the budget left.

        ``per``: the variable cost per trainee to plan with (default: :attr:`variable_cost`).
        """
        cfg = self.config
        per = self.variable_cost if per is None else per
        left = self.budget - self.spent
        best = 0
        for cohorts in range(-(-wanted // cfg.cohort_size), 0, -1):  # loop: cohorts (a few)
            room = left - cohorts * cfg.cost_per_cohort
            if room < 0:
                continue
            fit = wanted if per == 0 else min(wanted, int(np.floor(room / per + 1e-9)))
            best = max(best, min(fit, cohorts * cfg.cohort_size))
        return best

    def cost(self, n: int) -> float:
        """Cost of enrolling ``n`` trainees in full cohorts."""
        cfg = self.config
        return -(-n // cfg.cohort_size) * cfg.cost_per_cohort + n * self.variable_cost

    def _intake(self, model: SectorModel, host: int, areas: np.ndarray) -> None:
        cfg, w = self.config, model.workers
        idx, target = self.eligible(model, host, areas)
        if idx.size == 0:
            return
        # invitation order and willingness are hashed per worker: the same people are willing in
        # every arm (common random numbers), whichever program invites them
        keys = w.key[idx]
        willing = np.flatnonzero(model.streams.uniform("enroll.take_up", model.month, keys) < cfg.take_up)
        idx, target, keys = idx[willing], target[willing], keys[willing]
        by_level = cfg.cost_per_trainee_by_level is not None
        # with costs by level, plan with the dearest level among the willing (the budget always holds)
        per = float(self.trainee_costs(target).max()) if by_level and target.size else None
        n = self.affordable(min(idx.size, cfg.cohort_size * cfg.cohorts_per_intake), per)
        if n == 0:
            return
        # invitation order: applicants with priority (randomized into a study) first, then hashed
        invite = model.streams.uniform("enroll.invite", model.month, keys)
        order = first_in_order(w.priority[idx], invite, n)
        sel, level = idx[order], target[order]
        if by_level:
            self.spent += -(-n // cfg.cohort_size) * cfg.cost_per_cohort + float(
                self.trainee_costs(level).sum()
            )
        else:
            self.spent += self.cost(n)
        self.cohorts += -(-n // cfg.cohort_size)
        self.participants += n
        months = self.months_for(level) if cfg.program_months_by_level is not None else cfg.program_months
        w.program[sel] = self.pid
        w.training_left[sel] = months
        w.training_sector[sel] = self.sector
        w.training_level[sel] = level
        firm = host if cfg.credential.portability == "firm_specific" else -1
        w.training_firm[sel] = firm
        w.ever_enrolled[sel] = True
        if cfg.incumbent_workers:
            w.promote_at[sel] = w.employer[sel]
        if cfg.support.enabled:
            w.support_left[sel] = months + cfg.support.months_after
            w.support_strength[sel] = cfg.support.strength
        model.flows.enrollments += n
