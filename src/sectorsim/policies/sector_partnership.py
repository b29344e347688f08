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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from sectorsim.policies.program import (
    Eligibility,
    SupportServices,
    TrainingProgram,
    TrainingProgramConfig,
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


class SectorPartnershipConfig(TrainingProgramConfig):
    """An industry-led sector partnership."""

    type: Literal["sector_partnership"] = "sector_partnership"
    preset: Literal["philanthropic", "economic_development", "career_pathway"] | None = None
    member_share: float = Field(0.5, gt=0.0, le=1.0, description="Share of the sector's employers that join.")
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

    def choose_employers(self, model: SectorModel) -> np.ndarray:
        """Employers of the target sector that join (hashed per employer, the same in every arm)."""
        e = model.employers
        rows = np.flatnonzero((e.sector == self.sector) & self.area_mask[e.area])
        u = model.streams.uniform("partnership.join", INIT_MONTH, e.key[rows])
        return rows[u < self.config.member_share]

    def intakes(self, model: SectorModel) -> Iterator[tuple[int, np.ndarray]]:
        """One pooled intake, recruiting wherever the partnership works."""
        yield -1, self.area_mask[model.workers.area]
