"""sectorsim: agent-based simulation of regional labor markets under workforce policies.

Quick start::

    from sectorsim import SectorModel, load_scenario
    scenario = load_scenario("scenarios/default.yaml")
    model = SectorModel(scenario=scenario, arm="sector_partnership", rng=1)
    model.run()
    series = model.datacollector.get_model_vars_dataframe()
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sectorsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from sectorsim.agents import Employer, Worker  # noqa: E402
from sectorsim.model import SectorModel  # noqa: E402
from sectorsim.scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["Employer", "SectorModel", "Scenario", "Worker", "__version__", "load_scenario"]
