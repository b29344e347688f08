"""Every compiled kernel agrees exactly with a plain numpy version of the same rule, and stays in bounds.

Each reference below is the kernel's rule written with whole-array numpy (loops over offer rounds or
application indices at most), independent of numba: its random numbers come from a numpy SplitMix64
(:func:`_key_u`, :func:`_pair_u`), itself checked against the stream kernels. Each comparison is bit
for bit (same dtype, same bytes) on seeded random inputs of several sizes, including empty tables and
edge cases (every worker unemployed, every worker in training, no vacancies, no applications). Each
test has a companion check: the reference with one rule changed (``mutant=True``) disagrees with the
kernel, so the comparison can fail. :func:`test_every_kernel_has_a_reference` lists the kernels, so a
new kernel without a reference fails the suite. A slow test reruns whole scenarios with numba's
bounds checking on. Scalar helpers (``fmix``, ``unit``, ``key_uniform``, ``pair_uniform``,
``rounded``, ``recognized``, ``wage_at``) are checked through the kernels that call them, and the
last two also through numba ufuncs over edge values.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import numba
import numpy as np
import pytest

from sectorsim.columns import ELSEWHERE
from sectorsim.outcomes import TallyEmployers, TallyWorkers, _tally
from sectorsim.processes.advancement import (
    PromotionLadders,
    PromotionParams,
    PromotionWorkers,
    _candidates,
    recognized,
)
from sectorsim.processes.demography import ExitParams, ExitWorkers, _exit_draw
from sectorsim.processes.earnings import PayEmployers, PayParams, PayWorkers, _month, wage_at
from sectorsim.processes.employment import _split_by_job
from sectorsim.processes.matching import _slots
from sectorsim.processes.offers import (
    Applications,
    OfferRules,
    Offers,
    ScreenBases,
    ScreenEmployers,
    ScreenParams,
    ScreenRungs,
    ScreenWorkers,
    Slots,
    _offer_rounds,
    _screen,
)
from sectorsim.processes.participation import FlowParams, FlowWorkers, _flows
from sectorsim.processes.search import (
    CellRules,
    DrawBases,
    Profiles,
    ProfileWorkers,
    Searchers,
    SearchParams,
    SearchWorkers,
    VacancyCells,
    _cumulative_weights,
    _draw_applications,
    _profile_keys,
    _search,
)
from sectorsim.processes.separations import (
    HazardFactors,
    SeparationParams,
    SeparationWorkers,
    _draw,
    _hazard_bounds,
)
from sectorsim.processes.skills import SkillParams, SkillWorkers, _change
from sectorsim.processes.upskilling import UpskillLadders, UpskillWorkers
from sectorsim.processes.upskilling import _draw as _upskill_draw
from sectorsim.state import _count_jobs
from sectorsim.streams import Streams, stream_id

_M1, _M2, _G, _P = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0x9E3779B97F4A7C15, 0xD6E8FEB86659FD93

# ---------------------------------------------------------------------------------------------------
# helpers: numpy SplitMix64, bit-for-bit comparison, a random worker and employer table


def _fmix_np(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_M1)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(_M2)
    return x ^ (x >> np.uint64(31))


def _unit_np(bits: np.ndarray) -> np.ndarray:
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _key_u(keys: np.ndarray, base: np.uint64) -> np.ndarray:
    """The stream uniform of each key for a (seed, stream, month, call) base."""
    return _unit_np(_fmix_np(np.asarray(keys).astype(np.uint64) * np.uint64(_G) + np.uint64(base)))


def _pair_u(keys_a: np.ndarray, keys_b: np.ndarray, base: np.uint64) -> np.ndarray:
    """The stream uniform of each pair of keys."""
    a = _fmix_np(np.asarray(keys_a).astype(np.uint64) * np.uint64(_G) + np.uint64(base))
    return _unit_np(_fmix_np(a ^ (np.asarray(keys_b).astype(np.uint64) * np.uint64(_P))))


def _same(got, want) -> bool:
    """Bit-for-bit equality of two results (arrays: same dtype, shape and bytes; or tuples of them)."""
    if isinstance(got, tuple):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want, strict=True))
    a, b = np.asarray(got), np.asarray(want)
    if a.ndim == 0 and b.ndim == 0 and a.dtype.kind in "iub" and b.dtype.kind in "iub":
        return int(a) == int(b)  # scalar counts: numba returns Python ints
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


N_E, N_S, N_R, N_G, N_A = 40, 3, 4, 3, 3

#: (seed, workers, variant): sizes from empty to a few thousand, and the edge cases.
CASES = [
    (0, 0, "mixed"),
    (1, 1, "mixed"),
    (2, 60, "mixed"),
    (3, 3000, "mixed"),
    (4, 500, "unemployed"),
    (5, 300, "training"),
]
BIG = 3  # the seed of the case on which companion checks run


def _world(seed: int, n: int, variant: str = "mixed") -> SimpleNamespace:
    """Random worker and employer tables and ladders with the model's dtypes and invariants.

    ``variant``: "mixed", "unemployed" (nobody holds a job) or "training" (everybody is a trainee).
    """
    g = np.random.default_rng(seed)
    n_rungs = g.integers(2, N_R + 1, N_S).astype(np.int64)
    n_rungs[0] = N_R
    ladder_wage = np.sort(g.uniform(1800, 6500, (N_S, N_R)), axis=1)
    required = np.sort(g.integers(0, 4, (N_S, N_R)), axis=1).astype(np.int8)
    e_sector = g.integers(0, N_S, N_E).astype(np.int8)
    e = SimpleNamespace(
        key=(10_000_019 + g.permutation(N_E) * 104_729).astype(np.int64),
        sector=e_sector,
        area=g.integers(0, N_A, N_E).astype(np.int16),
        premium=np.where(g.random(N_E) < 0.1, -0.85, g.normal(0, 0.15, N_E)).astype(np.float32),
        commitment=g.integers(-1, 3, N_E).astype(np.int16),
        referral_bonus=g.choice([0.0, 0.5, 1.25], N_E).astype(np.float32),
        engaged=g.random(N_E) < 0.3,
    )
    # the practice levers, from a generator of their own (the rest of the world stays as it was):
    # most employers at their no-policy value, a third with a practice
    gp = np.random.default_rng(seed + 1)
    e.schedule_stability = np.where(gp.random(N_E) < 0.33, gp.uniform(0, 1, N_E), 0.0).astype(np.float32)
    e.promotion_multiplier = np.where(gp.random(N_E) < 0.33, gp.uniform(1, 3, N_E), 1.0).astype(np.float32)
    employed = g.random(n) < 0.7 if variant != "unemployed" else np.zeros(n, bool)
    employer = np.where(employed, g.integers(0, N_E, n), -1).astype(np.int32)
    top = n_rungs[e_sector[np.maximum(employer, 0)]]
    rung = np.where(employed, g.integers(0, 1 << 30, n) % top, -1).astype(np.int8)
    program = np.where(g.random(n) < 0.15, g.integers(0, 3, n), -1).astype(np.int16)
    if variant == "training":
        program[:] = g.integers(0, 3, n)
    w = SimpleNamespace(
        n=n,
        key=(7 + g.permutation(n) * 7_919).astype(np.int64),
        employer=employer,
        rung=rung,
        tenure=g.integers(0, 300, n).astype(np.int16),
        unemployed_months=g.integers(0, 40, n).astype(np.int16),
        match=g.random(n).astype(np.float32),
        skill=g.normal(0, 1.6, n).astype(np.float32),
        wage=np.where(employed, g.uniform(1500, 6000, n), 0.0).astype(np.float32),
        earnings=g.uniform(0, 5000, n).astype(np.float32),
        window_earnings=g.uniform(0, 1e5, n),
        window_employed=g.integers(0, 50, n).astype(np.int32),
        credential=g.integers(0, 4, (n, N_S)).astype(np.int8),
        firm_sector=g.integers(-1, N_S, n).astype(np.int8),
        firm_employer=np.where(g.random(n) < 0.5, employer, g.integers(-1, N_E, n)).astype(np.int32),
        firm_level=g.integers(0, 5, n).astype(np.int8),
        group=g.integers(0, N_G, n).astype(np.int8),
        area=g.integers(0, N_A, n).astype(np.int16),
        pipeline=g.integers(-1, 3, n).astype(np.int16),
        hiring_credit=np.where(g.random(n) < 0.3, g.choice([0.5, 1.0], n), 0.0).astype(np.float32),
        program=program,
        barrier=g.random(n) < 0.3,
        support_left=g.integers(0, 4, n).astype(np.int16),
        support_strength=g.random(n).astype(np.float32),
    )
    # residency (a few rows not yet arrived or gone), labor-force status and hours
    w.resident = np.where(g.random(n) < 0.9, 1, g.integers(0, 3, n)).astype(np.int8)
    w.employer[w.resident != 1] = -1
    w.rung[w.resident != 1] = -1
    w.in_labor_force = (w.resident == 1) & ((w.employer >= 0) | (g.random(n) < 0.6) | (w.program >= 0))
    emp = w.employer >= 0
    w.hours = np.where(emp, g.choice([15.0, 22.0, 37.5, 40.0, 41.5], n), 0.0).astype(np.float32)
    w.unstable = emp & (g.random(n) < 0.3)
    w.wants_more_hours = emp & (w.hours < 35) & (g.random(n) < 0.4)
    w.window_months = g.integers(0, 50, n).astype(np.int32)
    w.window_hours = g.uniform(0, 8000, n)
    # training elsewhere and experience, from a generator of their own (the rest stays as it was):
    # a third of the trainees train elsewhere; experience by sector
    gx = np.random.default_rng(seed + 2)
    w.program[(w.program >= 0) & (gx.random(n) < 0.33)] = ELSEWHERE
    w.experience = gx.integers(0, 100, (n, N_S)).astype(np.int16)
    w.promote_at = np.where(gx.random(n) < 0.1, w.employer, -1).astype(np.int32)  # trained incumbents
    return SimpleNamespace(w=w, e=e, ladder_wage=ladder_wage, required=required, n_rungs=n_rungs, rng=g)


def _here(w: SimpleNamespace) -> np.ndarray:
    """The residents' rows, ascending (what the model keeps in ``demography.rows``)."""
    return np.flatnonzero(w.resident == 1).astype(np.int64)


