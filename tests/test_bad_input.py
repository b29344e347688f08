"""Bad input: one line naming the file or option, the key and what is allowed; exit 2; no output.

Scenario files, output locations (checked before anything is simulated) and command-line options.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import DATA, ROOT, SMALL, run_cli
from sectorsim.cli import main
from sectorsim.outputs import check_file, check_folder

BASE = SMALL.parent.parent.parent / "scenarios" / "base.yaml"


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def scenario_text(**edits: object) -> str:
    data = yaml.safe_load(SMALL.read_text())
    data["extends"] = str(BASE)
    for dotted, value in edits.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return yaml.safe_dump(data)


CASES = [
    # (edits or raw text, expected key path, words the message must contain)
    (
        {"labor_market": {"offer_acceptence": 0.5}},
        "labor_market.offer_acceptence",
        ["unknown key", "did you mean 'offer_acceptance'"],
    ),
    ({"months": "many"}, "months", ["integer", "'many'"]),
    (
        {"labor_market": {"on_the_job_search": 1.5}},
        "labor_market.on_the_job_search",
        ["less than or equal to 1", "1.5"],
    ),
    ({"replications": -3}, "replications", ["greater than or equal to 1"]),
    ({"groups": [{"name": "A", "share": 0.5}, {"name": "B", "share": 0.3}]}, "groups", ["sum to 1"]),
    (
        {
            "arms": [
                {"name": "x", "policies": [{"type": "sector_partnrship", "target_sector": "health care"}]}
            ]
        },
        "arms[0].policies[0].type",
        ["did you mean 'sector_partnership'", "allowed"],
    ),
    (
        {"arms": [{"name": "x", "policies": [{"type": "sector_partnership", "target_sector": "nursing"}]}]},
        "arms[0].policies[0].target_sector",
        ["nursing", "health care"],
    ),
    (
        {
            "arms": [
                {
                    "name": "x",
                    "policies": [{"type": "single_employer", "target_sector": "health care", "budgett": 5}],
                }
            ]
        },
        "arms[0].policies[0].budgett",
        ["did you mean 'budget'"],
    ),
    (
        {
            "arms": [
                {
                    "name": "x",
                    "policies": [{"type": "job_quality", "target_sector": "retail", "wage_raise": -0.1}],
                }
            ]
        },
        "arms[0].policies[0].wage_raise",
        ["greater than or equal to 0"],
    ),
    ({"earnings_panel": "yearly"}, "earnings_panel", ["'off'", "'quarterly'", "'monthly'", "yearly"]),
]


@pytest.mark.parametrize(("edits", "key", "words"), CASES)
def test_bad_value_gives_one_line_and_exit_2(tmp_path, edits, key, words):
    path = write(tmp_path, scenario_text(**edits))
    out = tmp_path / "out"
    res = run_cli("run", str(path), "--out", str(out), "--jobs", "1")
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    line = lines[0]
    assert "Traceback" not in res.stderr
    assert str(path) in line and key in line, line
    for w in words:
        assert w in line, line
    assert not out.exists()
    assert not any(p.name.startswith(".out.partial") for p in tmp_path.iterdir())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: x\nregion: [unclosed\n", ["malformed YAML", "line"]),
        ("name: x\nname: y\n", ["duplicate key 'name'"]),
        ("!!python/object/apply:os.system ['echo hacked > /tmp/sectorsim_hacked']\n", ["malformed YAML"]),
        ("- just\n- a list\n", ["must be a mapping"]),
    ],
)
def test_malformed_files(tmp_path, text, words):
    path = write(tmp_path, text)
    res = run_cli("check", str(path))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert str(path) in res.stderr
    for w in words:
        assert w in res.stderr
    assert not Path("/tmp/sectorsim_hacked").exists()


def test_missing_file_and_missing_base(tmp_path):
    res = run_cli("check", str(tmp_path / "nope.yaml"))
    assert res.returncode == 2 and "file not found" in res.stderr
    path = write(tmp_path, "extends: missing_base.yaml\nname: x\n")
    res = run_cli("check", str(path))
    assert res.returncode == 2 and "extends" in res.stderr and "missing_base.yaml" in res.stderr


def test_extends_cycle(tmp_path):
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    res = run_cli("check", str(tmp_path / "a.yaml"))
    assert res.returncode == 2 and "cycle" in res.stderr


def test_bad_option_is_one_line_and_exit_2():
    """Through the real entry point (a subprocess): typer's five-line box is gone."""
    res = run_cli("run", str(SMALL), "--replications", "0")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        "error: --replications: input should be greater than or equal to 1; see 'sectorsim run --help'"
    ]


