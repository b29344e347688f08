"""Job quality: raising wages, benefits and scheduling stability in low-wage jobs.

The second basic sector approach of seed 004_dc2483abecc81fbd.txt ("improve the quality of bad or
low-wage jobs within sectors with poor job quality such as the restaurant or retail industries").
Participating employers raise their wage premium by ``wage_raise`` and, through benefits and stable
schedules, cut separations by ``stability_effect``; the public pays ``cost_per_employer`` for
technical assistance. Sources: separation response through the quality elasticity (Manning 2003);
stability effect, assumption in the range of the Gap stable-scheduling experiment (Williams et al.
2018); costs, assumption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from sectorsim.policies.base import Policy, PolicyBase, check_member, sector_of
from sectorsim.streams import INIT_MONTH

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class JobQualityConfig(PolicyBase):
    """Job-quality improvements among a sector's employers."""

    type: Literal["job_quality"] = "job_quality"
    target_sector: str
    participation: float = Field(0.5, ge=0.0, le=1.0, description="Share of employers taking part.")
    wage_raise: float = Field(0.08, ge=0.0, le=1.0, description="Added wage premium (fraction).")
    stability_effect: float = Field(
        0.15, ge=0.0, le=0.9, description="Cut in separations from benefits and stable schedules."
    )
    budget: float = Field(500_000.0, ge=0.0, le=1e12, description="Public budget ($).")
    cost_per_employer: float = Field(
        10_000.0, ge=0.0, le=1e12, description="Technical assistance per employer ($)."
    )

    def check_names(self, *, sectors: set[str], groups: set[str], areas: set[str]) -> None:
        """Check the target sector exists."""
        check_member(self.target_sector, sectors | {"auto"}, "target_sector", "target_sector")


class JobQuality(Policy):
    """Raise wages and stability at participating employers once, when the policy starts."""

    config_type = JobQualityConfig

    name = "job_quality"
    config: JobQualityConfig

    def start(self, model: SectorModel) -> None:
        """Choose participants within the budget and apply their improvements."""
        cfg, e = self.config, model.employers
        s = sector_of(model, cfg.target_sector)
        self.budget = cfg.budget
        rows = np.flatnonzero(e.sector == s)
        u = model.streams.uniform("job_quality.join", INIT_MONTH, e.key[rows])
        rows = rows[np.argsort(u, kind="stable")][: int((u < cfg.participation).sum())]
        if cfg.cost_per_employer > 0:
            rows = rows[: int(cfg.budget // cfg.cost_per_employer)]
        self.spent = len(rows) * cfg.cost_per_employer
        self.participants = len(rows)
        e.premium[rows] += np.float32(cfg.wage_raise)
        e.separation_multiplier[rows] *= np.float32(1.0 - cfg.stability_effect)
        e.engaged[rows] = True
