"""Job search: who searches this month and where their applications go.

Steps 2 and 3 of matching (see ``sectorsim.processes.matching`` for the whole process): searchers
and their application counts, their profiles (area, credentials, wage band), and the hashed draws
of a cell and a vacancy for each application.

Reads: workers, the month's vacancy cells, reach, scenario groups and labor_market.
Writes: flows.searching_unemployed. Sources: see ``sectorsim.processes.matching``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.streams import key_uniform, rounded

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class SearchWorkers(NamedTuple):
    """The worker columns the search pass reads, and the rows it runs over (the residents, ascending)."""

    rows: NDArray[np.int64]
    key: NDArray[np.int64]
    in_labor_force: NDArray[np.bool_]
    program: NDArray[np.int16]
    employer: NDArray[np.int32]
    group: NDArray[np.int8]
    wants_more_hours: NDArray[np.bool_]


class SearchParams(NamedTuple):
    """Search rates and the stream bases of the search pass."""

    on_the_job: float  # on_the_job_search: monthly probability an employed worker searches
    involuntary: float  # hours.involuntary_search: the same for a part-timer who wants more hours
    apps_unemployed: float  # applications_per_month
    apps_employed: float  # on_the_job_applications
    apps_inactive: float  # participation.passive_applications (people out of the labor force)
    search_base: np.uint64  # stream "search.on_the_job"
    count_base: np.uint64  # stream "search.applications"
    retention: NDArray[np.float64]  # per employer: factor on its workers' on-the-job search (1: none)


@njit(cache=True, nogil=True)
def _search(
    workers: SearchWorkers, group_network: NDArray[np.float64], params: SearchParams
) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Compiled pass over workers: this month's searchers and their application counts.

    Residents not in training search: every unemployed person; an employed one with probability
    ``on_the_job`` (``involuntary`` if part time and wanting more hours) times its employer's
    ``retention`` factor (the practices that cut quits also cut looking: supervisor training and a
    visible career ladder, :func:`retention`); a person out of the labor
    force sends ``apps_inactive`` applications on average (contacts, not a search).

    Returns searcher rows (ascending), application counts, and the number of unemployed searchers
    (those sending none included).
    """
    key, here = workers.key, workers.rows
    rows = np.empty(here.size, np.int64)
    counts = np.empty(here.size, np.int64)
    n_out = n_unemployed = 0
    for t in range(here.size):  # loop: residents, one pass (compiled)
        i = here[t]
        # every quantity is computed for everyone and the row kept by a count (no branch on the draws)
        free = workers.program[i] < 0
        employed = workers.employer[i] >= 0
        in_lf = workers.in_labor_force[i]
        p = params.involuntary if workers.wants_more_hours[i] else params.on_the_job
        p *= params.retention[max(workers.employer[i], 0)]
        drawn = key_uniform(key[i], params.search_base) < p
        base = (
            params.apps_employed if employed else (params.apps_unemployed if in_lf else params.apps_inactive)
        )
        n = rounded(base * group_network[workers.group[i]], key_uniform(key[i], params.count_base))
        n_unemployed += free & (not employed) & in_lf
        rows[n_out] = i
        counts[n_out] = n
        n_out += free & ((not employed) | drawn) & (n > 0)
    return rows[:n_out], counts[:n_out], n_unemployed


def retention(model: SectorModel) -> NDArray[np.float64]:
    """Per employer: the factor its practices put on its workers' on-the-job search (1: no policy).

    Quits to other jobs are quits too: supervisor training and a visible career ladder, which cut
    an employer's separation hazard, cut its workers' search on the job by the same share.
    """
    e = model.employers
    f64 = np.float64
    return (1.0 - e.supervision_relief.astype(f64)) * (1.0 - e.ladder_quit_relief.astype(f64))


def searchers(model: SectorModel) -> tuple[np.ndarray, np.ndarray]:
    """Rows of this month's searchers (ascending) and how many applications each sends."""
    w, lm = model.workers, model.labor
    rows, counts, n_unemployed = _search(
        SearchWorkers(
            rows=model.demography.rows,
            key=w.key,
            in_labor_force=w.in_labor_force,
            program=w.program,
            employer=w.employer,
            group=w.group,
            wants_more_hours=w.wants_more_hours,
        ),
        model.group_network,
        SearchParams(
            on_the_job=float(lm.on_the_job_search),
            involuntary=float(model.config.hours.involuntary_search),
            apps_unemployed=float(lm.applications_per_month),
            apps_employed=float(lm.on_the_job_applications),
            apps_inactive=float(model.config.participation.passive_applications),
            search_base=model.streams.base("search.on_the_job", model.month),
            count_base=model.streams.base("search.applications", model.month),
            retention=retention(model),
        ),
    )
    model.flows.searching_unemployed = n_unemployed
    return rows, counts


class ProfileWorkers(NamedTuple):
    """The worker columns that decide a searcher's profile."""

    area: NDArray[np.int16]
    employer: NDArray[np.int32]
    wage: NDArray[np.float32]
    credential: NDArray[np.int8]
    firm_sector: NDArray[np.int8]
    firm_level: NDArray[np.int8]


