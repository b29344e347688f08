"""Where a simulated month goes: milliseconds per month in each process of the benchmark scenario.

Usage (from the repository root):

    .venv/bin/python benchmarks/where_a_month_goes.py [--workers N] [--arm ARM]

Each step of the month (``sectorsim.model.STEPS``: the processes, the policies, data collection) is
wrapped with a timer, the arm runs
once after a warm-up that loads the compiled kernels, and a table of ms per month and share of the
month is printed. For a line-level view, run the same model under pyinstrument or line_profiler.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable

from sectorsim import model as model_module
from sectorsim.bench import BENCH_SCENARIO, scaled_overrides, warm_up
from sectorsim.model import SectorModel, Step
from sectorsim.scenario import load_scenario

TOTALS: dict[str, float] = defaultdict(float)


def timed(name: str, fn: Callable) -> Callable:
    """Wrap ``fn`` so its time adds to TOTALS[name]."""

    def wrapper(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TOTALS[name] += time.perf_counter() - start

    return wrapper


def main() -> None:
    """Time one run of the benchmark arm, process by process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--arm", default="single_employer")
    args = parser.parse_args()
    warm_up(BENCH_SCENARIO, args.arm, 1)
    # every step of the month (model.STEPS, which SectorModel.step reads), each under its own timer
    model_module.STEPS = tuple(Step(s.name, timed(s.name, s.run)) for s in model_module.STEPS)  # loop: steps
    sc = load_scenario(BENCH_SCENARIO, scaled_overrides(BENCH_SCENARIO, args.workers, None))
    start = time.perf_counter()
    model = SectorModel(scenario=sc, arm=args.arm, rng=sc.seed)
    built = time.perf_counter()
    model.run()
    total = time.perf_counter() - built
    months = sc.total_months
    print(f"{args.workers:,} workers, arm {args.arm}: built in {built - start:.2f} s, ", end="")
    print(f"{months} months in {total:.2f} s")
    print(f"{'process':<18} {'ms/month':>9} {'share':>7}")
    for name, secs in sorted(TOTALS.items(), key=lambda kv: -kv[1]):  # loop: processes
        print(f"{name:<18} {secs / months * 1e3:9.2f} {secs / total:7.1%}")
    rest = total - sum(TOTALS.values())
    print(f"{'(other)':<18} {rest / months * 1e3:9.2f} {rest / total:7.1%}")


if __name__ == "__main__":
    main()
