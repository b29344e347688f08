"""Sweeps: resumable after a real kill, identical across executors, errors recorded; SALib analysis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from conftest import DATA, ROOT, run_cli
from sectorsim import sweep as sw

TINY = DATA / "tiny_experiment.yaml"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted serial sweep."""
    out = tmp_path_factory.mktemp("ref")
    exp, raw = sw.load_experiment(TINY)
    sw.run_sweep(exp, raw, out, jobs=1)
    return sw.read_runs(out)


def test_sweep_has_the_promised_shape(reference):
    exp, _ = sw.load_experiment(TINY)
    assert len(reference) == 8 * (2 + 2) * 2 * 2
    assert {"sample", "arm", "replication", "seed", "earnings_mean", "turnover_rate", "error"} <= set(
        reference.columns
    )
    assert (reference["error"] == "").all()
    # common random numbers: replication r has the same seed in every arm and sample
    assert reference.groupby("replication")["seed"].nunique().eq(1).all()


def test_process_pool_and_dask_give_identical_results(reference, tmp_path):
    exp, raw = sw.load_experiment(TINY)
    sw.run_sweep(exp, raw, tmp_path / "pool", jobs=2)
    pd.testing.assert_frame_equal(sw.read_runs(tmp_path / "pool"), reference, check_exact=True)
    sw.run_sweep(exp, raw, tmp_path / "dask", dask_local=2)
    pd.testing.assert_frame_equal(sw.read_runs(tmp_path / "dask"), reference, check_exact=True)


def test_killed_sweep_resumes_to_identical_results(reference, tmp_path):
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorsim", "sweep", str(TINY), "--out", str(out), "--jobs", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        parts = list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else []
        if len(parts) >= 20:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list((out / "runs").glob("part-*.parquet")))
    assert 20 <= done_before < len(reference), "the kill must land part way"
    res = run_cli("sweep", str(TINY), "--out", str(out), "--jobs", "1")
    assert res.returncode == 0, res.stderr
    pd.testing.assert_frame_equal(sw.read_runs(out), reference, check_exact=True)
    # pandas reads the dataset directly, without duplicates
    assert len(pd.read_parquet(out / "runs")) == len(reference)


def test_a_changed_experiment_is_refused(reference, tmp_path):
    exp, raw = sw.load_experiment(TINY)
    sw.run_sweep(exp, raw, tmp_path / "x", jobs=1)
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        TINY.read_text()
        .replace("replications: 2", "replications: 3")
        .replace("scenario: small.yaml", f"scenario: {DATA / 'small.yaml'}")
    )
    res = run_cli("sweep", str(changed), "--out", str(tmp_path / "x"))
    assert res.returncode == 2 and "different experiment" in res.stderr and "Traceback" not in res.stderr


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    import sectorsim.runner as runner

    real = runner.run_one

    def flaky(scenario, arm, seed, replication=0):
        if arm == "sector_partnership" and scenario.labor_market.offer_acceptance > 0.9:
            raise RuntimeError("boom")
        return real(scenario, arm, seed, replication)

    monkeypatch.setattr(runner, "run_one", flaky)
    exp, raw = sw.load_experiment(TINY)
    sw.run_sweep(exp, raw, tmp_path / "f", jobs=1)
    runs = sw.read_runs(tmp_path / "f")
    failed = runs[runs["error"] != ""]
    assert len(failed) > 0 and len(failed) < len(runs)
    assert failed["error"].str.contains("boom").all() and failed["earnings_mean"].isna().all()


def test_analyze_writes_indices_and_noise(reference, tmp_path):
    exp, raw = sw.load_experiment(TINY)
    sw.run_sweep(exp, raw, tmp_path / "a", jobs=1)
    res = run_cli("analyze", str(tmp_path / "a"))
    assert res.returncode == 0, res.stderr
    idx = pd.read_csv(tmp_path / "a" / "indices.csv")
    assert set(idx["index"]) == {"S1", "ST"}
    assert set(idx["output"]) == {
        "earnings_mean[single_employer]",
        "earnings_mean[sector_partnership]",
        "turnover_rate[single_employer]",
        "turnover_rate[sector_partnership]",
        "earnings_mean[sector_partnership - single_employer]",
    }
    noise = pd.read_csv(tmp_path / "a" / "noise.csv")
    assert noise["noise_share"].between(0, 1).all() and noise["noise_share_of_mean"].between(0, 1).all()
    assert "data:image/png" in (tmp_path / "a" / "report.html").read_text()


