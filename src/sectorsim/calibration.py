"""Calibration targets: the labor market the no-policy region must reproduce, all bands at once.

Flows: US JOLTS separations by industry (2007-2013 and 2019), Shimer (2012) job finding, Fallick
and Fleischman (2004) job-to-job moves, the CPS labor force status flows between employment,
unemployment and non-participation (2015-2019), participation and the employment-to-population
ratio; hours: CPS part-time shares and BLS CES average weekly hours by industry, part time for
economic reasons; and stationarity: with no policy, the unemployment rate of every year of the
horizon within 0.3 points of the first year's and the employment-to-population ratio within 0.5.
docs/VALIDATION.md lists every band with its source. Monthly separations are total separations
(quits, layoffs and discharges, job-to-job moves, retirements and moves away) over employment.

The bands derive from the scenario: a sector whose name means one of the industries below gets
that industry's bands; other sectors have no published band and are listed as such; the
region-wide bands always apply. Only labor-market parameters are calibrated to these bands,
never a program's or a policy's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sectorsim.metrics import column, slug
from sectorsim.runner import replication_seed, run_one
from sectorsim.scenario.schema import Scenario
from sectorsim.summary import yearly_rates


@dataclass(frozen=True)
class Target:
    """A published band and the summary metric that must land in it."""

    name: str
    metric: str
    low: float
    high: float
    source: str
    percent: bool = True  # shown as a percentage (False: a plain rate)


#: Source of the part-time bands (verified figures: Golden 2016 from the CPS, 2015 annual averages).
PART_TIME_SOURCE = (
    "CPS 2015 via Golden (2016, EPI): all 18.0%, retail 29.5%, leisure and hospitality 39.8%, "
    "education and health 20.9%, other industries incl. manufacturing 10.2%"
)
#: Source of the hours bands (BLS CES all-employee average weekly hours, 2019 annual averages).
HOURS_SOURCE = (
    "BLS CES 2019, all employees (total private 34.4 h verified; industry centres quoted from "
    "the published series, not re-verified here)"
)


@dataclass(frozen=True)
class IndustryBand:
    """An industry's bands (separations, part-time share, weekly hours) and the sector names that mean it."""

    label: str  # as the target is named: "Monthly separations, <label>"
    low: float
    high: float
    names: tuple[str, ...]  # sector names (any case and punctuation) that mean this industry
    part_time: tuple[float, float] = (0.0, 1.0)  # share of the employed working under 35 hours
    hours: tuple[float, float] = (0.0, 80.0)  # usual weekly hours of the employed
    source: str = "BLS JOLTS 2007-2013, 2019"


#: The JOLTS industries with a published separations band, in the order the targets are listed.
#: A sector gets its industry's band when its name is one of ``names`` (compared as
#: :func:`sectorsim.metrics.slug` s), as are the NAICS sector titles `sectorsim init-region` uses.
JOLTS_SEPARATIONS = (
    IndustryBand("manufacturing", 0.017, 0.029, ("manufacturing",), (0.03, 0.10), (39.5, 42.0)),
    IndustryBand(
        "health care",
        0.022,
        0.024,
        ("health care", "healthcare", "health care and social assistance"),
        (0.15, 0.25),
        (32.0, 35.5),
    ),
    IndustryBand("retail", 0.034, 0.047, ("retail", "retail trade"), (0.25, 0.35), (29.5, 32.5)),
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
        (0.35, 0.50),
        (24.0, 27.5),
    ),
)

#: CPS labor force status flows, 2015-2019 (monthly transition probabilities computed from the BLS
#: flow series LNS17100000-LNS17900000 and the stocks): raw E->U 0.0106, E->N 0.0297, U->N 0.241,
#: N->U 0.0199, N->E 0.0471 (2015-19 means). Raw CPS flows include spurious transitions from
#: misclassification, largest for the flows into and out of non-participation (Abowd and Zellner
#: 1985; Elsby, Hobijn and Sahin 2015), so the bands reach below the raw figures.
CPS_FLOWS = "BLS CPS labor force status flows, 2015-2019 (raw; lower bound allows for misclassification)"

