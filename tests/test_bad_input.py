"""Bad scenario files: one line naming the file, the key and what is allowed; exit 2; no output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import SMALL, run_cli

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


def test_bad_option_is_exit_2(tmp_path):
    res = run_cli("run", str(SMALL), "--replications", "0")
    assert res.returncode == 2 and "Traceback" not in res.stderr and "replications" in res.stderr


def test_check_accepts_every_shipped_scenario():
    root = SMALL.parent.parent.parent / "scenarios"
    files = [p for p in root.rglob("*.yaml") if p.name != "base.yaml"]
    assert len(files) >= 4
    for p in files:
        res = run_cli("check", str(p))
        assert res.returncode == 0, f"{p}: {res.stderr}"
        assert "ok" in res.stdout
