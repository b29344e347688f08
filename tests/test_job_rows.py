"""The passes that act only on job holders (or only on the jobless) give the residents' pass results.

Separations, upskilling and promotion run over the employed residents' rows, the participation flows
over the jobless residents' rows (``sectorsim.processes.employment``): the same people in the same
order as a pass over every resident that skips the others. Here a run of the bench region with those
row lists replaced by all residents must end in exactly the same state.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from sectorsim.bench import BENCH_SCENARIO, scaled_overrides
from sectorsim.model import SectorModel
from sectorsim.processes import advancement, participation, separations, upskilling
from sectorsim.scenario import load_scenario


def _state(model: SectorModel) -> str:
    h = hashlib.sha256()
    for table in (model.workers, model.employers):  # loop: the two tables
        for name in sorted(table.declared):  # loop: declared columns
            h.update(np.ascontiguousarray(getattr(table, name)).tobytes())
    h.update(model.datacollector.get_model_vars_dataframe().to_numpy(dtype=float).tobytes())
    return h.hexdigest()


def _run(arm: str) -> str:
    sc = load_scenario(BENCH_SCENARIO, scaled_overrides(BENCH_SCENARIO, 3000, 36))
    model = SectorModel(scenario=sc, arm=arm, rng=sc.seed)
    model.run()
    return _state(model)


@pytest.mark.parametrize("arm", ["sector_partnership", "single_employer"])
def test_job_holder_rows_give_the_residents_pass(monkeypatch, arm):
    fast = _run(arm)

    def everyone(model: SectorModel) -> np.ndarray:
        return model.demography.rows

    for module in (separations, upskilling, advancement):  # loop: passes over job holders
        monkeypatch.setattr(module, "employed_residents", everyone)
    monkeypatch.setattr(participation, "jobless_residents", everyone)
    assert _run(arm) == fast

    # and the check can fail: a separation pass over half the residents changes the run
    monkeypatch.setattr(separations, "employed_residents", lambda m: everyone(m)[::2])
    assert _run(arm) != fast


@pytest.mark.parametrize("arm", ["sector_partnership", "single_employer"])
def test_the_kept_job_split_is_never_stale(monkeypatch, arm):
    """After every step of every month, a kept split equals the split made afresh."""
    from sectorsim import model as model_module
    from sectorsim.processes.employment import _split_by_job

    checked = []

    def check(model: SectorModel) -> None:
        kept = model.demography.job_split
        if kept is not None:
            fresh = _split_by_job(model.demography.rows, model.workers.employer)
            assert all(np.array_equal(k, f) for k, f in zip(kept, fresh, strict=True))  # loop: the two lists
            checked.append(1)

    def checked_step(step: model_module.Step) -> model_module.Step:
        def run(model: SectorModel) -> None:
            step.run(model)
            check(model)

        return model_module.Step(step.name, run)

    monkeypatch.setattr(
        model_module, "STEPS", tuple(checked_step(s) for s in model_module.STEPS)
    )  # loop: steps
    sc = load_scenario(BENCH_SCENARIO, scaled_overrides(BENCH_SCENARIO, 3000, 24))
    SectorModel(scenario=sc, arm=arm, rng=sc.seed).run()
    assert len(checked) > 48  # the split is kept across steps in most months
