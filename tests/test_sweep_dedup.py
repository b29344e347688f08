"""Duplicate runs are simulated once: the parts are those of simulating every run, errors included.

A run of arm A reads only the parameters that can reach arm A; a parameter ``arms.<B>....`` naming
another arm B by name cannot. Runs of one arm and seed with equal values of every other parameter are
one simulation, and every run still writes its own part with its own ids, or its own sample's
validation error. Tiny region, six months of burn-in and six of policy: each sweep takes seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import DATA
from sectorsim import sweep as sw
from sectorsim.sweep import execute

PARTNER_BUDGET = "arms.sector_partnership.policies.0.budget"
SINGLE_BUDGET = "arms.single_employer.policies.0.budget"
OFFER = "labor_market.offer_acceptance"


def _experiment() -> tuple[sw.Experiment, dict]:
    """The tiny experiment with one policy parameter of each arm and one market parameter.

    Saltelli's design (N = 4, 3 parameters: 20 samples) repeats each arm's values across samples
    that differ only in the other arm's budget: of 5 samples per base row, 4 are distinct per arm.
    """
    exp, raw = sw.load_experiment(DATA / "tiny_experiment.yaml")
    data = exp.model_dump(mode="json") | {
        "samples": 4,
        "parameters": [
            {"path": PARTNER_BUDGET, "bounds": [50000, 300000]},
            {"path": SINGLE_BUDGET, "bounds": [50000, 300000]},
            {"path": OFFER, "bounds": [0.5, 0.95]},
        ],
    }
    return sw.Experiment.model_validate(data), raw


@pytest.fixture
def count_simulations(monkeypatch):
    """Count the runs ``sectorsim.runner.run_arms`` simulates (each fork from a burn-in is one)."""
    import sectorsim.runner as runner

    real = runner.run_arms
    simulated: list[int] = []

    def counting(runs, seed, replication=0):
        simulated.append(len(runs))
        return real(runs, seed, replication)

    monkeypatch.setattr(runner, "run_arms", counting)
    return simulated


def _parts(out: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted((out / "runs").glob("part-*.parquet"))}


def _assert_same_parts(got: Path, want: Path) -> None:
    """Every part file of ``got`` is the one of ``want``: values, errors, ids, fingerprint, bytes."""
    mine, theirs = _parts(got), _parts(want)
    assert mine.keys() == theirs.keys()
    for name, path in mine.items():
        assert pq.read_table(path).equals(pq.read_table(theirs[name]), check_metadata=True), name
        assert path.read_bytes() == theirs[name].read_bytes(), name


@pytest.fixture(scope="module")
def undeduplicated(tmp_path_factory):
    """The sweep with every run simulated (deduplication off): the parts to match."""
    exp, raw = _experiment()
    out = tmp_path_factory.mktemp("off")
    sw.run_sweep(exp, raw, out, jobs=1, dedup=False)
    return out


def test_arms_named_by_index_or_unknown_reach_every_arm():
    _, raw = _experiment()
    assert execute.arm_edited(PARTNER_BUDGET, raw) == "sector_partnership"
    assert execute.arm_edited(SINGLE_BUDGET, raw) == "single_employer"
    for path in ("arms.1.policies.0.budget", "arms.0.description", "arms.nosuch.policies.0.budget"):
        assert execute.arm_edited(path, raw) is None, path
    for path in ("arms.sector_partnership", OFFER, "groups.Group B.hiring_bias"):
        assert execute.arm_edited(path, raw) is None, path
    # two runs of single_employer differing only in the partnership's budget are duplicates ...
    key = execute.duplicate_key
    a = {PARTNER_BUDGET: 1e5, OFFER: 0.7}
    b = {PARTNER_BUDGET: 2e5, OFFER: 0.7}
    assert key(raw, a, "single_employer", 1) == key(raw, b, "single_employer", 1)
    assert key(raw, a, "sector_partnership", 1) != key(raw, b, "sector_partnership", 1)
    assert key(raw, a, "single_employer", 1) != key(raw, a, "single_employer", 2)  # another seed
    # ... but not when the partnership (arm 2) is named by its index, nor for 0.0 and -0.0
    by_index = [{"arms.2.policies.0.budget": v, OFFER: 0.7} for v in (1e5, 2e5)]
    assert key(raw, by_index[0], "single_employer", 1) != key(raw, by_index[1], "single_employer", 1)
    zeros = [{"arms.single_employer.policies.0.support.strength": v} for v in (0.0, -0.0)]
    assert key(raw, zeros[0], "single_employer", 1) != key(raw, zeros[1], "single_employer", 1)


def test_deduplicated_sweep_writes_the_same_parts_with_fewer_simulations(
    undeduplicated, tmp_path, count_simulations
):
    exp, raw = _experiment()
    total = 20 * 2 * exp.replications
    progress: list[tuple[int, int]] = []
    sw.run_sweep(exp, raw, tmp_path / "on", jobs=1, progress=lambda d, t: progress.append((d, t)))
    _assert_same_parts(tmp_path / "on", undeduplicated)
    assert (sw.read_runs(tmp_path / "on")["error"] == "").all()
    # 4 of 5 samples per base row are distinct in each arm: 64 simulations for the 80 runs
    assert len(_parts(tmp_path / "on")) == total == 80
    assert (
        sum(count_simulations)
        == 64
        == execute.simulations(raw, execute.sweep_tasks(raw, execute.design_runs(exp, raw, sw.sample(exp))))
    )
    # the progress counter still counts every run
    assert progress[0] == (0, total) and progress[-1] == (total, total) and len(progress) == 1 + total
    # companion: with deduplication off, every run is simulated
    count_simulations.clear()
    sw.run_sweep(exp, raw, tmp_path / "off", jobs=1, dedup=False)
    assert sum(count_simulations) == total
    _assert_same_parts(tmp_path / "off", undeduplicated)


def test_no_task_splits_a_set_of_duplicates(monkeypatch):
    """With one simulation a task, a task still holds every member of its set."""
    exp, raw = _experiment()
    monkeypatch.setattr(execute, "GROUP_RUNS", 1)
    runs = execute.design_runs(exp, raw, sw.sample(exp))
    tasks = execute.sweep_tasks(raw, runs)
    key = {name: execute.duplicate_key(raw, p, arm, seed) for _, (name, p, arm, seed, _) in runs}
    assert sorted(r[0] for t in tasks for r in t) == sorted(key)
    assert all(len({key[r[0]] for r in t}) == 1 for t in tasks)
    assert len(tasks) == 64 and max(len(t) for t in tasks) > 1


@pytest.mark.parametrize("invalid_first", [True, False])
def test_a_duplicate_whose_sample_fails_validation_keeps_its_error(invalid_first, count_simulations):
    """Two samples differing only in the partnership's budget, one of them invalid (a negative budget).

    Their single_employer runs are duplicates: the valid sample's is simulated and written; the invalid
    sample's run records its own sample's validation error, whichever comes first.
    """
    exp, raw = _experiment()
    metrics = exp.recorded_metrics
    budgets = ((0, -5.0), (1, 100000.0)) if invalid_first else ((0, 100000.0), (1, -5.0))
    bad = next(s for s, b in budgets if b < 0)
    runs = [
        (
            f"part-{s}-{arm}",
            {PARTNER_BUDGET: b, SINGLE_BUDGET: 200000.0, OFFER: 0.7},
            arm,
            99,
            {"sample": s, "arm": arm, "replication": 0, "seed": 99},
        )
        for s, b in budgets
        for arm in exp.arms
    ]
    rows = dict(execute.run_group(raw, runs, metrics))
    assert count_simulations == [2]  # the valid sample's two arms; the invalid one's duplicate is free
    for name, params, arm, seed, ids in runs:
        if ids["sample"] == bad:
            assert "budget" in rows[name]["error"], rows[name]
        else:
            assert rows[name] == sw.run_task(raw, params, arm, seed, ids, metrics)
    # the invalid sample's runs both record its error, exactly as without deduplication
    count_simulations.clear()
    plain = dict(execute.run_group(raw, runs, metrics, dedup=False))
    pd.testing.assert_frame_equal(pd.DataFrame(plain.values()), pd.DataFrame(rows.values()), check_exact=True)
    assert count_simulations == [2]


def test_resume_recomputes_the_missing_parts_deduplicated_among_them(
    undeduplicated, tmp_path, count_simulations
):
    exp, raw = _experiment()
    out = tmp_path / "resumed"
    shutil.copytree(undeduplicated, out)
    parts = _parts(out)
    # replication 1 is gone, and two runs of replication 0 whose duplicates are there: sample 1's
    # single_employer run (sample 0's is the same) is missing, sample 2's partnership run (sample 0's
    # is the same) is truncated
    gone = [p for name, p in parts.items() if "-r0001" in name] + [parts[sw.part_name(1, 0, 0)]]
    for p in gone:
        p.unlink()
    damaged = parts[sw.part_name(2, 1, 0)]
    damaged.write_bytes(damaged.read_bytes()[:40])
    redo = {p.name for p in gone} | {damaged.name}
    todo = [(g, run) for g, run in execute.design_runs(exp, raw, sw.sample(exp)) if run[0] in redo]
    expected = execute.simulations(raw, execute.sweep_tasks(raw, todo))
    # replication 1's 40 runs are 32 simulations; the other two have no duplicate left to do
    assert (len(redo), expected) == (42, 34)
    notices: list[str] = []
    sw.run_sweep(exp, raw, out, jobs=1, notice=notices.append)
    assert sum(count_simulations) == expected
    assert any("1 damaged run file" in n for n in notices)
    _assert_same_parts(out, undeduplicated)
