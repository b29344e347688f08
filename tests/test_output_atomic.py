"""An output folder holds one whole output at every moment: the old run's or the new run's, never a mix.

``run`` over an existing output folder is killed with SIGKILL at several moments: at staggered delays
while it runs, and at each step of the commit (before the manifest, while carrying nested outputs
over, just before and just after the swap). After each kill the folder must be exactly the old run
(byte for byte) or exactly the new one (every file its manifest lists, with matching SHA-256, and
the new seeds), nested outputs and the user's own files must survive, and the staging left behind
must be removed by the next command.
"""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sectorsim import outputs
from sectorsim.outputs import MANIFEST, read_manifest, remove_stale_staging, run_files, staged_output
from test_bad_input import cli
from test_property_input import TINY

NESTED = ("evaluation/impacts.csv", "notes.txt")  # another command's output, and a user's file


def _scenario(tmp: Path) -> Path:
    raw = copy.deepcopy(TINY)
    raw["arms"] = [a for a in raw["arms"] if a["name"] in ("none", "sector_partnership")]
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


def _run(scenario: Path, out: Path, seed: int) -> None:
    code, _, err = cli("run", str(scenario), "--out", str(out), "--jobs", "1", "--seed", str(seed))
    assert code == 0, err


def _child(scenario: str, out: str, hook: str) -> None:
    """In a forked process: run over ``out`` with seed 2, killing itself with SIGKILL at ``hook``."""

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    real_move, real_commit = outputs._move_others, outputs._commit
    if hook == "before manifest":
        outputs.write_manifest = lambda *_a, **_k: die()  # type: ignore[assignment]
    elif hook == "mid carry":

        def move_one(source: Path, target: Path, skip: set[str]) -> None:
            if source == Path(out):
                keep = run_files(source) | skip
                first = next(e for e in sorted(source.iterdir()) if e.name not in keep)
                first.rename(target / first.name)
                die()
            real_move(source, target, skip)

        outputs._move_others = move_one  # type: ignore[assignment]
    elif hook == "before swap":
        outputs._exchange = lambda *_a: die()  # type: ignore[assignment]
    elif hook == "after swap":

        def commit_then_die(stage: Path, target: Path) -> None:
            real_commit(stage, target)
            die()

        outputs._commit = commit_then_die  # type: ignore[assignment]
    cli("run", scenario, "--out", out, "--jobs", "1", "--seed", "2")
    os._exit(0)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != "notes.txt"}


def _whole(out: Path, old: dict[str, bytes]) -> str:
    """'old' or 'new': which whole run ``out`` holds (fails on anything else)."""
    manifest = read_manifest(out)
    assert manifest is not None, sorted(p.name for p in out.iterdir())
    files = _files(out)
    assert set(files) == set(manifest["files"]) | {MANIFEST}, (sorted(files), sorted(manifest["files"]))
    for name, meta in manifest["files"].items():  # loop: files of the run (test helper)
        assert hashlib.sha256(files[name]).hexdigest() == meta["sha256"], name
        assert len(files[name]) == meta["bytes"], name
    if files == old:
        return "old"
    seeds = set(pd.read_csv(out / "summary.csv")["seed"])
    assert seeds.isdisjoint(pd.read_csv(pd.io.common.BytesIO(old["summary.csv"]))["seed"]), "mixed seeds"
    assert json.loads(old[MANIFEST])["run_id"] != manifest["run_id"]
    return "new"


HOOKS = ["before manifest", "mid carry", "before swap", "after swap"]
DELAYS = [0.1, 0.5, 0.9, 1.1, 1.3, 3.0]  # the last lands after the run has finished


@pytest.mark.slow
def test_kill_9_of_run_over_an_existing_folder_leaves_one_whole_run(tmp_path):
    scenario = _scenario(tmp_path)
    template = tmp_path / "template" / "out"
    _run(scenario, template, seed=1)
    (template / "evaluation").mkdir()
    (template / NESTED[0]).write_text("an evaluation's table\n")
    (template / NESTED[1]).write_text("my notes\n")
    old = _files(template)
    outcomes: dict[str, str] = {}
    ctx = mp.get_context("fork")
    for moment in [*HOOKS, *DELAYS]:  # loop: kill moments (test helper)
        out = tmp_path / f"trial-{moment}" / "out"
        shutil.copytree(template, out)
        hook = moment if isinstance(moment, str) else "none"
        proc = ctx.Process(target=_child, args=(str(scenario), str(out), hook))
        proc.start()
        if isinstance(moment, float):
            time.sleep(moment)
            os.kill(proc.pid, signal.SIGKILL)
        proc.join(60)
        assert proc.exitcode is not None
        outcomes[str(moment)] = _whole(out, old)
        remove_stale_staging(out)  # what the next command does first
        assert [p.name for p in out.parent.iterdir()] == ["out"], sorted(out.parent.iterdir())
        for name in NESTED:  # loop: entries that are not the run's (test helper)
            assert (out / name).is_file(), (moment, name)
    assert outcomes["before manifest"] == outcomes["mid carry"] == outcomes["before swap"] == "old", outcomes
    assert outcomes["after swap"] == outcomes["3.0"] == "new", outcomes
    print(f"kill -9 outcomes: {outcomes}")


def test_a_later_command_removes_stale_staging_but_not_a_live_one(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.csv").write_text("old\n")
    stale = tmp_path / ".out.partial-dead"
    (stale / "evaluation").mkdir(parents=True)
    (stale / "summary.csv").write_text("unfinished\n")
    (stale / MANIFEST).write_text(json.dumps({"files": {"summary.csv": {}}}))
    live = tmp_path / ".out.partial-live"
    live.mkdir()
    fd = outputs._lock(live)  # a command still writing holds its staging's lock
    try:
        removed = remove_stale_staging(out)
        assert removed == [stale] and live.is_dir() and not stale.exists()
        assert (out / "evaluation").is_dir(), "a nested output carried over is put back"
        assert (out / "summary.csv").read_text() == "old\n"
    finally:
        os.close(fd)


@pytest.mark.parametrize("exchange", [True, False])
def test_a_new_output_replaces_the_old_files_and_keeps_the_rest(tmp_path, monkeypatch, exchange):
    if not exchange:  # a system without renameat2: files moved in one by one, the manifest last
        monkeypatch.setattr(outputs, "_exchange", lambda *_a: False)
    out = tmp_path / "out"
    with staged_output(out, "test") as stage:
        (stage / "summary.csv").write_text("a\n")
        (stage / "earnings_panel.parquet").write_text("a panel\n")
    (out / "assessment").mkdir()
    (out / "mine.txt").write_text("keep\n")
    first = read_manifest(out)
    with staged_output(out, "test") as stage:
        (stage / "summary.csv").write_text("b\n")
    second = read_manifest(out)
    assert first and second and first["run_id"] != second["run_id"]
    assert sorted(p.name for p in out.iterdir()) == ["assessment", MANIFEST, "mine.txt", "summary.csv"]
    assert (out / "summary.csv").read_text() == "b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask, "the folder gets a new folder's permissions"


def test_a_failed_command_leaves_the_old_output_and_the_rest(tmp_path):
    out = tmp_path / "out"
    with staged_output(out, "test") as stage:
        (stage / "summary.csv").write_text("a\n")
    (out / "mine.txt").write_text("keep\n")
    with pytest.raises(RuntimeError), staged_output(out, "test") as stage:
        (stage / "summary.csv").write_text("b\n")
        raise RuntimeError("the run failed")
    assert (out / "summary.csv").read_text() == "a\n" and (out / "mine.txt").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
