"""The employer customer: paired employer outcomes, the practice levers, and why firms join."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import NO_PRACTICES, make_scenario
from sectorsim.model import SectorModel
from sectorsim.runner import pair_runs, run_one
from sectorsim.summary import employer_books, paired_outcomes

SEED = 11


def partnership(**keys) -> dict:
    """A health-care partnership arm that trains nobody and favors no one, plus ``keys``."""
    policy = {
        "type": "sector_partnership",
        "target_sector": "health care",
        "budget": 0,
        "hiring_commitment": 0,
        "screening_boost": 0,
        "member_share": 0.5,
        "practices": dict(NO_PRACTICES),
    }
    for key, value in keys.items():
        if isinstance(value, dict):
            policy[key] = {**policy.get(key, {}), **value}
        else:
            policy[key] = value
    return {"name": "partnership", "policies": [policy]}


def scenario(small_raw, arm: dict, **overrides):
    return make_scenario(small_raw, arms=[{"name": "none"}, arm], months=48, **overrides)


def books(sc, arm: str) -> pd.DataFrame:
    m = SectorModel(scenario=sc, arm=arm, rng=SEED)
    m.run()
    return employer_books(m)


def test_an_engagement_that_changes_nothing_reproduces_the_reference_arm_for_those_employers(small_raw):
    sc = scenario(small_raw, partnership())
    base, arm = books(sc, "none"), books(sc, "partnership")
    engaged = arm["engaged_months"].to_numpy() > 0
    assert engaged.sum() >= 3 and (~engaged).sum() >= 3
    outcomes = [c for c in arm.columns if c not in ("engaged_months", "contribution")]
    pd.testing.assert_frame_equal(arm.loc[engaged, outcomes], base.loc[engaged, outcomes], check_exact=True)
    paired = paired_outcomes(arm, base)
    assert paired["turnover_engaged_change"] == 0.0 and paired["turnover_cost_saved"] == 0.0
    assert paired["turnover_engaged_reference"] > 0
    # the companion: the partnership's default practices do change those employers' books
    sc = scenario(small_raw, partnership(practices={"onboarding": 0.2, "supervisor_training": 0.15}))
    changed = books(sc, "partnership")
    assert not changed.loc[engaged, "separations"].equals(base.loc[engaged, "separations"])


def test_the_runner_pairs_each_run_with_the_reference_run_of_its_seed(small_raw):
    sc = scenario(small_raw, partnership(practices={"supervisor_training": 0.5}), replications=2)
    runs = [run_one(sc, a, 100 + r, r) for a in ("none", "partnership") for r in range(2)]
    paired, table = pair_runs(runs, "none")
    for run, p in zip(runs, paired, strict=True):
        if run.arm == "partnership":
            ref = next(r for r in runs if r.arm == "none" and r.replication == run.replication)
            engaged = run.employers["engaged_months"] > 0
            seps = ref.employers.loc[engaged, "separations"].sum()
            filled = ref.employers.loc[engaged, "filled_months"].sum()
            assert p["turnover_engaged_reference"] == pytest.approx(12 * seps / filled)
            assert p["turnover_engaged_change"] == pytest.approx(
                run.summary["turnover_engaged"] - p["turnover_engaged_reference"]
            )
            assert p["turnover_engaged_change"] < 0
        else:
            assert p["turnover_engaged_change"] == 0.0
    assert set(table["arm"]) == {"partnership"}
    assert len(table) == sum(int((r.employers["engaged_months"] > 0).sum()) for r in runs if r.arm != "none")
    assert (table["turnover"] < table["turnover_reference"]).mean() > 0.5


@pytest.mark.parametrize(
    ("practice", "extra"),
    [
        ({"onboarding": 0.8}, {}),
        ({"stable_schedules": 1.0}, {}),  # the default quit premium of unstable jobs (1.2)
    ],
    ids=["onboarding", "stable_schedules"],
)
def test_onboarding_and_stable_schedules_lower_members_separations_to_non_employment(
    small_raw, practice, extra
):
    """They act on the separation hazard (quits and discharges), not on search on the job."""
    sc = scenario(small_raw, partnership(practices=practice), **extra)
    base, arm = books(sc, "none"), books(sc, "partnership")
    e = arm["engaged_months"] > 0
    assert arm.loc[e, "separations_quit"].sum() < base.loc[e, "separations_quit"].sum()


@pytest.mark.parametrize(
    ("practice", "extra"),
    [
        ({"supervisor_training": 0.5}, {}),
        ({"career_ladder_quit_relief": 0.5}, {}),
    ],
    ids=["supervisor_training", "career_ladder_quit_relief"],
)
def test_supervisor_training_and_career_ladders_lower_members_turnover(small_raw, practice, extra):
    sc = scenario(small_raw, partnership(practices=practice), **extra)
    base, arm = books(sc, "none"), books(sc, "partnership")
    p = paired_outcomes(arm, base)
    assert p["turnover_engaged_change"] < 0, p
    # only members are treated: non-members' own hazard is untouched (they may see other movers)
    assert (arm["engaged_months"] > 0).sum() < len(arm)


def test_stable_schedules_do_nothing_to_quits_where_unstable_jobs_carry_no_quit_premium(small_raw):
    flat = {"labor_market.unstable_quit_multiplier": 1.0}
    sc = scenario(small_raw, partnership(practices={"stable_schedules": 1.0}), **flat)
    base, arm = books(sc, "none"), books(sc, "partnership")
    assert paired_outcomes(arm, base)["turnover_engaged_change"] == 0.0


def test_a_visible_career_ladder_raises_members_promotions(small_raw):
    sc = scenario(small_raw, partnership(practices={"career_ladder_promotion": 3.0}))
    base, arm = books(sc, "none"), books(sc, "partnership")
    engaged = arm["engaged_months"] > 0
    assert arm.loc[engaged, "promotions"].sum() > base.loc[engaged, "promotions"].sum()


def members_at_start(sc) -> int:
    m = SectorModel(scenario=sc, arm="partnership", rng=SEED)
    m.run(sc.burn_in + 1)
    return int(m.employers.engaged.sum())


def test_the_join_decision_responds_to_an_employers_turnover_cost(small_raw):
    arm = partnership(member_share=None, joining={"in_kind_cost": 20000, "expected_savings": 0.1})
    counts = [
        members_at_start(scenario(small_raw, arm, **{"labor_market.turnover_cost_share": share}))
        for share in (0.02, 0.2, 1.5)
    ]
    assert counts[0] < counts[1] < counts[2], counts
    # per employer: the same draws, ten times the recent turnover cost, and no one leaves
    m = SectorModel(scenario=scenario(small_raw, arm), arm="partnership", rng=SEED)
    m.run(m.config.burn_in)
    policy = m.policies[0]
    before = policy.decide(m, m.month)
    m.employers.recent_turnover_cost *= 10.0
    after = policy.decide(m, m.month)
    assert after.sum() > before.sum() and not (before & ~after).any()


def test_members_can_join_and_leave_at_reviews(small_raw):
    arm = partnership(member_share=None, joining={"in_kind_cost": 8000, "review_months": 6})
    sc = scenario(small_raw, arm)
    m = SectorModel(scenario=sc, arm="partnership", rng=SEED)
    m.run(sc.burn_in + 1)
    first = m.employers.engaged.copy()
    m.run(sc.months - 1)
    months = m.employers.book_engaged_months
    assert first.any()
    # someone's membership changed over the horizon (joined late or left)
    assert ((months > 0) & (months < sc.months)).any()
    paid = m.employers.contribution_paid
    assert (paid[months > 0] > 0).all() and (paid[months == 0] == 0).all()


def test_the_fixed_share_override_keeps_the_hashed_membership(small_raw):
    sc = scenario(small_raw, partnership(member_share=0.5))
    a = members_at_start(sc)
    sc2 = scenario(small_raw, partnership(member_share=0.5), **{"labor_market.turnover_cost_share": 1.5})
    assert a == members_at_start(sc2) and a > 0
    assert np.isfinite(a)
