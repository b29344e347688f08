"""The scenario schema: every key a scenario file may hold, typed, range-checked, with defaults.

Defaults are the calibrated values documented (with units and sources) in docs/ODD.md, so a short
scenario file is already a realistic region. Unknown keys are rejected (``extra="forbid"``); the
loader turns pydantic's errors into one-line messages with a 'did you mean'.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sectorsim.errors import KeyedValueError
from sectorsim.metrics import collisions, slug
from sectorsim.policies.config import PolicyConfig
from sectorsim.policies.program import TrainingProgramConfig

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(gt=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
Money = Annotated[float, Field(ge=0.0, le=1e12)]
Minutes = Annotated[float, Field(ge=0.0, le=1440.0)]
Score = Annotated[float, Field(ge=0.0, le=10.0)]

#: Most a sector's (or a rung's) positions may multiply by over a run, through growth and shocks
#: together. The population does not grow with demand, so beyond this a run is mostly vacancies
#: (and time), and counts would leave the integers the model keeps them in.
MAX_POSITIONS_FACTOR = 10.0


def peak_positions_factor(growth: float, shocks: list[tuple[int, float]], months: int) -> tuple[float, int]:
    """Largest multiple of its starting positions a rung reaches, and the month it is reached.

    Positions grow by ``(1 + growth) ** (1 / 12)`` a month (processes/demand.py) and a shock
    ``(month, change)`` multiplies them by ``1 + change`` in that month (months counted from the start
    of the run, burn-in included).
    """
    per_month = (1.0 + growth) ** (1.0 / 12.0)
    factor, peak, at = 1.0, 1.0, 0
    times = sorted({m for m, _ in shocks} | {months})
    start = 0
    for t in times:  # loop: months when shocks hit (a handful), then the last month
        for end in (start, t):  # loop: the two ends of a stretch of steady growth
            value = factor * per_month**end
            if value > peak:
                peak, at = value, end
        for m, change in shocks:  # loop: shocks of this month
            if m == t:
                factor *= 1.0 + change
        value = factor * per_month**t
        if value > peak:
            peak, at = value, t
        start = t
    return peak, at


class Strict(BaseModel):
    """Base for every schema block: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def _shares_sum_to_one(items: list, what: str, key: str, attr: str = "share") -> None:
    total = sum(getattr(i, attr) for i in items)
    if abs(total - 1.0) > 1e-6:
        raise KeyedValueError(key, f"{what} {attr}s must sum to 1 (they sum to {total:.4g})")


def _unique_names(items: list, what: str, key: str) -> None:
    names = [i.name for i in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise KeyedValueError(key, f"{what} names must be unique (repeated: {', '.join(dupes)})")


class Area(Strict):
    """A county or workforce area."""

    name: str = Field(min_length=1, description="Area name.")
    workers: int = Field(
        ge=1,
        le=50_000_000,
        description="Working-age population at the start (persons, entry_age to exit_age).",
    )
    job_share: Share | None = Field(
        None,
        description="Share of the region's positions located here; default: the area's share of "
        "workers (so jobs sit where people live).",
    )


class Region(Strict):
    """Areas and the commuting times between them."""

    areas: list[Area] = Field(min_length=1, max_length=64)
    commute_minutes: list[list[Minutes]] | None = Field(
        None,
        description="Square matrix of one-way commute times in minutes, rows and columns in the "
        "order of `areas`; default: 10 within an area, 35 between areas.",
    )
    max_commute_minutes: Annotated[float, Field(gt=0.0, le=1440.0)] = Field(
        45.0, description="Longest one-way commute a worker accepts (minutes)."
    )

    @model_validator(mode="after")
    def _check(self) -> Region:
        _unique_names(self.areas, "area", "areas")
        n = len(self.areas)
        matrix = self.commute_minutes
        if matrix is not None and (len(matrix) != n or any(len(r) != n for r in matrix)):
            raise KeyedValueError("commute_minutes", f"must be a {n}x{n} matrix (one row per area)")
        shares = [a.job_share for a in self.areas]
        if any(s is not None for s in shares):
            if any(s is None for s in shares):
                raise KeyedValueError("areas", "give job_share for every area or for none")
            _shares_sum_to_one(self.areas, "area", "areas", "job_share")
        return self

    def commute_matrix(self) -> list[list[float]]:
        """Commute times, filling the default when none were given."""
        if self.commute_minutes is not None:
            return self.commute_minutes
        n = len(self.areas)
        return [[10.0 if i == j else 35.0 for j in range(n)] for i in range(n)]


class Group(Strict):
    """A population group, used for disparity analysis. Groups are defined by the scenario."""

    name: str = Field(min_length=1)
    share: Share = Field(description="Share of the working-age population.")
    basic_skills: float = Field(
        0.0, ge=-3, le=3, description="Mean basic-skills score (standard deviations)."
    )
    barrier_rate: Probability = Field(
        0.15, description="Share with a barrier to steady work (childcare, transport, a record)."
    )
    network_access: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        1.0, description="Multiplier on job applications sent per month (informal networks)."
    )
    hiring_bias: Annotated[float, Field(ge=-3.0, le=3.0)] = Field(
        0.0, description="Penalty employers apply to this group's applications (score units)."
    )


