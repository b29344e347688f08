"""Invariants, checked every month on randomly generated valid scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from sectorsim.agents import Employer, Worker
from sectorsim.model import SectorModel
from sectorsim.scenario.loading import validate
from sectorsim.state import filled_positions
from sectorsim.summary import summarize


def random_scenario(seed: int) -> dict:
    """A random but valid scenario: the generator draws every part a user can set."""
    g = np.random.default_rng(seed)
    n_areas = int(g.integers(1, 5))
    areas = [{"name": f"A{i}", "workers": int(g.integers(150, 600))} for i in range(n_areas)]
    commute = g.uniform(5, 80, (n_areas, n_areas))
    np.fill_diagonal(commute, 10)
    n_groups = int(g.integers(1, 4))
    gshares = g.dirichlet(np.ones(n_groups))
    groups = [
        {
            "name": f"G{i}",
            "share": float(gshares[i]),
            "basic_skills": float(g.uniform(-1, 1)),
            "barrier_rate": float(g.uniform(0, 0.5)),
            "network_access": float(g.uniform(0.3, 1.5)),
            "hiring_bias": float(g.uniform(-0.5, 1)),
        }
        for i in range(n_groups)
    ]
    groups[-1]["share"] = float(1 - sum(x["share"] for x in groups[:-1]))
    n_sectors = int(g.integers(1, 5))
    sshares = g.dirichlet(np.ones(n_sectors))
    sectors = []
    for s in range(n_sectors):
        n_r = int(g.integers(1, 4))
        rs = g.dirichlet(np.ones(n_r))
        wages = np.sort(g.uniform(1500, 6000, n_r))
        levels = np.sort(g.integers(0, 3, n_r))
        ladder = [
            {"name": f"r{r}", "wage": float(wages[r]), "credential": int(levels[r]), "share": float(rs[r])}
            for r in range(n_r)
        ]
        ladder[-1]["share"] = float(1 - sum(x["share"] for x in ladder[:-1]))
        sectors.append(
            {
                "name": f"S{s}",
                "share": float(sshares[s]),
                "growth": float(g.uniform(-0.1, 0.1)),
                "separation_rate": float(g.uniform(0.005, 0.06)),
                "ladder": ladder,
            }
        )
    sectors[-1]["share"] = float(1 - sum(x["share"] for x in sectors[:-1]))
    target = f"S{int(g.integers(0, n_sectors))}"
    shocks = [{"month": int(g.integers(0, 10)), "sector": target, "change": float(g.uniform(-1, 0.5))}]
    arms = [
        {"name": "none"},
        {
            "name": "se",
            "policies": [
                {
                    "type": "single_employer",
                    "target_sector": target,
                    "budget": float(g.uniform(0, 4e5)),
                    "grants": int(g.integers(1, 5)),
                    "cohort_size": int(g.integers(1, 20)),
                }
            ],
        },
        {
            "name": "sp",
            "policies": [
                {
                    "type": "sector_partnership",
                    "target_sector": target,
                    "budget": float(g.uniform(0, 4e5)),
                    "cohort_size": int(g.integers(1, 40)),
                    "take_up": float(g.uniform(0, 1)),
                    "intake_every": int(g.integers(1, 6)),
                    "eligibility": {"status": str(g.choice(["any", "unemployed", "low_wage"]))},
                }
            ],
        },
        {
            "name": "mix",
            "policies": [
                {
                    "type": "sector_partnership",
                    "target_sector": target,
                    "budget": 2e5,
                    "preset": str(g.choice(["philanthropic", "economic_development", "career_pathway"])),
                },
                {
                    "type": "job_quality",
                    "target_sector": f"S{int(g.integers(0, n_sectors))}",
                    "wage_raise": float(g.uniform(0, 0.3)),
                    "budget": float(g.uniform(0, 2e5)),
                },
            ],
        },
    ]
    return {
        "name": f"random{seed}",
        "seed": int(g.integers(0, 2**31)),
        "burn_in": 4,
        "months": 16,
        "replications": 1,
        "region": {
            "areas": areas,
            "commute_minutes": commute.tolist(),
            "max_commute_minutes": float(g.uniform(20, 90)),
        },
        "groups": groups,
        "sectors": sectors,
        "employers": {
            "mean_size": float(g.uniform(3, 60)),
            "size_sigma": float(g.uniform(0, 2)),
            "quality_sd": float(g.uniform(0, 0.2)),
        },
        "labor_market": {
            "jobs_per_worker": float(g.uniform(0.8, 1.2)),
            "applications_per_month": float(g.uniform(0, 6)),
            "on_the_job_search": float(g.uniform(0, 0.6)),
            "offer_acceptance": float(g.uniform(0.2, 1)),
            "firm_specific_recognition": float(g.uniform(0, 1)),
            "promotion_rate": float(g.uniform(0, 0.5)),
        },
        "shocks": shocks,
        "arms": arms,
    }


def check_month(m: SectorModel) -> None:
    w, e = m.workers, m.employers
    emp = w.employer >= 0
    # every employed worker holds exactly one valid position; no position holds two workers
    assert (w.employer[emp] < e.n).all()
    sector = e.sector[w.employer[emp]]
    assert (w.rung[emp] >= 0).all() and (w.rung[emp] < m.ladders.n_rungs[sector]).all()
    assert (w.rung[~emp] == -1).all()
    filled = m.filled()
    # the count kept current by hires, separations and promotions equals a recount of the workers
    assert np.array_equal(filled, filled_positions(m.workers, e.n, m.n_rungs))
    # and so does the resident count the demography keeps
    if m.config.demography.open:
        assert m.demography.residents == int((m.workers.resident == 1).sum())
    # the residents' rows every monthly pass runs over are exactly the residents, ascending
    assert np.array_equal(m.demography.rows, np.flatnonzero(w.resident == 1))
    # people gone earn nothing (set when they leave; the passes no longer visit their rows)
    assert not w.wage[w.resident != 1].any() and not w.earnings[w.resident != 1].any()
    assert (filled <= e.positions).all(), "more workers than positions in some (employer, rung)"
    assert filled.sum() == emp.sum()
    # job holders meet their rung's credential (as their employer recognizes it)
    req = m.ladders.required[sector, w.rung[emp]]
    idx = np.flatnonzero(emp)
    held = np.maximum(
        w.credential[idx, sector],
        np.where((w.firm_sector[idx] == sector), w.firm_level[idx], 0),
    )
    assert (held >= req).all()
    # earnings finite and non-negative
    assert np.isfinite(w.earnings).all() and (w.earnings >= 0).all()
    assert np.isfinite(w.skill).all()
    # match quality lies in [0, 1] (the separation hazard's bound assumes it: processes/separations.py)
    assert ((w.match >= 0) & (w.match <= 1)).all()
    # budgets never overspent
    for p in m.policies:
        assert p.spent <= p.budget + 1e-6, (p.name, p.spent, p.budget)
    # trainees are consistent
    tr = w.program >= 0
    assert (w.training_left[tr] > 0).all()


@pytest.mark.parametrize("seed", range(8))
def test_invariants_hold_every_month(seed):
    sc = validate(random_scenario(seed), f"random{seed}")
    for arm in [a.name for a in sc.arms]:
        m = SectorModel(scenario=sc, arm=arm, rng=sc.seed)
        for _ in range(sc.total_months):
            m.step()
            check_month(m)
        series = m.datacollector.get_model_vars_dataframe()
        assert np.isfinite(series.to_numpy(dtype=float)).all()
        summary = summarize(m, series)
        assert all(np.isfinite(v) for v in summary.values()), summary
        # worker and employer views agree with the tables
        workers = list(m.agents_by_type[Worker])
        assert len(workers) == m.workers.n
        for a in workers[:: max(1, len(workers) // 50)]:
            assert a.employer == m.workers.employer[a.row]
            assert a.earnings == pytest.approx(float(m.workers.earnings[a.row]))
        employers = list(m.agents_by_type[Employer])
        assert sum(x.filled for x in employers) == int((m.workers.employer >= 0).sum())
        assert all(x.filled <= x.positions for x in employers)


def test_the_invariant_check_can_fail(small_raw):
    from conftest import make_scenario

    sc = make_scenario(small_raw)
    m = SectorModel(scenario=sc, arm="none", rng=1)
    m.step()
    check_month(m)
    # put an unemployed worker into a position that is already full: the check must notice
    e = m.employers
    full = np.argwhere((m.filled() == e.positions) & (e.positions > 0))[0]
    idle = np.flatnonzero(m.workers.employer < 0)[0]
    m.workers.employer[idle], m.workers.rung[idle] = full
    m.workers.credential[idle] = 9
    with pytest.raises(AssertionError):
        check_month(m)
