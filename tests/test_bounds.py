"""Every number a scenario may hold has a bound the model honours: what ``check`` accepts, ``run`` can do.

Before these bounds, a rung wage of 1e308 passed ``check`` and ended ``run`` in a RuntimeError, 30
shocks of +200% drove positions and vacancies to -1.3e11 with exit 0, and growth of 0.5 a year over
600 months took seconds a month (51M positions). Here: each such value is refused in one line; every
bounded number at its bound gives a run with finite outputs; and the bound on growth and shocks is the
one the model's positions actually follow.
"""

from __future__ import annotations

import copy
import math
import typing
from typing import Any

import numpy as np
import pytest
import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from sectorsim.runner import run_one
from sectorsim.scenario.loading import set_path, validate
from sectorsim.scenario.schema import MAX_POSITIONS_FACTOR, Scenario, peak_positions_factor
from test_bad_input import cli, one_line
from test_property_input import TINY, workdir


def _check_line(edits: dict[str, Any]) -> str:
    """The one line ``check`` prints for TINY with ``edits`` (dotted paths), asserting exit 2."""
    raw = copy.deepcopy(TINY)
    for dotted, value in edits.items():  # loop: edits (test helper)
        set_path(raw, dotted, value)
    with workdir() as d:
        path = d / "scenario.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        code, _, err = cli("check", str(path))
        line = one_line(code, err)
        assert str(path) in line, line
        return line


@pytest.mark.parametrize(
    ("edits", "key"),
    [
        ({"sectors.health care.ladder.0.wage": 1e308}, "ladder[0].wage"),
        ({"sectors.health care.ladder.0.wage": 1e-300}, "ladder[0].wage"),
        ({"region.max_commute_minutes": 1e308}, "max_commute_minutes"),
        ({"region.commute_minutes": [[1e308] * 3] * 3}, "commute_minutes"),
        ({"labor_market.score_skills": 1e308}, "score_skills"),
        ({"labor_market.score_noise": 1e40}, "score_noise"),
        ({"labor_market.quality_elasticity": 1e308}, "quality_elasticity"),
        ({"labor_market.tenure_months_scale": 1e-300}, "tenure_months_scale"),
        ({"shocks": [{"month": 10**12, "sector": "retail", "change": 1.0}]}, "shocks[0].month"),
        ({"months": 600, "sectors.health care.growth": 0.5}, "sectors[0].growth"),
        ({"shocks": [{"month": 1, "sector": "health care", "change": 2.0}] * 30}, "shocks"),
    ],
)
def test_a_number_the_model_cannot_honour_is_refused_by_check(edits, key):
    line = _check_line(edits)
    assert f".{key}" in line or f": {key}" in line, line


def test_growth_and_shocks_name_the_sector_the_fold_and_the_bound():
    line = _check_line({"shocks": [{"month": 1, "sector": "health care", "change": 2.0}] * 30})
    assert "'health care'" in line and "e+14-fold" in line and "at most 10-fold" in line, line
    line = _check_line({"months": 600, "sectors.retail.growth": 0.5})
    assert "sectors[2].growth" in line and "'retail'" in line, line


def test_growth_and_shocks_within_the_bound_are_accepted():
    for edits in (
        {"months": 12, "sectors.health care.growth": 0.5},
        {"months": 600, "sectors.health care.growth": 0.04},
        {"shocks": [{"month": 1, "sector": "health care", "change": 2.0}] * 2},  # 9-fold
        {"shocks": [{"month": 5, "sector": "health care", "change": 2.0}] * 30},  # after the end: never hit
    ):  # loop: accepted cases (test helper)
        raw = copy.deepcopy(TINY)
        for dotted, value in edits.items():  # loop: edits (test helper)
            set_path(raw, dotted, value)
        validate(raw, "t")


def test_the_peak_factor_follows_growth_and_shocks_in_time_order():
    assert peak_positions_factor(0.0, [], 120) == (1.0, 0)
    assert peak_positions_factor(0.0, [(10, 2.0)], 100) == (3.0, 10)
    up, at = peak_positions_factor(0.1, [], 120)
    assert at == 120 and up == pytest.approx(1.1**10)
    # up three-fold, then removed: the peak is the moment after the first shock
    peak, at = peak_positions_factor(0.0, [(10, 2.0), (20, -1.0)], 100)
    assert (peak, at) == (3.0, 10)
    # shrinking all along: the start is the peak
    assert peak_positions_factor(-0.5, [(60, 2.0)], 120) == (1.0, 0)


