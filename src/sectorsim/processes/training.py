"""Training: monthly progress of enrolled trainees, dropout, completion and credential award.

Enrollment itself is a policy's decision (``sectorsim.policies.program``); this process only moves
trainees along, whatever program they are in.

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

from sectorsim.columns import Column, Declares
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
    """Advance every trainee by one month."""
    w, tr_cfg, f = model.workers, model.config.training, model.flows
    gone = np.flatnonzero((w.program >= 0) & (w.resident != 1))  # left the region: the course ends
    w.program[gone] = NONE
    f.dropouts += gone.size
    idx = np.flatnonzero(w.program >= 0)
    if idx.size:
        supported = np.where(w.support_left[idx] > 0, w.support_strength[idx], 0.0)
        p_drop = tr_cfg.dropout_rate * np.where(w.barrier[idx], tr_cfg.barrier_dropout_multiplier, 1.0)
        p_drop = p_drop * (1.0 - supported)
        drop = model.streams.uniform("training.dropout", model.month, w.key[idx]) < p_drop
        w.program[idx[drop]] = NONE
        f.dropouts += int(drop.sum())
        idx = idx[~drop]
        w.training_left[idx] -= 1
        done = idx[w.training_left[idx] <= 0]
        _award(model, done)
    active = w.support_left > 0
    w.support_left[active] -= 1
    _placements(model)


def _award(model: SectorModel, done: np.ndarray) -> None:
    """Award credentials to completers and put them in their program's referral pipeline."""
    if done.size == 0:
        return
    w, f = model.workers, model.flows
    sector = w.training_sector[done].astype(np.int64)
    level = w.training_level[done]
    firm = w.training_firm[done]
    portable = firm < 0
    rows, cols = done[portable], sector[portable]
    w.credential[rows, cols] = np.maximum(w.credential[rows, cols], level[portable])
    fs = done[~portable]
    w.firm_level[fs] = level[~portable]
    w.firm_employer[fs] = firm[~portable]
    w.firm_sector[fs] = sector[~portable]
    w.skill[done] += np.float32(model.config.training.skill_gain)
    w.pipeline[done] = w.program[done]
    w.completed_month[done] = model.month
    w.placed[done] = False
    w.program[done] = NONE
    f.completions += done.size
    f.credentials += done.size


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
