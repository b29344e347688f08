"""WorkshopModel: one region, two policies, side by side, for the workshop app and notebooks.

Two :class:`~sectorsim.model.SectorModel` copies of the same region run with the same seed, one per
policy, so every difference between the sides is the policy's (common random numbers). The burn-in
runs when the model is built; each ``step`` is one month of the policy horizon on both sides.

The levers (budget, cohort size, credential portability, support services, screening, recruitment
reach, job-quality raise) shape the **right** side's sector partnership, the design under discussion;
the left side is the chosen comparison policy with its defaults and the same public budget.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sectorsim import shipped
from sectorsim.model import SectorModel
from sectorsim.outcomes import slug
from sectorsim.processes.employer_books import KINDS
from sectorsim.scenario.loading import resolve_extends, set_path, validate

DEFAULT_SCENARIO = shipped.path("default.yaml")
POLICIES = ("none", "single_employer", "sector_partnership")
STAGES = ("in training", "entry", "middle", "advanced")


def region_raw(scenario_file: str | Path | None) -> dict[str, Any]:
    """A scenario's mapping (``extends`` resolved): a file, a shipped scenario's name, or the default."""
    return resolve_extends(shipped.scenario(scenario_file) if scenario_file else DEFAULT_SCENARIO)


def region_choices(scenario_file: str | None = None) -> list[str]:
    """The regions the app offers: the file it was started with (if any), then every shipped scenario."""
    names = shipped.names()
    return ([scenario_file] if scenario_file else []) + [n for n in names if n != scenario_file]


def lowest_paid_sector(raw: dict[str, Any]) -> str:
    """The sector whose entry rung pays least (the first such in the file): the job-quality target."""
    return min(raw["sectors"], key=lambda s: s["ladder"][0]["wage"])["name"]


def side_policies(
    kind: str, sector: str, budget: float, levers: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Policy configs for one side: the comparison policy, or the designed partnership (levers)."""
    if kind == "none":
        return []
    if kind == "single_employer":
        return [{"type": "single_employer", "target_sector": sector, "budget": budget}]
    pol: dict[str, Any] = {"type": "sector_partnership", "target_sector": sector, "budget": budget}
    out = [pol]
    if levers:
        pol.update(
            {
                "cohort_size": levers["cohort_size"],
                "credential": {
                    "portability": levers["portability"],
                    "stackable": levers["portability"] == "sector_wide",
                },
                "support": {"enabled": levers["support"]},
                "eligibility": {"status": "low_wage", "min_basic_skills": levers["screening"]},
                "recruitment": levers["reach"],
            }
        )
        if levers["job_quality_raise"] > 0:
            out.append(
                {
                    "type": "job_quality",
                    "target_sector": levers["job_quality_sector"],
                    "wage_raise": levers["job_quality_raise"],
                }
            )
    return out


