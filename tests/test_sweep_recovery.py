"""Sweeps lose nothing and mix nothing: damaged files are found and redone, bad setups refused first.

A truncated, empty or garbage part (or one of another experiment) is recomputed on resume instead
of being taken as finished; a truncated experiment.json is rewritten; ``analyze`` on a folder killed
early says in one line that the sweep is unfinished; a scheduler that is no address, or where
nothing answers, is refused in one line before anything is written; designs too large to hold are
refused before anything is sampled; a mistake made by an experiment's ``overrides`` names the
experiment file.
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sectorsim import sweep as sw
from sectorsim.pool import check_scheduler
from sectorsim.sweep.experiment import MAX_DESIGN_ROWS, Experiment
from test_bad_input import cli, one_line
from test_property_input import TINY, TINY_EXPERIMENT, workdir

EXPERIMENT = TINY_EXPERIMENT | {"samples": 4}


@contextlib.contextmanager
def sweep_folder(experiment: dict | None = None):
    """A folder with the tiny scenario, an experiment file and a place for the sweep's output."""
    with workdir() as d:
        (d / "scenario.yaml").write_text(yaml.safe_dump(TINY, allow_unicode=True))
        (d / "experiment.yaml").write_text(yaml.safe_dump(experiment or EXPERIMENT))
        yield d, d / "experiment.yaml", d / "out"


def _sweep(exp: Path, out: Path) -> str:
    code, _, err = cli("sweep", str(exp), "--out", str(out), "--jobs", "1")
    assert code == 0, err
    return err


