"""Scenario files: schema, loading (with ``extends:``), overrides and error messages."""

from sectorsim.scenario.loading import load_scenario, load_yaml, set_path
from sectorsim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "load_yaml", "set_path"]
