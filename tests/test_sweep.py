"""Sweeps: resumable after a real kill, identical across executors, errors recorded; SALib analysis."""

from __future__ import annotations

import json
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


def test_runs_sharing_a_burn_in_equal_runs_from_the_start(reference):
    """The sweep forks each group's runs from one burn-in; every row equals an unforked run's."""
    exp, raw = sw.load_experiment(TINY)
    X = sw.sample(exp)
    assert exp.parameters[0].path.startswith("arms.") and not exp.parameters[1].path.startswith("arms.")
    # Saltelli's design repeats the market parameter's values: samples differ only in the policy setting
    assert len(set(X[:, 1])) < len(X)
    rows = []
    for _, run in reference.iterrows():
        params = {p.path: p.cast(X[run["sample"], j]) for j, p in enumerate(exp.parameters)}
        ids = {k: run[k] for k in ("sample", "arm", "replication", "seed")}
        rows.append(sw.run_task(raw, params, run["arm"], int(run["seed"]), ids, exp.recorded_metrics))
    unforked = pd.DataFrame(rows)[reference.columns].astype(reference.dtypes.to_dict())
    pd.testing.assert_frame_equal(unforked, reference, check_exact=True)


def test_a_sample_that_fails_in_a_group_fails_alone():
    """One sample of a shared burn-in with an invalid policy setting: its runs record the error, the rest run."""
    import sectorsim.sweep.execute as execute

    exp, raw = sw.load_experiment(TINY)
    metrics = exp.recorded_metrics
    budget, offer = (p.path for p in exp.parameters)
    runs = [
        (
            f"part-{s}-{arm}",
            {budget: b, offer: 0.7},
            arm,
            99,
            {"sample": s, "arm": arm, "replication": 0, "seed": 99},
        )
        for s, b in ((0, 100000.0), (1, -5.0))
        for arm in exp.arms
    ]
    rows = dict(execute.run_group(raw, runs, metrics))
    assert [rows[r[0]]["error"] != "" for r in runs] == [False, False, True, True]
    assert "budget" in rows["part-1-sector_partnership"]["error"]
    for name, params, arm, seed, ids in runs[:2]:
        assert rows[name] == sw.run_task(raw, params, arm, seed, ids, metrics)


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

    real = runner.run_arms

    def flaky(runs, seed, replication=0):
        results = real(runs, seed, replication)
        return [
            RuntimeError("boom")
            if arm == "sector_partnership" and scenario.labor_market.offer_acceptance > 0.9
            else res
            for (scenario, arm), res in zip(runs, results, strict=True)
        ]

    monkeypatch.setattr(runner, "run_arms", flaky)
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


#: Ishigami (a = 7, b = 0.1): analytic first-order and total indices.
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


@pytest.mark.parametrize(
    ("method", "index", "ranking", "analytic"),
    [
        # moment-independent: x2 shifts the distribution most, x3 least (it acts only with x1)
        pytest.param("delta", "delta", ["x2", "x1", "x3"], None, marks=pytest.mark.slow),  # delta: ~10 s
        ("pawn", "pawn_median", ["x2", "x1", "x3"], None),
        ("rbd_fast", "S1", ["x2", "x1", "x3"], ISHIGAMI_S1),
        ("hdmr", "ST", ["x1", "x2", "x3"], ISHIGAMI_ST),
    ],
)
def test_the_new_methods_recover_the_ishigami_ranking_through_the_same_machinery(
    method, index, ranking, analytic
):
    exp = sw.Experiment(
        name="ishigami",
        scenario="-",
        method=method,
        samples=256 if method == "delta" else 1000,
        second_order=True,
        seed=7,
        parameters=[sw.Parameter(path=f"x{i}", bounds=(-np.pi, np.pi)) for i in range(1, 4)],
        outputs=sw.Outputs(metrics=["y"]),
    )
    X = sw.sample(exp)  # the method table's sampler (Latin hypercube for all four)
    assert X.shape == (exp.samples, 3)
    rows = pd.DataFrame(
        sw.analyze_problem(sw.problem_of(exp), method, X, Ishigami.evaluate(X), second_order=True, seed=7)
    )
    assert set(rows["index"]) == set(sw.METHODS[method].indices)
    values = rows[rows["index"] == index].set_index("parameter")
    assert list(values["value"].sort_values(ascending=False).index) == ranking, values
    if analytic:
        for p, v in analytic.items():
            assert values.loc[p, "value"] == pytest.approx(v, abs=0.06), values
    if sw.METHODS[method].bars and method != "pawn":  # SALib gives intervals for all but PAWN
        assert values["conf"].between(0, 0.2).all(), values
    if method == "hdmr":  # the one interaction, x1 with x3, is the largest second-order term
        pairs = rows[rows["index"] == "S2"].set_index("parameter")["value"]
        assert pairs.idxmax() == "x1 x x3" and pairs["x1 x x3"] == pytest.approx(0.2437, abs=0.06)
    # the analysis is reproducible, and leaves numpy's global generator as it found it
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the global generator SALib touches
    again = pd.DataFrame(
        sw.analyze_problem(sw.problem_of(exp), method, X, Ishigami.evaluate(X), second_order=True, seed=7)
    )
    pd.testing.assert_frame_equal(rows, again)
    assert (np.random.get_state()[1] == state).all()  # noqa: NPY002


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


