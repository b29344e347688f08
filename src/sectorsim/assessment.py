"""Regional needs assessment: which sector should a partnership target?

Follows the questions of seed 003_71466a8ef41a6f67.txt ("Industry Analysis"): which industries are
concentrated here, what is their potential for growth, what jobs do they offer, are there levels of
occupations that signal advancement, and where do employers struggle to find skilled workers.

For each sector, from the simulated baseline (no policy, the scenario's burn-in plus
``assessment.months``, ``assessment.replications`` seeds):

- ``location_quotient``: the sector's share of regional employment over its share in the reference
  economy (``assessment.reference_shares``, renormalized over the modeled sectors);
- ``growth``: annual growth of filled positions over the assessment months;
- ``wage_gain``: pay gain from the entry rung to the top rung (fraction);
- ``vacancy_rate`` and ``fill_months``: open positions over positions, and mean months to fill;
- ``turnover``: annualized separations per filled position;
- ``climb_share``: share of the sector's workers below the top rung who lack the credential of the
  next rung (the pool a career-pathway program can move up).

The score is ``sum_k weight_k * z_k`` where ``z_k`` is part k standardized across sectors (mean 0, sd
1; turnover enters negatively weighted by default, since a partnership also wants jobs worth keeping)
and the weights are ``assessment.weights``. Every part and its weighted contribution is written out,
so a reader sees why a sector ranks where it does.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from sectorsim.outcomes import slug
from sectorsim.scenario.schema import Scenario

PARTS = ("location_quotient", "growth", "wage_gain", "vacancy_rate", "turnover", "climb_share")


def _baseline_measures(scenario: Scenario, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-sector and per-(sector, area) measures from one baseline run."""
    from sectorsim.model import SectorModel

    a = scenario.assessment
    sc = scenario.model_copy(update={"months": a.months, "agent_views": False})
    model = SectorModel(scenario=sc, arm=None, rng=seed, no_policies=True)
    lad = model.ladders
    e, w = model.employers, model.workers
    start_filled = np.bincount(e.sector[w.employer[w.employer >= 0]], minlength=model.n_sectors)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    h = df[df["month"] >= sc.burn_in]
    emp = w.employer >= 0
    sector_of = e.sector[w.employer[emp]]
    area_of = e.area[w.employer[emp]]
    filled = np.bincount(sector_of, minlength=model.n_sectors)
    positions = np.bincount(e.sector, weights=e.positions.sum(axis=1), minlength=model.n_sectors)
    max_rung = lad.n_rungs[sector_of] - 1
    rung = w.rung[emp]
    below_top = rung < max_rung
    next_req = lad.required[sector_of, np.minimum(rung + 1, lad.required.shape[1] - 1)]
    held = w.credential[np.flatnonzero(emp), sector_of]
    lacks = below_top & (held < next_req)
    rows = []
    years = max(a.months / 12.0, 1e-9)
    for s, sector in enumerate(scenario.sectors):  # loop: sectors
        k = slug(sector.name)
        in_s = sector_of == s
        rows.append(
            {
                "sector": sector.name,
                "employment": float(filled[s]),
                "growth": float((filled[s] / max(start_filled[s], 1)) ** (1 / years) - 1),
                "entry_wage": float(lad.wage[s, 0]),
                "top_wage": float(lad.wage[s, lad.n_rungs[s] - 1]),
                "wage_gain": float(lad.wage[s, lad.n_rungs[s] - 1] / lad.wage[s, 0] - 1),
                "vacancy_rate": float(1 - filled[s] / positions[s]) if positions[s] else 0.0,
                "turnover": float(12 * h[f"separations_{k}"].sum() / max(h[f"employed_{k}"].sum(), 1)),
                "climb_share": float(lacks[in_s].mean()) if in_s.any() else 0.0,
                "rungs": int(lad.n_rungs[s]),
            }
        )
    sectors = pd.DataFrame(rows)
    # fill time by sector: open positions / monthly hires (Little's law); in a settled market a
    # sector's hires equal its separations, which the series records by sector
    seps = np.array([h[f"separations_{slug(s.name)}"].mean() for s in scenario.sectors])  # loop: sectors
    open_ = positions - filled
    sectors["fill_months"] = np.where(seps > 0, open_ / np.maximum(seps, 1e-9), 0.0)
    area_rows = []
    for s, sector in enumerate(scenario.sectors):  # loop: sectors
        for ai, area in enumerate(scenario.region.areas):  # loop: areas
            sel = (sector_of == s) & (area_of == ai)
            pos = e.positions[(e.sector == s) & (e.area == ai)].sum()
            area_rows.append(
                {
                    "sector": sector.name,
                    "area": area.name,
                    "employment": float(sel.sum()),
                    "vacancy_rate": float(1 - sel.sum() / pos) if pos else 0.0,
                }
            )
    return sectors, pd.DataFrame(area_rows)


