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

from sectorsim.processes.advancement import recognized_level
from sectorsim.processes.earnings import wage_for
from sectorsim.processes.employment import hire

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


def _vacancy_cells(model: SectorModel) -> dict[str, np.ndarray]:
    """Open positions as slots, sorted by cell (area, sector, rung)."""
    e, lad = model.employers, model.ladders
    n_a, n_s, n_r = model.reach.shape[0], model.n_sectors, model.n_rungs
    open_ = np.maximum(e.positions - model.filled(), 0).ravel()
    er = np.repeat(np.arange(open_.size), open_)
    slot_emp = er // n_r
    slot_rung = er % n_r
    slot_cell = (e.area[slot_emp].astype(np.int64) * n_s + e.sector[slot_emp]) * n_r + slot_rung
    order = np.argsort(slot_cell, kind="stable")
    slot_emp, slot_rung, slot_cell = slot_emp[order], slot_rung[order], slot_cell[order]
    n_c = n_a * n_s * n_r
    count = np.bincount(slot_cell, minlength=n_c)
    cell = np.arange(n_c)
    c_area, c_sector, c_rung = cell // (n_s * n_r), (cell // n_r) % n_s, cell % n_r
    return {
        "emp": slot_emp,
        "rung": slot_rung,
        "count": count,
        "start": np.cumsum(count) - count,
        "area": c_area,
        "sector": c_sector,
        "wage": lad.wage[c_sector, c_rung],
        "required": lad.required[c_sector, c_rung],
    }


def _searchers(model: SectorModel) -> tuple[np.ndarray, np.ndarray]:
    """Rows of this month's searchers and how many applications each sends."""
    w, lm = model.workers, model.labor
    free = w.program < 0
    unemployed = np.flatnonzero(free & (w.employer < 0))
    model.flows.searching_unemployed = unemployed.size
    employed = np.flatnonzero(free & (w.employer >= 0))
    ojs = model.streams.uniform("search.on_the_job", model.month, w.key[employed]) < lm.on_the_job_search
    employed = employed[ojs]
    idx = np.concatenate([unemployed, employed])
    network = model.group_network[w.group[idx]]
    base = np.where(w.employer[idx] < 0, lm.applications_per_month, lm.on_the_job_applications)
    n_apps = model.streams.round_counts("search.applications", model.month, w.key[idx], base * network)
    keep = n_apps > 0
    return idx[keep], n_apps[keep]


