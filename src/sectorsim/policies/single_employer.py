"""Single-employer training grants: the traditional approach.

Customized-training grants go to individual firms, one at a time, inside one county's lines. Each
grantee hosts its own small cohort, so the fixed cost of a cohort is not shared; trainees are
recruited only from the grantee's own area; the credential is specific to the firm (other employers
recognize it only with probability ``labor_market.firm_specific_recognition``) and does not stack;
there are no support services. Sources: seeds 000_0d6f6798fd1f8fe6.txt and
004_dc2483abecc81fbd.txt contrast this with industry-wide engagement; cost and cohort defaults are
assumptions (docs/ODD.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from sectorsim.policies.program import Credential, TrainingProgram, TrainingProgramConfig

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class SingleEmployerConfig(TrainingProgramConfig):
    """Grants to individual firms."""

    type: Literal["single_employer"] = "single_employer"
    grants: int = Field(4, ge=1, le=10_000, description="Firms that receive a grant.")
    cohort_size: int = Field(8, ge=1, le=10_000)
    cost_per_trainee: float = Field(4000.0, ge=0, le=1e12)
    cost_per_cohort: float = Field(30000.0, ge=0, le=1e12)
    program_months: int = Field(3, ge=1, le=60)
    credential: Credential = Credential(portability="firm_specific", stackable=False)
    recruitment: Literal["area", "region"] = "area"
    hiring_commitment: float = Field(2.0, ge=0.0, le=10.0)


class SingleEmployer(TrainingProgram):
    """Each grantee firm runs its own cohort for its own area."""

    config_type = SingleEmployerConfig

    name = "single_employer"
    config: SingleEmployerConfig

    def choose_employers(self, model: SectorModel) -> np.ndarray:
        """The largest employers of the target sector in the program's areas."""
        e = model.employers
        rows = np.flatnonzero((e.sector == self.sector) & self.area_mask[e.area])
        size = e.positions[rows].sum(axis=1)
        order = np.lexsort((e.key[rows], -size))
        return rows[order[: self.config.grants]]

    def intakes(self, model: SectorModel) -> Iterator[tuple[int, np.ndarray]]:
        """One intake per grantee, recruiting in the grantee's own area."""
        for host in self.hosts:  # loop: grantee employers
            if self.config.recruitment == "area":
                own = np.arange(self.area_mask.size) == model.employers.area[host]
                yield int(host), self.area_mask & own
            else:
                yield int(host), self.area_mask
