"""Regional needs assessment, target_sector: auto, and init-region from public-statistics extracts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import DATA, ROOT, make_scenario, run_cli
from sectorsim.assessment import assess, resolve_targets
from sectorsim.model import SectorModel

EXTRACTS = ROOT / "scenarios" / "data"
EXAMPLES = {k: EXTRACTS / f"{k}_example.csv" for k in ("qcew", "oews", "commuting")}


def init_region(files: dict[str, Path], out: Path, *extra: str):
    """Run `sectorsim init-region` on extracts ``files`` (qcew, oews, commuting) into ``out``."""
    paths = [arg for k in ("qcew", "oews", "commuting") for arg in (f"--{k}", str(files[k]))]
    return run_cli("init-region", *paths, "--out", str(out), *extra)


def test_assessment_ranks_with_visible_parts_and_weights_matter(small_raw):
    sc = make_scenario(small_raw)
    ranked, areas = assess(sc)
    assert list(ranked["rank"]) == [1, 2, 3, 4]
    parts = [c for c in ranked.columns if c.startswith("points_")]
    assert len(parts) == 6
    assert ranked["score"].to_numpy() == pytest.approx(ranked[parts].sum(axis=1).to_numpy())
    assert ranked["score"].is_monotonic_decreasing
    assert set(areas["area"]) == {"Central County", "North County", "River County"}
    # putting all weight on the ladder's pay gain ranks the sector with the steepest ladder first
    weights = {k: 0.0 for k in ("location_quotient", "growth", "vacancy_rate", "turnover", "climb_share")}
    steep = make_scenario(small_raw, **{"assessment.weights": {**weights, "wage_gain": 1.0}})
    top = assess(steep)[0].loc[0, "sector"]
    gains = {s.name: s.ladder[-1].wage / s.ladder[0].wage for s in steep.sectors}
    assert top == max(gains, key=gains.get)


def test_target_sector_auto_picks_the_top_sector(small_raw):
    sc = make_scenario(small_raw, **{"arms.sector_partnership.policies.0.target_sector": "auto"})
    ranked = assess(sc)[0]
    top = ranked.loc[0, "sector"]
    resolved, targets = resolve_targets(sc)
    m = SectorModel(scenario=resolved, arm="sector_partnership", rng=1)
    assert m.policies[0].sector == m.sector_index[top]
    assert targets.to_dict("records") == [
        {
            "arm": "sector_partnership",
            "target_sector": top,
            "assessment_score": pytest.approx(ranked.loc[0, "score"]),
        }
    ]
    # the scenario itself is untouched, and a model is never asked to run the assessment itself
    assert sc.arm("sector_partnership").policies[0].target_sector == "auto"
    with pytest.raises(ValueError, match="resolve_targets"):
        SectorModel(scenario=sc, arm="sector_partnership", rng=1)


def test_assess_and_run_with_auto_from_the_cli(tmp_path):
    res = run_cli("assess", str(DATA / "small.yaml"), "--out", str(tmp_path / "a"))
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "a" / "assessment.csv")
    assert {
        "rank",
        "sector",
        "score",
        "location_quotient",
        "growth",
        "wage_gain",
        "vacancy_rate",
        "fill_months",
        "turnover",
        "climb_share",
    } <= set(table.columns)
    assert (tmp_path / "a" / "report.html").read_text().count("data:image/png") == 2


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("region") / "example.yaml"
    res = init_region(EXAMPLES, out, "--name", "example")
    assert res.returncode == 0, res.stderr
    return out


def test_init_region_writes_a_scenario_check_accepts_and_run_runs(built, tmp_path):
    data = yaml.safe_load(built.read_text())
    assert [a["name"] for a in data["region"]["areas"]] == [
        "Alder County, ST",
        "Birch County, ST",
        "Cedar County, ST",
    ]
    assert {s["name"] for s in data["sectors"]} == {"health care", "manufacturing", "retail", "food service"}
    nurse = next(s for s in data["sectors"] if s["name"] == "health care")["ladder"][2]
    assert nurse["wage"] == round(59700 / 12)
    assert run_cli("check", str(built)).returncode == 0
    res = run_cli("run", str(built), "--replications", "2", "--months", "6", "--out", str(tmp_path / "r"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r" / "target_sectors.csv").exists()


def test_init_region_refuses_to_overwrite(built):
    res = init_region(EXAMPLES, built)
    assert res.returncode == 2 and "--force" in res.stderr


@pytest.mark.parametrize(
    ("which", "edit", "words"),
    [
        (
            "qcew",
            lambda t: t.replace("annual_avg_emplvl", "employment"),
            ["annual_avg_emplvl", "missing column"],
        ),
        ("qcew", lambda t: t.replace(",8740,", ",lots,", 1), ["row 2", "annual_avg_emplvl", "'lots'"]),
        (
            "oews",
            lambda t: "\n".join(
                ln
                for ln in t.splitlines()
                if not ln.startswith("99900,Example Region, ST,29-2061") and "29-2061" not in ln
            ),
            ["29-2061"],
        ),
        ("commuting", lambda t: t.replace("workers", "count"), ["workers", "missing column"]),
    ],
)
def test_init_region_bad_extracts_give_one_line_errors(tmp_path, which, edit, words):
    files = dict(EXAMPLES)
    bad = tmp_path / f"{which}.csv"
    bad.write_text(edit(files[which].read_text()))
    files[which] = bad
    out = tmp_path / "out.yaml"
    res = init_region(files, out)
    assert res.returncode == 2, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert str(bad) in lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    assert not out.exists()
    assert not Path(str(out)).with_name(".out.yaml.partial").exists()
