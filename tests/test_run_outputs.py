"""`sectorsim run`: outputs, determinism serial vs parallel, and the report."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from conftest import SMALL, run_cli

REQUIRED = [
    "arm",
    "replication",
    "seed",
    "earnings_mean",
    "employment_rate",
    "turnover_rate",
    "earnings_gini",
    "earnings_gap",
]


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    a = tmp_path_factory.mktemp("serial")
    b = tmp_path_factory.mktemp("parallel")
    ra = run_cli("run", str(SMALL), "--out", str(a), "--jobs", "1", "--replications", "3")
    rb = run_cli("run", str(SMALL), "--out", str(b), "--jobs", "2", "--replications", "3")
    assert ra.returncode == 0, ra.stderr
    assert rb.returncode == 0, rb.stderr
    return a, b, ra


def test_summary_is_byte_identical_serial_and_parallel(serial_and_parallel):
    a, b, _ = serial_and_parallel
    assert (a / "summary.csv").read_bytes() == (b / "summary.csv").read_bytes()
    assert (a / "comparison.csv").read_bytes() == (b / "comparison.csv").read_bytes()
    assert (a / "counterfactual.csv").read_bytes() == (b / "counterfactual.csv").read_bytes()


def test_outputs_have_the_promised_shape(serial_and_parallel):
    a, _, res = serial_and_parallel
    summary = pd.read_csv(a / "summary.csv")
    assert list(summary.columns[:3]) == ["arm", "replication", "seed"]
    assert set(REQUIRED) <= set(summary.columns)
    assert len(summary) == 3 * 3
    # a value is missing only where it is undefined: the employer return of an arm whose employers
    # contributed nothing (a ratio to contributions)
    missing = summary.isna()
    assert set(summary.columns[missing.any()]) <= {"employer_return"}
    assert (summary.loc[missing["employer_return"], "employer_contributions"] == 0).all()
    # paired by seed: every arm uses the same seeds
    seeds = summary.groupby("arm")["seed"].apply(tuple)
    assert seeds.nunique() == 1
    comp = pd.read_csv(a / "comparison.csv")
    assert {"arm", "metric", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"} <= set(
        comp.columns
    )
    ref = comp[comp["arm"] == "none"]
    assert ((ref["diff"] == 0) | ref["mean"].isna()).all()  # undefined (employer return) or zero
    ts = pd.read_parquet(a / "timeseries.parquet")
    assert {"arm", "replication", "seed", "month", "earnings_mean", "employment_rate"} <= set(ts.columns)
    assert len(ts) == 3 * 3 * (12 + 24)
    html = (a / "report.html").read_text()
    assert html.count("data:image/png;base64") >= 4
    assert "Difference from" in html or "difference" in html
    # the printed table shows each arm and the paired differences
    assert "Sector partnership" in res.stdout and "Δ" in res.stdout


def test_same_seed_same_bytes_other_seed_other_numbers(tmp_path):
    r1 = run_cli(
        "run", str(SMALL), "--out", str(tmp_path / "a"), "--jobs", "1", "--replications", "2", "--months", "6"
    )
    r2 = run_cli(
        "run", str(SMALL), "--out", str(tmp_path / "b"), "--jobs", "1", "--replications", "2", "--months", "6"
    )
    r3 = run_cli(
        "run",
        str(SMALL),
        "--out",
        str(tmp_path / "c"),
        "--jobs",
        "1",
        "--replications",
        "2",
        "--months",
        "6",
        "--seed",
        "99",
    )
    assert r1.returncode == r2.returncode == r3.returncode == 0
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (tmp_path / "b" / "summary.csv").read_bytes()
    assert (tmp_path / "a" / "summary.csv").read_bytes() != (tmp_path / "c" / "summary.csv").read_bytes()


def test_help_describes_the_commands():
    res = run_cli("--help")
    assert res.returncode == 0
    for cmd in ("run", "check"):
        assert cmd in res.stdout
    res = run_cli("run", "--help")
    for opt in ("--out", "--replications", "--seed", "--months", "--jobs"):
        assert opt in res.stdout


def test_help_does_not_load_the_model_stack():
    """`sectorsim --help` stays quick: the CLI module imports no mesa, numba or scipy."""
    code = (
        "import sys, sectorsim.cli; print(sorted(m for m in ('mesa', 'numba', 'scipy') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]", res.stdout
    # while the package's public names still resolve
    code = "import sectorsim; print(sectorsim.SectorModel.__name__, sectorsim.load_scenario.__name__)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.split() == ["SectorModel", "load_scenario"]
