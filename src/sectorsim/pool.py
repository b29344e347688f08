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
import socket
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sectorsim.errors import InputError

#: Seconds between a worker's checks that the process which started it is still alive.
PARENT_POLL_SECONDS = 0.5
#: Seconds a Dask scheduler has to answer before the command gives up (before any work starts).
SCHEDULER_TIMEOUT = 10.0
SCHEDULER_ALLOWED = "give the address of a running dask.distributed scheduler, tcp://HOST:PORT"


def check_scheduler(address: str, option: str = "--scheduler") -> None:
    """Refuse a scheduler address that is malformed or where no Dask scheduler answers.

    Takes at most about ``SCHEDULER_TIMEOUT`` seconds (a refused connection: at once) and writes
    nothing, so it runs before a sweep creates anything.

    Raises:
        InputError: ``error: --scheduler <address>: <why>; <what is allowed>``.
    """
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    label = f"{option} {address}"
    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            raise ValueError(f"{scheme}:// addresses are not supported")
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise InputError(label, "", f"is not a scheduler address ({exc}); {SCHEDULER_ALLOWED}") from None
    try:
        socket.create_connection((host, int(port)), timeout=SCHEDULER_TIMEOUT).close()
    except OSError as exc:
        why = exc.strerror or exc.__class__.__name__
        raise InputError(label, "", f"nothing answers there ({why}); {SCHEDULER_ALLOWED}") from None
    from dask.distributed import Client

    try:
        Client(address, timeout=f"{SCHEDULER_TIMEOUT}s").close()
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            label, "", f"does not answer as a Dask scheduler ({exc.__class__.__name__}); {SCHEDULER_ALLOWED}"
        ) from None


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
        client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT}s")
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


__all__ = ["PARENT_POLL_SECONDS", "SCHEDULER_TIMEOUT", "check_scheduler", "run_tasks"]
