"""SectorModel as Mesa users expect it, and the policies' mechanics."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import make_scenario
from sectorsim import Employer, SectorModel, Worker


def test_mesa_api(small_raw):
    sc = make_scenario(small_raw)
    m = SectorModel(scenario=sc, rng=4)
    # a view for every row the run may use (arrivals' reserved rows included)
    assert len(m.agents_by_type[Worker]) == m.workers.capacity >= sc.n_workers
    assert len(m.agents_by_type[Employer]) == m.employers.n
    employed = m.agents_by_type[Worker].select(lambda a: a.employed)
    assert len(employed) == int((m.workers.employer >= 0).sum())
    # writing through a view changes the table the processes see
    a = next(iter(m.agents_by_type[Worker]))
    a.skill = 2.5
    assert m.workers.skill[a.row] == np.float32(2.5)
    m.run(3)
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 3 and "earnings_mean" in df.columns


def test_monthly_series_matches_mesas_own_collect(small_raw):
    """MonthlySeries (one snapshot a month) records what mesa's DataCollector.collect would."""
    import mesa

    from sectorsim.outcomes import MonthlySeries, monthly_reporters

    m = SectorModel(scenario=make_scenario(small_raw), arm="sector_partnership", rng=5)
    ours = MonthlySeries(model_reporters=monthly_reporters(m))
    theirs = mesa.DataCollector(model_reporters=monthly_reporters(m))
    for _ in range(14):  # loop: months, past the start of the policies
        m.step()
        ours.collect(m)
        theirs.collect(m)
    a, b = ours.get_model_vars_dataframe(), theirs.get_model_vars_dataframe()
    assert a.equals(b) and len(a) == 14
    assert a["in_training"].iloc[-1] > 0  # the months compared include a running program
    # with an agent reporter, mesa's own collect runs and records it
    both = MonthlySeries(model_reporters=monthly_reporters(m), agent_reporters={"id": "unique_id"})
    both.collect(m)
    assert len(both.get_agent_vars_dataframe()) == m.workers.capacity + m.employers.n
    assert both.get_model_vars_dataframe().iloc[0].equals(a.iloc[-1])


def test_partnership_recruits_regionwide_and_single_employer_inside_its_county(small_raw):
    sc = make_scenario(small_raw)
    sp = SectorModel(scenario=sc, arm="sector_partnership", rng=2)
    se = SectorModel(scenario=sc, arm="single_employer", rng=2)
    sp.run()
    se.run()
    assert sp.workers.ever_enrolled.sum() > 0 and se.workers.ever_enrolled.sum() > 0
    assert set(np.unique(se.workers.area[se.workers.ever_enrolled])) == {0}
    assert len(np.unique(sp.workers.area[sp.workers.ever_enrolled])) > 1
    # firm-specific credentials from grants; sector-wide ones from the partnership
    assert (se.workers.firm_level > 0).sum() > 0 and (se.workers.credential > 0).sum() <= (
        sp.workers.credential > 0
    ).sum()
    for m in (sp, se):
        for p in m.policies:
            assert 0 < p.spent <= p.budget


def test_cohort_fixed_costs_make_small_cohorts_dearer(small_raw):
    sc = make_scenario(small_raw)
    m = SectorModel(scenario=sc, arm="single_employer", rng=1)
    prog = m.policies[0]
    prog.budget = 1e9
    assert prog.cost(8) == prog.config.cost_per_cohort + 8 * prog.config.cost_per_trainee
    assert prog.cost(9) == 2 * prog.config.cost_per_cohort + 9 * prog.config.cost_per_trainee
    prog.budget = prog.cost(8) + 100
    assert prog.affordable(20) == 8


def test_presets_fill_defaults_and_the_file_can_override():
    from sectorsim.policies.sector_partnership import SectorPartnershipConfig

    c = SectorPartnershipConfig(target_sector="x", preset="career_pathway")
    assert c.program_months == 9 and c.intake_every == 6
    c = SectorPartnershipConfig(target_sector="x", preset="career_pathway", program_months=4)
    assert c.program_months == 4
    p = SectorPartnershipConfig(
        target_sector="x", preset="philanthropic", eligibility={"min_basic_skills": -3}
    )
    assert p.eligibility.status == "low_wage" and p.eligibility.min_basic_skills == -3


def test_occupation_shock_removes_positions_and_lays_off(small_raw):
    sc = make_scenario(small_raw, shocks=[{"month": 0, "sector": "manufacturing", "change": -1.0}])
    m = SectorModel(scenario=sc, rng=1)
    m.run(sc.burn_in + 1)
    s = m.sector_index["manufacturing"]
    assert m.employers.positions[m.employers.sector == s].sum() == 0
    assert not (m.employers.sector[m.workers.employer[m.workers.employer >= 0]] == s).any()


def test_outcomes_by_area_of_residence_add_up(small_raw):
    from sectorsim.summary import summarize

    sc = make_scenario(small_raw)
    m = SectorModel(scenario=sc, arm="single_employer", rng=3)
    m.run()
    out = summarize(m, m.datacollector.get_model_vars_dataframe())
    by_area = [out[f"participants_area_{k}"] for k in ("central_county", "north_county", "river_county")]
    assert sum(by_area) == int(m.workers.ever_enrolled.sum()) > 0
    assert by_area[1] == by_area[2] == 0  # the grants recruit inside Central County's lines only
    # earnings by area are per resident-month, so the region's mean weighs areas by their resident-months
    w = m.workers
    weights = [float(w.window_months[w.area == a].sum()) for a in range(len(sc.region.areas))]
    mean = sum(
        w * out[f"earnings_area_{k}"]
        for w, k in zip(weights, ("central_county", "north_county", "river_county"), strict=True)
    ) / sum(weights)
    assert mean == pytest.approx(out["earnings_mean"], rel=1e-9)