def test_analyze_refuses_an_unfinished_sweep(tmp_path):
    exp, raw = sw.load_experiment(TINY)
    sw.run_sweep(exp, raw, tmp_path / "u", jobs=1)
    for p in sorted((tmp_path / "u" / "runs").glob("part-*"))[:3]:
        p.unlink()
    res = run_cli("analyze", str(tmp_path / "u"))
    assert res.returncode == 2 and "unfinished" in res.stderr


def test_ishigami_indices_are_recovered_through_the_same_machinery():
    exp = sw.Experiment(
        name="ishigami",
        scenario="-",
        method="sobol",
        samples=1024,
        second_order=False,
        seed=7,
        parameters=[sw.Parameter(path=f"x{i}", bounds=(-np.pi, np.pi)) for i in range(1, 4)],
        outputs=sw.Outputs(metrics=["y"]),
    )
    X = sw.sample(exp)
    Y = Ishigami.evaluate(X)
    rows = pd.DataFrame(sw.analyze_problem(sw.problem_of(exp), "sobol", X, Y, seed=7)).set_index(
        ["parameter", "index"]
    )
    # analytic values (Ishigami with a = 7, b = 0.1)
    s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    for p in ("x1", "x2", "x3"):
        assert rows.loc[(p, "S1"), "value"] == pytest.approx(s1[p], abs=0.05)
        assert rows.loc[(p, "ST"), "value"] == pytest.approx(st[p], abs=0.05)
    # Morris ranks x1 and x2 above x3 in mu* (x3 acts only through its interaction)
    exp_m = exp.model_copy(update={"method": "morris", "samples": 50})
    Xm = sw.sample(exp_m)
    m = pd.DataFrame(sw.analyze_problem(sw.problem_of(exp_m), "morris", Xm, Ishigami.evaluate(Xm), seed=7))
    mu = m[m["index"] == "mu_star"].set_index("parameter")["value"]
    assert mu["x1"] > mu["x3"] and mu["x2"] > mu["x3"]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace("method: sobol", "method: sobel"), ["method", "sobol"]),
        (lambda t: t.replace("samples: 8", "samples: 6"), ["samples", "power of 2"]),
        (
            lambda t: t.replace("metrics: [earnings_mean, turnover_rate]", "metrics: [earnings_meen]"),
            ["earnings_meen", "did you mean 'earnings_mean'"],
        ),
        (
            lambda t: t.replace(
                "labor_market.offer_acceptance, bounds: [0.5, 0.95]",
                "labor_market.offer_acceptance, bounds: [0.5, 1.5]",
            ),
            ["parameters[1]", "less than or equal to 1"],
        ),
        (
            lambda t: t.replace("replications: 2", "replicatons: 2"),
            ["replicatons", "did you mean 'replications'"],
        ),
    ],
)
def test_bad_experiment_files_give_one_line_errors(tmp_path, edit, words):
    bad = tmp_path / "bad.yaml"
    bad.write_text(edit(TINY.read_text()).replace("scenario: small.yaml", f"scenario: {DATA / 'small.yaml'}"))
    res = run_cli("sweep", str(bad), "--out", str(tmp_path / "o"))
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in res.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_smoke_experiment_sweeps_and_analyzes_as_the_readme_says(tmp_path):
    out = tmp_path / "smoke"
    t = time.time()
    res = run_cli("sweep", "experiments/smoke.yaml", "--out", str(out))
    assert res.returncode == 0, res.stderr
    res = run_cli("analyze", str(out))
    assert res.returncode == 0, res.stderr
    assert time.time() - t < 120
    assert Path(out / "indices.csv").exists()


def test_replication_noise_recovers_known_variances():
    g = np.random.default_rng(3)
    n, r = 400, 4
    s = g.normal(0, 2.0, (n, 1))  # sample effects, variance 4
    shift = g.normal(0, 5.0, (1, r))  # replication main effect (cancels by CRN)
    e = g.normal(0, 1.0, (n, r))  # interaction noise, variance 1
    table = pd.DataFrame(s + shift + e)
    res = sw.replication_noise(table)
    assert res["noise_share"] == pytest.approx(1 / (1 + 4), abs=0.03)
    assert res["noise_share_of_mean"] == pytest.approx((1 / r) / (4 + 1 / r), abs=0.03)
    assert res["replication_shift_share"] > 0.5
