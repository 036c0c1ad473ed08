"""An executor on a pool of worker processes of this machine.

The shared data go to each worker once, when it starts (the pool's
initializer); a task then carries only its own parameters. Each worker's
BLAS runs one thread, as Dask's workers do: N workers on N cores, not N
thread pools spinning on the same cores.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

from pas.core.errors import ExecutorUnavailable

T = TypeVar("T")
R = TypeVar("R")

#: the shared data of the pool this worker process belongs to
_shared: tuple[Any, ...] = ()


#: BLAS thread counts a worker starts with (a worker inherits the environment at spawn)
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _install(shared: tuple[Any, ...]) -> None:
    global _shared
    _shared = shared


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Give the workers spawned inside one BLAS thread each (unless the caller chose a count)."""
    added = {k: v for k, v in SINGLE_THREADED.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _call(fn: Callable[..., Any], task: Any) -> Any:
    return fn(*_shared, task)


class ProcessExecutor:
    """Tasks on `workers` processes (spawned: no state is inherited from this one)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or multiprocessing.cpu_count()

    def __enter__(self) -> ProcessExecutor:
        """Return self: the pool starts with each map."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to release between maps."""

    def map(
        self, fn: Callable[..., R], shared: Sequence[Any], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R]]:
        """Yield (index, fn(*shared, task)) as the workers finish them."""
        if not tasks:
            return
        context = multiprocessing.get_context("spawn")
        workers = min(self.workers, len(tasks))
        with ProcessPoolExecutor(workers, context, _install, (tuple(shared),)) as pool:
            with _single_threaded_children():  # the workers spawn as the tasks are submitted
                pending: dict[Future[R], int] = {
                    pool.submit(_call, fn, t): k for k, t in enumerate(tasks)
                }
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield pending.pop(future), future.result()
            except BrokenProcessPool:
                raise ExecutorUnavailable(
                    "a worker process died (out of memory?); the sweep stopped"
                ) from None
            finally:
                for future in pending:
                    future.cancel()