class WorkshopModel(mesa.Model):
    """Two copies of one region under two policies, stepped together.

    Args:
        left: Comparison policy ('none', 'single_employer' or 'sector_partnership').
        right: Policy on the right ('sector_partnership' uses the levers below).
        budget: Public budget of each side's program ($).
        cohort_size: Trainees per cohort (right side).
        portability: 'sector_wide' (stackable) or 'firm_specific' credentials (right side).
        support: Support services on the right side.
        screening: Minimum basic-skills score to enroll (sd), right side.
        reach: 'region' or 'area' recruitment (right side).
        job_quality_raise: Wage raise at half the employers of the region's lowest-paid sector
            (:func:`lowest_paid_sector`; right side); 0 = none.
        workers: Size of the region (workers).
        seed: Seed shared by both sides.
        scenario_file: Scenario whose region is used (default: scenarios/default.yaml).
        region: A shipped scenario's name (or a file) whose region to use instead of
            ``scenario_file`` (the app's region menu).
        scenario: Accepted for Mesa's SolaraViz, which passes one on reset; not used.
    """

    def __init__(
        self,
        *,
        left: str = "single_employer",
        right: str = "sector_partnership",
        budget: float = 2_000_000,
        cohort_size: int = 25,
        portability: str = "sector_wide",
        support: bool = True,
        screening: float = -0.5,
        reach: str = "region",
        job_quality_raise: float = 0.0,
        workers: int = 6000,
        seed: int = 1,
        scenario_file: str | None = None,
        region: str | None = None,
        scenario: Any = None,  # noqa: ARG002 - Mesa's SolaraViz passes its own scenario object on reset
    ) -> None:
        super().__init__(rng=seed)
        self.region = region or scenario_file or "default"
        raw = region_raw(region or scenario_file)
        total = sum(a["workers"] for a in raw["region"]["areas"])
        for a in raw["region"]["areas"]:
            a["workers"] = max(50, round(a["workers"] * workers / total))
        sector = (
            "health care"
            if "health care" in [s["name"] for s in raw["sectors"]]
            else raw["sectors"][0]["name"]
        )
        self.job_quality_sector = lowest_paid_sector(raw)
        levers = {
            "job_quality_sector": self.job_quality_sector,
            "cohort_size": int(cohort_size),
            "portability": portability,
            "support": bool(support),
            "screening": float(screening),
            "reach": reach,
            "job_quality_raise": float(job_quality_raise),
        }
        raw["arms"] = [
            {"name": "left", "policies": side_policies(left, sector, budget, None)},
            {
                "name": "right",
                "policies": side_policies(
                    right, sector, budget, levers if right == "sector_partnership" else None
                ),
            },
        ]
        raw.pop("evaluation", None)
        raw.pop("reference", None)
        set_path(raw, "agent_views", False)
        self.config = validate(copy.deepcopy(raw), "workshop")
        self.labels = {"left": left.replace("_", " "), "right": right.replace("_", " ")}
        self.sector = sector
        self.sides = {
            name: SectorModel(scenario=self.config, arm=name, rng=seed) for name in ("left", "right")
        }
        for m in self.sides.values():
            m.run(self.config.burn_in)
        self.months = 0
        self.history: dict[str, list[dict[str, float]]] = {"left": [], "right": []}
        #: where each resident is on the ladders (:func:`ladder_cells`), and this month's moves
        self.cells: dict[str, np.ndarray] = {}
        self.moves: dict[str, np.ndarray] = {}
        self._record()  # month 0: the reporters read the keys of this first record
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    def step(self) -> None:
        """One month on both sides."""
        for m in self.sides.values():
            m.step()
        self.months += 1
        self._record()
        self.datacollector.collect(self)
        if self.months >= self.config.months:
            self.running = False

    def _record(self) -> None:
        members = self.members()
        for name, m in self.sides.items():  # loop: the two sides
            row = side_snapshot(m, self.sector)
            row.update(members_snapshot(m, members))
            self.history[name].append(row)
            now = ladder_cells(m)
            before = self.cells.get(name, now)
            self.moves[name] = ladder_moves(before, now, self.n_cells)
            self.cells[name] = now

    def members(self) -> np.ndarray:
        """The employers the right side's policy engaged so far (else the left side's): the members.

        Both sides follow these same employers, so the members' lines compare the same firms with
        and without the policy (the same seed).
        """
        for name in ("right", "left"):  # loop: the two sides
            engaged = self.sides[name].employers.book_engaged_months > 0
            if engaged.any():
                return engaged
        return np.zeros(self.sides["right"].employers.n, bool)

    @property
    def n_cells(self) -> int:
        """Cells of the ladder view: every (sector, rung), then 'in training', then 'not working'."""
        return len(self.config.sectors) * self.max_rungs + 2

    @property
    def max_rungs(self) -> int:
        """The longest ladder's rungs."""
        return max(len(s.ladder) for s in self.config.sectors)  # loop: sectors

    def _reporters(self) -> dict[str, Any]:
        keys = list(self.history["left"][-1])
        reps: dict[str, Any] = {}
        for side in ("left", "right"):
            for k in keys:
                reps[f"{side}:{k}"] = lambda mdl, s=side, k=k: mdl.history[s][-1][k]
        reps["difference:earnings_mean"] = lambda mdl: (
            mdl.history["right"][-1]["earnings_mean"] - mdl.history["left"][-1]["earnings_mean"]
        )
        reps["difference:turnover"] = lambda mdl: (
            mdl.history["right"][-1]["turnover"] - mdl.history["left"][-1]["turnover"]
        )
        return reps


