"""The one process pool: runs many independent tasks here, in local worker processes, or on Dask.

Runs of a scenario, replications of an evaluation and runs of a sweep are all pure functions of
their arguments, so where they run changes nothing but the wall time. ``run_tasks`` calls
``on_done(key, result)`` in this process as each task finishes (in completion order; callers that
need an order sort by key).

Local workers are started by the ``forkserver`` method and watch the process that started them:
when it dies (``kill -9`` included) they exit within about half a second instead of finishing
work nobody will read.

Reads and writes: nothing of the model; it only moves arguments and results.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

#: Seconds between a worker's checks that the process which started it is still alive.
PARENT_POLL_SECONDS = 0.5


def _exit_with(parent: int) -> None:
    """In a worker: exit at once when process ``parent`` is gone."""
    while True:  # loop: the worker's lifetime, a check every PARENT_POLL_SECONDS
        time.sleep(PARENT_POLL_SECONDS)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid was reused by another user's process: ours is gone
            os._exit(1)


def _watch_parent(parent: int) -> None:
    """Worker initializer: start a daemon thread that ends this worker when ``parent`` dies."""
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="watch-parent").start()


def run_tasks[K: Hashable, R](
    fn: Callable[..., R],
    tasks: Sequence[tuple[K, tuple[Any, ...]]],
    on_done: Callable[[K, R], None],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> None:
    """Run ``fn(*args)`` for every ``(key, args)`` of ``tasks``; ``on_done(key, result)`` as each ends.

    Args:
        fn: A picklable, module-level function.
        tasks: (key, arguments) pairs.
        on_done: Called in this process with each task's key and result.
        jobs: Local worker processes; 1 runs every task in this process.
        scheduler: Address of a running dask.distributed scheduler (takes precedence over ``jobs``).
        dask_local: Start a Dask LocalCluster with this many worker processes on 127.0.0.1.

    Raises:
        Exception: whatever a task raised, after the pool has been shut down.
    """
    if not tasks:
        return
    if scheduler or dask_local:
        _run_on_dask(fn, tasks, on_done, scheduler, dask_local)
        return
    if jobs <= 1 or len(tasks) == 1:
        for key, args in tasks:  # loop: tasks, in order
            on_done(key, fn(*args))
        return
    import multiprocessing as mp
    from concurrent.futures import Future, ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)),
        mp_context=mp.get_context("forkserver"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    ) as pool:
        futures: dict[Future[R], K] = {pool.submit(fn, *args): key for key, args in tasks}
        for fut in as_completed(futures):  # loop: finished tasks
            on_done(futures[fut], fut.result())


def _run_on_dask[K: Hashable, R](
    fn: Callable[..., R],
    tasks: Sequence[tuple[K, tuple[Any, ...]]],
    on_done: Callable[[K, R], None],
    scheduler: str | None,
    dask_local: int | None,
) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=dask_local,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        futures: dict[Any, K] = {client.submit(fn, *args, pure=False): key for key, args in tasks}
        for fut in as_completed(futures):  # loop: finished tasks
            on_done(futures[fut], fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


__all__ = ["PARENT_POLL_SECONDS", "run_tasks"]