def test_check_accepts_every_shipped_scenario():
    root = SMALL.parent.parent.parent / "scenarios"
    # scenarios/data/ holds inputs (extracts, the calibration targets), not scenarios
    files = [p for p in root.rglob("*.yaml") if p.name != "base.yaml" and p.parent.name != "data"]
    assert len(files) >= 4
    for p in files:
        res = run_cli("check", str(p))
        assert res.returncode == 0, f"{p}: {res.stderr}"
        assert "ok" in res.stdout


# ---- in-process CLI --------------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (``sectorsim.cli.main``): (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code: Any = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else 1), out.getvalue(), err.getvalue()


def one_line(code: int, stderr: str) -> str:
    assert code == 2, (code, stderr)
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "start", "words"),
    [
        (
            ["run", str(SMALL), "--replications", "0"],
            "error: --replications: ",
            ["greater than or equal to 1"],
        ),
        (["run", str(SMALL), "--jobs", "abc"], "error: --jobs: ", ["valid integer"]),
        (["run", str(SMALL), "--frobnicate"], "error: --frobnicate: ", ["no such option", "run --help"]),
        (["run", str(SMALL), "--ou", "x"], "error: --ou: ", ["did you mean", "--out"]),
        (["run"], "error: FILE: ", ["missing"]),
        (["frobnicate"], "error: no such command 'frobnicate'", ["sectorsim --help"]),
        (["run", str(SMALL), "--seed", "9" * 30], "error: --seed: ", ["less than or equal to"]),
        (
            ["sweep", str(SMALL), "--scheduler", "a", "--dask-local", "2"],
            "error: --scheduler, --dask-local",
            [],
        ),
        (["init-region", "--qcew", "x.csv"], "error: --oews: ", ["missing"]),
    ],
)
def test_option_errors_are_one_line(args, start, words):
    line = one_line(*cli(*args)[::2])
    assert line.startswith(start), line
    for w in words:
        assert w in line, line


def test_help_and_version_still_work():
    code, out, err = cli("--version")
    assert code == 0 and out.startswith("sectorsim ")
    code, out, _ = cli("run", "--help")
    assert code == 0 and "--replications" in out