# ---- the method table ---------------------------------------------------------------------------


def _fake_run(raw, params, arm, seed, ids, metrics):
    """Stands in for a model run: a known function of the parameters plus a little seed noise."""
    y = (
        1000 * params["labor_market.offer_acceptance"]
        + params["arms.sector_partnership.policies.0.budget"] / 1e6
    )
    return {**ids, **{m: y + 0.01 * (seed % 7) for m in metrics}, "error": ""}


def _fake_group(raw, runs, metrics, dedup=True):
    """Stands in for a group of model runs sharing a burn-in: each run by :func:`_fake_run`."""
    return [(name, _fake_run(raw, params, arm, seed, ids, metrics)) for name, params, arm, seed, ids in runs]


def _tiny_with(method: str, samples: int) -> tuple[sw.Experiment, dict]:
    exp, raw = sw.load_experiment(TINY)
    data = exp.model_dump(mode="json") | {
        "method": method,
        "samples": samples,
        "arms": ["sector_partnership"],
        "outputs": {"metrics": ["earnings_mean"], "differences": []},
    }
    return sw.Experiment.model_validate(data), raw


SIZES = {
    "sobol": 8,
    "morris": 4,
    "fast": 65,
    "delta": 40,
    "pawn": 40,
    "rbd_fast": 50,
    "hdmr": 300,
    "latin": 10,
    "grid": 3,
}


def test_the_schema_accepts_exactly_the_methods_of_the_table():
    from typing import get_args

    assert get_args(sw.Experiment.model_fields["method"].annotation) == tuple(sw.METHODS)
    assert set(SIZES) == set(sw.METHODS), "every method of the table is exercised below"


@pytest.mark.filterwarnings("ignore:FAST confidence intervals")
@pytest.mark.parametrize("method", list(sw.METHODS))
def test_every_method_of_the_table_runs_a_tiny_sweep_end_to_end(method, tmp_path, monkeypatch):
    import sectorsim.sweep.execute as execute
    from sectorsim.report import write_sensitivity_report

    monkeypatch.setattr(execute, "run_group", _fake_group)
    exp, raw = _tiny_with(method, SIZES[method])
    out = sw.run_sweep(exp, raw, tmp_path / method, jobs=1)
    indices, noise = sw.analyze(out)
    entry = sw.METHODS[method]
    # the table's sampler made the design; its analyzer made exactly its indices
    X = sw.sample(exp)
    assert len(sw.read_runs(out)) == X.shape[0] * exp.replications
    assert set(indices["index"]) == set(entry.indices) - ({"S2"} if not exp.second_order else set())
    assert entry.headline in set(indices["index"])
    # the influential parameter tops the headline index
    top = indices[indices["index"] == entry.headline].set_index("parameter")["value"].abs()
    assert top.idxmax() == "labor_market.offer_acceptance", indices
    assert noise["noise_share"].between(0, 1).all()
    meta = json.loads((out / "experiment.json").read_text())
    write_sensitivity_report(
        str(out / "report.html"), meta, indices, noise, sw.output_table(meta, sw.read_runs(out))
    )
    html = (out / "report.html").read_text()
    assert html.count("data:image/png") == 1 + bool(entry.bars) + bool(entry.scatter)
    assert (
        "Mean monthly earnings of working-age residents ($): sector_partnership" in html
    )  # the registry's label, not the raw name