#: Region-wide bands: they apply to every region.
REGION_TARGETS = (
    Target(
        "Unemployment rate", "unemployment_rate", 0.035, 0.07, "BLS CPS, normal years (2015-2019: 3.7-5.3%)"
    ),
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
    Target("Labor-force participation rate", "participation_rate", 0.70, 0.78, "BLS CPS 2019, ages 16-64"),
    Target("Employment-to-population ratio", "employment_rate", 0.66, 0.74, "BLS CPS 2019, ages 16-64"),
    Target("Employment to unemployment, monthly", "employed_to_unemployed_rate", 0.008, 0.015, CPS_FLOWS),
    Target(
        "Employment to out of the labor force, monthly", "employed_to_inactive_rate", 0.010, 0.031, CPS_FLOWS
    ),
    Target(
        "Unemployment to out of the labor force, monthly",
        "unemployed_to_inactive_rate",
        0.12,
        0.26,
        CPS_FLOWS,
        percent=False,
    ),
    Target(
        "Out of the labor force to unemployment, monthly",
        "inactive_to_unemployed_rate",
        0.010,
        0.025,
        CPS_FLOWS,
    ),
    Target(
        "Out of the labor force to employment, monthly", "inactive_to_employed_rate", 0.025, 0.050, CPS_FLOWS
    ),
    Target(
        "Part time for economic reasons, share of the employed",
        "involuntary_part_time_share",
        0.02,
        0.05,
        "BLS CPS: 4.5% of those at work in 2015 (Golden 2016), about 2.8% in 2019",
    ),
)

#: Stationarity: how far a yearly rate of the no-policy horizon may stray from the first year's
#: (percentage points); the patterns of docs/ODD.md.
STATIONARITY = (
    ("unemployment_rate", "Unemployment rate, largest change from the first year (points)", 0.3),
    ("employment_rate", "Employment-to-population ratio, largest change from the first year (points)", 0.5),
)

NO_BAND = "no published band"


def industry_of(sector_name: str) -> IndustryBand | None:
    """The JOLTS industry a sector's name means, or None if it has no published band."""
    key = slug(sector_name)
    for band in JOLTS_SEPARATIONS:  # loop: JOLTS industries
        if key in {slug(n) for n in band.names}:
            return band
    return None


def _sector_targets(band: IndustryBand, sector: str, label: str) -> list[Target]:
    return [
        Target(
            f"Monthly separations, {label}",
            column("separation_rate", sector),
            band.low,
            band.high,
            band.source,
        ),
        Target(
            f"Part-time share, {label}", column("part_time_share", sector), *band.part_time, PART_TIME_SOURCE
        ),
        Target(
            f"Average weekly hours, {label}",
            column("hours", sector),
            *band.hours,
            HOURS_SOURCE,
            percent=False,
        ),
    ]


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
            targets += _sector_targets(band, name, label)
    return targets + list(REGION_TARGETS), [name for name, b in matched.items() if b is None]


#: The targets of a region whose sectors carry the shipped names (scenarios/base.yaml).
FLOW_TARGETS = tuple(
    [t for b in JOLTS_SEPARATIONS for t in _sector_targets(b, b.names[0], b.label)]  # loop: industries
    + list(REGION_TARGETS)
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
    results = [run_one(scenario, arm, replication_seed(scenario.seed, r), r) for r in range(replications)]
    runs = [r.summary for r in results]
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
    years = 100 * yearly_rates(pd.concat([r.series for r in results]), scenario.burn_in)
    for metric, name, tolerance in STATIONARITY:  # loop: the stationarity checks
        drift = float((years[metric] - years[metric].iloc[0]).abs().max())
        rows.append(
            {
                "target": name,
                "percent": False,
                "source": "stationarity of the no-policy market (docs/ODD.md, patterns)",
                "low": 0.0,
                "high": tolerance,
                "simulated": drift,
                "passed": bool(drift <= tolerance),
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
