"""Screening and offers: employers rank the applications they recognize and make offers in rounds.

Steps 4 and 5 of matching (see ``sectorsim.processes.matching`` for the whole process).

Reads: workers, employers, ladders, scenario groups and labor_market. Writes: nothing (returns
the hires). Sources: see ``sectorsim.processes.matching``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray
from scipy.special import ndtri

from sectorsim.processes.advancement import recognized
from sectorsim.processes.earnings import wage_at
from sectorsim.streams import pair_uniform

if TYPE_CHECKING:
    from sectorsim.model import SectorModel


class Applications(NamedTuple):
    """This month's applications, one per (worker, slot): the worker's row and the slot applied to."""

    worker: NDArray[np.int64]
    slot: NDArray[np.int64]


class Slots(NamedTuple):
    """The month's vacancy slots: each slot's employer row and rung."""

    employer: NDArray[np.int64]
    rung: NDArray[np.int64]


class ScreenWorkers(NamedTuple):
    """The worker columns screening reads (whole columns, indexed by worker row)."""

    key: NDArray[np.int64]
    employer: NDArray[np.int32]
    wage: NDArray[np.float32]
    skill: NDArray[np.float32]
    credential: NDArray[np.int8]
    firm_sector: NDArray[np.int8]
    firm_employer: NDArray[np.int32]
    firm_level: NDArray[np.int8]
    group: NDArray[np.int8]
    pipeline: NDArray[np.int16]
    unemployed_months: NDArray[np.int16]
    hiring_credit: NDArray[np.float32]
    experience: NDArray[np.int16]  # (workers, sectors): months employed in each sector


class ScreenRungs(NamedTuple):
    """What each (sector, rung) asks of an applicant, beyond its credential level."""

    experience: NDArray[np.int16]  # months employed in the sector
    preferred: NDArray[np.bool_]  # the credential is preferred (a score), not required (a gate)


class ScreenEmployers(NamedTuple):
    """The employer columns screening reads (indexed by employer row)."""

    key: NDArray[np.int64]
    sector: NDArray[np.int8]
    premium: NDArray[np.float32]
    commitment: NDArray[np.int16]
    referral_bonus: NDArray[np.float32]


class ScreenBases(NamedTuple):
    """Stream bases (:meth:`sectorsim.streams.Streams.base`) of the month's screening draws."""

    recognize: np.uint64  # hire.recognize: an outside firm-specific credential is recognized
    rank: np.uint64  # hire.rank: the score noise
    accept: np.uint64  # offer.accept: the offer is accepted


class ScreenParams(NamedTuple):
    """Labor-market parameters of screening, in the precision the kernel computes with."""

    recognition: float  # firm_specific_recognition
    wage_gain: np.float32  # 1 + min_wage_gain
    skill_return: float
    score_credential: float
    score_skills: np.float32
    score_duration: float  # score_unemployment_duration


@njit(cache=True, nogil=True)
def _screen(
    apps: Applications,
    slots: Slots,
    workers: ScreenWorkers,
    employers: ScreenEmployers,
    ladder_wage: NDArray[np.float64],
    ladder_required: NDArray[np.int8],
    rungs: ScreenRungs,
    group_bias: NDArray[np.float64],
    bases: ScreenBases,
    params: ScreenParams,
) -> tuple:
    """Compiled screening and scoring of applications (step 4 of the module docstring).

    Returns, for applications that pass, (worker rows, slots, offered wage, score without its
    noise term, rank uniform, acceptance uniform). Arithmetic follows the numpy expressions it
    replaced, in the same precision and order, so results are identical to the last bit.
    """
    n = apps.worker.size
    keep = np.empty(n, np.int64)
    offered = np.empty(n, np.float64)
    partial = np.empty(n, np.float64)
    n_keep = 0
    for a in range(n):  # loop: applications (compiled)
        r, slot = apps.worker[a], apps.slot[a]
        j, rung = slots.employer[slot], slots.rung[slot]
        sector = employers.sector[j]
        current = workers.employer[r]
        if current == j:
            continue
        outside = pair_uniform(workers.key[r], employers.key[j], bases.recognize) < params.recognition
        level = recognized(
            workers.credential[r, sector],
            workers.firm_sector[r],
            workers.firm_employer[r],
            workers.firm_level[r],
            sector,
            j,
            outside,
        )
        required = ladder_required[sector, rung]
        # a required credential is a gate, a preferred one only a score (score_credential per level
        # short); the rung's experience requirement is a gate
        short = (level < required) & (not rungs.preferred[sector, rung])
        if short | (workers.experience[r, sector] < rungs.experience[sector, rung]):
            continue
        pay = wage_at(ladder_wage[sector, rung], employers.premium[j], workers.skill[r], params.skill_return)
        if current >= 0 and not pay > np.float64(workers.wage[r] * params.wage_gain):
            continue
        referral = np.float32(0.0)
        if workers.pipeline[r] >= 0 and workers.pipeline[r] == employers.commitment[j]:
            referral = employers.referral_bonus[j]
        waiting = np.float64(min(workers.unemployed_months[r], 24)) if current < 0 else 0.0
        score = params.score_credential * np.float64(level - required) + np.float64(
            params.score_skills * workers.skill[r]
        )
        score = score + np.float64(referral) - group_bias[workers.group[r]]
        # the worker's hiring credit comes last, so a credit of 0 leaves the score bit for bit
        partial[n_keep] = (
            score - params.score_duration * waiting / 12.0 + np.float64(workers.hiring_credit[r])
        )
        offered[n_keep] = pay
        keep[n_keep] = a
        n_keep += 1
    keep = keep[:n_keep]
    rank_u = np.empty(n_keep, np.float64)
    accept_u = np.empty(n_keep, np.float64)
    for i in range(n_keep):  # loop: passing applications (compiled)
        wk, ek = workers.key[apps.worker[keep[i]]], employers.key[slots.employer[apps.slot[keep[i]]]]
        rank_u[i] = pair_uniform(wk, ek, bases.rank)
        accept_u[i] = pair_uniform(wk, ek, bases.accept)
    return apps.worker[keep], apps.slot[keep], offered[:n_keep], partial[:n_keep], rank_u, accept_u