def test_the_table_alone_drives_sampling_and_analysis(tmp_path, monkeypatch):
    """Swap one entry's sampler and analyzer: sweeps and analysis use the new ones, nothing else."""
    import dataclasses

    import sectorsim.sweep.execute as execute

    monkeypatch.setattr(execute, "run_group", _fake_group)
    calls = []

    def sampler(problem, options):
        calls.append(("sample", options.samples, options.seed))
        return np.array([[100000.0, 0.6], [200000.0, 0.7], [250000.0, 0.9]])

    def analyzer(problem, X, Y, options):
        calls.append(("analyze", X.shape, len(Y)))
        return [{"parameter": n, "index": "probe", "value": 1.0, "conf": 0.0} for n in problem["names"]]

    real = sw.METHODS["latin"]
    swapped = dataclasses.replace(real, sample=sampler, analyze=analyzer, indices=("probe",))
    monkeypatch.setitem(sw.METHODS, "latin", swapped)
    exp, raw = _tiny_with("latin", 10)
    out = sw.run_sweep(exp, raw, tmp_path / "probe", jobs=1)
    indices, _ = sw.analyze(out)
    assert calls == [("sample", 10, exp.seed), ("analyze", (3, 2), 3)]
    assert set(indices["index"]) == {"probe"}
    # the companion: put the real analyzer back in the entry and the same sweep gives Spearman correlations
    monkeypatch.setitem(sw.METHODS, "latin", dataclasses.replace(swapped, analyze=real.analyze))
    assert set(sw.analyze(out)[0]["index"]) == {"spearman"}


def test_a_samples_rule_of_the_table_reaches_the_schema():
    exp, _ = sw.load_experiment(TINY)
    data = exp.model_dump(mode="json")
    with pytest.raises(ValueError, match="more than 64 samples"):
        sw.Experiment.model_validate(data | {"method": "fast", "samples": 64})
    sw.Experiment.model_validate(data | {"method": "fast", "samples": 65})
    with pytest.raises(ValueError, match="HDMR needs at least 300 samples"):
        sw.Experiment.model_validate(data | {"method": "hdmr", "samples": 299})
    with pytest.raises(ValueError, match="RBD-FAST needs at least 42 samples"):
        sw.Experiment.model_validate(data | {"method": "rbd_fast", "samples": 41})
    sw.Experiment.model_validate(data | {"method": "rbd_fast", "samples": 42})
    with pytest.raises(ValueError, match="values lists are for method grid; method latin needs bounds"):
        sw.Experiment.model_validate(
            data
            | {"method": "latin", "parameters": [{"path": "labor_market.offer_acceptance", "values": [0.5]}]}
        )


def test_a_triangular_parameter_samples_between_its_bounds_peaking_in_the_middle():
    """``distribution: triang`` with ``bounds: [low, high]`` is documented as peaking at the middle."""
    from sectorsim.sweep import Experiment, sample

    exp = Experiment.model_validate(
        {
            "name": "tri",
            "scenario": "x.yaml",
            "method": "latin",
            "samples": 4000,
            "parameters": [{"path": "a", "bounds": [0.1, 0.5], "distribution": "triang"}],
            "outputs": {"metrics": ["earnings_mean"]},
        }
    )
    x = sample(exp)[:, 0]
    assert x.min() >= 0.1 and x.max() <= 0.5
    assert abs(np.median(x) - 0.3) < 0.01  # symmetric about the middle


def test_the_screening_study_asks_the_full_studys_question():
    """experiments/screening_study.yaml restates the full study's design (README: same question, same
    fifteen parameters); only the method, its sample size and the replications may differ."""
    full, full_raw = sw.load_experiment(ROOT / "experiments" / "full_study.yaml")
    screen, screen_raw = sw.load_experiment(ROOT / "experiments" / "screening_study.yaml")
    same = ("scenario", "overrides", "arms", "parameters", "outputs")
    assert screen.model_dump(include=set(same)) == full.model_dump(include=set(same))
    assert screen_raw == full_raw and len(screen.parameters) == 15
    assert (screen.method, full.method) == ("delta", "sobol")
