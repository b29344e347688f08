"""The process pool leaves nothing running: workers exit when the command that started them dies."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SMALL
from sectorsim.pool import PARENT_POLL_SECONDS


@pytest.mark.slow
def test_kill_9_of_run_with_jobs_leaves_no_worker_alive(tmp_path):
    import psutil

    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorsim", "run", str(SMALL), "--out", str(tmp_path / "out"), "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        workers: list[psutil.Process] = []
        while len(workers) < 3:  # loop: wait for the forkserver and two workers (test helper)
            assert time.time() < deadline, "the pool did not start within 60 s"
            assert proc.poll() is None, "the run ended before its pool was seen"
            workers = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        _, alive = psutil.wait_procs(workers, timeout=5 + 2 * PARENT_POLL_SECONDS)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