class Rung(Strict):
    """One rung of an occupational ladder."""

    name: str = Field(min_length=1)
    wage: Annotated[float, Field(ge=1.0, le=1_000_000.0)] = Field(
        description="Base monthly wage ($, 2023 dollars)."
    )
    credential: int = Field(0, ge=0, le=5, description="Credential level the rung requires.")
    share: Share = Field(description="Share of the sector's positions on this rung.")
    part_time_share: Probability | None = Field(
        None,
        description="Share of this rung's jobs that are part-time (default: the sector's entry-rung "
        "share times hours.rung_part_time_factor per rung up the ladder).",
    )
    credential_required: bool = Field(
        True,
        description="Employers require the rung's credential (a gate); false: they only prefer it "
        "(an applicant below it is screened in, with score_credential points off per level short).",
    )
    experience_months: int = Field(
        0,
        ge=0,
        le=600,
        description="Months employed in the sector a worker needs to be hired or promoted onto the rung.",
    )


class Sector(Strict):
    """An industry sector with an occupational ladder."""

    name: str = Field(min_length=1)
    share: Share = Field(description="Share of the region's positions.")
    growth: Annotated[float, Field(ge=-0.5, le=0.5)] = Field(
        0.0, description="Annual growth of positions (fraction per year)."
    )
    separation_rate: Probability = Field(
        0.02,
        description="Base monthly probability that an entry-rung worker leaves for "
        "non-employment (quit or discharge), before job quality, match, tenure and barriers.",
    )
    ladder: list[Rung] = Field(min_length=1, max_length=6)
    part_time_share: Probability = Field(
        0.17, description="Share of the entry rung's jobs that are part-time (under 35 hours a week)."
    )
    full_time_hours: Annotated[float, Field(ge=35.0, le=80.0)] = Field(
        40.0, description="Usual weekly hours of a full-time job."
    )
    part_time_hours: Annotated[float, Field(ge=1.0, lt=35.0)] = Field(
        22.0, description="Usual weekly hours of a part-time job."
    )
    unstable_share: Probability = Field(
        0.0, description="Share of jobs whose hours vary from month to month (irregular schedules)."
    )
    involuntary_share: Probability = Field(
        0.2,
        description="Share of part-time job holders who want more hours (part time for economic reasons).",
    )
    exam_pass_rate: list[Probability] = Field(
        default_factory=list,
        max_length=5,
        description="Pass rate of the licensing exam for credential level 1, 2, ... of this sector: a "
        "completer who fails holds a training certificate, not the credential. Levels not listed: no exam.",
    )

    @model_validator(mode="after")
    def _check(self) -> Sector:
        _shares_sum_to_one(self.ladder, f"sector '{self.name}' rung", "ladder")
        levels = [r.credential for r in self.ladder]
        if levels != sorted(levels):
            raise KeyedValueError(
                "ladder", f"rung credentials must not decrease up the ladder (got {levels})"
            )
        return self


class Employers(Strict):
    """How positions are split among employers and how job quality varies."""

    mean_size: Annotated[float, Field(ge=1.0, le=100_000)] = Field(
        40.0, description="Mean positions per employer."
    )
    size_sigma: Annotated[float, Field(ge=0.0, le=3.0)] = Field(
        1.0, description="Log-sd of employer size (lognormal)."
    )
    quality_sd: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.08, description="Sd of employer wage premium (fraction of the base wage)."
    )


class Shock(Strict):
    """A one-time change in the positions of a sector (or one rung of it)."""

    month: int = Field(ge=0, le=1200, description="Month after burn-in when the shock hits.")
    sector: str
    rung: str | None = Field(None, description="Rung name; default: every rung.")
    change: Annotated[float, Field(ge=-1.0, le=2.0)] = Field(
        description="Fractional change in positions (-1 removes the occupation)."
    )


