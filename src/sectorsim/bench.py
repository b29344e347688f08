"""The fixed benchmark behind ``sectorsim bench``.

Times full runs of scenarios/bench.yaml (burn-in plus horizon, every mechanism on), one arm at a
time, each in a fresh process so its peak memory is its own. Then, in this process, times Mesa's
own BoltzmannWealth example with 10,000 agents, for a like-for-like agent-steps-per-second ratio.
What is timed is ``SectorModel(...).run()`` for the arm (construction included) and nothing else;
a small warm-up run first loads the compiled kernels, and its time is reported on its own.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sectorsim import shipped
from sectorsim.scenario import load_scenario

BENCH_SCENARIO = shipped.path("bench.yaml")


def scaled_overrides(path: Path, workers: int | None, months: int | None) -> dict[str, Any]:
    """Overrides that rescale every area to ``workers`` in total (same proportions)."""
    out: dict[str, Any] = {}
    if months is not None:
        out["months"] = months
    if workers is not None:
        sc = load_scenario(path)
        total = sc.n_workers
        areas = sc.region.areas
        sizes = [max(1, round(a.workers * workers / total)) for a in areas]
        sizes[0] += workers - sum(sizes)
        for a, n in zip(areas, sizes, strict=True):
            out[f"region.areas.{a.name}.workers"] = n
    return out


def warm_up(path: str | Path, arm: str, seed: int) -> float:
    """Run a 300-worker, 2-month model of the arm so every compiled kernel is loaded; return seconds.

    Numba compiles each kernel on its first call in a process (or loads it from its on-disk cache),
    a fixed cost per process that the timed run should not carry.
    """
    from sectorsim.model import SectorModel

    start = time.perf_counter()
    small = load_scenario(path, scaled_overrides(Path(path), 300, 2))
    SectorModel(scenario=small, arm=arm, rng=seed).run()
    return time.perf_counter() - start


def _time_arm(path: str, overrides: dict[str, Any], arm: str, seed: int) -> dict[str, float]:
    from sectorsim.model import SectorModel

    warm = warm_up(path, arm, seed)
    sc = load_scenario(path, overrides)
    start = time.perf_counter()
    model = SectorModel(scenario=sc, arm=arm, rng=seed)
    model.run()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "worker_months": sc.n_workers * sc.total_months,
        "warm_up_seconds": warm,
    }


def time_mesa_boltzmann(agents: int = 10_000, steps: int = 20) -> float:
    """Agent-steps per second of Mesa's BoltzmannWealth example (mesa.examples)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    model = BoltzmannWealth(scenario=BoltzmannScenario(n=agents, width=100, height=100, rng=42))
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return agents * steps / (time.perf_counter() - start)


def run_bench(
    workers: int | None = None,
    months: int | None = None,
    path: Path = BENCH_SCENARIO,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark and return its figures.

    Args:
        workers: Rescale the region to this many workers (default: the scenario's own).
        months: Months after burn-in (default: the scenario's).
        path: The benchmark scenario.
        progress: Called with a line of text before each timed part starts.

    Returns:
        ``worker_months_per_s`` (all arms), ``seconds`` (mean per arm run), ``peak_mb`` (largest
        peak RSS of an arm's process), per-arm figures, and Mesa's BoltzmannWealth agent-steps per
        second with the ratio.
    """
    overrides = scaled_overrides(path, workers, months)
    sc = load_scenario(path, overrides)
    ctx = mp.get_context("spawn")
    arms: dict[str, dict[str, float]] = {}
    for arm in sc.arms:  # loop: benchmark arms, each in a fresh process
        if progress:
            progress(f"timing arm '{arm.name}': {sc.n_workers:,} workers x {sc.total_months} months")
        with ctx.Pool(1) as pool:
            arms[arm.name] = pool.apply(_time_arm, (str(path), overrides, arm.name, sc.seed))
    total_wm = sum(a["worker_months"] for a in arms.values())
    total_s = sum(a["seconds"] for a in arms.values())
    if progress:
        progress("timing Mesa's BoltzmannWealth (10,000 agents)")
    mesa_rate = time_mesa_boltzmann()
    rate = total_wm / total_s
    return {
        "scenario": str(path),
        "workers": sc.n_workers,
        "months": sc.total_months,
        "worker_months_per_s": rate,
        "seconds": total_s / len(arms),
        "peak_mb": max(a["peak_mb"] for a in arms.values()),
        "arms": arms,
        "mesa_boltzmann_agent_steps_per_s": mesa_rate,
        "ratio_vs_mesa": rate / mesa_rate,
    }
