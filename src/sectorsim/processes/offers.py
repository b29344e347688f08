"""Screening and offers: employers rank the applications they recognize and make offers in rounds.

Steps 4 and 5 of matching (see ``sectorsim.processes.matching`` for the whole process).

Reads: workers, employers, ladders, scenario groups and labor_market. Writes: nothing (returns
the hires). Sources: see ``sectorsim.processes.matching``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtri

from sectorsim.processes.advancement import recognized
from sectorsim.processes.earnings import wage_at
from sectorsim.streams import pair_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


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
    group, pipeline, unemployed_months, hiring_credit); ``employers`` is (key, sector, premium, commitment,
    referral_bonus); ``bases`` the stream bases of hire.recognize, hire.rank and offer.accept;
    ``params`` is (firm_specific_recognition, 1 + min_wage_gain as float32, skill_return,
    score_credential, score_skills as float32, score_unemployment_duration).

    Returns, for applications that pass, (worker rows, slots, offered wage, score without its
    noise term, rank uniform, acceptance uniform). Arithmetic follows the numpy expressions it
    replaced, in the same precision and order, so results are identical to the last bit.
    """
    w_key, w_emp, w_wage, w_skill, w_cred, w_fsec, w_femp, w_flev, w_group, w_pipe, w_unemp, w_credit = (
        workers
    )
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
        # the worker's hiring credit comes last, so a credit of 0 leaves the score bit for bit
        partial[n_keep] = score - score_duration * waiting / 12.0 + np.float64(w_credit[r])
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


def hires(
    model: SectorModel, cells: dict, app_w: np.ndarray, app_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Screen and rank this month's applications and run the offer rounds.

    Args:
        model: The model.
        cells: The month's vacancy slots (``emp``, ``rung``) and cells.
        app_w: Applicants' worker rows, ascending, one per (worker, slot).
        app_s: The slot each application is for.

    Returns:
        The hires, as (worker rows, slots).
    """
    w, e, lm = model.workers, model.employers, model.labor
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
            w.hiring_credit,
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
    return hw, hs
