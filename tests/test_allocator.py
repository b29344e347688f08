"""Freed memory stays in the process, so repeated large temporaries do not page-fault afresh."""

import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

# Twenty months of four 1 MB temporaries alive at once, filled and freed: with glibc's defaults the
# freed top of the heap (4 MB) is above the trim threshold (twice the largest block freed so far),
# so it goes back to the system and every month faults its ~1,000 pages in again, unless freed
# memory is kept in the process (what a month of the model does, at a larger scale).
PROBE = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    from sectorsim.allocator import keep_freed_memory
    agreed = keep_freed_memory() if sys.argv[1] == "on" else None
    def month():
        temporaries = [np.ones(131_072) for _ in range(4)]
        del temporaries
    month()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        month()
    print(agreed, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)


def _faults(mode: str) -> tuple[str, int]:
    res = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, cwd=ROOT, check=True
    )
    agreed, faults = res.stdout.split()
    return agreed, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_memory_is_kept_for_the_next_month():
    (agreed, on), (_, off) = _faults("on"), _faults("off")
    assert agreed == "True"
    assert off > 20 * 500, off  # every month faulted its temporaries in again
    assert on < off / 20, (on, off)


def test_a_model_keeps_freed_memory(monkeypatch):
    import sectorsim.model as model_module
    from conftest import SMALL
    from sectorsim.model import SectorModel
    from sectorsim.scenario import load_scenario

    calls = []
    monkeypatch.setattr(model_module, "keep_freed_memory", lambda: calls.append(1))
    SectorModel(scenario=load_scenario(SMALL), rng=1)
    assert calls == [1]
