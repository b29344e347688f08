"""The union of every policy's config, told apart by its ``type`` key."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sectorsim.policies.job_quality import JobQualityConfig
from sectorsim.policies.none import NoPolicyConfig
from sectorsim.policies.sector_partnership import SectorPartnershipConfig
from sectorsim.policies.single_employer import SingleEmployerConfig

PolicyConfig = Annotated[
    NoPolicyConfig | SingleEmployerConfig | SectorPartnershipConfig | JobQualityConfig,
    Field(discriminator="type"),
]
