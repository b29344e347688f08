"""What every policy shares: a typed config with a start and end, and the monthly hook.

A policy changes only *who is eligible, who is enrolled, what a credential is worth to whom, what it
costs, and which probabilities and scores apply*, through the generic levers on the state tables.
No process learns a policy's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sectorsim.columns import Column, Declares
from sectorsim.errors import KeyedValueError

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class PolicyBase(BaseModel):
    """Fields every policy has."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    type: str = Field(description="Policy type (each policy's config narrows it to its own literal).")
    start_month: int = Field(0, ge=0, le=1200, description="Month after burn-in it starts.")
    end_month: int | None = Field(
        None, ge=1, le=1200, description="Month after burn-in it stops enrolling (default: never)."
    )

    @model_validator(mode="after")
    def _window(self) -> PolicyBase:
        if self.end_month is not None and self.end_month <= self.start_month:
            raise KeyedValueError(
                "end_month", f"must be after start_month ({self.start_month}), got {self.end_month}"
            )
        return self

    def check_names(self, *, sectors: set[str], groups: set[str], areas: set[str]) -> None:
        """Check names the policy refers to against the scenario (overridden where needed)."""

    def check_arm(self, policies: list[PolicyBase], index: int) -> None:
        """Check references to the other policies of its arm (``index``: its own place in the arm)."""


#: What every policy may mark on the employers it works with.
DECLARES = Declares(
    employers=(
        Column(
            "engaged",
            "bool",
            False,
            "bool",
            "Engaged by a policy (partnership member, grantee, job-quality participant).",
            lever=True,
        ),
    ),
)


def sector_of(model: SectorModel, name: str) -> int:
    """Index of a policy's target sector.

    ``target_sector: auto`` is resolved before any model is built, by the caller
    (``sectorsim.assessment.resolve_targets``), so a model never runs the needs assessment itself.

    Raises:
        ValueError: if ``name`` is still ``auto``.
    """
    if name == "auto":
        raise ValueError(
            "target_sector 'auto' must be resolved before a model is built: "
            "call sectorsim.assessment.resolve_targets(scenario) first"
        )
    return model.sector_index[name]


def check_member(value: str | None, allowed: set[str], what: str, key: str) -> None:
    """Raise a KeyedValueError naming the allowed values when ``value`` is not one of them."""
    if value is not None and value not in allowed:
        raise KeyedValueError(
            key, f"{what} '{value}' is not in the scenario (allowed: {', '.join(sorted(allowed))})"
        )


class Policy:
    """A policy at run time. Subclasses implement ``start`` and ``step``.

    A subclass names its config class in ``config_type``; the registry
    (``sectorsim.policies.POLICY_TYPES``) derives the scenario schema's policy union from it.

    Args:
        config: The validated policy config.
        pid: The policy's index within its arm (used as the program id in worker columns).
        model: The model it acts on.
    """

    name: ClassVar[str] = "policy"
    config_type: ClassVar[type[PolicyBase]] = PolicyBase

    def __init__(self, config: PolicyBase, pid: int, model: SectorModel) -> None:
        self.config = config
        self.pid = pid
        self.spent = 0.0
        self.budget = 0.0
        self.participants = 0
        self.started = False

    @property
    def public_share(self) -> float:
        """Share of ``spent`` that is public money (the rest is employers'); 1 unless money is pooled."""
        return 1.0

    def active(self, model: SectorModel) -> bool:
        """Whether the policy acts this month."""
        t = model.policy_month
        end = self.config.end_month
        return t >= self.config.start_month and (end is None or t < end)

    def advance(self, model: SectorModel) -> None:
        """Monthly hook called by the model between demand and separations."""
        if not self.active(model):
            return
        if not self.started:
            self.started = True
            self.start(model)
        self.step(model)

    def start(self, model: SectorModel) -> None:
        """Called once, in the first active month (choose members, set levers)."""

    def step(self, model: SectorModel) -> None:
        """Called every active month (enroll cohorts)."""
