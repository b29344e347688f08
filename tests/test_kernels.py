"""The compiled kernels agree exactly with plain numpy versions of the same rules, and stay in bounds.

The numpy references below are the implementations the kernels (and the partial invitation sort)
replaced; each comparison is bit-for-bit on random inputs, and a companion check shows a changed
rule is caught. A slow test reruns whole scenarios with numba's bounds checking on.
"""

from __future__ import annotations

import numpy as np
import pytest

from sectorsim.processes.offers import OfferRules, Offers, _offer_rounds
from sectorsim.processes.search import DrawBases, Searchers, VacancyCells, _draw_applications
from sectorsim.streams import Streams, stream_id

_M1, _M2, _G, _P = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15, 0xD6E8FEB86659FD93


def _fmix_np(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_M1)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def _unit_np(bits: np.ndarray) -> np.ndarray:
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def test_stream_kernels_match_numpy_splitmix():
    s = Streams(12345)
    keys = np.arange(0, 50_000, 7, dtype=np.int64)
    other = keys[::-1].copy()
    bits = _fmix_np(keys.astype(np.uint64) * np.uint64(_G) + s.base("x", 4, 2))
    assert np.array_equal(s.uniform("x", 4, keys, call=2), _unit_np(bits))
    pair = _unit_np(_fmix_np(bits ^ (other.astype(np.uint64) * np.uint64(_P))))
    assert np.array_equal(s.uniform_pair("x", 4, keys, other, call=2), pair)
    assert stream_id("x") != stream_id("y")
    # the reference is sensitive: another call index gives other numbers
    assert not np.array_equal(s.uniform("x", 4, keys, call=3), _unit_np(bits))


def _rounds_np(app_w, app_s, score, offered, accept_u, n_workers, n_slots, rounds, acceptance):
    order = np.lexsort((-score, app_s))
    app_w, app_s, offered, accept_u = app_w[order], app_s[order], offered[order], accept_u[order]
    alive = np.ones(app_w.size, bool)
    worker_done = np.zeros(n_workers, bool)
    slot_done = np.zeros(n_slots, bool)
    hired_w, hired_s = [], []
    for _ in range(rounds):  # loop: offer rounds
        a = np.flatnonzero(alive)
        if a.size == 0:
            break
        a = a[np.r_[True, app_s[a][1:] != app_s[a][:-1]]]
        a = a[np.lexsort((app_s[a], -offered[a], app_w[a]))]
        a = a[np.r_[True, app_w[a][1:] != app_w[a][:-1]]]
        yes = accept_u[a] < acceptance
        taken = a[yes]
        alive[a[~yes]] = False
        worker_done[app_w[taken]] = True
        slot_done[app_s[taken]] = True
        alive &= ~worker_done[app_w] & ~slot_done[app_s]
        hired_w.append(app_w[taken])
        hired_s.append(app_s[taken])
    return np.concatenate(hired_w), np.concatenate(hired_s)


@pytest.mark.parametrize("seed", range(6))
def test_offer_rounds_match_the_numpy_rounds(seed):
    rng = np.random.default_rng(seed)
    n_workers, n_slots, n = 400, 150, 2500
    pairs = np.unique(rng.integers(0, n_workers, n) * n_slots + rng.integers(0, n_slots, n))
    app_w, app_s = pairs // n_slots, pairs % n_slots
    # ties on purpose: rounded scores and a few wage levels, as ladders give
    score = np.round(rng.normal(size=app_w.size), 1)
    offered = rng.choice([2500.0, 3000.0, 3600.0], app_w.size)
    accept_u = rng.random(app_w.size)
    args = (app_w, app_s, score, offered, accept_u)
    offers = Offers(worker=app_w, slot=app_s, score=score, offered=offered, accept_u=accept_u)
    got = _offer_rounds(offers, OfferRules(n_slots=n_slots, n_workers=n_workers, rounds=3, acceptance=0.8))
    want = _rounds_np(*args, n_workers, n_slots, 3, 0.8)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert got[0].size > 0
    # sensitive: another acceptance rate hires otherwise
    other = _rounds_np(*args, n_workers, n_slots, 3, 0.5)
    assert not (other[0].size == got[0].size and np.array_equal(other[0], got[0]))


