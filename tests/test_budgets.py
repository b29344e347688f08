"""Budget curves: each approach at several public budgets, same seeds, against the same people."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import SMALL, make_scenario, run_cli
from sectorsim.budgets import at_budget, budget_curves, budgeted_arms, parse_budgets
from sectorsim.errors import InputError


def test_budgets_parse_with_suffixes_and_refuse_nonsense():
    assert parse_budgets("0.5M, 1m,250k,$2_000_000,1M") == [250e3, 5e5, 1e6, 2e6]
    for bad in ("", "1M,,2M", "-1M", "0", "2 millions", "1e6"):
        with pytest.raises(InputError, match="--budgets"):
            parse_budgets(bad)


def test_at_budget_moves_only_that_arms_budgets(small_raw):
    sc = make_scenario(small_raw)
    assert budgeted_arms(sc) == ["single_employer", "sector_partnership"]
    moved = at_budget(sc, "sector_partnership", 1.25e6)
    budgets = {a.name: [getattr(p, "budget", None) for p in a.policies] for a in moved.arms}
    assert budgets["sector_partnership"] == [1.25e6]
    assert budgets["single_employer"] == [sc.arms[1].policies[0].budget]  # untouched
    assert sc.arms[2].policies[0].budget != 1.25e6, "the original scenario is not changed"


@pytest.mark.slow
def test_more_money_serves_more_people_with_the_same_seeds(small_raw):
    sc = make_scenario(small_raw, months=12, replications=2)
    runs, curves = budget_curves(sc, [100e3, 600e3], jobs=1)
    assert len(runs) == 2 * 2 * 2
    people = curves[curves["metric"] == "participants"].pivot(index="arm", columns="budget", values="mean")
    assert (people[600e3] > people[100e3]).all(), people
    spent = curves[curves["metric"] == "public_cost"].pivot(index="arm", columns="budget", values="mean")
    assert (spent[100e3] <= 100e3 + 1e-6).all() and (spent[600e3] > spent[100e3]).all()


@pytest.mark.slow
def test_budgets_command_writes_curves_and_refuses_bad_levels(tmp_path):
    bad = run_cli("budgets", str(SMALL), "--budgets", "1M,lots", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--budgets" in bad.stderr
    assert not (tmp_path / "x").exists()
    out = tmp_path / "b"
    res = run_cli(
        "budgets",
        str(SMALL),
        "--budgets",
        "150k,450k",
        "--replications",
        "1",
        "--months",
        "6",
        "--jobs",
        "1",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    curves = pd.read_csv(out / "budget_curves.csv")
    assert set(curves["budget"]) == {150e3, 450e3}
    html = (out / "budgets.html").read_text()
    assert html.count("data:image/png;base64") == 1 and "Sector partnership" in html
    assert "Single employer" in res.stdout and "people served" in res.stdout


@pytest.mark.slow
def test_run_with_budgets_puts_the_curves_in_the_report(tmp_path):
    bad = run_cli("run", str(SMALL), "--budgets", "0", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "--budgets" in bad.stderr and not (tmp_path / "x").exists()
    out = tmp_path / "r"
    res = run_cli(
        "run",
        str(SMALL),
        "--budgets",
        "150k,450k",
        "--replications",
        "2",
        "--months",
        "6",
        "--jobs",
        "1",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    html = (out / "report.html").read_text()
    assert "Budget curves" in html and html.count("data:image/png;base64") == 5
    assert set(pd.read_csv(out / "budget_curves.csv")["budget"]) == {150e3, 450e3}
