"""Common random numbers: what sectorsim guarantees, tested."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

from conftest import NO_PRACTICES, make_scenario
from sectorsim.model import SectorModel

SRC = Path(__file__).resolve().parents[1] / "src" / "sectorsim"


def series(sc, arm, seed=3):
    m = SectorModel(scenario=sc, arm=arm, rng=seed)
    m.run()
    return m, m.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def test_a_policy_that_changes_nothing_reproduces_the_baseline_bit_for_bit(small_raw):
    sc = make_scenario(
        small_raw,
        arms=[
            {"name": "none"},
            {"name": "noop", "policies": [{"type": "none"}]},
            {
                "name": "broke",
                "policies": [
                    {
                        "type": "sector_partnership",
                        "target_sector": "health care",
                        "budget": 0,
                        "hiring_commitment": 0,
                        "screening_boost": 0,
                        "practices": NO_PRACTICES,
                    }
                ],
            },
            {
                "name": "jq0",
                "policies": [
                    {"type": "job_quality", "target_sector": "retail", "wage_raise": 0, "stability_effect": 0}
                ],
            },
        ],
    )
    m0, base = series(sc, "none")
    for arm in ("noop", "broke", "jq0"):
        m1, other = series(sc, arm)
        cols = [
            c for c in base.columns if c not in ("employed_engaged", "separations_engaged", "program_spend")
        ]
        pd.testing.assert_frame_equal(base[cols], other[cols], check_exact=True)
        for col in ("employer", "rung", "wage", "earnings", "skill", "credential"):
            assert np.array_equal(getattr(m0.workers, col), getattr(m1.workers, col)), (arm, col)


def test_arms_are_identical_until_policies_start_and_differ_after(small_raw):
    sc = make_scenario(small_raw)
    _, base = series(sc, "none")
    _, sp = series(sc, "sector_partnership")
    before = base["month"] < sc.burn_in
    cols = [c for c in base.columns if c not in ("employed_engaged", "separations_engaged", "program_spend")]
    pd.testing.assert_frame_equal(base.loc[before, cols], sp.loc[before, cols], check_exact=True)
    assert not base.loc[~before, "earnings_mean"].equals(sp.loc[~before, "earnings_mean"])


def test_same_seed_same_run_and_other_seed_other_run(small_raw):
    sc = make_scenario(small_raw)
    _, a = series(sc, "sector_partnership", seed=5)
    _, b = series(sc, "sector_partnership", seed=5)
    _, c = series(sc, "sector_partnership", seed=6)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a["earnings_mean"].equals(c["earnings_mean"])


def test_untreated_workers_far_from_the_program_keep_most_of_their_draws(small_raw):
    """With CRN, most workers' paths are unchanged by a small program (the policy's footprint)."""
    sc = make_scenario(small_raw)
    m0, _ = series(sc, "none")
    m1, _ = series(sc, "sector_partnership")
    same = m0.workers.employer == m1.workers.employer
    assert same.mean() > 0.5


def _calls(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            text = ast.unparse(node)
            if text.startswith(
                (
                    "np.random",
                    "numpy.random",
                    "random.",
                    "model.rng",
                    "self.rng",
                    "self.random",
                    "model.random",
                )
            ):
                out.append(text)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names]
            mod = getattr(node, "module", "") or ""
            if "random" in names or mod == "random" or mod.startswith("numpy.random"):
                out.append(ast.unparse(node))
    return out


def test_no_stray_random_number_generators_in_processes_and_policies():
    files = list((SRC / "processes").glob("*.py")) + list((SRC / "policies").glob("*.py"))
    files += [SRC / "population.py", SRC / "model.py"]
    assert len(files) > 10
    offenders = {str(f.name): _calls(ast.parse(f.read_text())) for f in files}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, offenders


def test_the_grep_would_catch_a_stray_generator():
    assert _calls(ast.parse("import numpy as np\nx = np.random.random(3)\n"))
    assert _calls(ast.parse("def f(model):\n    return model.rng.random()\n"))
    assert _calls(ast.parse("import random\n"))
