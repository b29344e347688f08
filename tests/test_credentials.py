"""Credentials and training as the field knows them (issue 13): each mechanism's direction, and all of
them off reproducing the model without them, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA, SMALL, make_scenario
from sectorsim.columns import ELSEWHERE
from sectorsim.errors import InputError
from sectorsim.evaluation import impacts, run_study
from sectorsim.model import STEPS, SectorModel
from sectorsim.scenario.loading import resolve_extends, validate

EVAL = DATA / "small_eval.yaml"
HEALTH = "sectors.health care"
ASSISTANT = f"{HEALTH}.ladder.nursing assistant"
PROGRAM = "arms.program.policies.0"


@pytest.fixture(scope="module")
def raw():
    return resolve_extends(EVAL)


@pytest.fixture(scope="module")
def small():
    return resolve_extends(SMALL)


def _tables(m: SectorModel) -> dict[str, bytes]:
    """Every column of both tables, and the monthly series, as bytes."""
    out = {}
    for label, table in (("w", m.workers), ("e", m.employers)):
        for name in table.declared:  # loop: declared columns
            out[f"{label}.{name}"] = np.ascontiguousarray(table.column(name)).tobytes()
    out["series"] = m.datacollector.get_model_vars_dataframe().to_csv().encode()
    return out


def _run(sc, arm: str, seed: int = 5) -> SectorModel:
    m = SectorModel(scenario=sc, arm=arm, rng=seed)
    m.run()
    return m


def test_every_new_mechanism_off_reproduces_the_model_without_them(small):
    """Off-valued keys that go through the new code paths give the run that never touches them."""
    arm = "arms.sector_partnership.policies.0"
    plain = make_scenario(small)
    off = make_scenario(
        small,
        **{
            f"{HEALTH}.exam_pass_rate": [1.0, 1.0],  # an exam everyone passes
            f"{HEALTH}.ladder.nursing assistant.experience_months": 0,
            f"{HEALTH}.ladder.nursing assistant.credential_required": True,
            "training.elsewhere": [{"sector": "health care", "rate": 0.0}],
            f"{arm}.program_months_by_level": [5, 5],  # the partnership's program_months, per level
            f"{arm}.cost_per_trainee_by_level": [5500.0],  # its cost_per_trainee
            f"{arm}.maturity": {"start": 1.0, "cohorts_to_mature": 3.0},
            f"{arm}.incumbent_workers": False,
        },
    )
    for name in ("none", "sector_partnership", "single_employer"):  # loop: arms
        a, b = _tables(_run(plain, name)), _tables(_run(off, name))
        assert a.keys() == b.keys()
        assert [k for k in a if a[k] != b[k]] == [], name
    # and the comparison can fail: a mechanism on changes the tables
    on = make_scenario(small, **{f"{arm}.maturity.start": 0.0, f"{arm}.member_share": 0.6})
    plain = make_scenario(small, **{f"{arm}.member_share": 0.6})
    a, b = _tables(_run(plain, "sector_partnership")), _tables(_run(on, "sector_partnership"))
    assert any(a[k] != b[k] for k in a)


def _evaluate(sc, reps: int = 3):
    return impacts([run_study(sc, r) for r in range(reps)], 12)


def test_control_training_elsewhere_lowers_the_measured_impact_not_the_sign_of_the_true_effect(raw):
    base = _evaluate(make_scenario(raw))
    served = _evaluate(
        make_scenario(raw, **{"evaluation.control_training": {"share": 0.6, "within_months": 12}})
    )
    # controls now train for the credential elsewhere: the measured impacts shrink once they have
    # trained (in year 1 their own lock-in, the foregone earnings, can widen the gap instead)
    assert served["credential_impact_pp"].mean() < base["credential_impact_pp"].mean() - 10
    assert served.loc[1, "earnings_impact"] < base.loc[1, "earnings_impact"]
    # the true effect of access on the treated keeps its sign (access beats the services found elsewhere)
    assert base["true_effect"].sum() > 0 and served["true_effect"].sum() > 0


def test_a_route_elsewhere_serves_people_no_program_reaches(small):
    route = {"training.elsewhere": [{"sector": "health care", "rate": 0.02, "months": 4}]}
    m0, m1 = _run(make_scenario(small), "none"), _run(make_scenario(small, **route), "none")
    s = 0
    held0 = (m0.workers.credential[:, s] >= 1)[m0.workers.resident == 1].mean()
    held1 = (m1.workers.credential[:, s] >= 1)[m1.workers.resident == 1].mean()
    assert held1 > held0 + 0.01
    assert m0.workers.ever_enrolled.sum() == m1.workers.ever_enrolled.sum() == 0  # no program at all
    # the employed are not served by an 'unemployed' route: nobody in training elsewhere holds a job
    assert not (m1.workers.employer[m1.workers.program == ELSEWHERE] >= 0).any()


def test_a_lower_exam_pass_rate_lowers_the_credential_impact(raw):
    easy = _evaluate(make_scenario(raw))
    hard = _evaluate(make_scenario(raw, **{f"{HEALTH}.exam_pass_rate": [0.4]}))
    assert hard["credential_impact_pp"].mean() < easy["credential_impact_pp"].mean() - 10
    # completers who failed hold a training certificate (the skills, the pipeline), not the credential
    sc = make_scenario(raw, **{f"{HEALTH}.exam_pass_rate": [0.4]})
    m = _run(sc, "program")
    completers = m.workers.completed_month >= 0
    held = m.workers.credential[:, 0] >= 1
    assert completers.sum() > 20 and 0.2 < (completers & ~held).sum() / completers.sum() < 0.9


def test_an_experience_requirement_delays_the_earnings_gain_of_completers(raw):
    unemployed = {f"{PROGRAM}.eligibility.status": "unemployed"}
    free = _evaluate(make_scenario(raw, **unemployed))
    wait = _evaluate(make_scenario(raw, **unemployed, **{f"{ASSISTANT}.experience_months": 12}))
    # in year 1, completers without experience in the sector cannot be hired onto the credentialed rung
    assert wait.loc[0, "earnings_impact"] < free.loc[0, "earnings_impact"]
    assert wait.loc[0, "true_effect"] < free.loc[0, "true_effect"]


def test_a_preferred_credential_is_a_score_not_a_gate(small):
    m0 = _run(make_scenario(small), "none")
    m1 = _run(make_scenario(small, **{f"{ASSISTANT}.credential_required": False}), "none")

    def short(m):  # nursing assistants (health care, rung 1) without the rung's credential
        w = m.workers
        on = (w.employer >= 0) & (w.rung == 1) & (m.employers.sector[np.maximum(w.employer, 0)] == 0)
        return int((on & (w.credential[:, 0] < 1)).sum())

    assert short(m0) == 0 < short(m1)


def test_a_more_mature_provider_places_a_larger_share(small):
    arm = "arms.sector_partnership.policies.0"

    def placed_shares(start: float) -> np.ndarray:
        over = {
            f"{arm}.maturity": {"start": start, "cohorts_to_mature": 1000.0},
            f"{arm}.member_share": 0.6,
            f"{arm}.hiring_commitment": 3.0,
        }
        shares = []
        for seed in (5, 6, 7, 8):  # loop: seeds
            w = _run(make_scenario(small, **over), "sector_partnership", seed).workers
            shares.append(w.placed[w.completed_month >= 0].mean())
        return np.array(shares)

    # common random numbers: the same completers, placed at least as often by the mature provider
    mature, new = placed_shares(1.0), placed_shares(0.0)
    assert (mature >= new).all() and mature.mean() > new.mean()


def test_length_and_cost_by_level(small):
    arm = "arms.sector_partnership.policies.0"
    sc = make_scenario(
        small,
        **{
            f"{arm}.program_months_by_level": [2, 7],
            f"{arm}.cost_per_trainee_by_level": [1000.0, 9000.0],
            f"{arm}.support.enabled": False,
            f"{arm}.credential.stackable": True,
        },
    )
    m = SectorModel(scenario=sc, arm="sector_partnership", rng=5)
    m.run(sc.burn_in)
    for step in STEPS:  # loop: the first policy month's steps, up to the intake
        step.run(m)
        if step.name == "policies":
            break
    w, prog = m.workers, m.policies[0]
    new = np.flatnonzero(w.program == prog.pid)
    level = w.training_level[new]
    assert new.size == prog.participants > 0 and {1, 2} <= set(level.tolist())
    assert np.array_equal(w.training_left[new], np.where(level == 1, 2, 7))
    cohorts = -(-new.size // sc.arms[2].policies[0].cohort_size)
    want = cohorts * sc.arms[2].policies[0].cost_per_cohort + np.where(level == 1, 1000.0, 9000.0).sum()
    assert prog.spent == pytest.approx(want)


def test_a_route_to_an_unknown_sector_is_a_clear_error(small):
    with pytest.raises(InputError) as err:
        validate({**small, "training": {"elsewhere": [{"sector": "nursing", "rate": 0.1}]}}, "x.yaml")
    assert "training.elsewhere[0].sector" in str(err.value) and "health care" in str(err.value)


def test_incumbent_workers_are_trained_at_their_employer_and_promoted_into_its_rung(small):
    arm = "arms.sector_partnership.policies.0"
    over = {
        f"{arm}.member_share": 0.6,
        f"{arm}.incumbent_workers": True,
        f"{arm}.eligibility.status": "any",
        f"{arm}.eligibility.max_monthly_earnings": None,
        "labor_market.promotion_rate": 0.0,  # no ordinary promotion: only the trained incumbents move up
    }
    sc = make_scenario(small, **over)
    m = SectorModel(scenario=sc, arm="sector_partnership", rng=5)
    m.run(sc.burn_in + 1)  # the first intake
    w, e, prog = m.workers, m.employers, m.policies[0]
    # every trainee is an incumbent of a member, kept on while training
    now = np.flatnonzero(w.program == prog.pid)
    assert now.size > 0 and (e.commitment[w.employer[now]] == prog.pid).all()
    assert (w.promote_at[now] == w.employer[now]).all()
    m.run(sc.months - 1)
    series = m.datacollector.get_model_vars_dataframe()
    trained = np.flatnonzero(w.ever_enrolled)
    assert trained.size > 10
    # completers were promoted internally although nobody else is
    assert series["promotions"].sum() > 5
    assert (w.promote_at[trained] == -1).sum() >= series["promotions"].sum()
    # the same run without the incumbent route promotes nobody (promotion_rate 0)
    plain = _run(make_scenario(small, **{**over, f"{arm}.incumbent_workers": False}), "sector_partnership")
    assert plain.datacollector.get_model_vars_dataframe()["promotions"].sum() == 0
