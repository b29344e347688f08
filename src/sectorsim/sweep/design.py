"""The design of a sweep: SALib's problem for an experiment, and its parameter samples.

Reads: an :class:`~sectorsim.sweep.experiment.Experiment`. Writes: nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sectorsim.sweep.experiment import Experiment
from sectorsim.sweep.methods import METHODS, Options


def problem_of(exp: Experiment) -> dict[str, Any]:
    """The SALib problem: names, bounds and distributions of the parameters.

    A triangular parameter's ``[low, high]`` becomes SALib's ``[start, end, peak]`` with the peak in the
    middle (0.5), as the experiment schema documents; SALib's deprecated two-value form would read
    ``[low, high]`` as ``[end, peak]`` from 0.
    """
    return {
        "num_vars": len(exp.parameters),
        "names": [p.path for p in exp.parameters],
        "bounds": [
            [*p.span, 0.5] if p.distribution == "triang" else list(p.span)
            for p in exp.parameters  # loop: parameters
        ],
        "dists": [p.distribution for p in exp.parameters],
    }


def options_of(exp: Experiment | dict[str, Any]) -> Options:
    """The method settings of an experiment (or of its JSON dump, as a sweep folder stores it)."""
    e = exp if isinstance(exp, dict) else exp.model_dump(mode="json")
    return Options(
        samples=e["samples"],
        seed=e["seed"],
        second_order=e["second_order"],
        num_levels=e["morris_levels"],
        values=tuple(
            None if p["values"] is None else tuple(p["values"])
            for p in e["parameters"]  # loop: parameters
        ),
    )


def sample(exp: Experiment) -> np.ndarray:
    """The parameter samples (rows) for the experiment's method; integer parameters rounded."""
    X = METHODS[exp.method].sample(problem_of(exp), options_of(exp))
    for j, p in enumerate(exp.parameters):  # loop: parameters
        if p.integer:
            X[:, j] = np.round(X[:, j])
    return X