class Offers(NamedTuple):
    """Applications that passed screening: worker row, slot, score, offered wage, acceptance draw."""

    worker: NDArray[np.int64]
    slot: NDArray[np.int64]
    score: NDArray[np.float64]
    offered: NDArray[np.float64]
    accept_u: NDArray[np.float64]


class OfferRules(NamedTuple):
    """Sizes and rules of the offer rounds."""

    n_slots: int
    n_workers: int
    rounds: int  # matching_rounds
    acceptance: float  # offer_acceptance


@njit(cache=True, nogil=True)
def _offer_rounds(offers: Offers, rules: OfferRules) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Compiled offer rounds; return the hires as (worker rows, slots).

    Each vacancy slot ranks its applications by score, best first (ties keep their input order).
    In each round every open slot offers to its best applicant still in play; a worker with offers
    considers the best-paid (ties: the lowest slot) and accepts it when its acceptance draw is
    below ``acceptance``. A declined offer leaves play; so does everything of a worker hired or a
    slot filled. Hires come out round by round, by worker row within a round.
    """
    app_w, app_s, score, offered = offers.worker, offers.slot, offers.score, offers.offered
    accept_u = offers.accept_u
    n_slots, n_workers, rounds, acceptance = rules.n_slots, rules.n_workers, rules.rounds, rules.acceptance
    n = app_w.size
    # applications grouped by slot, in input order within a slot (a stable counting sort)
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
    dead = np.zeros(n, np.bool_)
    worker_done = np.zeros(n_workers, np.bool_)
    slot_done = np.zeros(n_slots, np.bool_)
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
            # the slot's best applicant still in play: the highest score, the first in input order
            # among equals (what a stable sort by score would put first), found by one scan; cheaper
            # than sorting every block for the few rounds there are
            a = -1
            top = 0.0
            for h in range(start[s], start[s + 1]):  # loop: a slot's applications (compiled)
                c = order[h]
                if dead[c] or worker_done[app_w[c]]:
                    continue
                if a < 0 or score[c] > top:
                    a = c
                    top = score[c]
            if a < 0:
                continue
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
        Applications(worker=app_w, slot=app_s),
        Slots(employer=cells["emp"], rung=cells["rung"]),
        ScreenWorkers(
            key=w.key,
            employer=w.employer,
            wage=cells["reservation"],
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
        model.ladders.wage,
        model.ladders.required,
        ScreenRungs(experience=model.ladders.experience, preferred=model.ladders.preferred),
        model.group_bias,
        ScreenBases(
            recognize=streams.base("hire.recognize", month),
            rank=streams.base("hire.rank", month),
            accept=streams.base("offer.accept", month),
        ),
        ScreenParams(
            recognition=float(lm.firm_specific_recognition),
            wage_gain=np.float32(1 + lm.min_wage_gain),
            skill_return=float(lm.skill_return),
            score_credential=float(lm.score_credential),
            score_skills=np.float32(lm.score_skills),
            score_duration=float(lm.score_unemployment_duration),
        ),
    )
    score = partial + lm.score_noise * ndtri(rank_u)
    hw, hs = _offer_rounds(
        Offers(worker=app_w, slot=app_s, score=score, offered=offered, accept_u=accept_u),
        OfferRules(
            n_slots=cells["emp"].size,
            n_workers=w.n,
            rounds=lm.matching_rounds,
            acceptance=lm.offer_acceptance,
        ),
    )
    return hw, hs