def test_damaged_parts_are_recomputed_on_resume():
    with sweep_folder() as (_, exp, out):
        _sweep(exp, out)
        reference = sw.read_runs(out)
        parts = sorted((out / "runs").glob("part-*.parquet"))
        assert len(parts) == len(reference) == 4
        whole = parts[0].read_bytes()
        parts[0].write_bytes(whole[: len(whole) // 2])  # truncated
        parts[1].write_bytes(b"")  # empty
        parts[2].write_bytes(b"PAR1 not a parquet file at all")  # garbage
        # a sound file of the wrong run (sample 0's bytes under sample 3's name)
        parts[3].write_bytes(whole)
        (out / "runs" / ".part-s0000009-a00-r0000.parquet.tmp").write_bytes(b"half")  # killed mid-write
        assert len(sw.read_runs(out)) == 1  # damaged files are left out, never read as runs
        line = one_line(*cli("analyze", str(out))[::2])
        assert "unfinished (1 of 4 runs)" in line and "run the sweep again" in line, line
        err = _sweep(exp, out)
        assert "4 damaged run file(s)" in err, err
        pd.testing.assert_frame_equal(sw.read_runs(out), reference, check_exact=True)
        assert not list((out / "runs").glob(".*.tmp"))
        assert len(pd.read_parquet(out / "runs")) == 4  # pandas reads the dataset directly again


def test_the_damage_check_would_see_a_mismatch():
    """Companion: a sound part of this sweep passes; the same part checked as another run does not."""
    with sweep_folder() as (_, exp, out):
        _sweep(exp, out)
        meta = json.loads((out / "experiment.json").read_text())
        row = sw.read_runs(out).iloc[0]
        ids = {"sample": 0, "arm": row["arm"], "replication": 0, "seed": int(row["seed"])}
        part = out / "runs" / sw.part_name(0, 0, 0)
        assert sw.execute.part_is_sound(part, meta["fingerprint"], ids)
        assert not sw.execute.part_is_sound(part, meta["fingerprint"], ids | {"sample": 1})
        assert not sw.execute.part_is_sound(part, "another experiment", ids)


def test_a_truncated_experiment_json_is_one_line_and_rewritten_on_resume():
    with sweep_folder() as (_, exp, out):
        _sweep(exp, out)
        reference = sw.read_runs(out)
        meta = out / "experiment.json"
        meta.write_text(meta.read_text()[:40])
        line = one_line(*cli("analyze", str(out))[::2])
        assert str(meta) in line and "cannot be read" in line, line
        err = _sweep(exp, out)
        assert "was damaged; rewritten" in err, err
        pd.testing.assert_frame_equal(sw.read_runs(out), reference, check_exact=True)
        code, _, err = cli("analyze", str(out))
        assert code == 0, err


@pytest.mark.parametrize("left", ["empty runs", "only experiment.json"])
def test_analyze_on_a_folder_killed_early_is_one_line(left):
    with sweep_folder() as (_, exp, out):
        _sweep(exp, out)
        for part in (out / "runs").glob("*"):  # loop: parts (test helper)
            part.unlink()
        if left == "only experiment.json":
            (out / "runs").rmdir()
        line = one_line(*cli("analyze", str(out))[::2])
        assert "unfinished (0 of 4 runs)" in line, line


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", ["not a url", "tcp://127.0.0.1:{port}", "tcp://nohost", "ucx://a:1"])
def test_a_bad_scheduler_is_refused_fast_and_leaves_nothing(address):
    address = address.format(port=_closed_port())
    start = time.perf_counter()
    with pytest.raises(Exception) as info:
        check_scheduler(address)
    assert type(info.value).__name__ == "InputError"
    assert time.perf_counter() - start < 5, "a refused address must not wait for a timeout"
    with sweep_folder() as (d, exp, out):
        code, _, err = cli("sweep", str(exp), "--out", str(out), "--scheduler", address)
        line = one_line(code, err)
        assert line.startswith(f"error: --scheduler {address}: "), line
        assert sorted(p.name for p in d.iterdir()) == ["experiment.yaml", "scenario.yaml"]


@pytest.mark.parametrize(
    ("edits", "rows"),
    [
        (
            {
                "method": "grid",
                "samples": 1_000_000,
                "parameters": [
                    {"path": "labor_market.offer_acceptance", "bounds": [0.5, 0.95]},
                    {"path": "labor_market.on_the_job_search", "bounds": [0.05, 0.2]},
                ],
            },
            "1,000,000,000,000",
        ),
        ({"method": "sobol", "samples": 2**19}, "1,572,864"),
        ({"method": "morris", "samples": 1_000_000}, "2,000,000"),
    ],
)
def test_a_design_too_large_to_hold_is_refused_before_sampling(edits, rows):
    tracemalloc.start()
    with sweep_folder(EXPERIMENT | edits) as (d, exp, out):
        line = one_line(*cli("sweep", str(exp), "--out", str(out))[::2])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert f"{exp}: samples: " in line and f"gives {rows} parameter samples" in line, line
        assert f"at most {MAX_DESIGN_ROWS:,}" in line, line
        assert peak < 200e6, f"{peak / 1e6:.0f} MB allocated before the refusal"
        assert not out.exists()


def test_a_design_at_the_limit_is_accepted_and_its_rows_are_what_the_sampler_gives():
    """Companion: the row count used for the limit is the sampler's own, for every method."""
    base = copy.deepcopy(EXPERIMENT) | {
        "parameters": [
            {"path": "labor_market.offer_acceptance", "bounds": [0.5, 0.95]},
            {"path": "labor_market.on_the_job_search", "bounds": [0.05, 0.2]},
        ]
    }
    for method, n in (("sobol", 8), ("morris", 5), ("fast", 70), ("latin", 9), ("grid", 3)):  # loop: methods
        for second in (False, True) if method == "sobol" else (False,):  # loop: Sobol's two designs
            exp = Experiment.model_validate(base | {"method": method, "samples": n, "second_order": second})
            assert exp.design_rows == sw.sample(exp).shape[0], (method, second)
    Experiment.model_validate(base | {"method": "latin", "samples": MAX_DESIGN_ROWS})


def test_a_mistake_made_by_the_overrides_names_the_experiment_file():
    bad = EXPERIMENT | {"overrides": {"labor_market.offer_acceptance": 5}}
    with sweep_folder(bad) as (_, exp, out):
        line = one_line(*cli("sweep", str(exp), "--out", str(out))[::2])
        assert f"error: {exp}: overrides: labor_market.offer_acceptance: " in line, line
        assert "less than or equal to 1" in line, line


def test_a_mistake_of_the_scenario_itself_still_names_the_scenario():
    """Companion: with overrides present, the scenario's own bad value is the scenario's."""
    with sweep_folder(EXPERIMENT | {"overrides": {"months": 3}}) as (d, exp, out):
        raw = copy.deepcopy(TINY)
        raw["labor_market"] = {"offer_acceptance": 7}
        (d / "scenario.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True))
        line = one_line(*cli("sweep", str(exp), "--out", str(out))[::2])
        assert f"error: {d / 'scenario.yaml'}: labor_market.offer_acceptance" in line, line


@pytest.mark.parametrize("spread", [0.0, -0.1])
def test_a_normal_parameter_without_a_positive_spread_is_refused(spread):
    bad = EXPERIMENT | {
        "parameters": [
            {"path": "labor_market.offer_acceptance", "bounds": [0.7, spread], "distribution": "norm"}
        ]
    }
    with sweep_folder(bad) as (_, exp, out):
        line = one_line(*cli("sweep", str(exp), "--out", str(out))[::2])
        assert "parameters[0].bounds" in line and "spread" in line and "above 0" in line, line
        assert not out.exists()


def test_a_sweep_written_by_other_model_code_is_refused_on_resume(monkeypatch):
    """The version number moves only at a release: the model's code itself is in the fingerprint."""
    with sweep_folder() as (_, exp, out):
        _sweep(exp, out)
        before = {p.name: p.read_bytes() for p in (out / "runs").iterdir()}
        monkeypatch.setattr(sw.execute, "model_code_digest", lambda root=None: "edited model")
        code, _, err = cli("sweep", str(exp), "--out", str(out), "--jobs", "1")
        line = one_line(code, err)
        assert "holds a sweep of a different experiment" in line, line
        assert {p.name: p.read_bytes() for p in (out / "runs").iterdir()} == before


def test_the_code_digest_follows_the_model_code_and_not_the_reports(tmp_path):
    import shutil

    import sectorsim

    root = tmp_path / "sectorsim"
    shutil.copytree(Path(sectorsim.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    digest = sw.execute.model_code_digest
    first = digest(root)
    assert digest(root) == first
    for presentation in ("report/run.py", "cli.py", "app.py"):  # loop: files that cannot change a run
        with (root / presentation).open("a") as f:
            f.write("\n# an edit to a report or an interface\n")
        assert digest(root) == first, presentation
    with (root / "processes" / "separations.py").open("a") as f:
        f.write("\n# an edit to a process\n")
    assert digest(root) != first