def test_the_model_positions_follow_the_bound_it_is_checked_against():
    """Positions over a run never exceed their start times the predicted peak, and never go negative."""
    raw = copy.deepcopy(TINY)
    set_path(raw, "months", 12)
    set_path(raw, "sectors.health care.growth", 0.3)
    raw["shocks"] = [
        {"month": 3, "sector": "health care", "change": 2.0},
        {"month": 6, "sector": "health care", "change": 1.0},
    ]
    sc = validate(raw, "t")
    from sectorsim.model import SectorModel

    model = SectorModel(scenario=sc, arm="none", rng=3)
    health = model.employers.sector == model.sector_index["health care"]
    start = model.employers.target[health].sum()
    peak_seen = 0.0
    for _ in range(sc.total_months):  # loop: months of a short run (test helper)
        model.step()
        peak_seen = max(peak_seen, model.employers.target[health].sum() / start)
        assert (model.employers.positions >= 0).all()
    predicted, _ = peak_positions_factor(0.3, [(sc.burn_in + 3, 2.0), (sc.burn_in + 6, 1.0)], sc.total_months)
    assert peak_seen == pytest.approx(predicted, rel=0.02), (peak_seen, predicted)
    assert predicted < MAX_POSITIONS_FACTOR


# ---- every bounded number, at its bound, runs ------------------------------------------------------

#: Fields that set the size of a run (its cost), not a behaviour: tested elsewhere at sizes that fit.
SIZE = {"workers", "months", "burn_in", "replications", "mean_size", "applicants", "cohort_size", "grants"}


def _bounded_fields(model: type[BaseModel], prefix: str, node: dict) -> list[tuple[str, float, float]]:
    """(dotted path, low, high) of every bounded number of a block present in ``node``."""
    out: list[tuple[str, float, float]] = []
    for name, info in model.model_fields.items():  # loop: a block's fields (test helper)
        path = f"{prefix}{name}"
        ann = info.annotation
        inner = [a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            inner = [ann]
        if typing.get_origin(ann) is list:  # lists of items are walked from their own class
            continue
        if inner and isinstance(node.get(name, {}), dict):
            out += _bounded_fields(inner[0], f"{path}.", node.get(name, {}))
            continue
        lo = [m.ge for m in info.metadata if isinstance(m, Ge)] + [
            m.gt for m in info.metadata if isinstance(m, Gt)
        ]
        hi = [m.le for m in info.metadata if isinstance(m, Le)] + [
            m.lt for m in info.metadata if isinstance(m, Lt)
        ]
        if ann in (float, int, float | None, int | None):
            out.append((path, float(lo[0]) if lo else -math.inf, float(hi[0]) if hi else math.inf))
    return out


def _all_bounded() -> list[tuple[str, float, float]]:
    from sectorsim.policies.sector_partnership import SectorPartnershipConfig
    from sectorsim.scenario.schema import Area, Group, Rung, Sector

    fields = _bounded_fields(Scenario, "", TINY)
    fields += _bounded_fields(Area, "region.areas.North County.", {})
    fields += _bounded_fields(Group, "groups.Group B.", {})
    fields += _bounded_fields(Sector, "sectors.retail.", {})
    fields += _bounded_fields(Rung, "sectors.retail.ladder.0.", {})
    fields += _bounded_fields(SectorPartnershipConfig, "arms.sector_partnership.policies.0.", {})
    return fields


def test_every_number_of_a_scenario_has_two_bounds():
    fields = _all_bounded()
    paths = {p for p, _, _ in fields}
    for p in ("sectors.retail.ladder.0.wage", "labor_market.score_noise", "sectors.retail.growth", "seed"):
        assert p in paths, sorted(paths)  # companion: the walk finds the fields this is about
    unbounded = [p for p, lo, hi in fields if not (math.isfinite(lo) and math.isfinite(hi))]
    assert not unbounded, unbounded


@pytest.mark.slow
def test_every_bounded_number_at_its_bounds_gives_finite_outputs_or_one_line():
    ran = refused = 0
    for path, lo, hi in _all_bounded():  # loop: bounded fields (test helper)
        if path.rpartition(".")[2] in SIZE:
            continue
        for value in (lo, hi):  # loop: the two bounds
            raw = copy.deepcopy(TINY)
            set_path(raw, path, int(value) if value.is_integer() and abs(value) < 2**63 else value)
            try:
                sc = validate(raw, "t")
            except Exception as exc:  # a cross-field rule (ages, shares) refuses it: in one line
                assert type(exc).__name__ == "InputError", (path, value, exc)
                refused += 1
                continue
            res = run_one(sc, "sector_partnership", 1)
            assert all(np.isfinite(v) for v in res.summary.values()), (path, value)
            assert (res.series["positions"] >= 0).all() and (
                res.series["vacancies"] >= -res.series["positions"]
            ).all()
            ran += 1
    print(f"{ran} runs at a bound, {refused} refused by a cross-field rule")
    assert ran > 100, (ran, refused)
