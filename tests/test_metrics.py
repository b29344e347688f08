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
        (names(sectors=("ＡＢ", "ab")), "turnover_ab"),  # full-width letters fold to the same slug
        (names(areas=("x", "X")), "earnings_area_x"),
        (names(areas=("North", "north!")), "participants_area_north"),
        (names(groups=("a", "b"), sectors=("a", "retail")), "part_time_share_a"),  # a group and a sector
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


def test_names_in_any_script_get_their_own_columns():
    """Two names in CJK characters used to slug to '' and write one column; now each keeps its own."""
    sc = names(sectors=("医疗", "零售"), groups=("甲", "乙"), areas=("北区", "南区"))
    assert metrics.collisions(sc) == []
    cols = [c for c, _, _ in metrics.expand(metrics.SUMMARY, sc)]
    assert {"turnover_医疗", "turnover_零售", "earnings_甲", "earnings_area_北区"} <= set(cols), cols
    assert len(cols) == len(set(cols))


@pytest.mark.parametrize(
    ("key", "name"), [("sectors[1].name", "!!!"), ("groups[0].name", "—"), ("region.areas[2].name", " _ ")]
)
def test_a_name_without_letters_or_digits_is_refused_in_one_line(small_raw, key, name):
    from sectorsim.errors import InputError

    path = {"sectors[1].name": "sectors.1.name", "groups[0].name": "groups.0.name"}.get(
        key, "region.areas.2.name"
    )
    with pytest.raises(InputError) as info:
        make_scenario(small_raw, **{path: name})
    assert info.value.key == key and "no letter or digit" in info.value.message, info.value
