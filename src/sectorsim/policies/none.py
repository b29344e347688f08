"""No policy: the market as it is. Useful as an explicit arm and as the CRN control."""

from __future__ import annotations

from typing import Literal

from sectorsim.policies.base import Policy, PolicyBase


class NoPolicyConfig(PolicyBase):
    """A policy that does nothing."""

    type: Literal["none"] = "none"


class NoPolicy(Policy):
    """Does nothing, every month."""

    config_type = NoPolicyConfig

    name = "none"
