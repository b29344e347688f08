"""The in-run side of a randomized evaluation: random assignment and follow-up inside one run.

Two hooks in the monthly order (``sectorsim.model.STEPS``): ``study.assign`` runs after demand and
before the policies, so the treatment group is invited at that month's intake; ``study.record``
runs after earnings. The design, the estimation and the reports are in ``sectorsim.evaluation``
(the analysis layer), which builds the runs; this module only acts inside one.

Reads: workers (eligibility through the program, earnings, employer, credentials), employers.sector.
Writes: workers.barred and workers.priority (the columns it declares).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sectorsim.columns import Column, Declares
from sectorsim.scenario.schema import Evaluation

if TYPE_CHECKING:
    from sectorsim.model import SectorModel
    from sectorsim.policies.program import TrainingProgram

#: What random assignment does to a study member's access to the program.
DECLARES = Declares(
    workers=(
        Column("barred", "bool", False, "bool", "Barred from the program (a randomized-out control)."),
        Column("priority", "bool", False, "bool", "Invited first at the next intake (randomized in)."),
    ),
)


@dataclass
class Members:
    """Study members: worker rows, assignment (True = access) and the month each was assigned."""

    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    treated: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    month: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


class Study:
    """Random assignment and follow-up inside one run.

    Args:
        config: The scenario's ``evaluation`` block.
        model: The run (its arm must host the program).
        members: Replay these assignments instead of drawing them (the no-access counterfactual).
        access: False bars the treatment group too (the counterfactual run).
    """

    def __init__(
        self, config: Evaluation, model: SectorModel, members: Members | None = None, access: bool = True
    ):
        self.config = config
        self._burn_in = model.config.burn_in
        self.access = access
        self.replay = members
        self.members = Members() if members is None else members
        self.program: TrainingProgram = model.policies[config.program]  # type: ignore[assignment]
        f = config.follow_up_months
        self.n_max = config.applicants if members is None else members.rows.size
        self.earnings = np.zeros((self.n_max, f), np.float32)
        self.employed = np.zeros((self.n_max, f), bool)
        self.in_sector = np.zeros((self.n_max, f), bool)
        self.credential = np.zeros((self.n_max, f), bool)

    # --- assignment, before the month's policies ---------------------------------------------
    def advance(self, model: SectorModel) -> None:
        """Randomize this month's applicants; lift the bar when a member's follow-up ends."""
        cfg, w = self.config, model.workers
        t = model.policy_month
        if cfg.assignment_month <= t < cfg.assignment_month + cfg.window_months:
            new = self._replayed(t) if self.replay is not None else self._draw(model, t)
            rows, treated = new
            w.barred[rows[~treated]] = True
            if self.access:
                w.priority[rows[treated]] = True
            else:
                w.barred[rows[treated]] = True
        ended = self.members.rows[(self.members.month + cfg.follow_up_months) == model.month]
        w.barred[ended] = False
        w.priority[ended] = False

    def _replayed(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        m = self.members
        sel = m.month == t + self._burn_in
        return m.rows[sel], m.treated[sel]

    def _draw(self, model: SectorModel, t: int) -> tuple[np.ndarray, np.ndarray]:
        cfg, w = self.config, model.workers
        pool = []
        for host, areas in self.program.intakes(model):  # loop: program hosts
            idx, _ = self.program.eligible(model, host, areas)
            pool.append(idx)
        idx = np.unique(np.concatenate(pool)) if pool else np.empty(0, np.int64)
        idx = idx[~np.isin(idx, self.members.rows)]
        willing = (
            model.streams.uniform("enroll.take_up", model.month, w.key[idx]) < self.program.config.take_up
        )
        idx = idx[willing]
        left = cfg.applicants - self.members.rows.size
        months_left = cfg.assignment_month + cfg.window_months - t
        quota = min(idx.size, -(-left // months_left))
        order = np.argsort(
            model.streams.uniform("evaluation.applicant", model.month, w.key[idx]), kind="stable"
        )
        rows = np.sort(idx[order[:quota]])
        treated = model.streams.uniform("evaluation.assign", model.month, w.key[rows]) < cfg.treatment_share
        m = self.members
        m.rows = np.concatenate([m.rows, rows])
        m.treated = np.concatenate([m.treated, treated])
        m.month = np.concatenate([m.month, np.full(rows.size, model.month)])
        return rows, treated

    def barred_rows(self, model: SectorModel) -> np.ndarray:
        """Rows of the members barred from the program now (controls; the treated too without access)."""
        rows = self.members.rows
        rows = rows[rows < model.workers.n]  # a replayed member may arrive later in the run
        return rows[model.workers.barred[rows]]

    # --- follow-up, after the month's earnings --------------------------------------------------
    def record(self, model: SectorModel) -> None:
        """Record this month's outcomes of members still in follow-up."""
        m, w, e = self.members, model.workers, model.employers
        since = model.month - m.month
        live = np.flatnonzero((since >= 0) & (since < self.config.follow_up_months))
        if live.size == 0:
            return
        rows, col = m.rows[live], since[live]
        s = self.program.sector
        self.earnings[live, col] = w.earnings[rows]
        emp = w.employer[rows] >= 0
        self.employed[live, col] = emp
        self.in_sector[live, col] = emp & (e.sector[np.maximum(w.employer[rows], 0)] == s)
        self.credential[live, col] = (w.credential[rows, s] >= 1) | (
            (w.firm_sector[rows] == s) & (w.firm_level[rows] >= 1)
        )

    def panel(self) -> dict[str, np.ndarray]:
        """Outcome panels of the members (members x months since assignment)."""
        n = self.members.rows.size
        return {
            "earnings": self.earnings[:n],
            "employed": self.employed[:n],
            "in_sector": self.in_sector[:n],
            "credential": self.credential[:n],
        }


def assign(model: SectorModel) -> None:
    """The ``study.assign`` step: random assignment, when the run hosts a study."""
    if model.study is not None:
        model.study.advance(model)


def record(model: SectorModel) -> None:
    """The ``study.record`` step: follow-up of the study's members, when the run hosts a study."""
    if model.study is not None:
        model.study.record(model)
