"""Wage subsidy: the public pays part of the wage when an employer hires a program's completer.

Subsidized employment is an old workforce tool (on-the-job training contracts under WIOA reimburse
up to 50% of a new hire's wage, 75% in some cases; WIOA sec. 134(c)(3)(H)). Here it is tied to a
training program of the same arm: every completer of that program (``program``, its index among the
arm's policies) carries a voucher. Employers rank a voucher holder's applications ``hiring_credit``
score points higher, through the worker-level ``hiring_credit`` lever of matching; when a voucher
holder is hired, the public pays ``share`` of the wage for the next ``months`` months, within the
budget. No process knows this policy exists: it acts through one lever and its own two columns.

This module is the worked example of docs/ADDING_A_POLICY.md. Parameters: ``share`` and ``months``
follow WIOA on-the-job-training practice (literature, above); ``hiring_credit`` is an assumption
(how many score points a subsidy is worth to an employer: no published figure), to be swept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from sectorsim.columns import Column, Declares
from sectorsim.errors import KeyedValueError
from sectorsim.policies.base import Policy, PolicyBase

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: The voucher a completer carries and the subsidized months left in the job it got them.
DECLARES = Declares(
    workers=(
        Column("voucher", "bool", False, "bool", "Holds an unused wage-subsidy voucher."),
        Column("subsidy_left", "int16", 0, "months", "Subsidized months left in the current job."),
    ),
)


class WageSubsidyConfig(PolicyBase):
    """A wage subsidy for hires of a training program's completers."""

    type: Literal["wage_subsidy"] = "wage_subsidy"
    program: int = Field(
        0, ge=0, le=63, description="Index of the training program (in this arm) whose completers qualify."
    )
    share: float = Field(0.5, ge=0.0, le=1.0, description="Share of the wage the public pays.")
    months: int = Field(6, ge=1, le=60, description="Subsidized months after a hire.")
    hiring_credit: float = Field(
        0.5, ge=0.0, le=10.0, description="Hiring-score points employers add for a voucher holder."
    )
    budget: float = Field(500_000.0, ge=0.0, le=1e12, description="Public budget for subsidies ($).")

    def check_arm(self, policies: list[PolicyBase], index: int) -> None:
        """The qualifying program must be a training program of the same arm."""
        from sectorsim.policies.program import TrainingProgramConfig

        if self.program >= len(policies) or not isinstance(policies[self.program], TrainingProgramConfig):
            kinds = ", ".join(f"{i}: {p.type}" for i, p in enumerate(policies))
            raise KeyedValueError(
                "program", f"must index a training program of this arm (its policies: {kinds})"
            )


class WageSubsidy(Policy):
    """Hand vouchers to the program's completers; pay part of the wage of those hired with one."""

    name = "wage_subsidy"
    config_type = WageSubsidyConfig
    config: WageSubsidyConfig

    def start(self, model: SectorModel) -> None:
        """Set the budget."""
        self.budget = self.config.budget

    def step(self, model: SectorModel) -> None:
        """Start subsidies for last month's hires, pay this month's, hand out vouchers while money lasts."""
        cfg, w = self.config, model.workers
        # a voucher holder hired last month (tenure 1 now) starts a subsidized spell
        hired = np.flatnonzero(w.voucher & (w.employer >= 0) & (w.tenure == 1))
        w.voucher[hired] = False
        w.subsidy_left[hired] = cfg.months
        self.participants += hired.size
        # pay for every subsidized job still held (a spell ends with the job), within the budget
        w.subsidy_left[w.employer < 0] = 0
        paid = np.flatnonzero(w.subsidy_left > 0)
        due = cfg.share * float(w.wage[paid].astype(np.float64).sum())
        self.spent += min(due, max(self.budget - self.spent, 0.0))
        w.subsidy_left[paid] -= 1
        # last month's completers of the program get a voucher while money is left
        if self.spent < self.budget:
            fresh = (w.pipeline == cfg.program) & (w.completed_month == model.month - 1)
            w.voucher[fresh] = True
        w.hiring_credit[:] = np.where(w.voucher, np.float32(cfg.hiring_credit), np.float32(0.0))
