"""Training: monthly progress of enrolled trainees, dropout, completion and credential award.

Enrollment in a program is a policy's decision (``sectorsim.policies.program``); this process only
moves trainees along, whatever program they are in. It also runs the other routes to a credential
(``training.elsewhere``: a community college or another provider, open to anyone it serves, the
controls of a study included; and ``evaluation.control_training``, the training elsewhere a study's
barred applicants find): those trainees have ``program == ELSEWHERE``, so they are in training
(lock-in, no search) but in no program's pipeline. A completer of a level whose sector sets a
licensing exam (``exam_pass_rate``) holds the credential only on passing; one who fails keeps the
skills and the program's referrals, a training certificate, not the credential.

Reads: workers (program, training_left, training_sector, training_level, training_firm, barrier,
support_left, support_strength), scenario.training.
Writes: workers.credential (portable, sector-wide), firm_level/firm_employer/firm_sector (a
firm-specific credential), skill, pipeline, completed_month, placed; the month's flows.
Sources: dropout hazard calibrated to the ~90% completion reported for Massachusetts sector
programs and the 70-85% completion in the SEIS and WorkAdvance evaluations (docs/VALIDATION.md);
skill gain: assumption.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sectorsim.columns import ELSEWHERE, Column, Declares
from sectorsim.state import NONE

if TYPE_CHECKING:
    from sectorsim.model import SectorModel

#: Credentials held, and enrollment in training. A program enrolls a worker by writing the
#: enrollment levers (``program``, ``training_*``, ``support_*``); this process moves them along.
DECLARES = Declares(
    workers=(
        Column("credential", "int8", 0, "level", "Portable credential level, by sector.", shape="sector"),
        Column("firm_level", "int8", 0, "level", "Level of a firm-specific credential."),
        Column("firm_employer", "int32", NONE, "row", "Employer that issued the firm-specific credential."),
        Column("firm_sector", "int8", NONE, "index", "Sector of the firm-specific credential."),
        Column("program", "int16", NONE, "id", "Training program enrolled in, or -1.", lever=True),
        Column("training_left", "int16", 0, "months", "Months of training left.", lever=True),
        Column("training_sector", "int8", NONE, "index", "Sector of the credential trained for.", lever=True),
        Column("training_level", "int8", 0, "level", "Credential level trained for.", lever=True),
        Column(
            "training_firm",
            "int32",
            NONE,
            "row",
            "Employer whose firm-specific credential is trained for (-1: portable).",
            lever=True,
        ),
        Column("support_left", "int16", 0, "months", "Months of support services left.", lever=True),
        Column(
            "support_strength",
            "float32",
            0.0,
            "0-1",
            "Fraction by which support services cut dropout and barrier shocks.",
            lever=True,
        ),
        Column("pipeline", "int16", NONE, "id", "Program completed (its referral pipeline), or -1."),
        Column("completed_month", "int16", NONE, "month", "Month the last program was completed, or -1."),
        Column("placed", "bool", False, "bool", "Completer employed in the trained sector within 6 months."),
    ),
)

#: A completer counts as placed if employed in the trained sector within this many months.
PLACEMENT_WINDOW_MONTHS = 6


def step(model: SectorModel) -> None:
    """Advance every trainee by one month; then start this month's trainees elsewhere."""
    w, tr_cfg, f = model.workers, model.config.training, model.flows
    gone = np.flatnonzero((w.program >= 0) & (w.resident != 1))  # left the region: the course ends
    f.dropouts += int((w.program[gone] != ELSEWHERE).sum())
    w.program[gone] = NONE
    idx = np.flatnonzero(w.program >= 0)
    if idx.size:
        supported = np.where(w.support_left[idx] > 0, w.support_strength[idx], 0.0)
        p_drop = tr_cfg.dropout_rate * np.where(w.barrier[idx], tr_cfg.barrier_dropout_multiplier, 1.0)
        p_drop = p_drop * (1.0 - supported)
        drop = model.streams.uniform("training.dropout", model.month, w.key[idx]) < p_drop
        f.dropouts += int((w.program[idx[drop]] != ELSEWHERE).sum())
        w.program[idx[drop]] = NONE
        idx = idx[~drop]
        w.training_left[idx] -= 1
        done = idx[w.training_left[idx] <= 0]
        _award(model, done)
    active = w.support_left > 0
    w.support_left[active] -= 1
    _placements(model)
    _start_elsewhere(model)


