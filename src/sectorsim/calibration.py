"""Calibration targets: the labor-market flows the no-policy market must reproduce.

Bands come from ../shared/EVIDENCE.md (US JOLTS 2007-2013 and 2019; Shimer 2012; Fallick and
Fleischman 2004), as the core-simulation issue states them. Monthly separations are total
separations (quits, layoffs and discharges, job-to-job moves) as a share of employment.

The bands derive from the scenario: a sector whose name means one of the JOLTS industries below
gets that industry's separations band; other sectors have no published band and are listed as
such; the region-wide bands (unemployment, job finding, job-to-job moves) always apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sectorsim.metrics import column, slug
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


@dataclass(frozen=True)
class IndustryBand:
    """A JOLTS industry's band of monthly total separations, and the sector names that mean it."""

    label: str  # as the target is named: "Monthly separations, <label>"
    low: float
    high: float
    names: tuple[str, ...]  # sector names (any case and punctuation) that mean this industry
    source: str = "BLS JOLTS 2007-2013, 2019"


#: The JOLTS industries with a published separations band, in the order the targets are listed.
#: A sector gets its industry's band when its name is one of ``names`` (compared as
#: :func:`sectorsim.metrics.slug` s), as are the NAICS sector titles `sectorsim init-region` uses.
JOLTS_SEPARATIONS = (
    IndustryBand("manufacturing", 0.017, 0.029, ("manufacturing",)),
    IndustryBand(
        "health care",
        0.022,
        0.024,
        ("health care", "healthcare", "health care and social assistance"),
    ),
    IndustryBand("retail", 0.034, 0.047, ("retail", "retail trade")),
    IndustryBand(
        "accommodation and food",
        0.053,
        0.062,
        (
            "food service",
            "food services",
            "accommodation and food",
            "accommodation and food services",
            "food services and drinking places",
        ),
    ),
)

#: Region-wide bands: they apply to every region.
REGION_TARGETS = (
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

NO_BAND = "no published band"


def industry_of(sector_name: str) -> IndustryBand | None:
    """The JOLTS industry a sector's name means, or None if it has no published band."""
    key = slug(sector_name)
    for band in JOLTS_SEPARATIONS:  # loop: JOLTS industries
        if key in {slug(n) for n in band.names}:
            return band
    return None


def _sector_target(band: IndustryBand, sector: str, label: str) -> Target:
    return Target(
        f"Monthly separations, {label}", column("separation_rate", sector), band.low, band.high, band.source
    )


def flow_targets(scenario: Scenario) -> tuple[list[Target], list[str]]:
    """The bands that apply to a scenario's region, and its sectors that have none.

    A sector's target is named after its industry ("Monthly separations, retail"), with the
    sector's name added when several sectors of the region mean the same industry.

    Returns:
        The targets: each banded sector's separations (in the order of ``JOLTS_SEPARATIONS``, then
        of the scenario), then the region-wide ones; and the names of the sectors with no band.
    """
    matched = {s.name: industry_of(s.name) for s in scenario.sectors}
    targets = []
    for band in JOLTS_SEPARATIONS:  # loop: JOLTS industries
        sectors = [name for name, b in matched.items() if b is band]
        for name in sectors:  # loop: the region's sectors in this industry
            label = band.label if len(sectors) == 1 else f"{band.label} ({name})"
            targets.append(_sector_target(band, name, label))
    return targets + list(REGION_TARGETS), [name for name, b in matched.items() if b is None]


#: The targets of a region whose sectors carry the shipped names (scenarios/base.yaml).
FLOW_TARGETS = tuple(
    [_sector_target(b, b.names[0], b.label) for b in JOLTS_SEPARATIONS] + list(REGION_TARGETS)
)


def flow_table(scenario: Scenario, arm: str | None = None, replications: int = 3) -> pd.DataFrame:
    """Run the no-policy arm and compare each flow with its band (:func:`flow_targets`).

    Returns:
        One row per target: ``target, percent, source, low, high, simulated, passed, kind``
        (``kind`` is ``band``), then one row per sector with no published band (``kind`` is
        ``no published band``; ``low`` and ``high`` are NaN, ``passed`` is False).
    """
    arm = arm or scenario.reference_arm
    targets, unbanded = flow_targets(scenario)
    runs = [
        run_one(scenario, arm, replication_seed(scenario.seed, r), r).summary for r in range(replications)
    ]
    rows = []
    for t in targets:  # loop: the targets that apply
        value = float(np.mean([r[t.metric] for r in runs]))  # loop: replications
        rows.append(
            {
                "target": t.name,
                "percent": t.percent,
                "source": t.source,
                "low": t.low,
                "high": t.high,
                "simulated": value,
                "passed": bool(t.low <= value <= t.high),
                "kind": "band",
            }
        )
    for name in unbanded:  # loop: sectors with no published band
        metric = column("separation_rate", name)
        rows.append(
            {
                "target": f"Monthly separations, {name}",
                "percent": True,
                "source": "",
                "low": float("nan"),
                "high": float("nan"),
                "simulated": float(np.mean([r[metric] for r in runs])),  # loop: replications
                "passed": False,
                "kind": NO_BAND,
            }
        )
    return pd.DataFrame(rows)
