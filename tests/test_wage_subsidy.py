"""The worked example of docs/ADDING_A_POLICY.md: a wage subsidy added as one module, no process edited.

These tests are the page's last step: what a new policy's author checks before calling it done.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from conftest import ROOT, make_scenario
from sectorsim.errors import InputError
from sectorsim.model import SectorModel
from sectorsim.policies import REGISTRY

PROGRAM = {"type": "sector_partnership", "target_sector": "health care", "budget": 300000, "cohort_size": 15}


def scenario(small_raw, **subsidy):
    return make_scenario(
        small_raw,
        months=36,
        arms=[
            {"name": "program", "policies": [PROGRAM]},
            {"name": "subsidy", "policies": [PROGRAM, {"type": "wage_subsidy", "program": 0, **subsidy}]},
        ],
    )


def run(sc, arm, seed=4):
    m = SectorModel(scenario=sc, arm=arm, rng=seed)
    m.run()
    return m


def test_it_is_registered_and_lives_in_one_module():
    assert REGISTRY["wage_subsidy"].__module__ == "sectorsim.policies.wage_subsidy"


def test_a_subsidy_that_pays_nothing_and_credits_nothing_reproduces_the_program_alone(small_raw):
    sc = scenario(small_raw, share=0.0, hiring_credit=0.0)
    a, b = run(sc, "program"), run(sc, "subsidy")
    for col in ("employer", "rung", "wage", "earnings", "skill", "credential", "match", "window_earnings"):
        assert np.array_equal(a.workers.column(col), b.workers.column(col)), col
    assert b.policies[1].spent == 0.0


def test_voucher_holders_find_jobs_sooner_and_the_public_pays_its_share(small_raw):
    sc = scenario(small_raw, share=0.5, hiring_credit=3.0, months=6, budget=1e9)
    employed_a, employed_b, spent, wages = [], [], 0.0, 0.0
    for seed in (1, 2, 3):
        a, b = run(sc, "program", seed), run(sc, "subsidy", seed)
        completers = np.flatnonzero(a.workers.completed_month >= 0)
        assert completers.size > 0
        # the same people complete in both arms (the subsidy acts after completion)
        assert np.array_equal(completers, np.flatnonzero(b.workers.completed_month >= 0))
        employed_a.append(a.workers.window_employed[completers].mean())
        employed_b.append(b.workers.window_employed[completers].mean())
        spent += b.policies[1].spent
        wages += b.policies[1].participants
    assert np.mean(employed_b) > np.mean(employed_a)
    assert spent > 0 and wages > 0


def test_the_budget_caps_spending(small_raw):
    sc = scenario(small_raw, share=0.5, hiring_credit=1.0, budget=5000)
    m = run(sc, "subsidy")
    assert 0 < m.policies[1].spent <= 5000 + 1e-6


def test_the_program_it_names_must_be_a_training_program_of_its_arm(small_raw):
    with pytest.raises(InputError, match="must index a training program"):
        make_scenario(
            small_raw,
            arms=[{"name": "bad", "policies": [{"type": "none"}, {"type": "wage_subsidy", "program": 0}]}],
        )


def test_no_process_module_names_the_policy():
    found = subprocess.run(
        [
            "grep",
            "-rl",
            "--include=*.py",
            "wage_subsidy\\|voucher\\|WageSubsidy",
            str(ROOT / "src" / "sectorsim" / "processes"),
        ],
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""
