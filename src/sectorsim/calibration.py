"""Calibration targets: the labor-market flows the no-policy market must reproduce.

Bands come from ../shared/EVIDENCE.md (US JOLTS 2007-2013 and 2019; Shimer 2012; Fallick and
Fleischman 2004), as the core-simulation issue states them. Monthly separations are total
separations (quits, layoffs and discharges, job-to-job moves) as a share of employment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sectorsim.runner import replication_seed, run_one
from sectorsim.scenario.schema import Scenario


@dataclass(frozen=True)
class Target:
    """A published band and the summary metric that must land in it."""

    name: str
    metric: str
    low: float
    high: float
    source: str
    percent: bool = True  # shown as a percentage (False: a plain rate)


FLOW_TARGETS = (
    Target(
        "Monthly separations, manufacturing",
        "separation_rate_manufacturing",
        0.017,
        0.029,
        "BLS JOLTS 2007-2013, 2019",
    ),
    Target(
        "Monthly separations, health care",
        "separation_rate_health_care",
        0.022,
        0.024,
        "BLS JOLTS 2007-2013, 2019",
    ),
    Target(
        "Monthly separations, retail", "separation_rate_retail", 0.034, 0.047, "BLS JOLTS 2007-2013, 2019"
    ),
    Target(
        "Monthly separations, accommodation and food",
        "separation_rate_food_service",
        0.053,
        0.062,
        "BLS JOLTS 2007-2013, 2019",
    ),
    Target("Unemployment rate", "unemployment_rate", 0.035, 0.07, "BLS CPS, normal years (EVIDENCE.md)"),
    Target(
        "Monthly job-finding rate of the unemployed",
        "job_finding_rate",
        0.20,
        0.50,
        "Shimer (2005, 2012), CPS",
        percent=False,
    ),
    Target(
        "Job-to-job moves, share of employed per month",
        "job_to_job_rate",
        0.01,
        0.035,
        "Fallick and Fleischman (2004)",
    ),
)


def flow_table(scenario: Scenario, arm: str | None = None, replications: int = 3) -> pd.DataFrame:
    """Run the no-policy arm and compare each flow with its band.

    Returns:
        One row per target: ``target, percent, source, low, high, simulated, passed``.
    """
    arm = arm or scenario.reference_arm
    runs = [
        run_one(scenario, arm, replication_seed(scenario.seed, r), r).summary for r in range(replications)
    ]
    rows = []
    for t in FLOW_TARGETS:
        value = float(np.mean([r[t.metric] for r in runs]))
        rows.append(
            {
                "target": t.name,
                "percent": t.percent,
                "source": t.source,
                "low": t.low,
                "high": t.high,
                "simulated": value,
                "passed": bool(t.low <= value <= t.high),
            }
        )
    return pd.DataFrame(rows)