@njit(cache=True, nogil=True)
def _profile_keys(
    rows: NDArray[np.int64],
    workers: ProfileWorkers,
    threshold: NDArray[np.float64],
    base: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each searcher's profile key, credential levels (firm-specific folded in) and wage band.

    ``rows`` are the searchers' worker rows, ``threshold`` the sorted wage bands and ``base`` the
    base in which credential levels are written as digits of the key.
    """
    credential, firm_sector, firm_level = workers.credential, workers.firm_sector, workers.firm_level
    n_sectors = credential.shape[1]
    key = np.empty(rows.size, np.int64)
    level = np.empty((rows.size, n_sectors), np.int64)
    band = np.zeros(rows.size, np.int64)
    for i in range(rows.size):  # loop: searchers (compiled)
        r = rows[i]
        code = np.int64(0)
        scale = np.int64(1)
        for s in range(n_sectors):  # loop: sectors (compiled)
            lv = np.int64(credential[r, s])
            if firm_sector[r] == s and firm_level[r] > lv:
                lv = np.int64(firm_level[r])
            level[i, s] = lv
            code += lv * scale
            scale *= base
        if workers.employer[r] >= 0:
            band[i] = np.searchsorted(threshold, np.float64(workers.wage[r]), side="right")
        key[i] = (np.int64(workers.area[r]) * scale + code) * (threshold.size + 1) + band[i]
    return key, level, band


def _group(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and each key's index among them; keys lie in [0, space)."""
    if space <= max(4 * key.size, 1 << 16):
        present = np.zeros(space, bool)
        present[key] = True
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present), rank[key]
    return np.unique(key, return_inverse=True)