@pytest.mark.parametrize(("seed", "n_cells"), [(3, 20), (4, 7), (5, 300)])
def test_application_draws_match_the_flat_searchsorted(seed, n_cells):
    rng = np.random.default_rng(seed)
    n_prof, n = 12, 3000
    # weights spanning orders of magnitude, many cells of zero weight
    weight = rng.random((n_prof, n_cells)) ** 8 * (rng.random((n_prof, n_cells)) < 0.6)
    weight[:, 0] += 0.01
    cum = np.cumsum(weight, axis=1)
    flat = cum / cum[:, -1:] + np.arange(n_prof)[:, None]
    count = rng.integers(1, 6, n_cells)
    start = np.cumsum(count) - count
    rows = np.sort(rng.choice(50_000, n, replace=False))
    prof = rng.integers(0, n_prof, n)
    n_apps = rng.integers(1, 4, n)
    s = Streams(seed)
    apply_base = np.array([s.base("search.apply", 5, k) for k in range(3)])  # loop: calls
    vacancy_base = np.array([s.base("search.vacancy", 5, k) for k in range(3)])  # loop: calls
    got_w, got_s = _draw_applications(
        flat,
        Searchers(row=rows, key=rows, profile=prof, n_apps=n_apps),
        DrawBases(apply=apply_base, vacancy=vacancy_base),
        VacancyCells(n_open=count, first_slot=start),
    )
    out_w, out_s = [], []
    for k in range(3):  # loop: application index
        sending = np.flatnonzero(n_apps > k)
        u = s.uniform("search.apply", 5, rows[sending], call=k)
        pos = np.searchsorted(flat.ravel(), prof[sending] + u, side="left")
        cell = np.minimum(pos - prof[sending] * n_cells, n_cells - 1)
        u2 = s.uniform("search.vacancy", 5, rows[sending], call=k)
        offset = np.minimum((u2 * count[cell]).astype(np.int64), count[cell] - 1)
        out_w.append(rows[sending])
        out_s.append(start[cell] + offset)
    stride = int(count.sum()) + 1
    pair = np.unique(np.concatenate(out_w) * stride + np.concatenate(out_s))
    assert np.array_equal(got_w, pair // stride) and np.array_equal(got_s, pair % stride)
    # no application lands in a cell of zero weight
    cell_of_slot = np.repeat(np.arange(n_cells), count)
    assert (weight[prof[np.searchsorted(rows, got_w)], cell_of_slot[got_s]] > 0).all()


@pytest.mark.parametrize(("n_first", "n"), [(0, 30), (5, 30), (40, 30), (0, 0), (10, 500)])
def test_invitation_order_is_the_full_sort_cut_short(n_first, n):
    from sectorsim.policies.program import first_in_order

    rng = np.random.default_rng(n_first + n)
    first = np.zeros(400, bool)
    first[rng.choice(400, n_first, replace=False)] = True
    draw = rng.random(400)
    want = np.lexsort((draw, ~first))[:n]
    assert np.array_equal(first_in_order(first, draw, n), want)


@pytest.mark.slow
def test_kernels_stay_in_bounds(tmp_path):
    """With numba's bounds checking on, whole runs of every mechanism raise no IndexError.

    Compiled kernels do not check indices by default; a wrong index would read or write memory
    silently. This recompiles them with NUMBA_BOUNDSCHECK=1 (in a separate cache) and runs a
    scenario with every policy and an evaluation.
    """
    from conftest import DATA, run_cli

    env = {"NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    run = run_cli("run", str(DATA / "small.yaml"), "--out", str(tmp_path / "r"), "--jobs", "1", env=env)
    ev = run_cli(
        "evaluate", str(DATA / "small_eval.yaml"), "--out", str(tmp_path / "e"), "--jobs", "1", env=env
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert ev.returncode == 0, ev.stderr[-2000:]
    assert any((tmp_path / "numba").rglob("*.nbi"))  # the checked kernels were compiled apart
