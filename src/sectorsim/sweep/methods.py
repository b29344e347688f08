"""The method table: each sensitivity method names its sampler and its analyzer.

SALib-style: a sampler is ``sample(problem, options) -> X`` (rows are parameter samples) and an
analyzer is ``analyze(problem, X, Y, options) -> rows`` (one ``parameter, index, value, conf`` row per
index), whatever the method. ``problem`` is SALib's problem mapping (``names``, ``bounds``, ``dists``);
``options`` (:class:`Options`) carries the sample size, the seed and the few method settings.
Everything that differs between methods is in its :class:`Method` entry, so adding a method is one
entry in :data:`METHODS`: the experiment schema, the sampling, the analysis, the report's figures and
the terminal summary all read it.

Reads and writes: nothing of the model; it maps parameter samples and outputs to indices.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np


class Options(NamedTuple):
    """The settings a sampler or analyzer may read (each reads only its own).

    Attributes:
        samples: Base sample size N (grid: levels per bounded parameter).
        seed: Seed of the sampling and of the bootstrap confidence intervals.
        second_order: Sobol: also second-order indices; HDMR: also second-order terms.
        num_levels: Morris: levels of the grid the trajectories move on.
        values: Grid: each parameter's discrete values, or None for a bounded parameter.
    """

    samples: int = 0
    seed: int = 0
    second_order: bool = False
    num_levels: int = 4
    values: tuple[tuple[float, ...] | None, ...] = ()


Row = dict[str, Any]
Sampler = Callable[[dict[str, Any], Options], np.ndarray]
Analyzer = Callable[[dict[str, Any], np.ndarray, np.ndarray, Options], list[Row]]


@dataclass(frozen=True)
class Method:
    """One sensitivity method: how to sample, how to analyze, and how its indices are shown.

    Attributes:
        name: The name an experiment file gives (``method: sobol``).
        title: Plain-language name for reports.
        sample: The sampler.
        analyze: The analyzer.
        indices: Index names the analyzer reports, in its row order per parameter.
        headline: The index the terminal summary ranks parameters by.
        bars: Indices a report draws as bars with their intervals (one panel per output).
        scatter: Two indices a report plots against each other (x, y), or None.
        samples_rule: Returns why a sample size does not suit the method, or None when it does.
        discrete: Whether parameters may give lists of values instead of bounds.
        rows: The number of rows the sampler gives for (N, number of parameters, options), known
            before anything is sampled (so a design too large to hold is refused first).
    """

    name: str
    title: str
    sample: Sampler
    analyze: Analyzer
    indices: tuple[str, ...]
    headline: str
    bars: tuple[str, ...] = ()
    scatter: tuple[str, str] | None = None
    samples_rule: Callable[[int], str | None] = lambda n: None
    discrete: bool = False
    rows: Callable[[int, int, Options], int] = lambda n, k, o: n


def _rows(names: list[str], res: Any, kinds: tuple[tuple[str, str | None], ...]) -> list[Row]:
    """Rows per parameter for SALib result keys: (index, its confidence key or None)."""
    return [
        {
            "parameter": n,
            "index": kind,
            "value": res[kind][j],
            "conf": res[conf][j] if conf else float("nan"),
        }
        for j, n in enumerate(names)  # loop: parameters
        for kind, conf in kinds  # loop: the method's indices
    ]


# ---- samplers ------------------------------------------------------------------------------------


def sample_sobol(problem: dict[str, Any], o: Options) -> np.ndarray:
    """Sobol sequence with Saltelli's scheme: N (2D + 2) rows with second order, N (D + 2) without."""
    from SALib.sample import sobol

    return sobol.sample(problem, o.samples, calc_second_order=o.second_order, seed=o.seed)


def sample_morris(problem: dict[str, Any], o: Options) -> np.ndarray:
    """N Morris trajectories of D + 1 points each on a grid of ``num_levels`` levels."""
    from SALib.sample import morris

    return morris.sample(problem, o.samples, num_levels=o.num_levels, seed=o.seed)


def sample_fast(problem: dict[str, Any], o: Options) -> np.ndarray:
    """The eFAST search curves: N rows per parameter."""
    from SALib.sample import fast_sampler

    return fast_sampler.sample(problem, o.samples, seed=o.seed)


def sample_latin(problem: dict[str, Any], o: Options) -> np.ndarray:
    """A Latin hypercube of N rows."""
    from SALib.sample import latin

    return latin.sample(problem, o.samples, seed=o.seed)


def sample_grid(problem: dict[str, Any], o: Options) -> np.ndarray:
    """Every combination of the parameters' values (a bounded parameter: N evenly spaced levels)."""
    values = o.values or (None,) * len(problem["names"])
    axes = [
        list(v) if v is not None else list(np.linspace(bounds[0], bounds[1], o.samples))
        for v, bounds in zip(values, problem["bounds"], strict=True)  # loop: parameters
    ]
    return np.array(list(itertools.product(*axes)), dtype=float)


# ---- analyzers -----------------------------------------------------------------------------------


