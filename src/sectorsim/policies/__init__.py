"""Policies: plug-ins that change eligibility, enrollment, credential value, costs, probabilities.

``POLICY_TYPES`` is the one list of policy types. The scenario schema's union of policy configs
(``sectorsim.policies.config``), the registry that builds an arm's policies, the columns policies
own, and the documentation check all derive from it. Adding a policy is one module (a pydantic
config with a ``type`` literal and a ``Policy`` subclass naming it in ``config_type``) plus one
entry here; no process changes. docs/ADDING_A_POLICY.md walks through an example.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from sectorsim.columns import Declares
from sectorsim.policies.base import Policy, PolicyBase
from sectorsim.policies.job_quality import JobQuality
from sectorsim.policies.none import NoPolicy
from sectorsim.policies.sector_partnership import PRESETS, SectorPartnership
from sectorsim.policies.single_employer import SingleEmployer
from sectorsim.policies.wage_subsidy import WageSubsidy

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Every policy type a scenario may name, in the order the documentation lists them.
POLICY_TYPES: tuple[type[Policy], ...] = (
    NoPolicy,
    SingleEmployer,
    SectorPartnership,
    JobQuality,
    WageSubsidy,
)


def type_name(policy: type[Policy]) -> str:
    """The ``type:`` a scenario uses for this policy (its config's ``type`` literal)."""
    return str(policy.config_type.model_fields["type"].default)


#: Policy type name -> Policy class.
REGISTRY: dict[str, type[Policy]] = {type_name(p): p for p in POLICY_TYPES}


def build_policies(configs: list[PolicyBase], model: SectorModel) -> list[Policy]:
    """Instantiate an arm's policies; a policy's index in the arm is its program id."""
    return [REGISTRY[c.type](c, pid, model) for pid, c in enumerate(configs)]


def advance(model: SectorModel) -> None:
    """The ``policies`` step: each of the arm's policies acts, in the arm's order."""
    for policy in model.policies:  # loop: the arm's policies (a handful)
        policy.advance(model)


def state_owners() -> list[tuple[str, Declares]]:
    """(module, declarations) of every policy module that declares columns, each once.

    A policy's columns are declared in its module (``DECLARES``), or in a module it inherits from
    (``policies.base``, ``policies.program``).
    """
    seen: dict[str, Declares] = {}
    for policy in POLICY_TYPES:  # loop: policy types
        for cls in reversed(policy.__mro__):  # loop: base classes
            declares = getattr(sys.modules[cls.__module__], "DECLARES", None)
            if isinstance(declares, Declares) and cls.__module__ not in seen:
                seen[cls.__module__] = declares
    return list(seen.items())


__all__ = ["POLICY_TYPES", "PRESETS", "REGISTRY", "Policy", "advance", "build_policies", "state_owners"]
