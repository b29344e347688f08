"""The earnings panel switch: off by default; monthly or quarterly float32 panels that add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import SMALL, make_scenario, run_cli
from sectorsim.model import SectorModel


def _run(small_raw, panel: str) -> SectorModel:
    sc = make_scenario(small_raw, earnings_panel=panel)
    model = SectorModel(scenario=sc, arm="sector_partnership", rng=4)
    model.run()
    return model


def test_off_by_default_and_the_switch_changes_no_result(small_raw):
    off = _run(small_raw, "off")
    assert make_scenario(small_raw).earnings_panel == "off"
    assert off.earnings_panel is None
    on = _run(small_raw, "monthly")
    assert np.array_equal(on.workers.window_earnings, off.workers.window_earnings)
    assert on.datacollector.get_model_vars_dataframe().equals(off.datacollector.get_model_vars_dataframe())


@pytest.mark.parametrize(("panel", "periods"), [("monthly", 24), ("quarterly", 8)])
def test_panel_adds_up_to_the_horizon_sums(small_raw, panel, periods):
    model = _run(small_raw, panel)
    w = model.workers
    # one column per row the run may use (arrivals' rows are reserved); rows not yet used are 0
    assert model.earnings_panel.dtype == np.float32
    assert model.earnings_panel.shape == (periods, w.capacity)
    assert not model.earnings_panel[:, w.n :].any()
    p = model.earnings_panel[:, : w.n]
    np.testing.assert_allclose(p.sum(axis=0, dtype=np.float64), w.window_earnings, rtol=1e-5)
    if panel == "monthly":
        # the last column is the last month's earnings, exactly
        assert np.array_equal(p[-1], w.earnings)
        assert (p.sum(axis=1) > 0).all()


def test_quarterly_is_the_monthly_panel_in_threes(small_raw):
    monthly = _run(small_raw, "monthly").earnings_panel
    quarterly = _run(small_raw, "quarterly").earnings_panel
    np.testing.assert_allclose(quarterly, monthly.reshape(8, 3, -1).sum(axis=1), rtol=1e-6)


def test_run_writes_the_panel_file(tmp_path):
    scenario = tmp_path / "panel.yaml"
    scenario.write_text(f"extends: {SMALL}\nname: panel\nearnings_panel: quarterly\nreplications: 2\n")
    out = tmp_path / "out"
    res = run_cli("run", str(scenario), "--out", str(out), "--jobs", "2")
    assert res.returncode == 0, res.stderr
    assert "earnings_panel.parquet" in res.stderr
    df = pd.read_parquet(out / "earnings_panel.parquet")
    summary = pd.read_csv(out / "summary.csv")
    n_workers = 1500
    # everyone resident at some time in the horizon: at least the initial population, who mostly stay
    counts = df.groupby(["arm", "replication"], observed=True).size()
    assert len(counts) == len(summary)
    assert (counts > 0.8 * n_workers).all()
    assert list(df.columns[:6]) == ["arm", "replication", "worker", "group", "area", "months_resident"]
    assert [c for c in df.columns[6:]] == [f"q{i:02d}" for i in range(1, 9)]
    assert all(df[c].dtype == np.float32 for c in df.columns[6:])
    assert df["months_resident"].between(1, 24).all()
    assert set(df["area"].astype(str)) == {"Central County", "North County", "River County"}
    # a worker's group does not depend on the arm (same seed, same population)
    g = df.pivot_table(
        index=["replication", "worker"], columns="arm", values="group", aggfunc="first", observed=True
    )
    assert (g.nunique(axis=1) == 1).all()
    # the panel and the summary agree on earnings per resident-month over the horizon
    for row in summary.itertuples():
        sub = df[(df["arm"] == row.arm) & (df["replication"] == row.replication)]
        panel_mean = sub.iloc[:, 6:].to_numpy(np.float64).sum() / sub["months_resident"].sum()
        assert panel_mean == pytest.approx(row.earnings_mean, rel=1e-5)


def test_no_panel_file_when_off(tmp_path):
    out = tmp_path / "out"
    res = run_cli("run", str(SMALL), "--out", str(out), "--jobs", "1", "--replications", "1")
    assert res.returncode == 0, res.stderr
    assert not (out / "earnings_panel.parquet").exists()