def _award(model: SectorModel, done: np.ndarray) -> None:
    """Award credentials to completers who pass the exam; program completers join the pipeline."""
    if done.size == 0:
        return
    w, f = model.workers, model.flows
    sector = w.training_sector[done].astype(np.int64)
    level = w.training_level[done]
    firm = w.training_firm[done]
    portable = firm < 0
    pass_rate = model.ladders.pass_rate[sector, level]
    if (pass_rate < 1.0).any():  # a licensing exam: a portable credential only for those who pass
        u = model.streams.uniform("training.exam", model.month, w.key[done])
        passed = u < pass_rate
        portable_award = portable & passed
    else:
        passed = np.ones(done.size, bool)
        portable_award = portable
    rows, cols = done[portable_award], sector[portable_award]
    w.credential[rows, cols] = np.maximum(w.credential[rows, cols], level[portable_award])
    fs = done[~portable]
    w.firm_level[fs] = level[~portable]
    w.firm_employer[fs] = firm[~portable]
    w.firm_sector[fs] = sector[~portable]
    w.skill[done] += np.float32(model.config.training.skill_gain)
    program = w.program[done] != ELSEWHERE
    mine = done[program]
    w.pipeline[mine] = w.program[mine]
    w.completed_month[mine] = model.month
    w.placed[mine] = False
    w.program[done] = NONE
    f.completions += mine.size
    f.credentials += int((program & (passed | ~portable)).sum())
    f.elsewhere_completions += done.size - mine.size


def _enroll_elsewhere(model: SectorModel, rows: np.ndarray, sector: int, months: int) -> None:
    """Enroll ``rows`` in training elsewhere for the next level of ``sector``'s credential."""
    w = model.workers
    held = w.credential[rows, sector].astype(np.int64)
    w.program[rows] = ELSEWHERE
    w.training_left[rows] = months
    w.training_sector[rows] = sector
    w.training_level[rows] = np.minimum(held + 1, int(model.ladders.max_level[sector]))
    w.training_firm[rows] = NONE
    w.support_left[rows] = 0
    model.flows.elsewhere_starts += rows.size


def _start_elsewhere(model: SectorModel) -> None:
    """Start this month's courses elsewhere: the scenario's routes, then a study's control services.

    Each route serves residents of the labor force (or only its unemployed) not in training whose
    credential in its sector is below the sector's top level; each starts with the route's monthly
    probability (stream ``elsewhere.start``, call = the route's index). A study's barred applicants
    still in follow-up start training for the program's credential at the monthly hazard that gives
    ``control_training.share`` within ``within_months`` (stream ``elsewhere.control``).
    """
    w, lad = model.workers, model.ladders
    for k, route in enumerate(model.config.training.elsewhere):  # loop: routes (a few)
        if route.rate <= 0:
            continue
        s = model.sector_index[route.sector]
        rows = model.demography.rows
        ok = (w.program[rows] < 0) & w.in_labor_force[rows] & (w.credential[rows, s] < lad.max_level[s])
        if route.who == "unemployed":
            ok &= w.employer[rows] < 0
        cand = rows[ok]
        u = model.streams.uniform("elsewhere.start", model.month, w.key[cand], call=k)
        _enroll_elsewhere(model, cand[u < route.rate], s, route.months)
    study = model.study
    if study is None or study.config.control_training.share <= 0:
        return
    ct = study.config.control_training
    cand = study.barred_rows(model)
    s = study.program.sector
    cand = cand[(w.program[cand] < 0) & (w.resident[cand] == 1) & (w.credential[cand, s] < lad.max_level[s])]
    hazard = 1.0 - (1.0 - ct.share) ** (1.0 / ct.within_months)
    u = model.streams.uniform("elsewhere.control", model.month, w.key[cand])
    months = ct.months or study.program.config.program_months
    _enroll_elsewhere(model, cand[u < hazard], s, months)


def _placements(model: SectorModel) -> None:
    """Count completers who hold a job in their trained sector within the placement window."""
    w, e = model.workers, model.employers
    cand = np.flatnonzero((w.completed_month >= 0) & ~w.placed & (w.employer >= 0))
    if cand.size == 0:
        return
    in_sector = e.sector[w.employer[cand]] == w.training_sector[cand]
    recent = model.month - w.completed_month[cand] <= PLACEMENT_WINDOW_MONTHS
    placed = cand[in_sector & recent]
    w.placed[placed] = True
    model.flows.placements += placed.size