def _copy(ns: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(**{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in vars(ns).items()})


# ---------------------------------------------------------------------------------------------------
# streams: fmix, unit, key_uniform, pair_uniform (through _uniform_kernel and _pair_kernel), rounded


@pytest.mark.parametrize(
    "keys",
    [
        np.arange(0, 50_000, 7, dtype=np.int64),
        np.empty(0, np.int64),
        np.array([0, 1, 2**31, 2**62, 2**63 - 1], np.int64),
    ],
    ids=["many", "empty", "extremes"],
)
def test_stream_kernels_match_numpy_splitmix(keys):
    s = Streams(12345)
    other = keys[::-1].copy()
    bits = _fmix_np(keys.astype(np.uint64) * np.uint64(_G) + s.base("x", 4, 2))
    assert _same(s.uniform("x", 4, keys, call=2), _unit_np(bits))
    pair = _unit_np(_fmix_np(bits ^ (other.astype(np.uint64) * np.uint64(_P))))
    assert _same(s.uniform_pair("x", 4, keys, other, call=2), pair)
    assert _same(s.uniform_pair("x", 4, keys, other, call=2), _pair_u(keys, other, s.base("x", 4, 2)))
    assert stream_id("x") != stream_id("y")
    if keys.size:
        # the reference is sensitive: another call index gives other numbers
        assert not np.array_equal(s.uniform("x", 4, keys, call=3), _unit_np(bits))
        # and the pair draw is not symmetric in its keys
        assert not np.array_equal(s.uniform_pair("x", 4, other, keys, call=2), pair)


def test_python_fmix_matches_the_kernel():
    """Stream bases mix in Python integers: the same bits as the compiled SplitMix64 finalizer."""
    from sectorsim.streams import _fmix_int, fmix

    g = np.random.default_rng(7)
    values = [0, 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -1, 3 * 2**70 + 5]
    values += [int(v) for v in g.integers(0, 2**63, 500)] + [int(v) << 1 for v in g.integers(0, 2**63, 500)]
    for v in values:  # loop: test values
        assert _fmix_int(v) == int(fmix(np.uint64(v & (2**64 - 1))))
    assert _fmix_int(12345) != 12345


def _rounded_np(expected: np.ndarray, u: np.ndarray, mutant: bool = False) -> np.ndarray:
    """Floor of the (non-negative) expected count, plus one when ``u`` < the remainder."""
    e = np.maximum(expected, 0.0)
    if mutant:  # changed rule: plain rounding to the nearest integer
        return np.round(e).astype(np.int64)
    base = np.floor(e)
    return base.astype(np.int64) + (u < e - base)


@pytest.mark.parametrize(("seed", "n"), [(0, 0), (1, 1), (2, 5000)])
def test_round_kernel_matches_numpy_rounding(seed, n):
    g = np.random.default_rng(seed)
    keys = g.permutation(n).astype(np.int64) * 31 + 5
    expected = g.choice([-1.5, 0.0, 2.0, 0.3, 1e6 + 0.5], n) + np.where(g.random(n) < 0.5, g.random(n), 0)
    s = Streams(seed)
    got = s.round_counts("r", 6, keys, expected)
    u = _key_u(keys, s.base("r", 6))
    assert _same(got, _rounded_np(expected, u))
    if n > 1000:
        assert not _same(got, _rounded_np(expected, u, mutant=True))


# ---------------------------------------------------------------------------------------------------
# employment._split_by_job


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_split_by_job_matches_numpy_masks(seed, n, variant):
    w = _world(seed, n, variant).w
    here = _here(w)
    got = _split_by_job(here, w.employer)
    want = (here[w.employer[here] >= 0], here[w.employer[here] < 0])
    assert _same(got, want)
    if seed == BIG:
        assert got[0].size > 0 and got[1].size > 0
        assert not _same(got, (want[1], want[0]))  # which list is which matters


# ---------------------------------------------------------------------------------------------------
# state._count_jobs


def _count_jobs_np(employer, rung, n_employers, n_rungs, mutant=False):
    """Workers by (employer, rung), the unemployed left out."""
    m = employer >= 0
    if mutant:  # changed rule: rung-major layout
        flat = rung[m].astype(np.int64) * n_employers + employer[m]
    else:
        flat = employer[m].astype(np.int64) * n_rungs + rung[m]
    return np.bincount(flat, minlength=n_employers * n_rungs).reshape(n_employers, n_rungs)


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_count_jobs_matches_bincount(seed, n, variant):
    w = _world(seed, n, variant).w
    got = _count_jobs(w.employer, w.rung, N_E, N_R)
    assert _same(got, _count_jobs_np(w.employer, w.rung, N_E, N_R))
    if seed == BIG:
        assert got.sum() > 0 and not _same(got, _count_jobs_np(w.employer, w.rung, N_E, N_R, mutant=True))


# ---------------------------------------------------------------------------------------------------
# outcomes._tally


def _tally_np(w, e, n_groups, n_sectors, mutant=False):
    here = w.resident == 1 if not mutant else w.resident >= 0  # mutant: non-residents counted too
    emp = here & (w.employer >= 0)
    training = here & (w.program >= 0)
    lf = here & w.in_labor_force
    jobs = w.employer[emp]
    hours = w.hours.astype(np.float64)
    part = emp & (hours < 35.0)
    by_group = np.stack(
        [
            np.bincount(w.group[here], minlength=n_groups).astype(np.float64),
            np.bincount(w.group[lf], minlength=n_groups).astype(np.float64),
            np.bincount(w.group[emp], minlength=n_groups).astype(np.float64),
            np.bincount(w.group[part], minlength=n_groups).astype(np.float64),
            np.bincount(w.group[here], weights=w.earnings[here].astype(np.float64), minlength=n_groups),
            np.bincount(w.group[emp], weights=hours[emp], minlength=n_groups),
        ],
        axis=1,
    )
    by_sector = np.stack(
        [
            np.bincount(e.sector[jobs], minlength=n_sectors).astype(np.float64),
            np.bincount(e.sector[w.employer[part]], minlength=n_sectors).astype(np.float64),
            np.bincount(e.sector[jobs], weights=hours[emp], minlength=n_sectors),
        ],
        axis=1,
    )
    total_hours = 0.0
    for h in hours[emp]:  # loop: sum in row order, as the kernel adds
        total_hours += h
    return (
        int(here.sum()),
        int(lf.sum()),
        int(emp.sum()),
        int(training.sum()),
        int((training & (w.employer < 0)).sum()),
        int(e.engaged[jobs].sum()),
        int(part.sum()),
        int((emp & w.wants_more_hours).sum()),
        total_hours,
        by_group,
        by_sector,
    )


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_tally_matches_numpy_counts(seed, n, variant):
    world = _world(seed, n, variant)
    w, e = world.w, world.e
    got = _tally(
        TallyWorkers(
            rows=_here(w),
            in_labor_force=w.in_labor_force,
            employer=w.employer,
            program=w.program,
            group=w.group,
            earnings=w.earnings,
            hours=w.hours,
            wants_more_hours=w.wants_more_hours,
        ),
        TallyEmployers(sector=e.sector, engaged=e.engaged),
        N_G,
        N_S,
    )
    assert _same(tuple(got), _tally_np(w, e, N_G, N_S))
    if seed == BIG:
        assert not _same(tuple(got), _tally_np(w, e, N_G, N_S, mutant=True))


# ---------------------------------------------------------------------------------------------------
# advancement: recognized and _candidates


def _recognized_np(portable, firm_sector, firm_employer, firm_level, sector, employer, outside, mutant=False):
    """A firm credential counts at its issuer, or elsewhere when recognized, if above the portable one."""
    where = (firm_employer == employer) if mutant else ((firm_employer == employer) | outside)
    return np.where((firm_sector == sector) & where & (firm_level > portable), firm_level, portable)


@numba.vectorize(["int64(int8, int8, int32, int8, int8, int64, boolean)"], cache=False)
def _recognized_ufunc(portable, firm_sector, firm_employer, firm_level, sector, employer, outside):
    return recognized(portable, firm_sector, firm_employer, firm_level, sector, employer, outside)


def test_recognized_matches_numpy_where():
    g = np.random.default_rng(8)
    n = 4000
    args = (
        g.integers(0, 4, n).astype(np.int8),
        g.integers(-1, 3, n).astype(np.int8),
        g.integers(-1, 4, n).astype(np.int32),
        g.integers(0, 5, n).astype(np.int8),
        g.integers(0, 3, n).astype(np.int8),
        g.integers(0, 4, n).astype(np.int64),
        g.random(n) < 0.5,
    )
    got = _recognized_ufunc(*args)
    assert _same(got, _recognized_np(*args).astype(np.int64))
    assert not _same(got, _recognized_np(*args, mutant=True).astype(np.int64))


def _candidates_np(
    w, e_sector, n_rungs, required, min_tenure, rate, base, mult, rungs, mutant=False, rule=""
):
    """Employed, tenured enough, drawn (rate x the employer's multiplier), with a next rung it qualifies
    for: its credential, unless the rung only prefers it, and the rung's months in the sector.

    ``rule``: "no_preferred", "no_experience" (as in :func:`_screen_np`) or "no_first" (incumbents an
    employer trained get no first consideration). A worker whose ``promote_at`` is their employer is
    considered without the draw and the tenure minimum.
    """
    tenured = w.tenure > min_tenure if mutant else w.tenure >= min_tenure
    emp = w.employer >= 0
    r_j = rate * mult[np.where(emp, w.employer, 0)]
    first = (w.promote_at == w.employer) & (rule != "no_first")
    i = np.flatnonzero(emp & ((tenured & (_key_u(w.key, base) < r_j)) | first))
    j = w.employer[i]
    s = e_sector[j].astype(np.int64)
    r = w.rung[i].astype(np.int64) + 1
    fits = r < n_rungs[s]
    i, j, s, r = i[fits], j[fits], s[fits], r[fits]
    level = _recognized_np(
        w.credential[i, s], w.firm_sector[i], w.firm_employer[i], w.firm_level[i], s, j, False
    )
    preferred = rungs.preferred[s, r] & (rule != "no_preferred")
    experienced = (w.experience[i, s] >= rungs.experience[s, r]) | (rule == "no_experience")
    ok = ((level >= required[s, r]) | preferred) & experienced
    return i[ok], r[ok]


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_promotion_candidates_match_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w = world.w
    base = Streams(seed).base("promotion", 9)
    mult = world.e.promotion_multiplier.astype(np.float64)
    rungs = _rungs(seed)
    got = _candidates(
        PromotionWorkers(
            rows=_here(w),
            key=w.key,
            employer=w.employer,
            tenure=w.tenure,
            rung=w.rung,
            credential=w.credential,
            firm_sector=w.firm_sector,
            firm_employer=w.firm_employer,
            firm_level=w.firm_level,
            experience=w.experience,
            promote_at=w.promote_at,
        ),
        PromotionLadders(
            employer_sector=world.e.sector,
            promotion_multiplier=mult,
            n_rungs=world.n_rungs,
            required=world.required,
            experience=rungs.experience,
            preferred=rungs.preferred,
        ),
        PromotionParams(min_tenure=150, rate=0.3, base=base),
    )
    args = (w, world.e.sector, world.n_rungs, world.required, 150, 0.3, base)
    assert _same(got, _candidates_np(*args, mult, rungs))
    if seed == BIG:
        assert got[0].size > 0 and not _same(got, _candidates_np(*args, mult, rungs, mutant=True))
        # the career-ladder lever counts: without it the reference promotes fewer
        assert not _same(got, _candidates_np(*args, np.ones_like(mult), rungs))
        # and so do preferred credentials and experience requirements
        assert not _same(got, _candidates_np(*args, mult, rungs, rule="no_preferred"))
        assert not _same(got, _candidates_np(*args, mult, rungs, rule="no_experience"))
        assert not _same(got, _candidates_np(*args, mult, rungs, rule="no_first"))


# ---------------------------------------------------------------------------------------------------
# earnings: wage_at and _month


def _wage_at_np(base, premium, skill, skill_return, mutant=False):
    """Ladder wage x (1 + premium) x (1 + skill_return x skill clipped to +-3 sd), factor at least 0.3."""
    clip = 2.0 if mutant else 3.0
    s = np.clip(np.asarray(skill).astype(np.float64), -clip, clip)
    factor = (1.0 + np.asarray(premium).astype(np.float64)) * (1.0 + skill_return * s)
    return base * np.maximum(factor, 0.3)


@numba.vectorize(["float64(float64, float32, float32, float64)"], cache=False)
def _wage_at_ufunc(base, premium, skill, skill_return):
    return wage_at(base, premium, skill, skill_return)


def test_wage_at_matches_numpy():
    g = np.random.default_rng(9)
    n = 5000
    base = g.uniform(1000, 8000, n)
    premium = np.concatenate([[-0.95, -0.7, 0.0, 0.6], g.normal(0, 0.3, n - 4)]).astype(np.float32)
    skill = np.concatenate([[-9.0, -3.0, 3.0, 9.0], g.normal(0, 2.5, n - 4)]).astype(np.float32)
    got = _wage_at_ufunc(base, premium, skill, 0.12)
    assert _same(got, _wage_at_np(base, premium, skill, 0.12))
    assert not _same(got, _wage_at_np(base, premium, skill, 0.12, mutant=True))


def _month_np(w, e, ladder_wage, params, mutant=False, stability=None, elsewhere_stipend=False):
    """New (wage, earnings, tenure, unemployed_months, window sums) of the residents; others untouched.

    (The model zeroes the wage and earnings of people who leave when they leave, so the pass need not.)
    """
    here = w.resident == 1
    emp = here & (w.employer >= 0)
    jobless = here & (w.employer < 0)
    training = w.program >= 0
    j = np.where(emp, w.employer, 0)
    pay = _wage_at_np(
        ladder_wage[e.sector[j], np.where(emp, w.rung, 0)], e.premium[j], w.skill, params.skill_return
    )
    wage = np.where(emp, pay, np.where(here, 0.0, w.wage)).astype(np.float32)
    share = w.hours.astype(np.float64) / 40.0
    stability = e.schedule_stability if stability is None else stability
    spread = params.volatility * np.sqrt(3.0) * (1.0 - stability[j].astype(np.float64))
    vary = 1.0 + spread * (2.0 * _key_u(w.key, params.hours_base) - 1.0)
    share = np.where(w.unstable, share * vary, share)
    keep = 1.0 if mutant else np.where(training, params.trainee_hours, 1.0)  # mutant: trainees keep all
    paid = training if elsewhere_stipend else training & (w.program != ELSEWHERE)  # programs pay stipends
    earnings = np.where(
        emp, wage.astype(np.float64) * share * keep, np.where(jobless & paid, params.stipend, 0.0)
    ).astype(np.float32)
    earnings = np.where(here, earnings, w.earnings)
    sums = (w.window_earnings, w.window_employed, w.window_months, w.window_hours)
    if params.accumulate:
        sums = (
            sums[0] + np.where(here, earnings.astype(np.float64), 0.0),
            sums[1] + emp,
            sums[2] + here,
            sums[3] + np.where(emp, w.hours.astype(np.float64) * (52.0 / 12.0), 0.0),
        )
    return (wage, earnings, w.tenure + emp, w.unemployed_months + jobless, *sums)


@pytest.mark.parametrize("accumulate", [True, False])
@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_pay_month_matches_numpy(seed, n, variant, accumulate):
    world = _world(seed, n, variant)
    w = _copy(world.w)
    params = PayParams(
        skill_return=0.1,
        trainee_hours=0.7,
        stipend=850.0,
        accumulate=accumulate,
        volatility=0.25,
        hours_base=Streams(seed).base("hours.month", 3),
    )
    _month(
        PayWorkers(
            rows=_here(w),
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            skill=w.skill,
            program=w.program,
            hours=w.hours,
            unstable=w.unstable,
            wage=w.wage,
            earnings=w.earnings,
            tenure=w.tenure,
            unemployed_months=w.unemployed_months,
            window_earnings=w.window_earnings,
            window_employed=w.window_employed,
            window_months=w.window_months,
            window_hours=w.window_hours,
        ),
        PayEmployers(
            sector=world.e.sector, premium=world.e.premium, schedule_stability=world.e.schedule_stability
        ),
        world.ladder_wage,
        params,
    )
    got = (
        w.wage,
        w.earnings,
        w.tenure,
        w.unemployed_months,
        w.window_earnings,
        w.window_employed,
        w.window_months,
        w.window_hours,
    )
    args = (world.w, world.e, world.ladder_wage, params)
    assert _same(got, _month_np(*args))
    if seed == BIG:
        assert not _same(got, _month_np(*args, mutant=True))
        # training elsewhere pays no stipend
        assert not _same(got, _month_np(*args, elsewhere_stipend=True))
        # stable scheduling counts: without it the unstable jobs' earnings vary more
        assert not _same(got, _month_np(*args, stability=np.zeros(N_E, np.float32)))


# ---------------------------------------------------------------------------------------------------
# search: _search, _profile_keys, _cumulative_weights, _draw_applications


def _search_np(w, group_network, p, mutant=False, retention=None):
    """Searchers: residents not in training; the unemployed, the inactive (through contacts), and the
    employed drawn to search on the job (more often if they want more hours); counts rounded."""
    free = (w.program < 0) & (w.resident == 1)
    employed = w.employer >= 0
    unemployed = ~employed & w.in_labor_force
    inactive = ~employed & ~w.in_labor_force
    on_the_job = np.where(w.wants_more_hours, p.involuntary, p.on_the_job)
    retention = p.retention if retention is None else retention
    on_the_job = on_the_job * retention[np.where(employed, w.employer, 0)]
    searching = free & (~employed | (_key_u(w.key, p.search_base) < on_the_job))
    base = np.where(employed, p.apps_employed, np.where(unemployed, p.apps_unemployed, p.apps_inactive))
    if mutant:  # mutant: the inactive apply like the unemployed
        base = np.where(employed, p.apps_employed, p.apps_unemployed)
    n = _rounded_np(base * group_network[w.group], _key_u(w.key, p.count_base))
    rows = np.flatnonzero(searching & (n > 0))
    del inactive
    return rows, n[rows], int((free & unemployed).sum())


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_search_pass_matches_numpy(seed, n, variant):
    w = _world(seed, n, variant).w
    network = np.array([1.0, 0.55, 1.3])
    g = np.random.default_rng(seed + 2)
    retention = np.where(g.random(N_E) < 0.5, g.uniform(0.2, 1.0, N_E), 1.0)
    s = Streams(seed)
    bases = (s.base("search.on_the_job", 2), s.base("search.applications", 2))
    params = SearchParams(
        on_the_job=0.3,
        involuntary=0.6,
        apps_unemployed=2.5,
        apps_employed=0.8,
        apps_inactive=0.4,
        search_base=bases[0],
        count_base=bases[1],
        retention=retention,
    )
    got = _search(
        SearchWorkers(
            rows=_here(w),
            key=w.key,
            in_labor_force=w.in_labor_force,
            program=w.program,
            employer=w.employer,
            group=w.group,
            wants_more_hours=w.wants_more_hours,
        ),
        network,
        params,
    )
    args = (w, network, params)
    assert _same(got, _search_np(*args))
    if seed == BIG:
        assert not _same(got, _search_np(*args, mutant=True))
        # the employers' retention counts: without it more of their workers search
        assert not _same(got, _search_np(*args, retention=np.ones(N_E)))


def _profile_keys_np(rows, w, threshold, base, mutant=False):
    """(area, credential levels with the firm credential folded in, wage band) written as one key."""
    cred = w.credential[rows].astype(np.int64)
    n_sectors = cred.shape[1]
    firm_level = w.firm_level[rows].astype(np.int64)[:, None]
    fold = (w.firm_sector[rows][:, None] == np.arange(n_sectors)) & (firm_level > cred)
    level = cred if mutant else np.where(fold, firm_level, cred)  # mutant: firm credential ignored
    code = (level * base ** np.arange(n_sectors, dtype=np.int64)).sum(axis=1)
    wage = w.wage[rows].astype(np.float64)
    band = np.where(w.employer[rows] >= 0, np.searchsorted(threshold, wage, side="right"), 0).astype(np.int64)
    key = (w.area[rows].astype(np.int64) * base**n_sectors + code) * (threshold.size + 1) + band
    return key, level, band


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_profile_keys_match_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w = world.w
    rows = np.flatnonzero(world.rng.random(n) < 0.6).astype(np.int64)
    threshold = np.unique(np.round(world.ladder_wage.ravel() * 1.1, -2))
    # some wages exactly on a band's threshold (a band is the count of thresholds at or below the wage)
    w = _copy(w)
    on = (w.employer >= 0) & (world.rng.random(n) < 0.2)
    w.wage[on] = world.rng.choice(threshold, int(on.sum())).astype(np.float32)
    got = _profile_keys(
        rows,
        ProfileWorkers(
            area=w.area,
            employer=w.employer,
            wage=w.wage,
            credential=w.credential,
            firm_sector=w.firm_sector,
            firm_level=w.firm_level,
        ),
        threshold,
        5,
    )
    assert _same(got, _profile_keys_np(rows, w, threshold, 5))
    if seed == BIG:
        assert not _same(got, _profile_keys_np(rows, w, threshold, 5, mutant=True))


def _cumulative_weights_np(profiles, reach, cells, bands, mutant=False):
    """Cumulative sum over cells of the appeal of cells within reach, qualified for, paying enough."""
    floor = np.where(profiles.band > 0, bands[np.maximum(profiles.band - 1, 0)], -np.inf)
    pays = cells.threshold[None, :] >= floor[:, None] if mutant else cells.threshold[None, :] > floor[:, None]
    ok = (
        reach[profiles.area[:, None], cells.area[None, :]]
        & (profiles.level[:, cells.sector] >= cells.required[None, :])
        & pays
    )
    return np.cumsum(np.where(ok, cells.appeal[None, :], 0.0), axis=1)


@pytest.mark.parametrize(("seed", "n_prof"), [(0, 0), (1, 1), (2, 40), (3, 400)])
def test_cumulative_weights_match_numpy_cumsum(seed, n_prof):
    g = np.random.default_rng(seed)
    n_cells = N_A * N_S * N_R
    cell = np.arange(n_cells)
    threshold = g.choice([2000.0, 2600.0, 3100.0, 4000.0], n_cells)
    bands = np.unique(threshold)
    cells = CellRules(
        area=cell // (N_S * N_R),
        sector=(cell // N_R) % N_S,
        required=g.integers(0, 4, n_cells).astype(np.int8),
        threshold=threshold,
        appeal=g.integers(0, 4, n_cells) * g.uniform(0.5, 2.0, n_cells),
    )
    profiles = Profiles(
        area=g.integers(0, N_A, n_prof).astype(np.int16),
        level=g.integers(0, 5, (n_prof, N_S)).astype(np.int64),
        band=g.integers(0, bands.size + 1, n_prof).astype(np.int64),
    )
    reach = g.random((N_A, N_A)) < 0.6
    reach[np.arange(N_A), np.arange(N_A)] = True
    got = _cumulative_weights(profiles, reach, cells, bands)
    assert _same(got, _cumulative_weights_np(profiles, reach, cells, bands))
    if n_prof >= 40:
        assert not _same(got, _cumulative_weights_np(profiles, reach, cells, bands, mutant=True))


def _applications_np(flat, searchers, bases, cells, mutant=False):
    """For application ``k``: the cell by a flat searchsorted of ``p + u``, a slot uniform in it."""
    n_cells = flat.shape[1]
    out_w, out_s = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for k in range(bases.apply.size):  # loop: application index
        sending = np.flatnonzero(searchers.n_apps > k)
        key, p = searchers.key[sending], searchers.profile[sending]
        u = _key_u(key, bases.apply[k])
        pos = np.searchsorted(flat.ravel(), p + u, side="left")
        cell = np.minimum(pos - p * n_cells, n_cells - 1)
        u2 = u if mutant else _key_u(key, bases.vacancy[k])  # mutant: the slot reuses the cell's draw
        n_open = cells.n_open[cell]
        out_w.append(searchers.row[sending])
        out_s.append(cells.first_slot[cell] + np.minimum((u2 * n_open).astype(np.int64), n_open - 1))
    stride = int(cells.n_open.sum()) + 1
    pair = np.unique(np.concatenate(out_w) * stride + np.concatenate(out_s))
    return pair // stride, pair % stride


@pytest.mark.parametrize(
    ("seed", "n_cells", "n"), [(3, 20, 3000), (4, 7, 3000), (5, 300, 3000), (6, 5, 0), (7, 1, 40)]
)
def test_application_draws_match_the_flat_searchsorted(seed, n_cells, n):
    rng = np.random.default_rng(seed)
    n_prof = 12
    # weights spanning orders of magnitude, many cells of zero weight
    weight = rng.random((n_prof, n_cells)) ** 8 * (rng.random((n_prof, n_cells)) < 0.6)
    weight[:, 0] += 0.01
    cum = np.cumsum(weight, axis=1)
    flat = cum / cum[:, -1:] + np.arange(n_prof)[:, None]
    count = rng.integers(1, 6, n_cells)
    start = np.cumsum(count) - count
    rows = np.sort(rng.choice(50_000, n, replace=False)).astype(np.int64)
    searchers = Searchers(
        row=rows,
        key=rows * 3 + 11,  # keys differ from rows, so a swap of the two is caught
        profile=rng.integers(0, n_prof, n),
        n_apps=rng.integers(0, 4, n),
    )
    s = Streams(seed)
    bases = DrawBases(
        apply=np.array([s.base("search.apply", 5, k) for k in range(3)]),  # loop: calls
        vacancy=np.array([s.base("search.vacancy", 5, k) for k in range(3)]),  # loop: calls
    )
    cells = VacancyCells(n_open=count, first_slot=start)
    got = _draw_applications(flat, searchers, bases, cells)
    assert _same(got, _applications_np(flat, searchers, bases, cells))
    # no application lands in a cell of zero weight
    cell_of_slot = np.repeat(np.arange(n_cells), count)
    assert (weight[searchers.profile[np.searchsorted(rows, got[0])], cell_of_slot[got[1]]] > 0).all()
    if n > 1000:
        assert not _same(got, _applications_np(flat, searchers, bases, cells, mutant=True))


# ---------------------------------------------------------------------------------------------------
# matching._slots


def _slots_np(open_, employer_cell, n_rungs, n_cells, mutant=False):
    """One slot per open position, grouped by cell (stable: by employer, then rung, within a cell)."""
    n_employers = employer_cell.size
    cell = (employer_cell[:, None] + np.arange(n_rungs)[None, :]).ravel()
    emp = np.repeat(np.arange(n_employers), n_rungs)
    rung = np.tile(np.arange(n_rungs), n_employers)
    k = open_.ravel()
    cell, emp, rung = np.repeat(cell, k), np.repeat(emp, k), np.repeat(rung, k)
    order = (
        np.lexsort((-emp, cell)) if mutant else np.argsort(cell, kind="stable")
    )  # mutant: employers reversed
    return emp[order], rung[order], np.bincount(cell, minlength=n_cells)


@pytest.mark.parametrize(("seed", "vacancies"), [(0, "none"), (1, "few"), (2, "many")])
def test_slots_match_numpy_repeat(seed, vacancies):
    world = _world(seed, 0)
    e = world.e
    employer_cell = (e.area.astype(np.int64) * N_S + e.sector) * N_R
    p = {"none": 0.0, "few": 0.05, "many": 0.6}[vacancies]
    open_ = np.where(world.rng.random((N_E, N_R)) < p, world.rng.integers(1, 4, (N_E, N_R)), 0).astype(
        np.int64
    )
    n_cells = N_A * N_S * N_R
    got = _slots(open_, employer_cell, N_R, n_cells)
    assert _same(got, _slots_np(open_, employer_cell, N_R, n_cells))
    if vacancies == "many":
        assert not _same(got, _slots_np(open_, employer_cell, N_R, n_cells, mutant=True))


# ---------------------------------------------------------------------------------------------------
# offers: _screen and _offer_rounds


def _rungs(seed: int) -> ScreenRungs:
    """Experience requirements and preferred credentials on some rungs (a generator of their own)."""
    rx = np.random.default_rng(seed + 3)
    experience = np.where(rx.random((N_S, N_R)) < 0.4, rx.integers(1, 30, (N_S, N_R)), 0).astype(np.int16)
    return ScreenRungs(experience=experience, preferred=rx.random((N_S, N_R)) < 0.3)


def _screen_np(
    apps, slots, w, e, ladder_wage, ladder_required, rungs, group_bias, bases, params, mutant=False, rule=""
):
    """Applications the employer recognizes, from applicants with the rung's experience, that pay an
    on-the-job searcher enough; their scores. A preferred credential is no gate, only a score.

    ``rule``: "no_preferred" (every credential a gate) or "no_experience" (experience ignored), to
    show the reference would catch either rule missing.
    """
    r, j, rung = apps.worker, slots.employer[apps.slot], slots.rung[apps.slot]
    sector = e.sector[j].astype(np.int64)
    current = w.employer[r]
    outside = _pair_u(w.key[r], e.key[j], bases.recognize) < params.recognition
    level = _recognized_np(
        w.credential[r, sector], w.firm_sector[r], w.firm_employer[r], w.firm_level[r], sector, j, outside
    )
    required = ladder_required[sector, rung]
    pay = _wage_at_np(ladder_wage[sector, rung], e.premium[j], w.skill[r], params.skill_return)
    enough = (current < 0) | (pay > (w.wage[r] * params.wage_gain).astype(np.float64))
    preferred = rungs.preferred[sector, rung] & (rule != "no_preferred")
    experienced = (w.experience[r, sector] >= rungs.experience[sector, rung]) | (rule == "no_experience")
    keep = np.flatnonzero((current != j) & ((level >= required) | preferred) & experienced & enough)
    referred = (w.pipeline[r] >= 0) & (w.pipeline[r] == e.commitment[j])
    referral = np.where(referred, e.referral_bonus[j], np.float32(0.0))
    waiting = np.where(current < 0, np.minimum(w.unemployed_months[r], 24).astype(np.float64), 0.0)
    score = params.score_credential * (level.astype(np.int64) - required).astype(np.float64) + (
        params.score_skills * w.skill[r]
    ).astype(np.float64)
    score = score + referral.astype(np.float64) - group_bias[w.group[r]]
    credit = 0.0 if mutant else w.hiring_credit[r].astype(np.float64)  # mutant: credit ignored
    partial = score - params.score_duration * waiting / 12.0 + credit
    wk, ek = w.key[r[keep]], e.key[j[keep]]
    return (
        r[keep],
        apps.slot[keep],
        pay[keep],
        np.asarray(partial)[keep],
        _pair_u(wk, ek, bases.rank),
        _pair_u(wk, ek, bases.accept),
    )


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_screen_matches_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w, e, g = world.w, world.e, world.rng
    n_slots = 120
    slot_emp = g.integers(0, N_E, n_slots).astype(np.int64)
    slot_rung = (g.integers(0, 1 << 30, n_slots) % world.n_rungs[e.sector[slot_emp]]).astype(np.int64)
    if n:
        pairs = np.unique(g.integers(0, n, 3 * n) * n_slots + g.integers(0, n_slots, 3 * n))
    else:
        pairs = np.empty(0, np.int64)
    # a few applications to the worker's own employer, which screening drops
    own = np.flatnonzero(np.isin(slot_emp[pairs % n_slots], w.employer[pairs // n_slots]))
    apps = Applications(worker=(pairs // n_slots).astype(np.int64), slot=(pairs % n_slots).astype(np.int64))
    slots = Slots(employer=slot_emp, rung=slot_rung)
    s = Streams(seed)
    bases = ScreenBases(
        recognize=s.base("hire.recognize", 4), rank=s.base("hire.rank", 4), accept=s.base("offer.accept", 4)
    )
    params = ScreenParams(
        recognition=0.4,
        wage_gain=np.float32(1.05),
        skill_return=0.1,
        score_credential=0.5,
        score_skills=np.float32(0.8),
        score_duration=0.3,
    )
    bias = np.array([0.0, 0.25, 0.1])
    rungs = _rungs(seed)
    got = _screen(
        apps,
        slots,
        ScreenWorkers(
            key=w.key,
            employer=w.employer,
            wage=w.wage,
            skill=w.skill,
            credential=w.credential,
            firm_sector=w.firm_sector,
            firm_employer=w.firm_employer,
            firm_level=w.firm_level,
            group=w.group,
            pipeline=w.pipeline,
            unemployed_months=w.unemployed_months,
            hiring_credit=w.hiring_credit,
            experience=w.experience,
        ),
        ScreenEmployers(
            key=e.key,
            sector=e.sector,
            premium=e.premium,
            commitment=e.commitment,
            referral_bonus=e.referral_bonus,
        ),
        world.ladder_wage,
        world.required,
        rungs,
        bias,
        bases,
        params,
    )
    args = (apps, slots, w, e, world.ladder_wage, world.required, rungs, bias, bases, params)
    assert _same(got, _screen_np(*args))
    if seed == BIG:
        assert own.size > 0 and 0 < got[0].size < apps.worker.size
        assert not _same(got, _screen_np(*args, mutant=True))
        assert not _same(got, _screen_np(*args, rule="no_preferred"))
        assert not _same(got, _screen_np(*args, rule="no_experience"))


def _rounds_np(app_w, app_s, score, offered, accept_u, n_workers, n_slots, rounds, acceptance, mutant=False):
    """Offer rounds: each slot offers to its best applicant in play; each worker weighs the best-paid."""
    order = np.lexsort((-score, app_s))
    app_w, app_s, offered, accept_u = app_w[order], app_s[order], offered[order], accept_u[order]
    weigh = score[order] if mutant else offered  # mutant: a worker weighs the best-scored offer
    alive = np.ones(app_w.size, bool)
    worker_done = np.zeros(n_workers, bool)
    slot_done = np.zeros(n_slots, bool)
    hired_w, hired_s = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for _ in range(rounds):  # loop: offer rounds
        a = np.flatnonzero(alive)
        if a.size == 0:
            break
        a = a[np.r_[True, app_s[a][1:] != app_s[a][:-1]]]
        a = a[np.lexsort((app_s[a], -weigh[a], app_w[a]))]
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


@pytest.mark.parametrize(
    ("seed", "n_slots", "n", "acceptance"),
    [
        (0, 150, 2500, 0.8),
        (1, 150, 2500, 0.8),
        (2, 10, 2500, 0.8),
        (3, 150, 0, 0.8),
        (4, 1, 30, 0.8),
        (5, 150, 2500, 0.0),
        (6, 150, 2500, 1.0),
    ],
)
def test_offer_rounds_match_the_numpy_rounds(seed, n_slots, n, acceptance):
    rng = np.random.default_rng(seed)
    n_workers = 400
    pairs = np.unique(rng.integers(0, n_workers, n) * n_slots + rng.integers(0, n_slots, n))
    app_w, app_s = pairs // n_slots, pairs % n_slots
    # ties on purpose: rounded scores and a few wage levels, as ladders give (the kernel's scan must
    # pick, among equal scores, the first in input order); n_slots 10 gives long blocks to scan
    score = np.round(rng.normal(size=app_w.size), 1)
    offered = rng.choice([2500.0, 3000.0, 3600.0], app_w.size)
    accept_u = rng.random(app_w.size)
    args = (app_w, app_s, score, offered, accept_u)
    offers = Offers(worker=app_w, slot=app_s, score=score, offered=offered, accept_u=accept_u)
    got = _offer_rounds(
        offers, OfferRules(n_slots=n_slots, n_workers=n_workers, rounds=3, acceptance=acceptance)
    )
    assert _same(got, _rounds_np(*args, n_workers, n_slots, 3, acceptance))
    if n > 1000 and 0 < acceptance < 1:
        assert got[0].size > 0
        # sensitive: another acceptance rate hires otherwise, and so does another rule of choice
        assert not _same(got, _rounds_np(*args, n_workers, n_slots, 3, 0.5))
    if n > 1000 and 0 < acceptance < 1 and n_slots > 100:  # workers with several offers at once
        assert not _same(got, _rounds_np(*args, n_workers, n_slots, 3, acceptance, mutant=True))


# ---------------------------------------------------------------------------------------------------
# separations._draw and skills._change


def _hazards_np(w, factors, params, mutant=False):
    """Each worker's monthly quit hazard (employer row 0 standing in for no employer)."""
    emp = w.employer >= 0
    j = np.where(emp, w.employer, 0)
    one, two = np.float32(1.0), np.float32(2.0)
    excess = factors.tenure[np.minimum(w.tenure, 240)] * factors.new_hire[j]
    p = factors.employer[j] * factors.rung[np.where(emp, w.rung, 0)] * (1.0 + excess)
    p = np.where(w.unstable, p * factors.unstable[j], p)
    p = np.where(w.rung < factors.top_rung[j], p * factors.ladder[j], p)
    m = two * w.match - one if mutant else one - two * w.match  # mutant: the match effect reversed
    return p * (one + params.match_effect * m).astype(np.float64)


def _separations_np(w, factors, params, mutant=False):
    """Quits by the hazard; barrier shocks, cut by support while it lasts, among those who stay."""
    emp = w.employer >= 0
    one = np.float32(1.0)
    p = _hazards_np(w, factors, params, mutant)
    quit = emp & (_key_u(w.key, params.quit_base) < np.minimum(p, 1.0))
    supported = np.where(w.support_left > 0, w.support_strength, np.float32(0.0))
    shock_p = (params.shock_rate * (one - supported)).astype(np.float64)
    shock = emp & ~quit & w.barrier & (_key_u(w.key, params.shock_base) < shock_p)
    return np.flatnonzero(quit), np.flatnonzero(shock)


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_separation_draw_matches_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w, g = world.w, world.rng
    practice = g.random(N_E) < 0.5
    factors = HazardFactors(
        employer=g.uniform(0.01, 0.3, N_E),
        rung=0.9 ** np.arange(N_R, dtype=np.float64),
        tenure=g.uniform(0.0, 1.5, 241),  # distinct at every tenure, so the 240-month cap shows
        new_hire=np.where(practice, g.uniform(0.2, 1.0, N_E), 1.0),
        unstable=np.where(g.random(N_E) < 0.5, g.uniform(1.0, 2.0, N_E), 1.0),
        ladder=np.where(practice, g.uniform(0.3, 1.0, N_E), 1.0),
        top_rung=world.n_rungs[world.e.sector] - 1,
    )
    s = Streams(seed)
    params = SeparationParams(
        match_effect=np.float32(0.5),
        shock_rate=np.float32(0.2),
        quit_base=s.base("separation", 7),
        shock_base=s.base("separation.barrier", 7),
    )
    got = _draw(
        SeparationWorkers(
            rows=_here(w),
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            tenure=w.tenure,
            match=w.match,
            unstable=w.unstable,
            barrier=w.barrier,
            support_left=w.support_left,
            support_strength=w.support_strength,
        ),
        factors,
        params,
    )
    assert _same(got, _separations_np(w, factors, params))
    if seed == BIG:
        assert got[0].size > 0 and got[1].size > 0
        assert not _same(got, _separations_np(w, factors, params, mutant=True))
        # each practice factor counts: the reference without it draws other quits
        for name in ("new_hire", "unstable", "ladder"):
            plain = factors._replace(**{name: np.ones(N_E)})
            assert not _same(got, _separations_np(w, plain, params)), name


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_hazard_bounds_hold_for_every_worker(seed):
    """No worker's quit hazard exceeds their employer's bound, and the bound is reached."""
    world = _world(seed, 400)
    w, g = world.w, world.rng
    practice = g.random(N_E) < 0.5
    factors = HazardFactors(
        employer=g.uniform(0.001, 0.3, N_E),
        rung=0.8 ** np.arange(N_R, dtype=np.float64),
        tenure=g.uniform(0.0, 2.0, 241),
        new_hire=np.where(practice, g.uniform(0.0, 1.0, N_E), 1.0),
        unstable=np.where(g.random(N_E) < 0.5, g.uniform(1.0, 3.0, N_E), 1.0),
        ladder=np.where(practice, g.uniform(0.0, 1.0, N_E), 1.0),
        top_rung=world.n_rungs[world.e.sector] - 1,
    )
    s = Streams(seed)
    params = SeparationParams(np.float32(0.9), np.float32(0.2), s.base("separation", 1), s.base("x", 1))
    bounds = _hazard_bounds(factors, params)
    emp = w.employer >= 0
    p = _hazards_np(w, factors, params)[emp]
    assert (p <= bounds[w.employer[emp]]).all()
    # the worst case (rung 0, the largest tenure excess, unstable, match 0) meets its bound exactly
    worst = SimpleNamespace(**vars(w))
    worst.rung = np.zeros_like(w.rung)
    worst.tenure = np.full_like(w.tenure, int(np.argmax(factors.tenure)))
    worst.unstable = np.ones_like(w.unstable)
    worst.match = np.zeros_like(w.match)
    tight = _hazards_np(worst, factors, params)[emp]
    has_ladder = factors.ladder[w.employer[emp]] >= 1.0
    assert (tight[has_ladder] == bounds[w.employer[emp]][has_ladder]).all() and has_ladder.any()
    # a bound that leaves out the match factor is not one: some worker's hazard exceeds it
    loose = _hazard_bounds(factors, params._replace(match_effect=np.float32(0.0)))
    assert (p > loose[w.employer[emp]]).any()


def _skills_np(w, params, mutant=False):
    """Skill up by ``gain`` on the job; down by ``loss`` after more than ``loss_after`` months out."""
    emp = w.employer >= 0
    long_out = w.unemployed_months >= params.loss_after if mutant else w.unemployed_months > params.loss_after
    skill = w.skill.copy()
    skill[emp] += params.gain
    skill[~emp & w.in_labor_force & long_out] -= params.loss
    return skill


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_skill_change_matches_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w = _copy(world.w)
    params = SkillParams(loss_after=6, loss=np.float32(0.02), gain=np.float32(0.05 / 12.0))
    _change(
        SkillWorkers(
            skill=w.skill,
            employer=w.employer,
            unemployed_months=w.unemployed_months,
            in_labor_force=w.in_labor_force,
        ),
        params,
    )
    assert _same(w.skill, _skills_np(world.w, params))
    if seed == BIG:
        assert not _same(w.skill, _skills_np(world.w, params, mutant=True))


# ---------------------------------------------------------------------------------------------------
# the open market: demography._exit_draw, participation._flows, upskilling._draw


def _exits_np(w, p, mutant=False):
    here = w.resident == 1
    age = p.month - w.born.astype(np.int64)
    p_out = p.death + np.where(age >= p.retirement_months, p.retire, 0.0)
    searching = (w.employer < 0) & w.in_labor_force
    mult = 1.0 if mutant else np.where(searching, p.unemployed_multiplier, 1.0)  # mutant: no multiplier
    p_move = p.migrate * mult
    u = _key_u(w.key, p.base)
    retire = here & ((u < p_out) | (age >= p.exit_months))
    move = here & ~retire & (u < p_out + p_move)
    return np.flatnonzero(retire), np.flatnonzero(move), np.flatnonzero(here & ~retire & ~move)


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_exit_draw_matches_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w, g = world.w, world.rng
    w.born = (-g.integers(18 * 12, 71 * 12, w.n)).astype(np.int16)  # ages 18 to 70 at month 0
    params = ExitParams(
        month=5,
        death=0.01,
        retire=0.05,
        retirement_months=60 * 12,
        exit_months=70 * 12,
        migrate=0.02,  # high hazards, so a few thousand rows show every branch
        unemployed_multiplier=3.0,
        base=Streams(seed).base("demography.exit", 5),
    )
    got = _exit_draw(
        ExitWorkers(
            rows=_here(w), key=w.key, born=w.born, employer=w.employer, in_labor_force=w.in_labor_force
        ),
        params,
    )
    assert _same(got, _exits_np(w, params))
    if seed == BIG:
        assert got[0].size > 0 and got[1].size > 0
        assert not _same(got, _exits_np(w, params, mutant=True))


def _flows_np(w, p, mutant=False):
    free = (w.resident == 1) & (w.employer < 0) & (w.program < 0) & ~w.just_lost
    u = _key_u(w.key, p.base)
    long_term = w.unemployed_months >= (p.discouraged_after + (1 if mutant else 0))  # mutant: one month late
    p_exit = p.exit_rate * np.where(long_term, p.discouraged_multiplier, 1.0)
    p_exit = np.minimum(p_exit * np.where(w.barrier, p.barrier_exit_multiplier, 1.0), 1.0)
    p_entry = np.minimum(p.entry_rate * np.where(w.barrier, p.barrier_entry_multiplier, 1.0), 1.0)
    leave = free & w.in_labor_force & (u < p_exit)
    join = free & ~w.in_labor_force & (u < p_entry)
    return np.flatnonzero(leave), np.flatnonzero(join)


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_participation_flows_match_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w, g = world.w, world.rng
    w.just_lost = g.random(w.n) < 0.1
    params = FlowParams(
        exit_rate=0.3,
        discouraged_after=6,
        discouraged_multiplier=1.5,
        barrier_exit_multiplier=1.4,
        entry_rate=0.2,
        barrier_entry_multiplier=0.5,
        base=Streams(seed).base("participation.flow", 9),
    )
    got = _flows(
        FlowWorkers(
            rows=_here(w),
            key=w.key,
            employer=w.employer,
            program=w.program,
            in_labor_force=w.in_labor_force,
            barrier=w.barrier,
            unemployed_months=w.unemployed_months,
            just_lost=w.just_lost,
        ),
        params,
    )
    assert _same(got, _flows_np(w, params))
    if seed == BIG:
        assert got[0].size > 0 and got[1].size > 0
        assert not _same(got, _flows_np(w, params, mutant=True))


def _upskill_np(w, e_sector, n_rungs, required, rate, base, mutant=False):
    emp = (w.employer >= 0) & (w.program < 0)
    s = e_sector[np.maximum(w.employer, 0)].astype(np.int64)
    step_up = 0 if mutant else 1  # mutant: the current rung's requirement instead of the next one's
    nxt = np.minimum(w.rung.astype(np.int64) + step_up, n_rungs[s] - 1)
    needed = required[s, np.maximum(nxt, 0)]
    lacking = w.credential[np.arange(w.n), s] < needed
    win = emp & lacking & (_key_u(w.key, base) < rate)
    rows = np.flatnonzero(win)
    return rows, s[rows], needed[rows]


@pytest.mark.parametrize(("seed", "n", "variant"), CASES)
def test_upskilling_draw_matches_numpy(seed, n, variant):
    world = _world(seed, n, variant)
    w = world.w
    base = Streams(seed).base("upskilling", 4)
    got = _upskill_draw(
        UpskillWorkers(
            rows=_here(w),
            key=w.key,
            employer=w.employer,
            rung=w.rung,
            program=w.program,
            credential=w.credential,
        ),
        UpskillLadders(employer_sector=world.e.sector, n_rungs=world.n_rungs, required=world.required),
        0.4,
        base,
    )
    args = (w, world.e.sector, world.n_rungs, world.required, 0.4, base)
    assert _same(got, _upskill_np(*args))
    if seed == BIG:
        assert got[0].size > 0
        assert not _same(got, _upskill_np(*args, mutant=True))


# ---------------------------------------------------------------------------------------------------
# the list of kernels


#: Every compiled kernel, and the test that checks it against its numpy reference.
REFERENCES = {
    "streams.fmix": "test_stream_kernels_match_numpy_splitmix",
    "streams.unit": "test_stream_kernels_match_numpy_splitmix",
    "streams.key_uniform": "test_stream_kernels_match_numpy_splitmix",
    "streams.pair_uniform": "test_stream_kernels_match_numpy_splitmix",
    "streams._uniform_kernel": "test_stream_kernels_match_numpy_splitmix",
    "streams._pair_kernel": "test_stream_kernels_match_numpy_splitmix",
    "streams.rounded": "test_round_kernel_matches_numpy_rounding",
    "streams._round_kernel": "test_round_kernel_matches_numpy_rounding",
    "state._count_jobs": "test_count_jobs_matches_bincount",
    "employment._split_by_job": "test_split_by_job_matches_numpy_masks",
    "outcomes._tally": "test_tally_matches_numpy_counts",
    "advancement.recognized": "test_recognized_matches_numpy_where",
    "advancement._candidates": "test_promotion_candidates_match_numpy",
    "earnings.wage_at": "test_wage_at_matches_numpy",
    "earnings._month": "test_pay_month_matches_numpy",
    "search._search": "test_search_pass_matches_numpy",
    "search._profile_keys": "test_profile_keys_match_numpy",
    "search._cumulative_weights": "test_cumulative_weights_match_numpy_cumsum",
    "search._draw_applications": "test_application_draws_match_the_flat_searchsorted",
    "matching._slots": "test_slots_match_numpy_repeat",
    "offers._screen": "test_screen_matches_numpy",
    "offers._offer_rounds": "test_offer_rounds_match_the_numpy_rounds",
    "separations._draw": "test_separation_draw_matches_numpy",
    "separations._hazard_bounds": "test_hazard_bounds_hold_for_every_worker",
    "skills._change": "test_skill_change_matches_numpy",
    "demography._exit_draw": "test_exit_draw_matches_numpy",
    "participation._flows": "test_participation_flows_match_numpy",
    "upskilling._draw": "test_upskilling_draw_matches_numpy",
}


def compiled_kernels() -> set[str]:
    """``module.name`` of every numba dispatcher defined in sectorsim's kernel modules."""
    import pkgutil

    import sectorsim
    import sectorsim.processes

    names = [f"sectorsim.{m.name}" for m in pkgutil.iter_modules(sectorsim.__path__) if not m.ispkg]
    names += [f"sectorsim.processes.{m.name}" for m in pkgutil.iter_modules(sectorsim.processes.__path__)]
    found = set()
    for name in names:  # loop: modules
        if name in ("sectorsim.__main__", "sectorsim.app"):
            continue
        mod = importlib.import_module(name)
        for attr, value in vars(mod).items():  # loop: module attributes
            if isinstance(value, numba.core.registry.CPUDispatcher) and value.__module__ == name:
                found.add(f"{name.rsplit('.', 1)[1]}.{attr}")
    return found


def test_every_kernel_has_a_reference():
    kernels = compiled_kernels()
    assert len(kernels) >= 20
    assert kernels == set(REFERENCES), (kernels - set(REFERENCES), set(REFERENCES) - kernels)
    assert all(callable(globals().get(test)) for test in REFERENCES.values())


_SIGNATURES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_kernels import compiled_kernels
import importlib
from sectorsim.model import SectorModel
from sectorsim.scenario import load_scenario
sc = load_scenario(sys.argv[2])
for arm in sc.arms:
    SectorModel(scenario=sc, arm=arm.name, rng=5).run()
out = {}
for name in compiled_kernels():
    mod, attr = name.split(".")
    pkg = "sectorsim." if mod in ("streams", "state", "outcomes") else "sectorsim.processes."
    out[name] = [str(s) for s in getattr(importlib.import_module(pkg + mod), attr).signatures]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_one_specialization_per_kernel():
    """Whole runs of every arm compile each kernel for one set of argument types only.

    A field of a named input that is sometimes an int and sometimes a float, or an array that is
    sometimes not contiguous, would compile a second specialization (and mean the two calls do
    different arithmetic). Run in a fresh process, so the tests' own calls do not count.
    """
    import json
    import subprocess
    import sys
    from pathlib import Path

    from conftest import SMALL

    here = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", _SIGNATURES, str(here), str(SMALL)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    sigs = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(sigs) == set(REFERENCES)
    assert all(len(s) <= 1 for s in sigs.values()), {k: v for k, v in sigs.items() if len(v) > 1}
    named = ["offers._screen", "offers._offer_rounds", "search._search", "search._draw_applications"]
    named += ["separations._draw", "earnings._month", "outcomes._tally", "advancement._candidates"]
    assert all(len(sigs[k]) == 1 for k in named), {k: sigs[k] for k in named}


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
