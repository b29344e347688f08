"""The union of every policy's config, told apart by its ``type`` key (derived from POLICY_TYPES)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from sectorsim.policies import POLICY_TYPES
from sectorsim.policies.base import PolicyBase

if TYPE_CHECKING:
    PolicyConfig = PolicyBase
else:
    PolicyConfig = Annotated[
        Union[tuple(p.config_type for p in POLICY_TYPES)],  # noqa: UP007 - built from a tuple
        Field(discriminator="type"),
    ]

#: Every policy config class, in registry order (for documentation checks).
CONFIG_TYPES: tuple[type[PolicyBase], ...] = tuple(p.config_type for p in POLICY_TYPES)