def profiles(model: SectorModel, cells: dict, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group searchers by what decides where they apply: (area, credentials, wage band).

    Returns the cumulative cell weights of each distinct profile (profiles x cells) and each
    searcher's profile. Searchers in one profile face the same weights, so the weights are built
    once per profile rather than once per searcher.
    """
    w = model.workers
    base = cells["level_base"]
    cell_threshold, threshold = cells["threshold"], cells["bands"]
    key, level, band = _profile_keys(
        idx,
        ProfileWorkers(
            area=w.area,
            employer=w.employer,
            wage=cells["reservation"],
            credential=w.credential,
            firm_sector=w.firm_sector,
            firm_level=w.firm_level,
        ),
        threshold,
        base,
    )
    uniq, inverse = _group(key, cells["profile_space"])
    # any member represents its profile: members share area, credentials and band by construction
    first = np.empty(uniq.size, np.int64)
    first[inverse] = np.arange(key.size)
    cum = _cumulative_weights(
        Profiles(area=w.area[idx[first]], level=level[first], band=band[first]),
        model.reach,
        CellRules(
            area=cells["area"],
            sector=cells["sector"],
            required=cells["required"],
            threshold=cell_threshold,
            appeal=cells["count"] * cells["appeal"],
        ),
        threshold,
    )
    return cum, inverse


class Profiles(NamedTuple):
    """Distinct searcher profiles: area, credential level by sector, wage band (0: not employed)."""

    area: NDArray[np.int16]
    level: NDArray[np.int64]
    band: NDArray[np.int64]


class CellRules(NamedTuple):
    """What decides a cell's weight: its area, sector, required credential, wage threshold, appeal."""

    area: NDArray[np.int64]
    sector: NDArray[np.int64]
    required: NDArray[np.int8]
    threshold: NDArray[np.float64]  # an on-the-job searcher's band must lie below it
    appeal: NDArray[np.float64]  # open positions x (wage / median wage) ** wage_preference


@njit(cache=True, nogil=True)
def _cumulative_weights(
    profiles: Profiles, reach: NDArray[np.bool_], cells: CellRules, bands: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each profile's cumulative cell weights (profiles x cells).

    A cell adds its appeal where the profile can commute to it, believes it qualifies, and (for an
    on-the-job searcher) the cell can pay more than the profile's wage band; otherwise nothing.
    """
    area, level, band = profiles.area, profiles.level, profiles.band
    c_area, c_sector, c_required, c_threshold = cells.area, cells.sector, cells.required, cells.threshold
    appeal = cells.appeal
    cum = np.empty((area.size, c_area.size), np.float64)
    for p in range(area.size):  # loop: profiles (compiled)
        floor = bands[band[p] - 1] if band[p] > 0 else -np.inf
        acc = 0.0
        for c in range(c_area.size):  # loop: cells (compiled)
            if (
                reach[area[p], c_area[c]]
                and level[p, c_sector[c]] >= c_required[c]
                and c_threshold[c] > floor
            ):
                acc += appeal[c]
            cum[p, c] = acc
    return cum


#: Buckets of the guide table that starts each cell search (a power of two, so g / GUIDE is exact).
GUIDE = 64


class Searchers(NamedTuple):
    """Searchers who send applications: row (ascending), key, profile, application count."""

    row: NDArray[np.int64]
    key: NDArray[np.int64]
    profile: NDArray[np.int64]
    n_apps: NDArray[np.int64]


class DrawBases(NamedTuple):
    """Stream bases of application ``k``'s cell draw and vacancy draw, one per call index ``k``."""

    apply: NDArray[np.uint64]  # stream "search.apply"
    vacancy: NDArray[np.uint64]  # stream "search.vacancy"


class VacancyCells(NamedTuple):
    """Each cell's open slots: how many, and the index of its first slot."""

    n_open: NDArray[np.int64]
    first_slot: NDArray[np.int64]


@njit(cache=True, nogil=True)
def _draw_applications(
    flat: NDArray[np.float64], searchers: Searchers, bases: DrawBases, cells: VacancyCells
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Compiled application draws: (worker rows, slots), deduplicated, sorted by (row, slot).

    Searcher ``i`` (row ``searchers.row[i]``, ascending; profile ``p = searchers.profile[i]``) sends
    ``searchers.n_apps[i]`` applications. ``flat[p]`` is profile ``p``'s normalized cumulative cell
    weights plus ``p``. For application ``k`` the cell is the first whose ``flat`` value reaches
    ``p + u``, with ``u`` hashed from ``bases.apply[k]``; the slot is uniform in the cell, hashed
    from ``bases.vacancy[k]``.
    """
    rows, keys, prof, n_apps = searchers.row, searchers.key, searchers.profile, searchers.n_apps
    apply_base, vacancy_base, count, start = bases.apply, bases.vacancy, cells.n_open, cells.first_slot
    n_prof, n_cells = flat.shape
    # guide table: guide[p, g] is the first cell whose flat value reaches p + g / GUIDE. Since
    # g / GUIDE <= u, the search for p + u can start there and give the same cell as a binary search.
    guide = np.empty((n_prof, GUIDE), np.int64)
    for p in range(n_prof):  # loop: profiles (compiled)
        j = 0
        for g in range(GUIDE):  # loop: guide buckets (compiled)
            t = p + g / GUIDE
            while j < n_cells and flat[p, j] < t:  # loop: cells (compiled)
                j += 1
            guide[p, g] = j
    out_w = np.empty(n_apps.sum(), np.int64)
    out_s = np.empty(n_apps.sum(), np.int64)
    buf = np.empty(max(apply_base.size, 1), np.int64)
    n_out = 0
    for i in range(rows.size):  # loop: searchers (compiled)
        p = prof[i]
        n = n_apps[i]
        for k in range(n):  # loop: applications of one searcher (compiled)
            u = key_uniform(keys[i], apply_base[k])
            target = p + u
            j = guide[p, np.int64(u * GUIDE)]
            while j < n_cells and flat[p, j] < target:  # loop: cells (compiled)
                j += 1
            cell = min(j, n_cells - 1)
            c = count[cell]
            offset = min(np.int64(key_uniform(keys[i], vacancy_base[k]) * c), c - 1)
            slot = start[cell] + offset
            j = k
            while j > 0 and buf[j - 1] > slot:  # loop: insertion sort of one searcher's slots (compiled)
                buf[j] = buf[j - 1]
                j -= 1
            buf[j] = slot
        for k in range(n):  # loop: applications of one searcher (compiled)
            if k == 0 or buf[k] != buf[k - 1]:
                out_w[n_out] = rows[i]
                out_s[n_out] = buf[k]
                n_out += 1
    return out_w[:n_out], out_s[:n_out]


def applications(
    model: SectorModel, cells: dict, idx: np.ndarray, n_apps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw each searcher's applications; return (worker rows, slot indices), deduplicated.

    A cell is drawn by inverse CDF on the profile's cumulative weights, a vacancy uniformly within
    the cell; both uniforms are hashed per (worker, month, application index).
    """
    cum, prof = profiles(model, cells, idx)
    total = cum[:, -1]
    ok = total[prof] > 0
    idx, n_apps, prof = idx[ok], n_apps[ok], prof[ok]
    if idx.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # rows of normalized cumulative weights, row p shifted into (p, p + 1]
    flat = cum / np.where(total > 0, total, 1.0)[:, None] + np.arange(cum.shape[0])[:, None]
    calls = range(int(n_apps.max()))
    streams, month = model.streams, model.month
    apply_base = np.array([streams.base("search.apply", month, k) for k in calls])  # loop: calls
    vacancy_base = np.array([streams.base("search.vacancy", month, k) for k in calls])  # loop: calls
    return _draw_applications(
        flat,
        Searchers(
            row=idx.astype(np.int64),
            key=model.workers.key[idx],
            profile=prof.astype(np.int64),
            n_apps=n_apps.astype(np.int64),
        ),
        DrawBases(apply=apply_base, vacancy=vacancy_base),
        VacancyCells(n_open=cells["count"], first_slot=cells["start"]),
    )