# ---- output locations, checked before any work -----------------------------------------------------


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every expensive step fail loudly: a refused output must be found before any of them."""
    import sectorsim.assessment
    import sectorsim.evaluation
    import sectorsim.evidence
    import sectorsim.region_import
    import sectorsim.runner
    import sectorsim.sweep

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("work started before the output location was checked")

    for module, name in [
        (sectorsim.runner, "run_scenario"),
        (sectorsim.assessment, "resolve_targets"),
        (sectorsim.assessment, "assess"),
        (sectorsim.evaluation, "run_evaluation"),
        (sectorsim.evidence, "evidence_table"),
        (sectorsim.sweep, "run_sweep"),
        (sectorsim.sweep, "analyze"),
        (sectorsim.region_import, "build_scenario"),
    ]:  # loop: expensive steps (test helper)
        monkeypatch.setattr(module, name, boom)


def _region_args() -> list[str]:
    data = ROOT / "scenarios" / "data"
    return [
        "--qcew",
        str(data / "qcew_example.csv"),
        "--oews",
        str(data / "oews_example.csv"),
        "--commuting",
        str(data / "commuting_example.csv"),
    ]


EVAL = ROOT / "scenarios" / "evidence"
COMMANDS = {
    "run": lambda out: ["run", str(SMALL), "--out", out, "--jobs", "1"],
    "evaluate": lambda out: ["evaluate", str(DATA / "small_eval.yaml"), "--out", out, "--jobs", "1"],
    "assess": lambda out: ["assess", str(SMALL), "--out", out],
    "sweep": lambda out: ["sweep", str(DATA / "tiny_experiment.yaml"), "--out", out, "--jobs", "1"],
    "evidence": lambda out: ["evidence", "--out", out, "--jobs", "1"],
}
BAD_FOLDERS = {
    "/proc/x": "cannot be created or written",
    "/sys/kernel/x": "cannot be created or written",
    "{file}": "is an existing file, not a folder",
    "{file}/sub": "is a file, not a folder",
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("bad", sorted(BAD_FOLDERS))
def test_an_unwritable_output_folder_is_refused_before_any_work(tmp_path, monkeypatch, command, bad):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("keep me")
    out = bad.format(file=a_file)
    _no_work(monkeypatch)
    before = sorted(p.name for p in tmp_path.iterdir())
    line = one_line(*cli(*COMMANDS[command](out))[::2])
    assert line.startswith(f"error: --out {out}: ") and BAD_FOLDERS[bad] in line, line
    assert "give a folder that can be created" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert a_file.read_text() == "keep me"


@pytest.mark.parametrize(
    ("out", "extra", "words"),
    [
        ("/proc/x.yaml", [], "its folder cannot be created or written"),
        ("{dir}", [], "is an existing folder, not a file"),
        ("{file}", [], "exists; pass --force"),
        ("{file}/x.yaml", ["--force"], "its folder is an existing file, not a folder"),
    ],
)
def test_init_region_checks_its_output_file_first(tmp_path, monkeypatch, out, extra, words):
    a_file = tmp_path / "a_file.yaml"
    a_file.write_text("keep me")
    out = out.format(dir=tmp_path, file=a_file)
    _no_work(monkeypatch)
    line = one_line(*cli("init-region", *_region_args(), "--out", out, *extra)[::2])
    assert line.startswith(f"error: --out {out}: "), line
    assert words in line, line
    assert a_file.read_text() == "keep me"


def test_init_region_checks_its_input_files_first(tmp_path, monkeypatch):
    _no_work(monkeypatch)
    args = _region_args()
    args[1] = str(tmp_path / "missing.csv")
    line = one_line(*cli("init-region", *args, "--out", str(tmp_path / "x.yaml"))[::2])
    assert line == f"error: --qcew {tmp_path / 'missing.csv'}: file not found", line


def test_evidence_checks_docs_before_running(tmp_path, monkeypatch):
    _no_work(monkeypatch)
    docs = tmp_path / "no_such_folder" / "VALIDATION.md"
    line = one_line(*cli("evidence", "--out", str(tmp_path / "e"), "--docs", str(docs))[::2])
    assert line.startswith(f"error: --docs {docs}: its folder"), line
    assert not (tmp_path / "e").exists()


def test_analyze_checks_the_folder_first(tmp_path, monkeypatch):
    _no_work(monkeypatch)
    line = one_line(*cli("analyze", str(tmp_path))[::2])
    assert "not a sweep folder" in line
    (tmp_path / "experiment.json").write_text("{not json")
    line = one_line(*cli("analyze", str(tmp_path))[::2])
    assert line.startswith(f"error: {tmp_path / 'experiment.json'}: cannot be read"), line
    (tmp_path / "experiment.json").write_text(json.dumps({"experiment": {}}))
    line = one_line(*cli("analyze", str(tmp_path))[::2])
    assert "is not a sweep's record" in line, line


def test_check_folder_leaves_nothing_behind_and_accepts_good_folders(tmp_path):
    """Companion: a creatable nested folder and an existing one pass, and nothing is left."""
    check_folder(tmp_path / "new" / "deeper" / "still")
    check_folder(tmp_path)
    check_file(tmp_path / "new" / "x.md", "--docs")
    assert list(tmp_path.iterdir()) == []


def test_a_good_output_folder_is_written(tmp_path):
    """Companion: the checks do not stand in the way of a real run (``assess`` is the cheapest)."""
    out = tmp_path / "new" / "a"
    code, _, err = cli("assess", str(SMALL), "--out", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "assessment.csv",
        "assessment_areas.csv",
        "manifest.json",
        "report.html",
    ]
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["a"]


def test_a_control_character_in_a_key_stays_on_one_line(tmp_path):
    path = write(tmp_path, f'extends: {BASE}\nname: x\nlabor_market:\n  "a\\nb\\u2028c": 1\n')
    line = one_line(*cli("check", str(path))[::2])
    assert "labor_market.a\\nb\\u2028c: unknown key" in line, line


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_a_nan_or_infinity_is_refused(tmp_path, value):
    """An infinite wage passed the schema and failed only after the simulation (non-finite outputs)."""
    path = write(tmp_path, scenario_text(**{"sectors": None}).replace("sectors: null", ""))
    raw = yaml.safe_load(path.read_text())
    raw["region"] = yaml.safe_load(SMALL.read_text())["region"] | {"max_commute_minutes": value}
    path.write_text(yaml.safe_dump(raw))
    line = one_line(*cli("check", str(path))[::2])
    assert "region.max_commute_minutes: " in line and f"(got {value})" in line, line


def test_a_folder_given_as_the_scenario_file(tmp_path):
    line = one_line(*cli("check", str(tmp_path))[::2])
    assert line == f"error: {tmp_path}: is a folder, not a file", line
