"""sectorsim calibrate: fit a region's labor-market parameters to its targets, resumably (Optuna)."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, SMALL, make_scenario, run_cli
from sectorsim.errors import InputError
from sectorsim.fitting import (
    Band,
    Problem,
    _bounds,
    _get,
    check_bands,
    parameters,
    published_bands,
    read_targets,
    targets_yaml,
)
from sectorsim.scenario.loading import resolve_extends, validate

TARGETS = ROOT / "scenarios" / "data" / "targets.yaml"


def test_shipped_targets_are_the_published_bands(small_raw):
    assert TARGETS.read_text(encoding="utf-8") == targets_yaml()
    sc = make_scenario(small_raw)
    assert read_targets(TARGETS, sc) == published_bands(sc)


def test_fitted_parameters_are_the_ones_odd_marks_calibration(small_raw):
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    sc = make_scenario(small_raw)
    keys = {k.rsplit(".", 1)[-1] for p in parameters(sc, published_bands(sc)) for k in p.keys}
    for key in keys:
        rows = [
            line
            for line in odd.splitlines()
            if line.startswith("|") and len(line.split("|")) >= 7 and f"`{key}`" in line.split("|")[1]
        ]
        assert rows and all("**calibration**" in r for r in rows), key


@pytest.mark.parametrize(
    ("band", "message"),
    [
        (Band("unemployment_rte", 0.03, 0.05), "no such metric"),
        (Band("unemployment_rate", 0.05, 0.03), "is above high"),
        (Band("part_time_share_retail", 1.2, 1.5), "cannot meet"),
        (Band("hours_retail", 90, 95), "cannot meet"),
    ],
)
def test_targets_the_model_cannot_meet_are_refused(small_raw, band, message):
    sc = make_scenario(small_raw)
    with pytest.raises(InputError, match=message):
        check_bands([band], sc, "mine.yaml")


def test_contradictory_bands_are_refused_and_the_cli_says_so_in_one_line(small_raw, tmp_path):
    sc = make_scenario(small_raw)
    bands = [
        Band("employment_rate", 0.80, 0.85),
        Band("participation_rate", 0.70, 0.78),
        Band("unemployment_rate", 0.035, 0.07),
    ]
    with pytest.raises(InputError, match="together"):
        check_bands(bands, sc, "mine.yaml")
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"targets": [b.__dict__ for b in bands]}), encoding="utf-8")
    res = run_cli("calibrate", str(SMALL), "--targets", str(path), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "mine.yaml" in res.stderr and "employment_rate" in res.stderr
    assert not (tmp_path / "out").exists(), "nothing is written for refused targets"


def perturbed_region(tmp_path: Path, seed: int) -> Path:
    """The shipped region at 3,000 workers, every calibrated parameter moved +/-30%, as a file."""
    raw = resolve_extends(SMALL)
    n = 3000
    raw["region"]["areas"] = [
        {"name": "Central County", "workers": n * 8 // 15},
        {"name": "North County", "workers": n * 3 // 10},
        {"name": "River County", "workers": n - n * 8 // 15 - n * 3 // 10},
    ]
    raw.update(burn_in=36, months=24, arms=[{"name": "none"}])
    raw.pop("reference", None)
    sc = validate(copy.deepcopy(raw), "test")
    dump, rng = sc.model_dump(), np.random.default_rng(seed)
    moved = copy.deepcopy(raw)
    from sectorsim.scenario.loading import set_path

    for p in parameters(sc, published_bands(sc)):
        for key in p.keys:
            lo, hi = _bounds(sc, key)
            set_path(moved, key, float(np.clip(_get(dump, key) * (1 + 0.3 * rng.choice([-1, 1])), lo, hi)))
    path = tmp_path / f"perturbed_{seed}.yaml"
    path.write_text(yaml.safe_dump(moved, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_calibrate_gets_every_band_back_from_a_perturbed_region(tmp_path):
    path = perturbed_region(tmp_path, seed=3)
    sc = validate(resolve_extends(path), "test")
    start = Problem(resolve_extends(path), published_bands(sc), 1, "test")
    missed = [b.metric for b in start.bands if b.distance(start.simulate({})[b.metric]) > 0]
    assert len(missed) >= 3, "the perturbation takes the region out of several bands"
    out = tmp_path / "fit"
    res = run_cli(
        "calibrate",
        str(path),
        "--targets",
        str(TARGETS),
        "--out",
        str(out),
        "--trials",
        "40",
        "--replications",
        "1",
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    report = pd.read_csv(out / "fit_report.csv")
    assert report["met"].all(), report.to_string()
    assert set(missed) <= set(report["metric"])
    moved = pd.read_csv(out / "fit_parameters.csv")
    assert (moved["change_pct"].abs() > 1).sum() >= 5, "parameters moved"
    # the written scenario reproduces the fit: every band met by its own no-policy run
    again = Problem(resolve_extends(out / "calibrated.yaml"), published_bands(sc), 1, "again")
    values = again.simulate({})
    assert all(b.low <= values[b.metric] <= b.high for b in again.bands), values
    assert "every band met" in res.stderr and "Parameters moved" in res.stdout


def completed_trials(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT t.number, s.study_name FROM trials t JOIN studies s USING (study_id) "
            "WHERE t.state = 'COMPLETE' ORDER BY t.number"
        ).fetchall()
    return [(int(n), str(name)) for n, name in rows]


@pytest.mark.slow
def test_a_killed_calibration_resumes_the_same_study(tmp_path):
    path = perturbed_region(tmp_path, seed=1)
    out = tmp_path / "fit"
    db = out / "study.optuna.db"
    args = [
        "calibrate",
        str(path),
        "--targets",
        str(TARGETS),
        "--out",
        str(out),
        "--trials",
        "40",
        "--replications",
        "3",  # slower trials: the kill lands mid-study
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorsim", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and (not db.exists() or len(completed_trials(db)) < 3):
            time.sleep(0.1)
        before = completed_trials(db)
        assert len(before) >= 3, "three trials finished before the kill"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert not (out / "calibrated.yaml").exists()
    before = completed_trials(db)
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr
    after = completed_trials(db)
    assert after[: len(before)] == before, "the first run's trials are kept"
    assert {name for _, name in after} == {before[0][1]}, "one study, continued"
    assert len(after) > len(before)
    assert f"({len(after) - len(before)} new)" in res.stderr
