"""Parameter sweeps and global sensitivity analysis (SALib), local or on a Dask cluster.

An experiment file (``experiments/*.yaml``) names a scenario, the parameters to vary (dotted key paths
into the scenario, with bounds or values and a distribution), a method (Sobol with Saltelli/Sobol
sampling, Morris, eFAST, delta, PAWN, RBD-FAST, HDMR, Latin hypercube, full grid), the sample size,
replications, arms and outputs: per-run metrics and paired differences between two arms.

Every (sample, arm, replication) is one pure run. Replication r uses the same seed in every arm and
every sample (common random numbers), so arm differences are paired and samples differ only by their
parameters; runs that must give the same result (one arm and seed, differing only in another arm's
policy settings) are simulated once, each still written as its own part. Each finished run is written
at once as its own Parquet part in ``DIR/runs`` (atomically:
a hidden temporary file renamed into place); ``pandas.read_parquet(DIR/runs)`` reads them all. Run
again with the same DIR, finished runs are skipped; a changed experiment is refused. A run that raises
is recorded with its error and the sweep goes on. From Python::

    from sectorsim import sweep
    exp, raw = sweep.load_experiment("experiments/smoke.yaml")
    sweep.run_sweep(exp, raw, "results/smoke", jobs=2)
    indices, noise = sweep.analyze("results/smoke")
    found = sweep.discover("results/smoke", "earnings_mean[sector_partnership - single_employer] > 0")

Modules: ``methods`` (the method table: each method's sampler and analyzer), ``experiment`` (the
schema and loading), ``design`` (SALib problem and samples), ``execute`` (the runs, streamed and
resumable), ``analysis`` (indices and replication noise), ``condition`` (the condition language of
scenario discovery: parsed here, never executed) and ``discovery`` (PRIM boxes and a CART tree).
"""

from sectorsim.sweep.analysis import (
    analyze,
    analyze_problem,
    output_label,
    output_name,
    output_table,
    replication_noise,
)
from sectorsim.sweep.condition import Condition, ConditionError, parse_condition
from sectorsim.sweep.design import options_of, problem_of, sample
from sectorsim.sweep.discovery import Discovery, PrimBox, discover, discover_cases, sample_outputs
from sectorsim.sweep.execute import fingerprint, part_name, read_runs, run_sweep, run_task
from sectorsim.sweep.experiment import (
    Difference,
    Experiment,
    Outputs,
    Parameter,
    load_experiment,
    metric_names,
)
from sectorsim.sweep.methods import METHODS, Method, Options

__all__ = [
    "METHODS",
    "Condition",
    "ConditionError",
    "Discovery",
    "PrimBox",
    "discover",
    "discover_cases",
    "parse_condition",
    "sample_outputs",
    "Difference",
    "Experiment",
    "Method",
    "Options",
    "Outputs",
    "Parameter",
    "analyze",
    "analyze_problem",
    "fingerprint",
    "load_experiment",
    "metric_names",
    "options_of",
    "output_label",
    "output_name",
    "output_table",
    "part_name",
    "problem_of",
    "read_runs",
    "replication_noise",
    "run_sweep",
    "run_task",
    "sample",
]
