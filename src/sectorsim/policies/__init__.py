"""Policies: plug-ins that change eligibility, enrollment, credential value, costs, probabilities.

Adding a policy: write one module with a pydantic config (a ``type`` literal) and a ``Policy``
subclass, then register both here and in ``config.py``. No process changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sectorsim.policies.base import Policy, PolicyBase
from sectorsim.policies.job_quality import JobQuality
from sectorsim.policies.none import NoPolicy
from sectorsim.policies.sector_partnership import PRESETS, SectorPartnership
from sectorsim.policies.single_employer import SingleEmployer

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

REGISTRY: dict[str, type[Policy]] = {
    "none": NoPolicy,
    "single_employer": SingleEmployer,
    "sector_partnership": SectorPartnership,
    "job_quality": JobQuality,
}


def build_policies(configs: list[PolicyBase], model: SectorModel) -> list[Policy]:
    """Instantiate an arm's policies; a policy's index in the arm is its program id."""
    return [REGISTRY[c.type](c, pid, model) for pid, c in enumerate(configs)]  # type: ignore[attr-defined]


__all__ = ["REGISTRY", "PRESETS", "Policy", "build_policies"]