class LaborMarket(Strict):
    """Search, matching, separation, advancement and skill parameters (see docs/ODD.md)."""

    jobs_per_worker: Annotated[float, Field(ge=0.3, le=1.5)] = 0.714
    initial_unemployment: Probability = 0.038
    applications_per_month: Annotated[float, Field(ge=0.0, le=50.0)] = 3.0
    on_the_job_search: Probability = 0.09
    on_the_job_applications: Annotated[float, Field(ge=0.0, le=50.0)] = 3.0
    wage_preference: Annotated[float, Field(ge=0.0, le=10.0)] = 2.0
    min_wage_gain: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05
    offer_acceptance: Probability = 0.85
    matching_rounds: int = Field(3, ge=1, le=10)
    score_credential: Score = 1.0
    score_skills: Score = 0.5
    score_unemployment_duration: Score = 0.15
    score_noise: Score = 0.7
    firm_specific_recognition: Probability = 0.2
    rung_separation_decline: Annotated[float, Field(ge=0.0, le=0.9)] = 0.25
    quality_elasticity: Annotated[float, Field(ge=0.0, le=20.0)] = 2.0
    match_effect: Annotated[float, Field(ge=0.0, le=0.9)] = 0.3
    new_hire_multiplier: Annotated[float, Field(ge=1.0, le=10.0)] = 2.0
    tenure_months_scale: Annotated[float, Field(ge=0.1, le=1200.0)] = 12.0
    barrier_shock_rate: Probability = 0.015
    promotion_rate: Probability = 0.10
    promotion_min_tenure: int = Field(6, ge=0, le=120)
    skill_return: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05
    skill_loss_after: int = Field(6, ge=0, le=120)
    skill_loss_per_month: Annotated[float, Field(ge=0.0, le=1.0)] = 0.02
    skill_gain_per_year: Annotated[float, Field(ge=0.0, le=1.0)] = 0.03
    turnover_cost_share: Annotated[float, Field(ge=0.0, le=2.0)] = 0.2
    vacancy_cost_share: Annotated[float, Field(ge=0.0, le=5.0)] = 0.5
    unstable_quit_multiplier: Annotated[float, Field(ge=1.0, le=5.0)] = 1.2
    upskilling_rate: Probability = 0.0045


class Demography(Strict):
    """An open population: people enter young, age, retire and move in and out (docs/ODD.md)."""

    open: bool = Field(True, description="People enter, age, retire and migrate; false: a closed population.")
    entry_age: int = Field(18, ge=14, le=30, description="Age at which young people enter (years).")
    exit_age: int = Field(
        70, ge=40, le=90, description="Age by which everyone still here has retired (years)."
    )
    retirement_age: int = Field(60, ge=30, le=89, description="Age from which people retire (years).")
    retirement_rate: Probability = Field(0.12, description="Annual retirement hazard from retirement_age.")
    mortality_rate: Annotated[float, Field(ge=0.0, le=0.1)] = Field(
        0.003, description="Annual death rate at working ages."
    )
    migration_rate: Annotated[float, Field(ge=0.0, le=0.3)] = Field(
        0.02, description="Annual out-migration hazard of a resident, and the base in-migration rate."
    )
    migration_response: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        10.0,
        description="How strongly migration answers the local market: rates scale by "
        "exp(-/+ response x (reference_employment_rate - employment-to-population ratio)).",
    )
    reference_employment_rate: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.70, description="Employment-to-population ratio elsewhere, which migrants compare the region with."
    )
    unemployed_migration_multiplier: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        1.5, description="Out-migration hazard of an unemployed resident relative to an employed one."
    )
    migrant_cap: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.5,
        description="Most in-migrants in a month, as a multiple of the base expectation (rows reserved).",
    )
    entrant_participation: Probability = Field(
        0.55, description="Share of young entrants who enter the labor force at once (the rest study)."
    )

    @model_validator(mode="after")
    def _ages(self) -> Demography:
        if not self.entry_age < self.retirement_age < self.exit_age:
            raise KeyedValueError(
                "retirement_age",
                f"must lie between entry_age ({self.entry_age}) and exit_age ({self.exit_age}), "
                f"got {self.retirement_age}",
            )
        return self


