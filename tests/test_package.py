"""sectorsim works wherever it is installed (a wheel, outside the checkout) and on any region.

The wheel test builds the package from the checkout as CI does, installs it into a fresh virtual
environment (its dependencies come from the running interpreter's environment, so nothing is
downloaded but the build backend), and runs the installed ``sectorsim`` from a folder with no
``scenarios/`` in it.
"""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.resources
import json
import math
import os
import shutil
import signal
import site
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, make_scenario, run_cli
from sectorsim import shipped
from sectorsim.calibration import (
    FLOW_TARGETS,
    NO_BAND,
    REGION_TARGETS,
    STATIONARITY,
    flow_table,
    flow_targets,
    industry_of,
)

SRC = ROOT / "src" / "sectorsim"


# ---- package data ---------------------------------------------------------------------------------


def test_every_shipped_scenario_is_listed_and_found():
    on_disk = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    on_disk += sorted(f"evidence/{p.stem}" for p in (ROOT / "scenarios" / "evidence").glob("*.yaml"))
    assert shipped.names() == on_disk
    assert "default" in shipped.names() and "evidence/wrtp" in shipped.names()
    assert shipped.path("default.yaml") == ROOT / "scenarios" / "default.yaml"
    assert shipped.scenario("default") == shipped.scenario("default.yaml") == shipped.path("default.yaml")
    assert shipped.scenario("evidence/wrtp").is_file()


def test_an_existing_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").write_text("name: mine\n")
    assert shipped.scenario("default") == Path("default")


