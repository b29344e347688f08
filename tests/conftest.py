"""Shared fixtures: paths, a small scenario, and a helper to run the CLI as a user would."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sectorsim.scenario.loading import resolve_extends, set_path, validate

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "small.yaml"
#: Debian's chromium, which the browser tests drive (``.ci/run`` installs it).
CHROMIUM = "/usr/bin/chromium"

#: A partnership's practices at their no-policy values.
NO_PRACTICES = {
    "onboarding": 0,
    "supervisor_training": 0,
    "stable_schedules": 0,
    "career_ladder_promotion": 1,
    "career_ladder_quit_relief": 0,
}


def need_chromium() -> None:
    """Skip a browser test where chromium is missing; under CI (which installs it) fail instead."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="session")
def small_raw() -> dict:
    """The small test scenario as a raw mapping (extends resolved)."""
    return resolve_extends(SMALL)


def make_scenario(raw: dict, **overrides):
    """Validate a deep copy of ``raw`` with dotted-path overrides."""
    data = copy.deepcopy(raw)
    for k, v in overrides.items():
        set_path(data, k, v)
    return validate(data, "test")


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``sectorsim`` in a subprocess, as a user would (``env`` adds environment variables)."""
    env = {**os.environ, "COLUMNS": "160", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sectorsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=timeout,
        env=env,
    )
