"""Search and matching: applications to vacancies within reach, employer ranking, offers.

1. Vacancies are open positions (positions minus filled) by (employer, rung). They are grouped in
   cells (area, sector, rung).
2. Searchers are the unemployed not in training, and employed workers not in training who search
   on the job this month (probability ``on_the_job_search``). An unemployed searcher sends
   ``applications_per_month`` applications, an on-the-job searcher ``on_the_job_applications``,
   both times the group's ``network_access`` (rounded with a hashed draw).
3. Each application picks a cell with weight
   ``open positions * (wage / median wage) ** wage_preference`` among cells the worker can
   commute to, believes they qualify for (credential held >= the rung's requirement) and, for
   on-the-job searchers, that pay more than ``min_wage_gain`` above the current wage; then a
   vacancy in that cell uniformly. Draws are hashed per (worker, month, application index).
4. Employers screen: an application counts only if the credential the employer recognizes meets
   the rung (a firm-specific credential from another employer is recognized with probability
   ``firm_specific_recognition``, drawn per (worker, employer)). They rank by
   ``score_credential * (level above requirement) + score_skills * skill
   + referral bonus (committed program's completers) - group hiring bias
   - score_unemployment_duration * years unemployed + score_noise * N(0,1)`` (hashed per pair).
5. ``matching_rounds`` rounds of offers: each vacancy offers its best remaining applicant; each
   worker takes the best-paid offer; it is accepted with probability ``offer_acceptance`` (drawn
   per (worker, employer)). A move from a job is a job-to-job separation.

No shuffles: every ordering is by (score, hashed tie-break), so the process is CRN-safe.
Reads: workers, employers, ladders, reach, scenario groups and labor_market.
Writes: hires through ``employment.hire``; flows.searching_unemployed.
Sources: application counts and acceptance, assumption calibrated to the job-finding and
job-to-job rates in EVIDENCE.md (Shimer 2012; Fallick and Fleischman 2004); hiring bias and
network access: scenario inputs (audit studies such as Bertrand and Mullainathan 2004 show
callback gaps of this order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtri

from sectorsim.processes.advancement import recognized
from sectorsim.processes.earnings import wage_at
from sectorsim.processes.employment import hire
from sectorsim.streams import key_uniform, pair_uniform, rounded

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def cell_layout(model: SectorModel) -> dict[str, np.ndarray]:
    """What does not change month to month about the cells (area, sector, rung): built once per model.

    Returns each cell's area, sector, ladder wage and required credential; each cell's wage
    threshold for on-the-job searchers and the sorted distinct thresholds (the wage bands); the
    appeal factor ``(wage / median wage) ** wage_preference``; and each employer's first cell.
    """
    e, lad, lm = model.employers, model.ladders, model.labor
    n_a, n_s, n_r = model.reach.shape[0], model.n_sectors, model.n_rungs
    cell = np.arange(n_a * n_s * n_r)
    c_area, c_sector, c_rung = cell // (n_s * n_r), (cell // n_r) % n_s, cell % n_r
    wage = lad.wage[c_sector, c_rung]
    # an on-the-job searcher only applies where the cell can pay min_wage_gain more than now
    best_premium = 1.0 + 2.5 * model.config.employers.quality_sd
    threshold = wage * best_premium / (1.0 + lm.min_wage_gain)
    return {
        "area": c_area,
        "sector": c_sector,
        "wage": wage,
        "required": lad.required[c_sector, c_rung],
        "threshold": threshold,
        "bands": np.unique(threshold),
        "appeal": (wage / np.median(lad.wage)) ** lm.wage_preference,
        "employer_cell": (e.area.astype(np.int64) * n_s + e.sector) * n_r,
    }


@njit(cache=True, nogil=True)
def _slots(
    open_: NDArray[np.int64], employer_cell: NDArray[np.int64], n_rungs: int, n_cells: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Open positions as slots (employer, rung), grouped by cell, by employer within a cell."""
    count = np.zeros(n_cells, np.int64)
    for j in range(employer_cell.size):  # loop: employers (compiled)
        for r in range(n_rungs):  # loop: rungs (compiled)
            count[employer_cell[j] + r] += open_[j, r]
    fill = np.cumsum(count) - count
    slot_emp = np.empty(count.sum(), np.int64)
    slot_rung = np.empty(count.sum(), np.int64)
    for j in range(employer_cell.size):  # loop: employers (compiled)
        for r in range(n_rungs):  # loop: rungs (compiled)
            c = employer_cell[j] + r
            for _ in range(open_[j, r]):  # loop: open positions of one (employer, rung) (compiled)
                slot_emp[fill[c]] = j
                slot_rung[fill[c]] = r
                fill[c] += 1
    return slot_emp, slot_rung, count