def assess(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the assessment; return (sectors ranked with score parts, sector x area table)."""
    a = scenario.assessment
    per_seed = [_baseline_measures(scenario, scenario.seed + r) for r in range(a.replications)]
    numeric = [c for c in per_seed[0][0].columns if c != "sector"]
    sectors = per_seed[0][0][["sector"]].copy()
    for c in numeric:
        sectors[c] = np.mean([p[0][c].to_numpy() for p in per_seed], axis=0)
    areas = per_seed[0][1][["sector", "area"]].copy()
    for c in ("employment", "vacancy_rate"):
        areas[c] = np.mean([p[1][c].to_numpy() for p in per_seed], axis=0)
    ref = np.array([a.reference_shares.get(s.name, s.share) for s in scenario.sectors], float)
    ref = ref / ref.sum()
    share = sectors["employment"] / sectors["employment"].sum()
    sectors["location_quotient"] = share / ref
    area_total = areas.groupby("area")["employment"].transform("sum").clip(lower=1)
    ref_of = dict(zip([s.name for s in scenario.sectors], ref, strict=True))
    areas["location_quotient"] = areas["employment"] / area_total / areas["sector"].map(ref_of)
    weights = a.weights.model_dump()
    sectors["score"] = 0.0
    for part in PARTS:  # loop: score parts
        x = sectors[part].to_numpy(float)
        sd = x.std()
        z = (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)
        sectors[f"z_{part}"] = z
        sectors[f"points_{part}"] = weights[part] * z
        sectors["score"] += sectors[f"points_{part}"]
    sectors = sectors.sort_values(["score", "sector"], ascending=[False, True]).reset_index(drop=True)
    sectors.insert(0, "rank", np.arange(1, len(sectors) + 1))
    return sectors, areas


@lru_cache(maxsize=32)
def _top_sector_cached(scenario_json: str) -> tuple[str, float]:
    sc = Scenario.model_validate_json(scenario_json)
    ranked, _ = assess(sc)
    top = ranked.iloc[0]
    return str(top["sector"]), float(top["score"])


def top_sector(scenario: Scenario) -> tuple[str, float]:
    """The assessment's top-ranked sector and its score (a pure function of the scenario)."""
    base = scenario.model_copy(update={"arms": scenario.arms[:1], "evaluation": None})
    return _top_sector_cached(json.dumps(base.model_dump(mode="json"), sort_keys=True))


def resolve_targets(scenario: Scenario) -> tuple[Scenario, pd.DataFrame]:
    """Replace every ``target_sector: auto`` with the needs assessment's top-ranked sector.

    Called once by whoever builds models from a scenario (the CLI, sweeps, the app), before any
    model is built: a model never runs the assessment itself.

    Returns:
        The scenario with every target named (the same object when none was ``auto``), and one row
        per arm that had one: (arm, target_sector, assessment_score).
    """
    autos = [
        (i, j)
        for i, arm in enumerate(scenario.arms)
        for j, policy in enumerate(arm.policies)
        if getattr(policy, "target_sector", None) == "auto"
    ]
    columns = ["arm", "target_sector", "assessment_score"]
    if not autos:
        return scenario, pd.DataFrame(columns=columns)
    chosen, score = top_sector(scenario)
    resolved = scenario.model_copy(deep=True)
    for i, j in autos:  # loop: policies with an automatic target (a handful)
        arm = resolved.arms[i]
        arm.policies[j] = arm.policies[j].model_copy(update={"target_sector": chosen})
    rows = [
        {"arm": scenario.arms[i].name, "target_sector": chosen, "assessment_score": score} for i, _ in autos
    ]
    return resolved, pd.DataFrame(rows, columns=columns).drop_duplicates(ignore_index=True)
