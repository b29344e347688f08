"""Scenario discovery: under which parameter values does a condition on a sweep's outputs hold?

The researcher's question is rarely "which parameter matters most" alone; it is "under which
conditions does the partnership beat single-employer grants, and by how much". Scenario discovery
(Bryant and Lempert 2010; EMA Workbench) answers it with boxes in parameter space:

- **PRIM** (the Patient Rule Induction Method, from the ``prim`` package: EMA Workbench's
  implementation, standalone) peels the parameter space a little at a time towards the cases of
  interest. Each step of the **peeling trajectory** trades **coverage** (the share of all cases of
  interest inside the box) for **density** (the share of the box's samples that are cases of
  interest). The chosen box is the step with the highest coverage whose density reaches
  ``min_density`` (if none does, the densest step). Each limit of the box carries a **quasi-p-value**:
  a one-sided binomial test of whether the box's density could come from the box without that limit
  (small: the limit matters).
- **CART** (scikit-learn's ``DecisionTreeClassifier``) is a second view: a shallow classification tree
  whose leaves are boxes too, each with its coverage and density.

The cases are the sweep's samples: each sample's outputs are its means over replications (as the
sensitivity analysis uses them), and a condition (:mod:`sectorsim.sweep.condition`) marks the cases of
interest. :func:`discover` reads a sweep folder; :func:`discover_cases` takes any parameter table and
boolean column (the synthetic test uses it). Samples whose outputs a condition reads are missing
(failed runs) are left out, and counted.

Reads: a sweep folder (``experiment.json`` and ``runs/``). Writes: nothing (see
:mod:`sectorsim.report.discovery` for the report).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sectorsim.errors import InputError
from sectorsim.sweep.analysis import output_table
from sectorsim.sweep.condition import Condition, ConditionError, parse
from sectorsim.sweep.execute import read_runs


@dataclass(frozen=True)
class PrimBox:
    """One PRIM box: its peeling trajectory and the step chosen from it.

    Attributes:
        trajectory: One row per peeling or pasting step: ``coverage``, ``density``, ``mass`` (share of
            all samples inside), ``restricted`` (number of parameters limited).
        chosen: Row of ``trajectory`` that is the box.
        limits: The chosen box's limits, one row per restricted parameter: ``parameter``, ``low``,
            ``high``, ``qp`` (quasi-p-value), and the parameter's whole range ``range_low``,
            ``range_high``; sorted by ``qp``.
    """

    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame

    @property
    def stats(self) -> dict[str, float]:
        """Coverage, density, mass and number of restricted parameters of the chosen box."""
        row = self.trajectory.iloc[self.chosen]
        return {
            k: float(row[k]) for k in ("coverage", "density", "mass", "restricted")
        }  # loop: the four statistics


@dataclass(frozen=True)
class Discovery:
    """What scenario discovery found.

    Attributes:
        condition: The condition's text.
        cases: One row per sample used: the parameters, the outputs the condition reads, and
            ``of_interest`` (whether the condition holds).
        parameters: The parameter columns of ``cases``.
        boxes: The PRIM boxes, in the order PRIM found them (each on the samples the earlier ones left).
        leaves: The CART tree's leaves: ``leaf``, ``samples``, ``of_interest``, ``density``,
            ``coverage``, ``predicts`` (whether the leaf is classified as of interest) and ``rule``;
            ``limits`` holds each leaf's (parameter, low, high) rows.
        tree_text: The CART tree as text.
        tree: The fitted ``sklearn.tree.DecisionTreeClassifier``.
        dropped: Samples left out because an output the condition reads is missing.
        settings: The settings used (min_density, peel_alpha, mass_min, cart_depth, ...).
    """

    condition: str
    cases: pd.DataFrame
    parameters: list[str]
    boxes: list[PrimBox]
    leaves: pd.DataFrame
    limits: pd.DataFrame
    tree_text: str
    tree: Any
    dropped: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_of_interest(self) -> int:
        """Number of cases of interest."""
        return int(self.cases["of_interest"].sum())


def sample_outputs(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """A finished sweep's parameters and outputs, one row per sample.

    Returns:
        The parameter table (columns: parameter paths), the outputs (each sample's mean over
        replications; columns as ``indices.csv`` names them) and the sweep's ``experiment.json``.

    Raises:
        InputError: the sweep is unfinished.
    """
    folder = Path(folder)
    meta = json.loads((folder / "experiment.json").read_text(encoding="utf-8"))
    runs = read_runs(folder)
    X = np.array(meta["X"], float)
    expected = X.shape[0] * len(meta["arms"]) * meta["experiment"]["replications"]
    if len(runs) < expected:
        raise InputError(
            str(folder),
            "runs",
            f"the sweep is unfinished ({len(runs)} of {expected} runs); run the sweep again to resume it",
        )
    params = pd.DataFrame(X, columns=meta["problem"]["names"])
    tables = output_table(meta, runs)
    outputs = pd.DataFrame(
        {name: t.mean(axis=1).to_numpy(float) for name, t in tables.items()}
    )  # loop: outputs
    return params, outputs, meta


def prim_package() -> Any:
    """The ``prim`` package, or a one-line error saying how to install it.

    It is an optional dependency (``pip install 'sectorsim[discovery]'``) because it is licensed
    GPL-3.0-or-later and sectorsim is BSD-3-Clause: a plain install carries no GPL code.
    """
    try:
        import prim
    except ImportError:
        raise InputError(
            "sectorsim discover",
            "",
            "PRIM comes from the optional package 'prim' (GPL-3.0-or-later), which is not installed; "
            "install it with: pip install 'sectorsim[discovery]'",
        ) from None
    return prim


def discover(
    folder: str | Path,
    where: str,
    *,
    boxes: int = 1,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    cart_depth: int = 3,
) -> Discovery:
    """Scenario discovery over a finished sweep: PRIM boxes and a CART tree for a condition.

    Args:
        folder: The sweep's output folder.
        where: The condition marking the cases of interest (:mod:`sectorsim.sweep.condition`).
        boxes: Most PRIM boxes to find (fewer when the cases of interest run out).
        min_density: The chosen step of a peeling trajectory is the one with the highest coverage
            whose density reaches this.
        peel_alpha: Share of the samples peeled off at each step.
        mass_min: Smallest share of the samples a PRIM box (or a CART leaf) may hold.
        cart_depth: Depth of the CART tree.

    Raises:
        InputError: an unfinished sweep, a condition that cannot be read (``--where``), or one that
            holds for none or for all of the samples.
    """
    prim_package()  # an install without the optional package is told so before any work
    params, outputs, _ = sample_outputs(folder)
    try:
        condition = parse(where, list(outputs.columns))
    except ConditionError as exc:
        raise InputError("--where", "", str(exc)) from None
    return discover_cases(
        params,
        outputs,
        condition,
        boxes=boxes,
        min_density=min_density,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
        cart_depth=cart_depth,
    )


def discover_cases(
    params: pd.DataFrame,
    outputs: pd.DataFrame,
    condition: Condition | str,
    *,
    boxes: int = 1,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    cart_depth: int = 3,
) -> Discovery:
    """Scenario discovery on any table of cases: PRIM boxes and a CART tree.

    Args:
        params: One row per case, one column per parameter.
        outputs: One row per case (same order), the columns the condition may name.
        condition: A parsed :class:`~sectorsim.sweep.condition.Condition`, or its text.
        boxes: See :func:`discover`.
        min_density: See :func:`discover`.
        peel_alpha: See :func:`discover`.
        mass_min: See :func:`discover`.
        cart_depth: See :func:`discover`.

    Raises:
        InputError: the condition cannot be read, or holds for none or all of the cases.
    """
    prim_package()
    if isinstance(condition, str):
        try:
            condition = parse(condition, list(outputs.columns))
        except ConditionError as exc:
            raise InputError("--where", "", str(exc)) from None
    used = outputs[list(condition.outputs)].to_numpy(float)
    keep = np.isfinite(used).all(axis=1)
    y = condition.evaluate({c: outputs[c].to_numpy(float)[keep] for c in condition.outputs})  # loop: outputs
    X = params[keep].reset_index(drop=True).astype(float)
    n, hits = len(y), int(y.sum())
    if hits == 0 or hits == n:
        raise InputError(
            "--where",
            "",
            f"'{condition.text}' holds for {'none' if hits == 0 else 'all'} of the {n} samples; "
            "scenario discovery needs both kinds (change the threshold)",
        )
    cases = X.copy()
    for c in condition.outputs:  # loop: outputs the condition reads
        cases[c] = outputs.loc[keep, c].to_numpy(float)
    cases["of_interest"] = y
    found = prim_boxes(X, y, boxes=boxes, min_density=min_density, peel_alpha=peel_alpha, mass_min=mass_min)
    leaves, limits, text, tree = cart_leaves(X, y, depth=cart_depth, mass_min=mass_min)
    return Discovery(
        condition=condition.text,
        cases=cases,
        parameters=list(X.columns),
        boxes=found,
        leaves=leaves,
        limits=limits,
        tree_text=text,
        tree=tree,
        dropped=int((~keep).sum()),
        settings={
            "boxes": boxes,
            "min_density": min_density,
            "peel_alpha": peel_alpha,
            "mass_min": mass_min,
            "cart_depth": cart_depth,
        },
    )


def _choose(trajectory: pd.DataFrame, min_density: float) -> int:
    """The step with the highest coverage whose density reaches ``min_density``, else the densest."""
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        best = trajectory.sort_values(["density", "coverage"], ascending=False, kind="stable")
        return int(best.index[0])
    return int(dense.sort_values(["coverage", "density"], ascending=False, kind="stable").index[0])


def prim_boxes(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    boxes: int = 1,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> list[PrimBox]:
    """PRIM boxes for the cases ``y`` over the parameters ``X`` (the ``prim`` package does the peeling).

    Each box after the first is found on the samples the earlier boxes left; finding stops early when
    no case of interest is left outside them.
    """
    prim = prim_package()
    finder = prim.Prim(
        X,
        np.asarray(y, bool),
        threshold=None,
        peel_alpha=peel_alpha,
        paste_alpha=peel_alpha,
        mass_min=mass_min,
    )
    ranges = {c: (float(X[c].min()), float(X[c].max())) for c in X.columns}  # loop: parameters
    out: list[PrimBox] = []
    taken = np.zeros(len(y), bool)  # samples inside the boxes found so far
    for _ in range(boxes):  # loop: the boxes asked for (a few)
        if not np.asarray(y, bool)[~taken].any():
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 density of an empty candidate peel
            box = finder.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.rename(columns={"res dim": "restricted"}).astype(float)
        traj = traj[["coverage", "density", "mass", "restricted"]].reset_index(drop=True)
        chosen = _choose(traj, min_density)
        box.select(chosen)
        lim = box.limits
        limits = pd.DataFrame(
            {
                "parameter": [str(p) for p in lim.index],
                "low": lim["min"].to_numpy(float),
                "high": lim["max"].to_numpy(float),
                "qp": lim["qp values"].to_numpy(float),
                "range_low": [ranges[str(p)][0] for p in lim.index],  # loop: restricted parameters
                "range_high": [ranges[str(p)][1] for p in lim.index],  # loop: restricted parameters
            }
        )
        taken[np.asarray(box.yi, int)] = True
        out.append(PrimBox(traj, chosen, limits))
    return out


def cart_leaves(
    X: pd.DataFrame, y: np.ndarray, *, depth: int = 3, mass_min: float = 0.05
) -> tuple[pd.DataFrame, pd.DataFrame, str, Any]:
    """A CART classification tree of the cases: its leaves as boxes, with coverage and density.

    Returns:
        The leaves table, their limits (``leaf, parameter, low, high``; only parameters a leaf's path
        splits on), the tree as text, and the fitted tree.
    """
    from sklearn.tree import DecisionTreeClassifier, export_text

    y = np.asarray(y, bool)
    leaf_min = max(1, int(np.ceil(mass_min * len(y))))
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf_min, random_state=0)
    tree.fit(X.to_numpy(float), y)
    t = tree.tree_
    names = list(X.columns)
    total = int(y.sum())
    bounds: dict[int, dict[str, tuple[float, float]]] = {0: {}}
    leaf_rows, limit_rows = [], []
    at_leaf = tree.apply(X.to_numpy(float))
    for node in range(t.node_count):  # loop: tree nodes, parents before children (a few dozen)
        here = bounds[node]
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left != -1:
            name, cut = names[int(t.feature[node])], float(t.threshold[node])
            lo, hi = here.get(name, (-np.inf, np.inf))
            bounds[left] = {**here, name: (lo, min(hi, cut))}
            bounds[right] = {**here, name: (max(lo, cut), hi)}
            continue
        inside = at_leaf == node
        hits = int(y[inside].sum())
        size = int(inside.sum())
        rule = " and ".join(_rule(p, lo, hi) for p, (lo, hi) in here.items()) or "everywhere"  # loop: limits
        leaf_rows.append(
            {
                "leaf": node,
                "samples": size,
                "of_interest": hits,
                "density": hits / size if size else float("nan"),
                "coverage": hits / total,
                "predicts": bool(hits * 2 > size),
                "rule": rule,
            }
        )
        limit_rows += [{"leaf": node, "parameter": p, "low": lo, "high": hi} for p, (lo, hi) in here.items()]
    leaves = pd.DataFrame(leaf_rows).sort_values(["predicts", "density"], ascending=False, kind="stable")
    limits = pd.DataFrame(limit_rows, columns=["leaf", "parameter", "low", "high"])
    return leaves.reset_index(drop=True), limits, export_text(tree, feature_names=names), tree


def _rule(parameter: str, low: float, high: float) -> str:
    if np.isfinite(low) and np.isfinite(high):
        return f"{low:.4g} < {parameter} <= {high:.4g}"
    return f"{parameter} > {low:.4g}" if np.isfinite(low) else f"{parameter} <= {high:.4g}"
