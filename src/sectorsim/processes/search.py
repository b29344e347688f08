"""Job search: who searches this month and where their applications go.

Steps 2 and 3 of matching (see ``sectorsim.processes.matching`` for the whole process): searchers
and their application counts, their profiles (area, credentials, wage band), and the hashed draws
of a cell and a vacancy for each application.

Reads: workers, the month's vacancy cells, reach, scenario groups and labor_market.
Writes: flows.searching_unemployed. Sources: see ``sectorsim.processes.matching``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sectorsim.streams import key_uniform, rounded

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


@njit(cache=True, nogil=True)
def _search(
    workers: tuple,
    group_network: NDArray[np.float64],
    on_the_job: float,
    apps_unemployed: float,
    apps_employed: float,
    search_base: np.uint64,
    count_base: np.uint64,
) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Compiled pass over workers: this month's searchers and their application counts.

    Returns searcher rows (ascending), application counts, and the number of unemployed searchers
    (those sending none included).
    """
    key, program, employer, group = workers
    rows = np.empty(key.size, np.int64)
    counts = np.empty(key.size, np.int64)
    n_out = n_unemployed = 0
    for i in range(key.size):  # loop: workers, one pass (compiled)
        if program[i] >= 0:
            continue
        unemployed = employer[i] < 0
        if unemployed:
            n_unemployed += 1
        elif not key_uniform(key[i], search_base) < on_the_job:
            continue
        base = apps_unemployed if unemployed else apps_employed
        n = rounded(base * group_network[group[i]], key_uniform(key[i], count_base))
        if n > 0:
            rows[n_out] = i
            counts[n_out] = n
            n_out += 1
    return rows[:n_out], counts[:n_out], n_unemployed


def searchers(model: SectorModel) -> tuple[np.ndarray, np.ndarray]:
    """Rows of this month's searchers (ascending) and how many applications each sends."""
    w, lm = model.workers, model.labor
    rows, counts, n_unemployed = _search(
        (w.key, w.program, w.employer, w.group),
        model.group_network,
        float(lm.on_the_job_search),
        float(lm.applications_per_month),
        float(lm.on_the_job_applications),
        model.streams.base("search.on_the_job", model.month),
        model.streams.base("search.applications", model.month),
    )
    model.flows.searching_unemployed = n_unemployed
    return rows, counts


@njit(cache=True, nogil=True)
def _profile_keys(
    rows: NDArray[np.int64],
    workers: tuple,
    threshold: NDArray[np.float64],
    base: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each searcher's profile key, credential levels (firm-specific folded in) and wage band."""
    area, employer, wage, credential, firm_sector, firm_level = workers
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
        if employer[r] >= 0:
            band[i] = np.searchsorted(threshold, np.float64(wage[r]), side="right")
        key[i] = (np.int64(area[r]) * scale + code) * (threshold.size + 1) + band[i]
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
        idx, (w.area, w.employer, w.wage, w.credential, w.firm_sector, w.firm_level), threshold, base
    )
    uniq, inverse = _group(key, cells["profile_space"])
    # any member represents its profile: members share area, credentials and band by construction
    first = np.empty(uniq.size, np.int64)
    first[inverse] = np.arange(key.size)
    cum = _cumulative_weights(
        w.area[idx[first]],
        level[first],
        band[first],
        model.reach,
        (cells["area"], cells["sector"], cells["required"], cell_threshold),
        threshold,
        cells["count"] * cells["appeal"],
    )
    return cum, inverse


@njit(cache=True, nogil=True)
def _cumulative_weights(
    area: NDArray[np.int16],
    level: NDArray[np.int64],
    band: NDArray[np.int64],
    reach: NDArray[np.bool_],
    cells: tuple,
    bands: NDArray[np.float64],
    appeal: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Each profile's cumulative cell weights (profiles x cells).

    A cell adds its appeal where the profile can commute to it, believes it qualifies, and (for an
    on-the-job searcher) the cell can pay more than the profile's wage band; otherwise nothing.
    """
    c_area, c_sector, c_required, c_threshold = cells
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


@njit(cache=True, nogil=True)
def _draw_applications(
    flat: NDArray[np.float64],
    prof: NDArray[np.int64],
    rows: NDArray[np.int64],
    keys: NDArray[np.int64],
    n_apps: NDArray[np.int64],
    apply_base: NDArray[np.uint64],
    vacancy_base: NDArray[np.uint64],
    count: NDArray[np.int64],
    start: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Compiled application draws: (worker rows, slots), deduplicated, sorted by (row, slot).

    Searcher ``i`` (row ``rows[i]``, ascending; profile ``prof[i]``) sends ``n_apps[i]``
    applications. ``flat[p]`` is profile ``p``'s normalized cumulative cell weights plus ``p``. For
    application ``k`` the cell is the first whose ``flat`` value reaches ``p + u``, with ``u``
    hashed from ``apply_base[k]``; the slot is uniform in the cell, hashed from ``vacancy_base[k]``.
    """
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
        prof.astype(np.int64),
        idx.astype(np.int64),
        model.workers.key[idx],
        n_apps.astype(np.int64),
        apply_base,
        vacancy_base,
        cells["count"],
        cells["start"],
    )