def analyze_sobol(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """First-order and total indices S1, ST (and S2 per pair), with bootstrap intervals."""
    from SALib.analyze import sobol

    names = problem["names"]
    res = sobol.analyze(problem, Y, calc_second_order=o.second_order, seed=o.seed)
    rows = _rows(names, res, (("S1", "S1_conf"), ("ST", "ST_conf")))
    if o.second_order:
        rows += [
            {
                "parameter": f"{names[j]} x {names[k]}",
                "index": "S2",
                "value": res["S2"][j, k],
                "conf": res["S2_conf"][j, k],
            }
            for j, k in itertools.combinations(range(len(names)), 2)  # loop: parameter pairs
        ]
    return rows


def analyze_morris(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """Elementary effects: mu* (with its interval), sigma and mu."""
    from SALib.analyze import morris

    res = morris.analyze(problem, X, Y, num_levels=o.num_levels, seed=o.seed)
    return _rows(problem["names"], res, (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None)))


def analyze_fast(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """The eFAST first-order and total indices S1, ST."""
    from SALib.analyze import fast

    res = fast.analyze(problem, Y, seed=o.seed)
    return _rows(problem["names"], res, (("S1", "S1_conf"), ("ST", "ST_conf")))


def analyze_spearman(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """Spearman rank correlation of each parameter with the output (Fisher-z interval).

    For designs without a variance decomposition (Latin hypercube, grid).
    """
    from scipy.stats import spearmanr

    rows = []
    half = 1.96 / math.sqrt(max(len(Y) - 3, 1))  # Fisher z approximation
    for j, n in enumerate(problem["names"]):  # loop: parameters
        rho = spearmanr(X[:, j], Y).statistic if np.ptp(X[:, j]) > 0 and np.ptp(Y) > 0 else 0.0
        rows.append(
            {
                "parameter": n,
                "index": "spearman",
                "value": float(rho),
                "conf": float(abs(np.tanh(np.arctanh(np.clip(rho, -0.999, 0.999)) + half) - rho)),
            }
        )
    return rows


def _grid_rows(n: int, k: int, o: Options) -> int:
    values = o.values or (None,) * k
    return math.prod(n if v is None else len(v) for v in values)  # loop: parameters


@contextlib.contextmanager
def _contained(seed: int) -> Iterator[None]:
    """Run a SALib analyzer without letting it touch the rest of the process, reproducibly.

    SALib's delta, PAWN and HDMR draw their bootstrap from numpy's global generator (HDMR without
    seeding it), and delta resets the process's warning filters and their format. Here the global
    generator is seeded with the experiment's seed and put back afterwards, and warnings raised
    inside are recorded and dropped (delta's notes; HDMR's notice that it may be retired).
    """
    state = np.random.get_state()  # noqa: NPY002 - saved to be put back
    formatwarning = warnings.formatwarning
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("ignore")
            np.random.seed(seed)  # noqa: NPY002 - SALib reads the global generator; restored below
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002
        warnings.formatwarning = formatwarning


def analyze_delta(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """Borgonovo's moment-independent delta (bias-reduced, bootstrap interval) and the first-order S1.

    delta is the expected shift of the output's whole distribution when a parameter is fixed, so it
    sees effects a variance decomposition misses (on spread or shape, as noisy ABM outputs have).
    """
    from SALib.analyze import delta

    with _contained(o.seed):
        res = delta.analyze(problem, X, Y, seed=o.seed)
    res["delta"], res["delta_conf"] = res["delta_raw"], res["delta_raw_conf"]
    return _rows(problem["names"], res, (("delta", "delta_conf"), ("S1", "S1_conf")))


def analyze_pawn(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """PAWN: Kolmogorov-Smirnov distance of the output's distribution conditioned on each parameter.

    Over ten conditioning slides: the median (the index usually reported), mean, minimum and maximum,
    and the coefficient of variation across slides. SALib gives no confidence interval for PAWN.
    """
    from SALib.analyze import pawn

    with _contained(o.seed):
        res = pawn.analyze(problem, X, Y, S=PAWN_SLIDES, seed=o.seed)
    res = {
        ("pawn_" + k if k in ("median", "mean", "minimum", "maximum") else k): v for k, v in res.items()
    }  # loop: keys
    kinds = (
        ("pawn_median", None),
        ("pawn_mean", None),
        ("pawn_minimum", None),
        ("pawn_maximum", None),
        ("CV", None),
    )
    return _rows(problem["names"], res, kinds)


def analyze_rbd_fast(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """RBD-FAST first-order indices S1 (bias-corrected), with bootstrap intervals."""
    from SALib.analyze import rbd_fast

    res = rbd_fast.analyze(problem, X, Y, M=RBD_HARMONICS, seed=o.seed)
    return _rows(problem["names"], res, (("S1", "S1_conf"),))


def analyze_hdmr(problem: dict[str, Any], X: np.ndarray, Y: np.ndarray, o: Options) -> list[Row]:
    """HDMR (a B-spline meta-model of the output): each term's share of variance, and totals.

    Per parameter: ``S`` (its first-order term's share of variance: structural ``Sa`` plus correlative
    ``Sb``) and ``ST`` (its total share, interactions included), all with bootstrap intervals; with
    ``second_order``, also ``S2``, the share of each pair's interaction term.
    """
    from SALib.analyze import hdmr

    names = problem["names"]
    d = len(names)
    with _contained(o.seed):
        res = hdmr.analyze(problem, X, Y, maxorder=2 if o.second_order and d > 2 else 1, seed=o.seed)
    rows = _rows(names, res, (("S", "S_conf"), ("ST", "ST_conf"), ("Sa", "Sa_conf"), ("Sb", "Sb_conf")))
    rows += [
        {
            "parameter": str(term).replace("/", " x "),
            "index": "S2",
            "value": float(res["S"][j]),
            "conf": float(res["S_conf"][j]),
        }
        for j, term in enumerate(res["Term"])  # loop: HDMR terms (parameters, then parameter pairs)
        if j >= d
    ]
    return rows


#: PAWN's conditioning slides (SALib's default) and RBD-FAST's harmonics (SALib's default).
PAWN_SLIDES = 10
RBD_HARMONICS = 10


def _at_least(n_min: int, method: str, why: str) -> Callable[[int], str | None]:
    def rule(n: int) -> str | None:
        return f"{method} needs at least {n_min} samples ({why}; got {n})" if n < n_min else None

    return rule


def _power_of_two(n: int) -> str | None:
    return f"Sobol sampling needs a power of 2 (got {n})" if n & (n - 1) else None


def _more_than_64(n: int) -> str | None:
    return f"eFAST needs more than 64 samples (got {n})" if n <= 4 * 4**2 else None


#: Every method, by the name an experiment file gives. Adding a method is one entry here.
METHODS: dict[str, Method] = {
    m.name: m
    for m in (  # loop: the table's entries
        Method(
            "sobol",
            "Sobol (Saltelli sampling)",
            sample_sobol,
            analyze_sobol,
            indices=("S1", "ST", "S2"),
            headline="ST",
            bars=("S1", "ST"),
            samples_rule=_power_of_two,
            rows=lambda n, k, o: n * (2 * k + 2 if o.second_order else k + 2),
        ),
        Method(
            "morris",
            "Morris elementary effects",
            sample_morris,
            analyze_morris,
            indices=("mu_star", "sigma", "mu"),
            headline="mu_star",
            scatter=("mu_star", "sigma"),
            rows=lambda n, k, o: n * (k + 1),
        ),
        Method(
            "fast",
            "eFAST",
            sample_fast,
            analyze_fast,
            indices=("S1", "ST"),
            headline="ST",
            bars=("S1", "ST"),
            samples_rule=_more_than_64,
            rows=lambda n, k, o: n * k,
        ),
        Method(
            "delta",
            "Delta moment-independent (Latin hypercube)",
            sample_latin,
            analyze_delta,
            indices=("delta", "S1"),
            headline="delta",
            bars=("delta", "S1"),
            samples_rule=_at_least(20, "delta", "two per bin of its partition of the output"),
        ),
        Method(
            "pawn",
            "PAWN (Latin hypercube)",
            sample_latin,
            analyze_pawn,
            indices=("pawn_median", "pawn_mean", "pawn_minimum", "pawn_maximum", "CV"),
            headline="pawn_median",
            bars=("pawn_median",),
            samples_rule=_at_least(
                2 * PAWN_SLIDES, "PAWN", f"two per each of its {PAWN_SLIDES} conditioning slides"
            ),
        ),
        Method(
            "rbd_fast",
            "RBD-FAST (Latin hypercube)",
            sample_latin,
            analyze_rbd_fast,
            indices=("S1",),
            headline="S1",
            bars=("S1",),
            samples_rule=_at_least(
                4 * RBD_HARMONICS + 2,
                "RBD-FAST",
                f"its bootstrap takes half of them, more than twice its {RBD_HARMONICS} harmonics",
            ),
        ),
        Method(
            "hdmr",
            "HDMR meta-model (Latin hypercube)",
            sample_latin,
            analyze_hdmr,
            indices=("S", "ST", "Sa", "Sb", "S2"),
            headline="ST",
            bars=("S", "ST"),
            samples_rule=_at_least(300, "HDMR", "SALib's minimum"),
        ),
        Method(
            "latin",
            "Latin hypercube",
            sample_latin,
            analyze_spearman,
            indices=("spearman",),
            headline="spearman",
            bars=("spearman",),
        ),
        Method(
            "grid",
            "Full grid",
            sample_grid,
            analyze_spearman,
            indices=("spearman",),
            headline="spearman",
            bars=("spearman",),
            discrete=True,
            rows=_grid_rows,
        ),
    )
}

if TYPE_CHECKING:
    MethodName = str
else:
    MethodName = Literal[tuple(METHODS)]  # the schema accepts exactly the table's names
