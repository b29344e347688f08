"""The metric registry is the one place output columns come from."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import make_scenario
from sectorsim import metrics
from sectorsim.model import SectorModel
from sectorsim.summary import summarize


def test_summary_and_series_columns_are_exactly_the_registrys(small_raw):
    sc = make_scenario(small_raw, burn_in=2, months=3)
    m = SectorModel(scenario=sc, arm="sector_partnership", rng=1)
    m.run()
    series = m.datacollector.get_model_vars_dataframe()
    assert list(series.columns) == metrics.monthly_columns(sc)
    assert list(summarize(m, series)) == metrics.summary_columns(sc)


def test_every_column_has_a_label_unit_and_direction(small_raw):
    sc = make_scenario(small_raw)
    for table in (metrics.SUMMARY, metrics.MONTHLY):
        for col, metric, item in metrics.expand(table, sc):
            assert metric.unit and metric.label and metric.better in ("higher", "lower", "neither")
            label = metrics.label(col, sc)
            assert "{item}" not in label and (item is None or item in label), (col, label)


def test_labels_of_family_columns_name_the_item(small_raw):
    sc = make_scenario(small_raw)
    assert metrics.label("turnover_health_care", sc) == "Turnover, health care (per year)"
    assert metrics.label("earnings_mean") == "Mean monthly earnings of working-age residents ($)"
    assert metrics.label("no_such_metric") == "no_such_metric"


def names(sectors=("health care", "retail"), groups=("a", "b"), areas=("x",)):
    """A stand-in with only what the registry reads: the scenario's names."""
    return SimpleNamespace(
        sectors=[SimpleNamespace(name=n) for n in sectors],
        groups=[SimpleNamespace(name=n) for n in groups],
        region=SimpleNamespace(areas=[SimpleNamespace(name=n) for n in areas]),
    )


@pytest.mark.parametrize(
    "scenario, clash",
    [
        (names(sectors=("rate", "retail")), "turnover_rate"),
        (names(groups=("mean", "b")), "earnings_mean"),
        (names(groups=("rate", "b")), "employment_rate"),
        (names(sectors=("engaged", "retail")), "turnover_engaged"),
        (names(sectors=("Food-Service", "food service")), "turnover_food_service"),
    ],
)
def test_collisions_between_names_and_metrics_are_found(scenario, clash):
    assert any(clash in c for c in metrics.collisions(scenario)), metrics.collisions(scenario)


def test_the_shipped_names_do_not_collide(small_raw):
    assert metrics.collisions(make_scenario(small_raw)) == []


def test_a_scenario_whose_names_collide_is_refused_in_one_line(tmp_path):
    from conftest import ROOT, run_cli

    bad = tmp_path / "clash.yaml"
    bad.write_text(
        f"extends: {ROOT / 'scenarios' / 'default.yaml'}\n"
        "groups:\n  - {name: mean, share: 0.6}\n  - {name: other, share: 0.4}\n"
    )
    res = run_cli("check", str(bad))
    assert res.returncode == 2
    lines = (res.stdout + res.stderr).strip().splitlines()
    assert len(lines) == 1 and "earnings_mean" in lines[0] and "Traceback" not in res.stderr
