"""sectorsim: agent-based simulation of regional labor markets under workforce policies.

Quick start::

    from sectorsim import SectorModel, load_scenario
    scenario = load_scenario("scenarios/default.yaml")
    model = SectorModel(scenario=scenario, arm="sector_partnership", rng=1)
    model.run()
    series = model.datacollector.get_model_vars_dataframe()
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

try:
    __version__ = version("sectorsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from sectorsim.agents import Employer, Worker
    from sectorsim.model import SectorModel
    from sectorsim.scenario import Scenario, load_scenario

# imported on first use, so `sectorsim --help` does not load mesa, numba and scipy
_LAZY = {
    "Employer": "sectorsim.agents",
    "Worker": "sectorsim.agents",
    "SectorModel": "sectorsim.model",
    "Scenario": "sectorsim.scenario",
    "load_scenario": "sectorsim.scenario",
}

__all__ = ["Employer", "SectorModel", "Scenario", "Worker", "__version__", "load_scenario"]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sectorsim' has no attribute '{name}'")