def _profiles(model: SectorModel, cells: dict, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group searchers by what decides where they apply: (area, credentials, wage band).

    Returns the cumulative cell weights of each distinct profile (profiles x cells) and each
    searcher's profile. Searchers in one profile face the same weights, so the weights are built
    once per profile rather than once per searcher.
    """
    w, lm = model.workers, model.labor
    level = w.credential[idx].astype(np.int64)
    firm_rows = np.flatnonzero(w.firm_sector[idx] >= 0)
    fs = w.firm_sector[idx][firm_rows]
    level[firm_rows, fs] = np.maximum(level[firm_rows, fs], w.firm_level[idx][firm_rows])
    base = int(model.ladders.max_level.max()) + 1
    code = level @ (base ** np.arange(level.shape[1], dtype=np.int64))
    # an on-the-job searcher only applies where the cell can pay min_wage_gain more than now
    best_premium = 1.0 + 2.5 * model.config.employers.quality_sd
    cell_threshold = cells["wage"] * best_premium / (1.0 + lm.min_wage_gain)
    threshold = np.unique(cell_threshold)
    employed = w.employer[idx] >= 0
    band = np.where(employed, np.searchsorted(threshold, w.wage[idx], side="right"), 0)
    key = (w.area[idx].astype(np.int64) * (base ** level.shape[1]) + code) * (threshold.size + 1) + band
    uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rep = idx[first]
    p_level = level[first]
    p_band = band[first]
    reach = model.reach[w.area[rep]][:, cells["area"]]
    qualified = p_level[:, cells["sector"]] >= cells["required"][None, :]
    pays = (
        cell_threshold[None, :] > np.where(p_band > 0, threshold[np.maximum(p_band - 1, 0)], -np.inf)[:, None]
    )
    appeal = cells["count"] * (cells["wage"] / np.median(model.ladders.wage)) ** lm.wage_preference
    weight = np.where(reach & qualified & pays, appeal[None, :], 0.0)
    return np.cumsum(weight, axis=1), inverse


def _applications(model: SectorModel, cells: dict, idx: np.ndarray, n_apps: np.ndarray):
    """Draw each searcher's applications; return (worker rows, slot indices), deduplicated.

    A cell is drawn by inverse CDF on the profile's cumulative weights, a vacancy uniformly within
    the cell; both uniforms are hashed per (worker, month, application index).
    """
    w = model.workers
    cum, prof = _profiles(model, cells, idx)
    total = cum[:, -1]
    ok = total[prof] > 0
    idx, n_apps, prof = idx[ok], n_apps[ok], prof[ok]
    if idx.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # rows of normalized cumulative weights laid end to end: row p occupies (p, p + 1]
    n_cells = cum.shape[1]
    flat = (cum / np.where(total > 0, total, 1.0)[:, None] + np.arange(cum.shape[0])[:, None]).ravel()
    keys = w.key[idx]
    out_w, out_s = [], []
    for k in range(int(n_apps.max(initial=0))):  # loop: application index (a few per month)
        sending = np.flatnonzero(n_apps > k)
        u = model.streams.uniform("search.apply", model.month, keys[sending], call=k)
        pos = np.searchsorted(flat, prof[sending] + u, side="left")
        cell = np.minimum(pos - prof[sending] * n_cells, n_cells - 1)
        u2 = model.streams.uniform("search.vacancy", model.month, keys[sending], call=k)
        count = cells["count"][cell]
        offset = np.minimum((u2 * count).astype(np.int64), count - 1)
        out_w.append(idx[sending])
        out_s.append(cells["start"][cell] + offset)
    stride = cells["emp"].size + 1
    pair = np.sort(np.concatenate(out_w).astype(np.int64) * stride + np.concatenate(out_s))
    pair = pair[np.r_[True, pair[1:] != pair[:-1]]]
    return pair // stride, pair % stride


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
    emp, rung = cells["emp"][app_s], cells["rung"][app_s]
    sector = e.sector[emp].astype(np.int64)
    wkey, ekey = w.key[app_w], e.key[emp]
    outside = (
        model.streams.uniform_pair("hire.recognize", model.month, wkey, ekey) < lm.firm_specific_recognition
    )
    level = recognized_level(model, app_w, emp, sector, outside)
    required = model.ladders.required[sector, rung]
    offered = wage_for(model, app_w, emp, rung)
    current = w.wage[app_w]
    ok = (level >= required) & ((w.employer[app_w] < 0) | (offered > current * (1 + lm.min_wage_gain)))
    ok &= w.employer[app_w] != emp
    app_w, app_s, emp, rung = app_w[ok], app_s[ok], emp[ok], rung[ok]
    level, required, offered = level[ok], required[ok], offered[ok]
    wkey, ekey = wkey[ok], ekey[ok]
    bias = model.group_bias[w.group[app_w]]
    referral = (w.pipeline[app_w] >= 0) & (w.pipeline[app_w] == e.commitment[emp])
    score = (
        lm.score_credential * (level - required)
        + lm.score_skills * w.skill[app_w]
        + np.where(referral, e.referral_bonus[emp], 0.0)
        - bias
        - lm.score_unemployment_duration
        * np.minimum(w.unemployed_months[app_w], 24)
        / 12.0
        * (w.employer[app_w] < 0)
        + lm.score_noise * model.streams.normal_pair("hire.rank", model.month, wkey, ekey)
    )
    accept_u = model.streams.uniform_pair("offer.accept", model.month, wkey, ekey)
    # applications in (vacancy, best score first) order, once; rounds walk this order
    order = np.lexsort((-score, app_s))
    app_w, app_s, emp = app_w[order], app_s[order], emp[order]
    offered, accept_u = offered[order], accept_u[order]
    alive = np.ones(app_w.size, bool)
    worker_done = np.zeros(w.n, bool)
    slot_done = np.zeros(cells["emp"].size, bool)
    hired_w, hired_s = [], []
    for _round in range(lm.matching_rounds):  # loop: offer rounds (a few)
        a = np.flatnonzero(alive)
        if a.size == 0:
            break
        # each vacancy offers its best remaining applicant (first alive in its block)
        a = a[np.r_[True, app_s[a][1:] != app_s[a][:-1]]]
        # each worker considers the best-paid offer
        a = a[np.lexsort((app_s[a], -offered[a], app_w[a]))]
        a = a[np.r_[True, app_w[a][1:] != app_w[a][:-1]]]
        yes = accept_u[a] < lm.offer_acceptance
        taken = a[yes]
        alive[a[~yes]] = False
        worker_done[app_w[taken]] = True
        slot_done[app_s[taken]] = True
        alive &= ~worker_done[app_w] & ~slot_done[app_s]
        hired_w.append(app_w[taken])
        hired_s.append(app_s[taken])
    hw, hs = np.concatenate(hired_w), np.concatenate(hired_s)
    hire(model, hw, cells["emp"][hs], cells["rung"][hs])
