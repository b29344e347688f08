"""The default region's no-policy market lands inside the published flow bands."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectorsim.calibration import FLOW_TARGETS, flow_table
from sectorsim.scenario import load_scenario

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios" / "default.yaml"


@pytest.mark.slow
def test_default_scenario_lands_in_every_flow_band():
    """Every band at once: JOLTS separations, CPS flows, participation, hours, and stationarity."""
    table = flow_table(load_scenario(DEFAULT), replications=6)
    assert len(table) == 4 * 3 + 11 + 2  # the four sectors' three bands, the region's, stationarity
    failed = table[~table["passed"]]
    assert failed.empty, failed.to_string()


def test_bands_are_the_published_ones():
    bands = {t.metric: (t.low, t.high) for t in FLOW_TARGETS}
    assert bands["separation_rate_health_care"] == (0.022, 0.024)
    assert bands["unemployment_rate"] == (0.035, 0.07)
    assert bands["job_finding_rate"] == (0.20, 0.50)
    # the labor-force flows, participation and hours bands of the open market
    assert bands["employed_to_inactive_rate"] == (0.010, 0.031)
    assert bands["participation_rate"] == (0.70, 0.78)
    assert bands["part_time_share_food_service"] == (0.35, 0.50)
    assert bands["hours_manufacturing"] == (39.5, 42.0)


@pytest.mark.slow
def test_the_band_check_can_fail():
    """A market with far too many quits must fail the separation bands."""
    sc = load_scenario(DEFAULT, {"sectors.retail.separation_rate": 0.08, "months": 24})
    table = flow_table(sc, replications=1).set_index("target")
    assert not table.loc["Monthly separations, retail", "passed"]
