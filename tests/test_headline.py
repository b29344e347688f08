"""The headline: the worker-level counterfactual, its sentences, and the report read in a real browser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import CHROMIUM, SMALL, make_scenario, need_chromium, run_cli
from sectorsim.compare import compare
from sectorsim.counterfactual import analyze, person_impacts
from sectorsim.metrics import IMPACTS, arm_label
from sectorsim.runner import run_scenario


def totals(earnings, months, participant):
    return {
        "earnings": np.asarray(earnings, np.float32),
        "months": np.asarray(months, np.int16),
        "participant": np.asarray(participant, bool),
    }


def test_person_impacts_sets_each_person_against_themselves():
    ref = totals([100, 200, 300, 400, 0], [5, 5, 5, 5, 0], [0, 0, 0, 0, 0])
    cur = totals([150, 260, 250, 400, 90, 70], [5, 5, 5, 5, 3, 2], [1, 1, 0, 0, 0, 0])
    out = person_impacts(cur, ref)
    assert out["participants"] == 2
    assert out["participant_gain"] == pytest.approx((50 + 60) / 2)
    assert out["rest_people"] == 4  # rows 2..5: row 5 exists only in the arm (padded as 0 in the reference)
    assert out["rest_gain_total"] == pytest.approx(-50 + 0 + 90 + 70)
    assert out["displaced"] == 1 and out["displaced_loss"] == pytest.approx(50)
    assert out["gainers"] == 2 and out["gainers_gain_total"] == pytest.approx(160)
    assert out["net_gain_total"] == pytest.approx(110 + 110)
    # swapping the arms turns gains into losses
    assert person_impacts(ref, ref)["rest_gain_total"] == 0


@pytest.fixture(scope="module")
def small_results(small_raw):
    raw = dict(small_raw)
    raw["arms"] = [*small_raw["arms"], {"name": "copy_of_none"}]
    sc = make_scenario(raw, months=12, replications=3)
    res = run_scenario(sc, jobs=1)
    return sc, res, compare(res.summary, sc.reference_arm)


def test_an_arm_without_policy_has_no_counterfactual_effect(small_results):
    sc, res, comparison = small_results
    impacts, table, heads = analyze(res, comparison)
    same = impacts[impacts["arm"] == "copy_of_none"]
    assert len(same) == sc.replications
    for key in ("participant_gain_total", "rest_gain_total", "displaced", "gainers"):
        assert (same[key] == 0).all(), key
    programs = impacts[impacts["arm"] == "sector_partnership"]
    assert (programs["participants"] > 0).all()
    assert programs["participant_gain_total"].abs().sum() > 0
    assert set(table["metric"]) >= {m.key for m in IMPACTS}
    arms = [h.arm for h in heads]
    assert arms == ["single_employer", "sector_partnership", "copy_of_none"]
    # the headline's numbers are the table's: participants, and the gain per participant
    part = table[(table["arm"] == "sector_partnership")].set_index("metric")
    first = heads[1].sentences[0]
    assert f"{part.loc['participants', 'mean']:,.0f} people" in first
    assert f"${part.loc['participant_gain', 'mean']:,.0f}".replace("$-", "-$") in first.replace("+", "")
    assert "served no one" in heads[2].sentences[0]
    employers = " ".join(heads[1].sentences)
    change = comparison.set_index(["arm", "metric"]).loc[
        ("sector_partnership", "turnover_engaged_change_pct"), "mean"
    ]
    assert f"At the employers it engaged, turnover {change:+.1f}%" in employers


def test_public_and_employer_money_are_apart(small_results):
    _, res, _ = small_results
    s = res.summary
    assert np.allclose(s["public_cost"] + s["employer_cost"], s["program_cost"])
    pooled = s[s["arm"] == "sector_partnership"]
    assert (pooled["employer_cost"] > 0).all(), "the partnership pools employer money"
    assert (s.loc[s["arm"] == "single_employer", "employer_cost"] == 0).all()


@pytest.mark.slow
def test_report_headline_in_a_real_browser(tmp_path):
    """The run report opens with the headline; nothing is wider than the page; every image loads."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    out = tmp_path / "run"
    res = run_cli(
        "run", str(SMALL), "--out", str(out), "--jobs", "1", "--replications", "3", "--months", "12"
    )
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "headline.csv")
    said = " ".join(res.stdout.split())
    assert "The answer" in said and "per participant" in said
    assert "per $1 of participants' earnings gain" in said or "no earnings gain" in said
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((out / "report.html").as_uri())
        first = page.evaluate("() => document.querySelector('h2').closest('section')?.id")
        assert first == "headline", "the headline is the report's first section"
        text = page.inner_text("#headline")
        for arm in ("single_employer", "sector_partnership"):
            rows = table[table["arm"] == arm].set_index("metric")["mean"]
            block = page.inner_text(f"#headline [data-arm='{arm}']")
            assert arm_label(arm) in block
            assert f"{rows['participants']:,.0f} people" in block
            assert f"${abs(rows['participant_gain']):,.0f}" in block
            assert "95% CI" in block and "per participant" in block
            assert "per $1 of participants' earnings gain" in block or "no earnings gain" in block
            assert "Employers" in block and "Earnings gap" in block
            for who in ("Participants", "Rest of the region", "earned less (displaced)", "Everyone (net)"):
                assert who in block
        assert "_" not in text, "no raw names in the headline"
        wide = page.evaluate(
            """() => { const W = document.documentElement.clientWidth;
            return Array.from(document.querySelectorAll('body *'))
              .filter(e => e.getBoundingClientRect().right > W + 1).map(e => e.tagName); }"""
        )
        assert wide == [], f"elements wider than the page: {wide}"
        images = page.evaluate("() => Array.from(document.images).map(i => i.complete && i.naturalWidth)")
        assert len(images) >= 4 and all(w and w > 100 for w in images), images
        browser.close()
