"""`sectorsim bench` runs and reports what it names (a functional check; timing is not asserted)."""

import json

from conftest import run_cli


def test_bench_json_has_the_promised_figures():
    res = run_cli("bench", "--workers", "2000", "--months", "6", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    for key in (
        "worker_months_per_s",
        "seconds",
        "peak_mb",
        "mesa_boltzmann_agent_steps_per_s",
        "ratio_vs_mesa",
    ):
        assert data[key] > 0
    assert data["workers"] == 2000 and data["months"] == 24 + 6
    assert set(data["arms"]) == {"sector_partnership", "single_employer"}
    # the kernel warm-up is reported on its own, outside the timed run
    assert all(a["warm_up_seconds"] > 0 for a in data["arms"].values())
    # the rate is worker-months over the time of those runs
    wm = sum(a["worker_months"] for a in data["arms"].values())
    secs = sum(a["seconds"] for a in data["arms"].values())
    assert abs(data["worker_months_per_s"] - wm / secs) / data["worker_months_per_s"] < 1e-9