class Participation(Strict):
    """Flows between unemployment and being out of the labor force (docs/ODD.md)."""

    enabled: bool = Field(True, description="Three labor-force states; false: every jobless person searches.")
    initial_participation: Probability = Field(
        0.73, description="Share of the working-age population in the labor force at the start."
    )
    separation_to_inactive: Probability = Field(
        0.55, description="Share of people losing or leaving a job who leave the labor force."
    )
    barrier_to_inactive: Probability = Field(
        0.6, description="Share of people leaving a job after a barrier shock who leave the labor force."
    )
    exit_rate: Probability = Field(
        0.15, description="Monthly hazard that an unemployed searcher stops searching."
    )
    discouraged_after: int = Field(
        6, ge=1, le=120, description="Months unemployed after which searchers tire."
    )
    discouraged_multiplier: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.5, description="Multiplier on the exit hazard of the long-term unemployed (discouraged workers)."
    )
    barrier_exit_multiplier: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        1.5, description="Multiplier on the exit hazard of searchers with a barrier."
    )
    entry_rate: Probability = Field(
        0.022, description="Monthly hazard that a person out of the labor force starts searching."
    )
    barrier_entry_multiplier: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.6, description="Multiplier on the entry hazard of people with a barrier."
    )
    passive_applications: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.5,
        description="Applications per month a person out of the labor force sends through contacts "
        "(a hire moves them straight into employment).",
    )


class Hours(Strict):
    """Hours of work: part-time and full-time jobs, unstable schedules (docs/ODD.md)."""

    enabled: bool = Field(True, description="Jobs have hours; false: every job is 40 hours, every month.")
    rung_part_time_factor: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.5, description="Part-time share of each rung relative to the rung below (when a rung sets none)."
    )
    volatility: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.25, description="Standard deviation of monthly hours on an unstable job, relative to usual hours."
    )
    involuntary_search: Probability = Field(
        0.5, description="Monthly probability that a part-time worker who wants more hours searches."
    )


class ElsewhereRoute(Strict):
    """Training elsewhere: a community college or another provider teaching one sector's credentials."""

    sector: str = Field(description="Sector whose credentials the provider teaches.")
    rate: Probability = Field(
        0.0, description="Monthly probability that a person it serves starts a course (0: route off)."
    )
    months: int = Field(6, ge=1, le=60, description="Length of the course (months in training).")
    who: Literal["unemployed", "labor_force"] = Field(
        "unemployed",
        description="unemployed: searchers without a job; labor_force: also the employed, who keep "
        "their job and give up training_hours_share of its hours (part-time lock-in).",
    )


class Training(Strict):
    """Training mechanics shared by every program (programs set costs, cohorts and credentials)."""

    dropout_rate: Probability = Field(0.04, description="Monthly dropout hazard of a trainee.")
    barrier_dropout_multiplier: Annotated[float, Field(ge=1.0, le=10.0)] = 2.0
    skill_gain: Annotated[float, Field(ge=0.0, le=2.0)] = 0.3
    training_hours_share: Probability = Field(
        0.5, description="Share of paid hours an employed trainee gives up while in training."
    )
    stipend: Money = Field(0.0, description="Monthly stipend paid to unemployed program trainees ($).")
    elsewhere: list[ElsewhereRoute] = Field(
        default_factory=list,
        max_length=16,
        description="Routes to credentials outside any program, open to anyone they serve (default: none).",
    )


class Disparity(Strict):
    """Which group the earnings and employment gaps are measured against."""

    reference_group: str | None = Field(None, description="Default: the first group listed.")


class AssessmentWeights(Strict):
    """Weights of the assessment score's parts (each part is standardized across sectors)."""

    location_quotient: float = Field(1.0, ge=-10, le=10)
    growth: float = Field(1.0, ge=-10, le=10)
    wage_gain: float = Field(1.0, ge=-10, le=10)
    vacancy_rate: float = Field(0.5, ge=-10, le=10)
    turnover: float = Field(-0.5, ge=-10, le=10)
    climb_share: float = Field(0.5, ge=-10, le=10)


class Assessment(Strict):
    """Regional needs assessment settings (``sectorsim assess``, ``target_sector: auto``)."""

    months: int = Field(24, ge=1, le=600, description="Baseline months simulated after burn-in.")
    replications: int = Field(2, ge=1, le=100)
    reference_shares: dict[str, Annotated[float, Field(gt=0.0, le=1.0)]] = Field(
        default_factory=dict,
        description="Reference economy's employment share by sector name (default: the scenario's own).",
    )
    weights: AssessmentWeights = AssessmentWeights()