def _vacancy_cells(model: SectorModel) -> dict[str, np.ndarray]:
    """Open positions as slots, sorted by cell (area, sector, rung), with the cells' layout."""
    layout = model.cell_layout
    open_ = np.maximum(model.employers.positions - model.filled(), 0)
    slot_emp, slot_rung, count = _slots(open_, layout["employer_cell"], model.n_rungs, layout["wage"].size)
    return {**layout, "emp": slot_emp, "rung": slot_rung, "count": count, "start": np.cumsum(count) - count}


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


def _searchers(model: SectorModel) -> tuple[np.ndarray, np.ndarray]:
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
        code = 0
        scale = 1
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


def _profiles(model: SectorModel, cells: dict, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group searchers by what decides where they apply: (area, credentials, wage band).

    Returns the cumulative cell weights of each distinct profile (profiles x cells) and each
    searcher's profile. Searchers in one profile face the same weights, so the weights are built
    once per profile rather than once per searcher.
    """
    w = model.workers
    base = int(model.ladders.max_level.max()) + 1
    cell_threshold, threshold = cells["threshold"], cells["bands"]
    key, level, band = _profile_keys(
        idx, (w.area, w.employer, w.wage, w.credential, w.firm_sector, w.firm_level), threshold, base
    )
    space = model.reach.shape[0] * base**model.n_sectors * (threshold.size + 1)
    uniq, inverse = _group(key, space)
    # any member represents its profile: members share area, credentials and band by construction
    first = np.empty(uniq.size, np.int64)
    first[inverse] = np.arange(key.size)
    rep = idx[first]
    p_level = level[first]
    p_band = band[first]
    reach = model.reach[w.area[rep]][:, cells["area"]]
    qualified = p_level[:, cells["sector"]] >= cells["required"][None, :]
    pays = (
        cell_threshold[None, :] > np.where(p_band > 0, threshold[np.maximum(p_band - 1, 0)], -np.inf)[:, None]
    )
    appeal = cells["count"] * cells["appeal"]
    weight = np.where(reach & qualified & pays, appeal[None, :], 0.0)
    return np.cumsum(weight, axis=1), inverse


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


def _applications(model: SectorModel, cells: dict, idx: np.ndarray, n_apps: np.ndarray):
    """Draw each searcher's applications; return (worker rows, slot indices), deduplicated.

    A cell is drawn by inverse CDF on the profile's cumulative weights, a vacancy uniformly within
    the cell; both uniforms are hashed per (worker, month, application index).
    """
    cum, prof = _profiles(model, cells, idx)
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


@njit(cache=True, nogil=True)
def _offer_rounds(
    app_w: NDArray[np.int64],
    app_s: NDArray[np.int64],
    score: NDArray[np.float64],
    offered: NDArray[np.float64],
    accept_u: NDArray[np.float64],
    n_slots: int,
    n_workers: int,
    rounds: int,
    acceptance: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Compiled offer rounds; return the hires as (worker rows, slots).

    Each vacancy slot ranks its applications by score, best first (ties keep their input order).
    In each round every open slot offers to its best applicant still in play; a worker with offers
    considers the best-paid (ties: the lowest slot) and accepts it when its acceptance draw is
    below ``acceptance``. A declined offer leaves play; so does everything of a worker hired or a
    slot filled. Hires come out round by round, by worker row within a round.
    """
    n = app_w.size
    # stable counting sort by slot, then by score (best first) within each slot's block
    start = np.zeros(n_slots + 1, np.int64)
    for a in range(n):  # loop: applications (compiled)
        start[app_s[a] + 1] += 1
    for s in range(n_slots):  # loop: slots (compiled)
        start[s + 1] += start[s]
    fill = start[:-1].copy()
    order = np.empty(n, np.int64)
    for a in range(n):  # loop: applications (compiled)
        order[fill[app_s[a]]] = a
        fill[app_s[a]] += 1
    for s in range(n_slots):  # loop: slots (compiled)
        lo, hi = start[s], start[s + 1]
        if hi - lo > 32:
            block = order[lo:hi]
            order[lo:hi] = block[np.argsort(-score[block], kind="mergesort")]
        else:
            for i in range(lo + 1, hi):  # loop: insertion sort of one slot's block (compiled)
                a = order[i]
                j = i
                while j > lo and score[order[j - 1]] < score[a]:  # loop: shift (compiled)
                    order[j] = order[j - 1]
                    j -= 1
                order[j] = a
    dead = np.zeros(n, np.bool_)
    worker_done = np.zeros(n_workers, np.bool_)
    slot_done = np.zeros(n_slots, np.bool_)
    head = start[:-1].copy()
    best = np.full(n_workers, -1, np.int64)
    out_w = np.empty(min(n_slots, n_workers), np.int64)
    out_s = np.empty(min(n_slots, n_workers), np.int64)
    n_out = 0
    candidates = np.empty(n_slots, np.int64)
    for _ in range(rounds):  # loop: offer rounds (a few)
        n_cand = 0
        for s in range(n_slots):  # loop: slots (compiled)
            if slot_done[s]:
                continue
            h = head[s]
            # skip applications out of play (loop: a slot's applications, compiled)
            while h < start[s + 1] and (dead[order[h]] or worker_done[app_w[order[h]]]):
                h += 1
            head[s] = h
            if h == start[s + 1]:
                continue
            a = order[h]
            w = app_w[a]
            b = best[w]
            if b < 0:
                candidates[n_cand] = w
                n_cand += 1
                best[w] = a
            elif offered[a] > offered[b]:
                best[w] = a
        if n_cand == 0:
            break
        workers = np.sort(candidates[:n_cand])
        for w in workers:  # loop: workers with an offer this round (compiled)
            a = best[w]
            best[w] = -1
            if accept_u[a] < acceptance:
                worker_done[w] = True
                slot_done[app_s[a]] = True
                out_w[n_out] = w
                out_s[n_out] = app_s[a]
                n_out += 1
            else:
                dead[a] = True
    return out_w[:n_out], out_s[:n_out]


@njit(cache=True, nogil=True)
def _screen(
    app_w: NDArray[np.int64],
    app_s: NDArray[np.int64],
    slot_emp: NDArray[np.int64],
    slot_rung: NDArray[np.int64],
    workers: tuple,
    employers: tuple,
    ladder_wage: NDArray[np.float64],
    ladder_required: NDArray[np.int8],
    group_bias: NDArray[np.float64],
    bases: tuple,
    params: tuple,
) -> tuple:
    """Compiled screening and scoring of applications (step 4 of the module docstring).

    ``workers`` is (key, employer, wage, skill, credential, firm_sector, firm_employer, firm_level,
    group, pipeline, unemployed_months); ``employers`` is (key, sector, premium, commitment,
    referral_bonus); ``bases`` the stream bases of hire.recognize, hire.rank and offer.accept;
    ``params`` is (firm_specific_recognition, 1 + min_wage_gain as float32, skill_return,
    score_credential, score_skills as float32, score_unemployment_duration).

    Returns, for applications that pass, (worker rows, slots, offered wage, score without its
    noise term, rank uniform, acceptance uniform). Arithmetic follows the numpy expressions it
    replaced, in the same precision and order, so results are identical to the last bit.
    """
    w_key, w_emp, w_wage, w_skill, w_cred, w_fsec, w_femp, w_flev, w_group, w_pipe, w_unemp = workers
    e_key, e_sector, e_premium, e_commit, e_bonus = employers
    base_recognize, base_rank, base_accept = bases
    recognition, gain32, skill_return, score_credential, score_skills32, score_duration = params
    n = app_w.size
    keep = np.empty(n, np.int64)
    offered = np.empty(n, np.float64)
    partial = np.empty(n, np.float64)
    n_keep = 0
    for a in range(n):  # loop: applications (compiled)
        r, slot = app_w[a], app_s[a]
        j, rung = slot_emp[slot], slot_rung[slot]
        sector = e_sector[j]
        current = w_emp[r]
        if current == j:
            continue
        outside = pair_uniform(w_key[r], e_key[j], base_recognize) < recognition
        level = recognized(w_cred[r, sector], w_fsec[r], w_femp[r], w_flev[r], sector, j, outside)
        required = ladder_required[sector, rung]
        if level < required:
            continue
        pay = wage_at(ladder_wage[sector, rung], e_premium[j], w_skill[r], skill_return)
        if current >= 0 and not pay > np.float64(w_wage[r] * gain32):
            continue
        referral = np.float32(0.0)
        if w_pipe[r] >= 0 and w_pipe[r] == e_commit[j]:
            referral = e_bonus[j]
        waiting = np.float64(min(w_unemp[r], 24)) if current < 0 else 0.0
        score = score_credential * np.float64(level - required) + np.float64(score_skills32 * w_skill[r])
        score = score + np.float64(referral) - group_bias[w_group[r]]
        partial[n_keep] = score - score_duration * waiting / 12.0
        offered[n_keep] = pay
        keep[n_keep] = a
        n_keep += 1
    keep = keep[:n_keep]
    rank_u = np.empty(n_keep, np.float64)
    accept_u = np.empty(n_keep, np.float64)
    for i in range(n_keep):  # loop: passing applications (compiled)
        wk, ek = w_key[app_w[keep[i]]], e_key[slot_emp[app_s[keep[i]]]]
        rank_u[i] = pair_uniform(wk, ek, base_rank)
        accept_u[i] = pair_uniform(wk, ek, base_accept)
    return app_w[keep], app_s[keep], offered[:n_keep], partial[:n_keep], rank_u, accept_u


def step(model: SectorModel) -> None:
    """Run this month's search, screening and offer rounds."""
    w, e, lm = model.workers, model.employers, model.labor
    cells = _vacancy_cells(model)
    idx, n_apps = _searchers(model)
    if cells["emp"].size == 0 or idx.size == 0:
        return
    app_w, app_s = _applications(model, cells, idx, n_apps)
    if app_w.size == 0:
        return
    streams, month = model.streams, model.month
    app_w, app_s, offered, partial, rank_u, accept_u = _screen(
        app_w,
        app_s,
        cells["emp"],
        cells["rung"],
        (
            w.key,
            w.employer,
            w.wage,
            w.skill,
            w.credential,
            w.firm_sector,
            w.firm_employer,
            w.firm_level,
            w.group,
            w.pipeline,
            w.unemployed_months,
        ),
        (e.key, e.sector, e.premium, e.commitment, e.referral_bonus),
        model.ladders.wage,
        model.ladders.required,
        model.group_bias,
        (
            streams.base("hire.recognize", month),
            streams.base("hire.rank", month),
            streams.base("offer.accept", month),
        ),
        (
            float(lm.firm_specific_recognition),
            np.float32(1 + lm.min_wage_gain),
            float(lm.skill_return),
            float(lm.score_credential),
            np.float32(lm.score_skills),
            float(lm.score_unemployment_duration),
        ),
    )
    score = partial + lm.score_noise * ndtri(rank_u)
    hw, hs = _offer_rounds(
        app_w,
        app_s,
        score,
        offered,
        accept_u,
        cells["emp"].size,
        w.n,
        lm.matching_rounds,
        lm.offer_acceptance,
    )
    hire(model, hw, cells["emp"][hs], cells["rung"][hs])
