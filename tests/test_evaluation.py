"""The in-silico randomized evaluation: design, estimates, the true effect, outputs, evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import DATA, make_scenario, run_cli
from sectorsim.evaluation import impacts, run_study
from sectorsim.model import SectorModel
from sectorsim.scenario.loading import resolve_extends

EVAL = DATA / "small_eval.yaml"


@pytest.fixture(scope="module")
def raw():
    return resolve_extends(EVAL)


def test_controls_never_enter_the_program_and_treated_do(raw):
    sc = make_scenario(raw)
    m = SectorModel(scenario=sc, arm="program", rng=11, study_access=True)
    m.run()
    st = m.study
    assert st is not None and st.members.rows.size == 160
    treated = st.members.rows[st.members.treated]
    controls = st.members.rows[~st.members.treated]
    assert 40 < treated.size < 120  # about half
    assert not m.workers.ever_enrolled[controls].any()
    assert m.workers.ever_enrolled[treated].mean() > 0.5


def test_a_program_that_does_nothing_has_exactly_zero_true_effect(raw):
    sc = make_scenario(raw, **{"arms.program.policies.0.budget": 0})
    run = run_study(sc, 0)
    assert np.array_equal(run.with_access["earnings"], run.without_access["earnings"])
    yearly = impacts([run, run_study(sc, 1)], 12)
    assert (yearly["true_effect"] == 0).all()


def test_true_effect_is_recovered_by_the_rct_on_average(raw):
    sc = make_scenario(raw, replications=4)
    runs = [run_study(sc, r) for r in range(4)]
    yearly = impacts(runs, 12)
    assert yearly.loc[1, "true_effect"] > 0  # training pays off in year 2
    # randomization: the RCT estimate's CI covers the true effect in year 2 (with some slack for spillovers)
    lo, hi = yearly.loc[1, "ci_low"], yearly.loc[1, "ci_high"]
    slack = 2 * yearly.loc[1, "se_within"]
    assert lo - slack <= yearly.loc[1, "true_effect"] <= hi + slack


def test_evaluate_writes_the_promised_files(tmp_path):
    res = run_cli("evaluate", str(EVAL), "--out", str(tmp_path / "ev"), "--jobs", "2")
    assert res.returncode == 0, res.stderr
    yearly = pd.read_csv(tmp_path / "ev" / "impacts.csv")
    for col in (
        "year",
        "treatment_earnings",
        "control_earnings",
        "earnings_impact",
        "earnings_impact_pct",
        "ci_low",
        "ci_high",
        "employment_impact_pp",
        "in_sector_impact_pp",
        "credential_impact_pp",
        "true_effect",
    ):
        assert col in yearly.columns
    assert list(yearly["year"]) == [1, 2]
    q = pd.read_csv(tmp_path / "ev" / "impacts_quarterly.csv")
    assert list(q["quarter"]) == list(range(1, 9))
    sub = pd.read_csv(tmp_path / "ev" / "subgroups.csv")
    assert set(sub["group"]) == {"Group A", "Group B"}
    cb = pd.read_csv(tmp_path / "ev" / "costbenefit.csv")
    assert cb.loc[0, "cost_per_participant"] > 0
    assert "data:image/png;base64" in (tmp_path / "ev" / "report.html").read_text()
    assert "impact" in res.stdout


def test_evaluate_without_an_evaluation_block_is_a_clear_error(tmp_path):
    res = run_cli("evaluate", str(DATA / "small.yaml"), "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "evaluation" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists()


def test_bad_evaluation_block_names_the_key(tmp_path):
    text = (
        EVAL.read_text()
        .replace("follow_up_months: 24", "follow_up_months: 40")
        .replace("extends: small.yaml", f"extends: {DATA / 'small.yaml'}")
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    res = run_cli("check", str(bad))
    assert res.returncode == 2 and "evaluation.follow_up_months" in res.stderr


@pytest.mark.slow
def test_evidence_reduced_run_writes_its_table(tmp_path):
    res = run_cli(
        "evidence", "--replications", "2", "--out", str(tmp_path / "evd"), "--docs", str(tmp_path / "V.md")
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "evd" / "evidence.csv")
    assert {"target", "source", "low", "high", "simulated", "passed"} <= set(table.columns)
    assert len(table) >= 15 and table["simulated"].notna().all()
    # the labor-market flows pass even in the reduced run
    assert table.head(7)["passed"].all()
    assert "rows pass" in (tmp_path / "V.md").read_text()