class ControlTraining(Strict):
    """Services the study's controls find elsewhere: training for the program's credential elsewhere."""

    share: Probability = Field(
        0.0,
        description="Share of barred applicants who start training elsewhere for the program's credential "
        "within within_months (a design input the evaluations publish; 0: off).",
    )
    within_months: int = Field(24, ge=1, le=600, description="Months over which that share is reported.")
    months: int | None = Field(
        None, ge=1, le=60, description="Length of that training (default: the program's program_months)."
    )


class Evaluation(Strict):
    """An in-silico randomized evaluation of one program (see sectorsim.evaluation)."""

    arm: str = Field(description="Arm that hosts the program.")
    program: int = Field(0, ge=0, le=63, description="Index of the program among the arm's policies.")
    applicants: int = Field(1000, ge=2, le=10_000_000, description="Applicants randomized (persons).")
    treatment_share: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.5, description="Share of applicants given access to the program."
    )
    assignment_month: int = Field(
        0, ge=0, le=1200, description="Month after burn-in of the first assignment."
    )
    window_months: int = Field(6, ge=1, le=120, description="Months over which applicants are randomized.")
    follow_up_months: int = Field(36, ge=3, le=600, description="Months each applicant is followed.")
    control_training: ControlTraining = ControlTraining()


class Arm(Strict):
    """A named policy configuration to compare."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    policies: list[PolicyConfig] = Field(default_factory=list)


class Scenario(Strict):
    """A complete, validated scenario."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    seed: int = Field(20261122, ge=0, le=2**63 - 1)
    burn_in: int = Field(24, ge=0, le=600, description="Months before policies start.")
    months: int = Field(96, ge=1, le=1200, description="Months simulated after burn-in.")
    replications: int = Field(10, ge=1, le=10_000)
    region: Region
    groups: list[Group] = Field(min_length=1, max_length=16)
    sectors: list[Sector] = Field(min_length=1, max_length=16)
    employers: Employers = Employers()
    labor_market: LaborMarket = LaborMarket()
    demography: Demography = Demography()
    participation: Participation = Participation()
    hours: Hours = Hours()
    training: Training = Training()
    shocks: list[Shock] = Field(default_factory=list)
    disparity: Disparity = Disparity()
    agent_views: bool = Field(True, description="Create mesa.Agent views (Worker, Employer) for every row.")
    earnings_panel: Literal["off", "quarterly", "monthly"] = Field(
        "off",
        description="Keep every worker's earnings by month or quarter of the horizon (float32) and "
        "write earnings_panel.parquet; off keeps only per-worker sums over the horizon.",
    )
    arms: list[Arm] = Field(min_length=1)
    reference: str | None = Field(None, description="Reference arm; default: the first arm.")
    evaluation: Evaluation | None = None
    assessment: Assessment = Assessment()

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        _unique_names(self.groups, "group", "groups")
        _unique_names(self.sectors, "sector", "sectors")
        _unique_names(self.arms, "arm", "arms")
        _shares_sum_to_one(self.groups, "group", "groups")
        _shares_sum_to_one(self.sectors, "sector", "sectors")
        for key, names in (
            ("groups", [g.name for g in self.groups]),
            ("sectors", [s.name for s in self.sectors]),
            ("region.areas", [a.name for a in self.region.areas]),
        ):  # loop: the three kinds of named items
            for i, name in enumerate(names):  # loop: items of one kind (at most 64)
                if not slug(name):
                    raise KeyedValueError(
                        f"{key}[{i}].name",
                        f"'{name}' has no letter or digit, so it cannot name its output columns "
                        "(such as turnover_<sector>); use a name with letters or digits",
                    )
        clashes = collisions(self)
        if clashes:
            raise KeyedValueError(
                "sectors, groups, areas",
                f"these names would write the same output column: {clashes[0]}; rename one of them",
            )
        sectors = {s.name: s for s in self.sectors}
        groups = {g.name for g in self.groups}
        areas = {a.name for a in self.region.areas}
        if self.reference is not None and self.reference not in {a.name for a in self.arms}:
            raise KeyedValueError(
                "reference", f"'{self.reference}' is not an arm (arms: {_names(self.arms)})"
            )
        if self.disparity.reference_group not in (None, *groups):
            raise KeyedValueError(
                "disparity.reference_group",
                f"'{self.disparity.reference_group}' is not a group (groups: {', '.join(sorted(groups))})",
            )
        for name in self.assessment.reference_shares:
            if name not in sectors:
                raise KeyedValueError(
                    f"assessment.reference_shares.{name}",
                    f"'{name}' is not a sector ({_names(self.sectors)})",
                )
        for i, route in enumerate(self.training.elsewhere):  # loop: the scenario's routes (a few)
            if route.sector not in sectors:
                raise KeyedValueError(
                    f"training.elsewhere[{i}].sector",
                    f"'{route.sector}' is not a sector (sectors: {_names(self.sectors)})",
                )
        for i, shock in enumerate(self.shocks):  # loop: the scenario's shocks (a handful)
            if shock.sector not in sectors:
                raise KeyedValueError(
                    f"shocks[{i}].sector",
                    f"'{shock.sector}' is not a sector (sectors: {_names(self.sectors)})",
                )
            rungs = [r.name for r in sectors[shock.sector].ladder]
            if shock.rung is not None and shock.rung not in rungs:
                raise KeyedValueError(
                    f"shocks[{i}].rung",
                    f"'{shock.rung}' is not a rung of '{shock.sector}' ({', '.join(rungs)})",
                )
        self._check_positions()
        if self.evaluation is not None:
            self._check_evaluation(self.evaluation)
        for i, arm in enumerate(self.arms):
            for j, pol in enumerate(arm.policies):
                try:
                    pol.check_names(sectors=set(sectors), groups=groups, areas=areas)
                    pol.check_arm(arm.policies, j)
                except KeyedValueError as exc:
                    raise KeyedValueError(f"arms[{i}].policies[{j}].{exc.key}", str(exc)) from None
        return self

    def _check_positions(self) -> None:
        """Refuse growth and shocks that would multiply a sector's positions past the bound."""
        for i, sector in enumerate(self.sectors):  # loop: sectors (at most 16)
            hits = [
                s for s in self.shocks if s.sector == sector.name and s.month < self.months
            ]  # loop: shocks
            for rung in sector.ladder:  # loop: the sector's rungs (at most 6)
                mine = [(self.burn_in + s.month, s.change) for s in hits if s.rung in (None, rung.name)]
                peak, month = peak_positions_factor(sector.growth, mine, self.total_months)
                if peak > MAX_POSITIONS_FACTOR:
                    key = f"sectors[{i}].growth" if not mine else "shocks"
                    raise KeyedValueError(
                        key,
                        f"the positions of '{sector.name}' (rung '{rung.name}') would grow {peak:,.3g}-fold "
                        f"by month {month} of {self.total_months} (growth {sector.growth:+g} a year and "
                        f"{len(mine)} shocks); at most {MAX_POSITIONS_FACTOR:g}-fold is allowed, since the "
                        "population does not grow with demand: lower the growth, the months or the shocks",
                    )

    def _check_evaluation(self, ev: Evaluation) -> None:
        arms = {a.name: a for a in self.arms}
        if ev.arm not in arms:
            raise KeyedValueError("evaluation.arm", f"'{ev.arm}' is not an arm (arms: {_names(self.arms)})")
        policies = arms[ev.arm].policies
        if ev.program >= len(policies) or not isinstance(policies[ev.program], TrainingProgramConfig):
            kinds = ", ".join(f"{i}: {p.type}" for i, p in enumerate(policies)) or "none"
            raise KeyedValueError(
                "evaluation.program",
                f"must index a training program of arm '{ev.arm}' (its policies: {kinds})",
            )
        need = ev.assignment_month + ev.window_months + ev.follow_up_months
        if need > self.months:
            raise KeyedValueError(
                "evaluation.follow_up_months",
                f"assignment_month + window_months + follow_up_months = {need} exceeds months "
                f"({self.months})",
            )

    @property
    def reference_arm(self) -> str:
        """Name of the arm every other arm is compared with."""
        return self.reference or self.arms[0].name

    @property
    def total_months(self) -> int:
        """Burn-in plus the policy horizon."""
        return self.burn_in + self.months

    @property
    def panel_months(self) -> int:
        """Months in one period of the earnings panel (3 when quarterly, else 1)."""
        return 3 if self.earnings_panel == "quarterly" else 1

    @property
    def n_workers(self) -> int:
        """Working-age population of the whole region at the start."""
        return sum(a.workers for a in self.region.areas)

    def arm(self, name: str) -> Arm:
        """Return the arm called ``name``."""
        for a in self.arms:
            if a.name == name:
                return a
        raise KeyError(f"no arm '{name}' (arms: {_names(self.arms)})")


def _names(items: list) -> str:
    return ", ".join(i.name for i in items)


__all__ = ["Scenario", "Arm", "Region", "Area", "Group", "Sector", "Rung", "Literal"]