def test_a_name_that_is_neither_a_file_nor_shipped_lists_the_shipped_names(tmp_path):
    res = run_cli("check", "defualt", cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert (
        "defualt: file not found" in res.stderr and "default" in res.stderr and "evidence/wrtp" in res.stderr
    )


def test_a_shipped_name_works_from_any_folder(tmp_path):
    res = run_cli("check", "default", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "scenario 'default'" in " ".join(res.stdout.split())


def _installed_editable_here() -> bool:
    try:
        dist = importlib.metadata.distribution("sectorsim")
    except importlib.metadata.PackageNotFoundError:
        return False
    url = json.loads(dist.read_text("direct_url.json") or "{}")
    return url.get("dir_info", {}).get("editable", False) and url.get("url") == ROOT.as_uri()


def test_editable_install_finds_the_scenarios_through_importlib_resources():
    """In an editable install of this checkout (as CI's), the package data resolves to scenarios/."""
    if not _installed_editable_here():
        pytest.skip("sectorsim is not installed editable from this checkout (CI's test command does)")
    folder = importlib.resources.files(shipped.PACKAGE)
    assert Path(str(folder)).resolve() == (ROOT / "scenarios").resolve()
    assert (folder / "evidence" / "wrtp.yaml").is_file() and (folder / "data" / "qcew_example.csv").is_file()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _venv_with_the_wheel(tmp: Path) -> tuple[Path, Path]:
    """Build the wheel from a copy of the checkout; install it (no deps) into a fresh venv in ``tmp``."""
    src = tmp / "checkout"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "results", "*.egg-info", "__pycache__", ".*_cache", "notebooks"
        ),
    )
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build = subprocess.run(
        [*pip, "wheel", str(src), "--no-deps", "-q", "-w", str(dist)], capture_output=True, text=True
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("sectorsim-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies: this environment's site-packages, after the venv's own (a .pth line adds a
    # folder to sys.path but runs none of its .pth files, so this checkout's editable hook stays out)
    Path(purelib, "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run(
        [py, "-m", "pip", "install", "--no-deps", "-q", str(wheel)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    return venv, wheel


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    venv, wheel = _venv_with_the_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        inside = set(zf.namelist())
    modules = {p.relative_to(SRC.parent).as_posix() for p in SRC.rglob("*.py")}
    scenarios = {
        f"sectorsim/scenarios/{p.relative_to(ROOT / 'scenarios').as_posix()}"
        for pattern in ("*.yaml", "evidence/*.yaml", "data/*")
        for p in (ROOT / "scenarios").glob(pattern)
    }
    assert modules - inside == set(), "modules missing from the wheel"
    assert scenarios - inside == set(), "shipped scenario files missing from the wheel"
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["COLUMNS"] = "160"
    exe = venv / "bin" / "sectorsim"

    where = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import sectorsim, sectorsim.shipped as s; print(sectorsim.__file__); print(s.root())",
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=True,
    ).stdout.split()
    assert Path(where[0]).is_relative_to(venv), f"sectorsim imported from {where[0]}, not the wheel"
    assert Path(where[1]).is_relative_to(venv) and (Path(where[1]) / "evidence" / "wrtp.yaml").is_file()

    check = subprocess.run([exe, "check", "default"], capture_output=True, text=True, cwd=cwd, env=env)
    assert check.returncode == 0, check.stderr
    said = " ".join(check.stdout.split())
    assert "scenario 'default'" in said and str(venv) in said

    bench = subprocess.run(
        [exe, "bench", "--workers", "2000", "--months", "12", "--json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )
    assert bench.returncode == 0, bench.stderr
    figures = json.loads(bench.stdout)
    assert figures["workers"] == 2000 and figures["worker_months_per_s"] > 0
    assert Path(figures["scenario"]).is_relative_to(venv)

    port = _free_port()
    # the dependencies' Jupyter front-end configuration (solara reads it) lives under the prefix of
    # the environment they are installed in, not under the venv's
    prefix = Path(sys.prefix)
    app_env = {
        **env,
        "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
    }
    proc = subprocess.Popen(
        [exe, "app", "--port", str(port), "--host", "127.0.0.1"],
        cwd=cwd,
        env=app_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        status, deadline = None, time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status
                break
            except urllib.error.HTTPError as exc:  # the server answered, with an error
                status = exc.code
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, f"the installed app did not answer (exit code {proc.poll()})"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---- any region -----------------------------------------------------------------------------------

#: The small region with other sector names: two that mean a JOLTS industry, two that mean none.
RENAMED = {
    "health care": "hospitals",
    "manufacturing": "Manufacturing",
    "retail": "Retail Trade",
    "food service": "hospitality",
}


def other_region(small_raw: dict) -> dict:
    """The small test region with its sectors renamed (``RENAMED``) and a no-policy arm only."""
    raw = copy.deepcopy(small_raw)
    for s in raw["sectors"]:
        s["name"] = RENAMED[s["name"]]
    raw["assessment"]["reference_shares"] = {
        RENAMED[k]: v for k, v in raw["assessment"]["reference_shares"].items()
    }
    raw["arms"] = [{"name": "none"}]
    raw["name"] = "other_region"
    return raw


def test_sector_names_map_to_jolts_industries():
    assert industry_of("Retail Trade").label == "retail"
    assert industry_of("Accommodation and Food Services").label == "accommodation and food"
    assert industry_of("health-care").label == "health care"
    assert industry_of("hospitals") is None and industry_of("mining") is None


def test_the_shipped_region_keeps_its_bands(small_raw):
    targets, unbanded = flow_targets(make_scenario(small_raw))
    assert [(t.name, t.metric, t.low, t.high) for t in targets] == [
        (t.name, t.metric, t.low, t.high) for t in FLOW_TARGETS
    ]
    assert unbanded == []


def test_two_sectors_in_one_industry_get_a_band_each(small_raw):
    raw = other_region(small_raw)
    raw["sectors"][0]["name"] = "retail"  # hospitals -> a second retail sector
    raw["assessment"]["reference_shares"] = {}
    targets, _ = flow_targets(make_scenario(raw))
    names = [t.name for t in targets]
    assert "Monthly separations, retail (retail)" in names
    assert "Monthly separations, retail (Retail Trade)" in names


def test_calibration_on_a_region_with_other_sector_names(small_raw):
    sc = make_scenario(other_region(small_raw), burn_in=6, months=6)
    table = flow_table(sc, replications=1).set_index("target")
    banded = table[table["kind"] == "band"]
    per_sector = ["Monthly separations, {}", "Part-time share, {}", "Average weekly hours, {}"]
    assert list(banded.index) == [
        *(f.format("manufacturing") for f in per_sector),
        *(f.format("retail") for f in per_sector),
        *(t.name for t in REGION_TARGETS),
        *(name for _, name, _ in STATIONARITY),
    ]
    assert banded["simulated"].notna().all()
    none = table[table["kind"] == NO_BAND]
    assert list(none.index) == ["Monthly separations, hospitals", "Monthly separations, hospitality"]
    assert (none["simulated"] > 0).all() and none["low"].isna().all() and not none["passed"].any()


@pytest.mark.slow
def test_calibration_command_on_a_region_with_other_sector_names(small_raw, tmp_path):
    raw = other_region(small_raw)
    raw.update(burn_in=6, months=6)
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    res = run_cli("calibration", str(path), "--replications", "1", cwd=tmp_path)
    assert res.returncode in (0, 1), res.stderr  # 1: a band missed; never a crash
    assert "Traceback" not in res.stderr
    assert res.stdout.count("no published band") == 2
    assert "hospitality" in res.stdout and "Unemployment rate" in res.stdout


# ---- evidence with one replication ----------------------------------------------------------------


def test_one_replication_gives_finite_program_statistics():
    """`evidence --replications 1` (CI's wheel smoke): single draws, no NaN, no warning (errors here)."""
    from sectorsim.evidence import program_statistics

    stats = program_statistics(shipped.path("evidence/wrtp.yaml"), replications=1, jobs=1)
    for key in ("usd_24m", "pct_24m", "pct_y2", "pct_y3", "cost_per_participant", "completion_rate"):
        assert math.isfinite(stats[key]), key


def test_evidence_refuses_zero_replications(tmp_path):
    res = run_cli("evidence", "--replications", "0", "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "--replications" in res.stderr
    assert not (tmp_path / "out").exists()
