"""Scenario discovery: PRIM and CART recover a known box; conditions are parsed, never executed."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conftest import DATA, run_cli
from sectorsim import sweep as sw
from sectorsim.cli import main
from sectorsim.errors import InputError
from sectorsim.sweep.condition import ConditionError, parse
from sectorsim.sweep.discovery import discover_cases

# ---- a synthetic response whose true box is known ------------------------------------------------

#: The true box: 0.3 < a < 0.7 and b > 60 (b spans 0..100); c and d do nothing.
TRUE = {"a": (0.3, 0.7), "b": (60.0, 100.0)}
RANGES = {"a": (0.0, 1.0), "b": (0.0, 100.0), "c": (0.0, 1.0), "d": (-5.0, 5.0)}


def _synthetic(n: int = 600, seed: int = 4, box: dict = TRUE) -> tuple[pd.DataFrame, pd.DataFrame]:
    g = np.random.default_rng(seed)
    X = pd.DataFrame({p: g.uniform(lo, hi, n) for p, (lo, hi) in RANGES.items()})
    inside = np.ones(n, bool)
    for p, (lo, hi) in box.items():
        inside &= (X[p] > lo) & (X[p] < hi)
    gain = np.where(inside, 40.0, -10.0) + g.normal(0, 8.0, n) + 5 * X["c"]  # noisy, c a nuisance
    return X, pd.DataFrame({"earnings_mean[p - s]": gain, "turnover_rate[p]": g.uniform(0, 1, n)})


@pytest.mark.parametrize("box", [TRUE, {"a": (0.1, 0.45), "d": (-5.0, 1.0)}])
def test_prim_and_cart_recover_a_known_box(box):
    X, outputs = _synthetic(box=box)
    d = discover_cases(X, outputs, "earnings_mean[p - s] > 15")
    assert d.n_of_interest == pytest.approx(
        len(X) * np.prod([(hi - lo) / np.ptp(RANGES[p]) for p, (lo, hi) in box.items()]), rel=0.25
    )
    prim_box = d.boxes[0]
    limits = prim_box.limits.set_index("parameter")
    # the true box's parameters are restricted, significantly; any other restriction is not
    assert set(limits.index[limits["qp"] < 0.01]) == set(box), limits
    for p, (lo, hi) in box.items():
        span = np.ptp(RANGES[p])
        assert limits.loc[p, "low"] == pytest.approx(max(lo, RANGES[p][0]), abs=0.05 * span)
        assert limits.loc[p, "high"] == pytest.approx(min(hi, RANGES[p][1]), abs=0.05 * span)
        assert limits.loc[p, "qp"] < 1e-6  # every true limit is significant
    stats = prim_box.stats
    assert stats["density"] >= 0.85 and stats["coverage"] >= 0.85, stats
    # the peeling trajectory starts from the whole space and trades coverage for density
    t = prim_box.trajectory
    assert t["mass"].iloc[0] == 1.0 and t["coverage"].iloc[0] == 1.0
    assert t["density"].iloc[prim_box.chosen] > t["density"].iloc[0] * 3
    # CART: the leaf predicting the cases of interest splits on the true parameters only
    best = d.leaves[d.leaves["predicts"]].iloc[0]
    assert best["density"] >= 0.85 and best["coverage"] >= 0.7, d.leaves
    assert set(d.limits[d.limits["leaf"] == best["leaf"]]["parameter"]) == set(box)


def test_the_chosen_step_follows_min_density():
    X, outputs = _synthetic()
    loose = discover_cases(X, outputs, "earnings_mean[p - s] > 15", min_density=0.3).boxes[0]
    tight = discover_cases(X, outputs, "earnings_mean[p - s] > 15", min_density=0.99).boxes[0]
    assert loose.stats["density"] >= 0.3 and loose.stats["coverage"] >= tight.stats["coverage"]
    assert loose.stats["mass"] > tight.stats["mass"]


def test_a_second_box_is_found_on_what_the_first_left():
    X, outputs = _synthetic()
    second = {"a": (0.0, 0.2), "c": (0.0, 0.3)}
    inside = (X["a"] < 0.2) & (X["c"] < 0.3)
    outputs.loc[inside, "earnings_mean[p - s]"] = 40.0
    d = discover_cases(X, outputs, "earnings_mean[p - s] > 15", boxes=2)
    assert len(d.boxes) == 2
    # each box's significant limits (small quasi-p) are one true box's; spurious limits are not significant
    found = {frozenset(b.limits[b.limits["qp"] < 0.01]["parameter"]) for b in d.boxes}
    assert found == {frozenset(TRUE), frozenset(second)}, [b.limits for b in d.boxes]
    assert d.boxes[1].stats["density"] >= 0.85


def test_the_report_writes_markdown_html_plots_and_tables(tmp_path):
    from sectorsim.report.discovery import write_discovery_report

    X, outputs = _synthetic(n=300)
    d = discover_cases(X, outputs, "earnings_mean[p - s] > 15")
    names = write_discovery_report(tmp_path, d)
    assert sorted(names) == sorted(p.name for p in tmp_path.iterdir())
    md = (tmp_path / "discovery.md").read_text()
    assert "![Peeling trajectory](prim_trajectory.png)" in md and "| parameter | low | high | qp" in md
    for png in ("prim_trajectory.png", "prim_boxes.png", "cases.png", "cart_tree.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "report.html").read_text().count("data:image/png") == 4
    boxes = pd.read_csv(tmp_path / "prim_boxes.csv")
    assert set(boxes["parameter"]) == set(TRUE)
    traj = pd.read_csv(tmp_path / "prim_trajectory.csv")
    assert traj["chosen"].sum() == 1


# ---- the condition language ------------------------------------------------------------------------

COLS = {
    "earnings_mean[b - a]": np.array([10.0, 30.0, -5.0, np.nan]),
    "turnover_rate[b]": np.array([0.2, 0.5, 0.1, 0.3]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("earnings_mean[b - a] >= 10", [True, True, False, False]),
        ("earnings_mean[b-a] > 10", [False, True, False, False]),  # spaces in brackets do not matter
        ("0 < earnings_mean[b - a] <= 10", [True, False, False, False]),  # chained
        ("earnings_mean[b - a] > 0 and turnover_rate[b] < 0.3", [True, False, False, False]),
        ("earnings_mean[b - a] > 20 or turnover_rate[b] < 0.15", [False, True, True, False]),
        ("not earnings_mean[b - a] > 0", [False, False, True, True]),  # NaN > 0 is false
        ("earnings_mean[b - a] / 10 - 1 == 2 * turnover_rate[b] - 0.4", [True, False, False, False]),
        ("-earnings_mean[b - a] > 0 or (turnover_rate[b] > 0.4 and 1_000 > 1e2)", [False, True, True, False]),
        (
            "earnings_mean[b - a] > 0 and not (turnover_rate[b] > 0.4 or turnover_rate[b] < 0.15)",
            [True, False, False, False],
        ),
    ],
)
def test_conditions_evaluate_as_written(text, expected):
    cond = parse(text, list(COLS))
    assert cond.evaluate(COLS).tolist() == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["empty"]),
        ("earnings_mean[b - a] > ", ["expected a number", "at the end"]),
        ("earnings_mean[b - a] = 3", ["'='", "=="]),
        ("earnings_mean[b - a] > 3 && turnover_rate[b] < 1", ["'&'", "write and"]),
        ("earnings_meen[b - a] > 3", ["unknown output", "did you mean 'earnings_mean[b - a]'"]),
        ("__import__('os').system('x') > 0", ["unexpected", "allowed"]),
        ("open.read > 0", ["unknown output 'open.read'"]),
        ("earnings_mean[b - a]", ["a number, not a condition"]),
        ("earnings_mean[b - a] > 3 and 4", ["'and' needs a comparison"]),
        ("(earnings_mean[b - a] > 3) + 1 > 0", ["'+' needs numbers"]),
        ("(earnings_mean[b - a] > 3", ["')' is missing"]),
        ("earnings_mean[b - a] > 3 turnover_rate[b] < 1", ["join conditions with and / or"]),
        ("(" * 60 + "1 > 0" + ")" * 60, ["nested more than"]),
    ],
)
def test_bad_conditions_are_refused_with_a_reason(text, words):
    with pytest.raises(ConditionError) as err:
        parse(text, list(COLS))
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message


def test_a_condition_that_holds_everywhere_or_nowhere_is_refused():
    X, outputs = _synthetic(n=100)
    for text, word in (("earnings_mean[p - s] > 1e9", "none"), ("turnover_rate[p] >= 0", "all")):
        with pytest.raises(InputError, match=f"holds for {word} of the 100 samples"):
            discover_cases(X, outputs, text)


# ---- the command -------------------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else 1), out.getvalue(), err.getvalue()


def _fake_run(raw, params, arm, seed, ids, metrics):
    """Stands in for a model run: the partnership gains when its budget is high."""
    budget = params["arms.sector_partnership.policies.0.budget"]
    y = 2000.0 + (30.0 if arm == "sector_partnership" and budget > 200000 else 0.0) + (seed % 5)
    return {**ids, **{m: y for m in metrics}, "error": ""}


@pytest.fixture(scope="module")
def fake_sweep(tmp_path_factory):
    """A finished sweep folder whose runs are a known function of the parameters (no model runs)."""
    import sectorsim.sweep.execute as execute

    exp, raw = sw.load_experiment(DATA / "tiny_experiment.yaml")
    exp = sw.Experiment.model_validate(exp.model_dump(mode="json") | {"method": "latin", "samples": 60})
    out = tmp_path_factory.mktemp("sweep")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            execute,
            "run_group",
            lambda raw, runs, metrics, dedup=True: [(r[0], _fake_run(raw, *r[1:], metrics)) for r in runs],
        )
        sw.run_sweep(exp, raw, out, jobs=1)
    return out


def test_discover_on_a_sweep_folder_finds_the_budget_limit(fake_sweep, tmp_path):
    code, out, err = _cli(
        "discover",
        str(fake_sweep),
        "--where",
        "earnings_mean[sector_partnership - single_employer] > 10",
        "--out",
        str(tmp_path / "d"),
    )
    assert code == 0, err
    assert "PRIM box 1" in out and "CART leaves" in out and "arms.sector_partnership.policies.0.budget" in out
    boxes = pd.read_csv(tmp_path / "d" / "prim_boxes.csv")
    budget = boxes.set_index("parameter").loc["arms.sector_partnership.policies.0.budget"]
    assert budget["low"] == pytest.approx(200000, abs=0.06 * 250000) and budget["density"] >= 0.9
    assert (tmp_path / "d" / "discovery.md").exists() and (tmp_path / "d" / "cart_tree.png").exists()


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("earnings_mean[sector_partnership - single_employer] >", ["--where", "at the end"]),
        ("earnings_mean[nobody] > 3", ["--where", "unknown output", "earnings_mean[sector_partnership]"]),
        ("earnings_mean[single_employer] => 3", ["--where", "unexpected"]),
        ("exec('import os') or 1 > 0", ["--where", "unexpected"]),
        ("turnover_rate[single_employer] > 1e9", ["--where", "holds for none of the 60 samples"]),
    ],
)
def test_bad_where_gives_one_line_and_exit_2(fake_sweep, tmp_path, where, words):
    code, _, err = _cli("discover", str(fake_sweep), "--where", where, "--out", str(tmp_path / "d"))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]
    assert not (tmp_path / "d").exists()


def test_without_the_optional_prim_package_discover_says_how_to_install_it(fake_sweep, tmp_path, monkeypatch):
    # PRIM is an optional extra (GPL-3.0-or-later): a plain install has no 'prim' to import
    monkeypatch.setitem(__import__("sys").modules, "prim", None)
    where = "earnings_mean[sector_partnership - single_employer] > 10"
    code, _, err = _cli("discover", str(fake_sweep), "--where", where, "--out", str(tmp_path / "d"))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "pip install 'sectorsim[discovery]'" in lines[0] and "GPL" in lines[0]
    assert not (tmp_path / "d").exists()


def test_discover_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    code, _, err = _cli("discover", str(tmp_path), "--where", "x > 1")
    assert code == 2 and "not a sweep folder" in err


@pytest.mark.slow
def test_discover_on_a_small_real_sweep_of_the_default_scenario(tmp_path):
    """The whole path a researcher takes: sweep the default scenario, then ask where the partnership wins."""
    out = tmp_path / "sweep"
    res = run_cli("sweep", "experiments/discovery_smoke.yaml", "--out", str(out), "--jobs", "2")
    assert res.returncode == 0, res.stderr
    runs = sw.read_runs(out)
    gain = (
        runs[runs.arm == "sector_partnership"].set_index("sample")["earnings_mean"]
        - runs[runs.arm == "single_employer"].set_index("sample")["earnings_mean"]
    )
    threshold = float(gain.median())  # half the samples are cases of interest, whatever the model says
    where = f"earnings_mean[sector_partnership - single_employer] > {threshold!r}"
    res = run_cli("discover", str(out), "--where", where)
    assert res.returncode == 0, res.stderr
    assert f"holds for {int((gain > threshold).sum())} of 30 samples" in res.stdout
    assert "PRIM box 1: coverage" in res.stdout and "CART leaves" in res.stdout
    boxes = pd.read_csv(out / "discovery" / "prim_boxes.csv")
    assert not boxes.empty and boxes["qp"].between(0, 1).all()
    assert {"coverage", "density", "mass"} <= set(boxes.columns)
    assert (out / "discovery" / "report.html").read_text().count("data:image/png") == 4
