"""Forked runs: a run forked from the end of burn-in gives exactly the results of a run from the start."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from conftest import make_scenario
from sectorsim.model import SectorModel
from sectorsim.runner import run_arms, run_one
from sectorsim.summary import summarize

SHORT = {"burn_in": 6, "months": 9}


def _records(model: SectorModel) -> tuple[pd.DataFrame, dict[str, float]]:
    series = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return series, summarize(model, series)


def _same_state(a: SectorModel, b: SectorModel) -> None:
    for table in ("workers", "employers"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert ta.n == tb.n
        for name in ta.declared:
            assert np.array_equal(ta.storage(name), tb.storage(name), equal_nan=True), (table, name)


def test_every_arm_forked_at_the_end_of_burn_in_equals_its_run_from_the_start(small_raw):
    sc = make_scenario(small_raw, **SHORT)
    base = SectorModel(scenario=sc, arm=sc.reference_arm, rng=11)
    base.run(sc.burn_in)
    for arm in sc.arms:
        fresh = SectorModel(scenario=sc, arm=arm.name, rng=11)
        fresh.run()
        twin = base.fork(sc, arm.name)
        twin.run(sc.months)
        s_fresh, r_fresh = _records(fresh)
        s_twin, r_twin = _records(twin)
        pd.testing.assert_frame_equal(s_twin, s_fresh, check_exact=True)
        assert r_twin == pytest.approx(r_fresh, abs=0, rel=0, nan_ok=True)
        _same_state(twin, fresh)
    # the arms really differ after burn-in (the comparison above is not of identical runs)
    none = SectorModel(scenario=sc, arm="none", rng=11)
    none.run()
    assert _records(none)[1]["participants"] == 0 < _records(fresh)[1]["participants"]
    assert base.month == sc.burn_in  # forking leaves the base where it was


def test_a_fork_into_other_policy_settings_equals_a_run_of_them(small_raw):
    sc = make_scenario(small_raw, **SHORT)
    other = make_scenario(small_raw, **SHORT, **{"arms.sector_partnership.policies.0.budget": 900000})
    base = SectorModel(scenario=sc, arm="single_employer", rng=5)
    base.run(sc.burn_in)
    twin = base.fork(other, "sector_partnership")
    twin.run(sc.months)
    fresh = SectorModel(scenario=other, arm="sector_partnership", rng=5)
    fresh.run()
    pd.testing.assert_frame_equal(_records(twin)[0], _records(fresh)[0], check_exact=True)
    unchanged = base.fork(sc, "sector_partnership")
    unchanged.run(sc.months)
    # the setting forked into matters: the base's own setting gives another run
    assert not _records(unchanged)[0].equals(_records(fresh)[0])


def test_run_arms_equals_run_one_with_and_without_agent_views(small_raw):
    sc = make_scenario(small_raw, **SHORT)
    assert sc.agent_views
    runs = [(sc, a.name) for a in sc.arms]
    for (_, arm), res in zip(runs, run_arms(runs, seed=3, replication=1), strict=True):
        one = run_one(sc, arm, 3, 1)
        assert not isinstance(res, Exception)
        assert res.summary == pytest.approx(one.summary, abs=0, rel=0, nan_ok=True)
        pd.testing.assert_frame_equal(res.series, one.series, check_exact=True)
        viewed = SectorModel(scenario=sc, arm=arm, rng=3)  # with a mesa agent view per row
        assert len(viewed.agents) > 0
        viewed.run()
        pd.testing.assert_frame_equal(_records(viewed)[0], one.series, check_exact=True)


def test_a_fork_is_refused_when_arms_may_already_differ(small_raw):
    sc = make_scenario(small_raw, **SHORT)
    acted = SectorModel(scenario=sc, arm="sector_partnership", rng=1)
    acted.run(sc.burn_in + 1)  # the partnership starts in the first month after burn-in
    with pytest.raises(ValueError, match="a policy may have acted"):
        acted.fork(sc, "none")
    base = SectorModel(scenario=sc, arm="none", rng=1)
    base.run(sc.burn_in)
    market = make_scenario(small_raw, **SHORT, **{"labor_market.offer_acceptance": 0.5})
    with pytest.raises(ValueError, match="differs outside its arms"):
        base.fork(market, "none")


def test_a_copied_table_keeps_its_columns_views_of_its_storage(small_raw):
    sc = make_scenario(small_raw, **SHORT)
    workers = SectorModel(scenario=sc, arm="none", rng=1).workers
    twin = copy.deepcopy(workers)
    twin.employer[0] = 12345
    assert twin.storage("employer")[0] == 12345 and workers.employer[0] != 12345
    twin.grow(twin.n)  # re-slicing from storage keeps the write
    assert twin.employer[0] == 12345