def side_snapshot(m: SectorModel, sector: str) -> dict[str, float]:
    """What the workshop shows for one side this month."""
    w, e = m.workers, m.employers
    emp = w.employer >= 0
    out: dict[str, float] = {
        "earnings_mean": float(w.earnings.mean(dtype=np.float64)),
        "employment_rate": float(emp.mean()),
        "turnover": float(12 * m.flows.separations_by_sector.sum() / max(int(emp.sum()), 1)),
    }
    for g, group in enumerate(m.config.groups):
        mask = w.group == g
        out[f"earnings_{slug(group.name)}"] = (
            float(w.earnings[mask].mean(dtype=np.float64)) if mask.any() else 0.0
        )
    s = m.sector_index[sector]
    in_sector = emp & (e.sector[np.maximum(w.employer, 0)] == s)
    top = m.ladders.n_rungs[s] - 1
    rung = w.rung
    out["stage:in training"] = float((w.program >= 0).sum())
    out["stage:entry"] = float((in_sector & (rung == 0) & (w.program < 0)).sum())
    out["stage:middle"] = float((in_sector & (rung > 0) & (rung < top) & (w.program < 0)).sum())
    out["stage:advanced"] = float((in_sector & (rung == top) & (rung > 0) & (w.program < 0)).sum())
    return out


def ladder_cells(m: SectorModel) -> np.ndarray:
    """Each worker row's cell in the ladder view: sector x rung, in training, not working, or -1.

    Cell ``sector * max_rungs + rung`` for the employed, ``sectors * max_rungs`` for people in a
    program, one more for residents without a job, -1 for rows not living in the region.
    """
    w, e = m.workers, m.employers
    rungs = max(len(s.ladder) for s in m.config.sectors)  # loop: sectors
    n_sectors = len(m.config.sectors)
    employed = w.employer >= 0
    sector = e.sector[np.maximum(w.employer, 0)].astype(np.int64)
    cell = np.where(employed, sector * rungs + w.rung.astype(np.int64), n_sectors * rungs + 1)
    cell = np.where(w.program >= 0, n_sectors * rungs, cell)
    return np.where(w.resident == 1, cell, -1).astype(np.int64)


def ladder_moves(before: np.ndarray, now: np.ndarray, n_cells: int) -> np.ndarray:
    """Moves between cells since the last month: ``moves[a, b]`` people went from cell a to b.

    Rows added since (entrants, in-migrants) and rows that left the region are not moves.
    """
    n = min(before.size, now.size)
    a, b = before[:n], now[:n]
    keep = (a >= 0) & (b >= 0) & (a != b)
    flat = np.bincount(a[keep] * n_cells + b[keep], minlength=n_cells * n_cells)
    return flat.reshape(n_cells, n_cells)


def members_snapshot(m: SectorModel, members: np.ndarray) -> dict[str, float]:
    """The members' turnover and vacancy fill time on one side, since the policies started.

    Turnover: 12 x their separations / their filled position-months; fill time: open position-months
    / hires (from the employers' books; 0 before there is anything to count).
    """
    e = m.employers
    separations = sum(int(e.column(f"book_{k}")[members].sum()) for k in KINDS)  # loop: kinds
    filled = float(e.book_filled_months[members].sum())
    hires = float(e.book_hires[members].sum())
    return {
        "members_turnover": 12.0 * separations / filled if filled > 0 else 0.0,
        "members_fill_months": float(e.book_open_months[members].sum()) / hires if hires > 0 else 0.0,
        "members": float(members.sum()),
    }
