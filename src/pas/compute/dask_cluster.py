"""An executor on a Dask cluster (`dask://HOST:PORT`, a `distributed` scheduler).

The shared data are scattered once, broadcast to every worker; each task is
submitted with their futures, so a worker never receives them twice. The
workers need the same version of PAS installed as this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from pas.core.errors import ConfigError, ExecutorUnavailable

T = TypeVar("T")
R = TypeVar("R")

#: seconds to reach the scheduler before giving up
CONNECT_TIMEOUT_S = 10.0


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ConfigError(
            "the dask:// executor needs dask.distributed: pip install 'pas[dask]'",
            keys=["evaluation.executor"],
        ) from None
    return distributed


class DaskExecutor:
    """Tasks on the Dask cluster whose scheduler listens at `address` (tcp://HOST:PORT)."""

    name = "dask"

    def __init__(self, address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._client: Any = None

    def __enter__(self) -> DaskExecutor:
        """Connect to the scheduler now (ExecutorUnavailable when it does not answer in time)."""
        self._connect()
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the connection to the scheduler."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def map(
        self, fn: Callable[..., R], shared: Sequence[Any], tasks: Sequence[T]
    ) -> Iterator[tuple[int, R]]:
        """Yield (index, fn(*shared, task)) as the cluster finishes them."""
        distributed = _distributed()
        if not tasks:
            return
        opened = self._client is None
        client = self._connect()
        futures: list[Any] = []
        try:
            futures = self._submit(client, fn, shared, tasks)
            index = {f.key: k for k, f in enumerate(futures)}
            for future in distributed.as_completed(futures, loop=client.loop):
                yield index[future.key], self._result(future)
        except (OSError, distributed.CancelledError) as exc:
            raise ExecutorUnavailable(
                f"the Dask cluster at {self.address} was lost: {exc}", address=self.address
            ) from None
        finally:
            client.cancel(futures)
            if opened:
                self.__exit__()

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        distributed = _distributed()
        try:
            self._client = distributed.Client(
                self.address, timeout=self.timeout_s, set_as_default=False
            )
            return self._client
        except (OSError, TimeoutError) as exc:
            raise ExecutorUnavailable(
                f"no Dask scheduler at {self.address} within {self.timeout_s:g} s ({type(exc).__name__})",
                address=self.address,
            ) from None

    @staticmethod
    def _submit(
        client: Any, fn: Callable[..., R], shared: Sequence[Any], tasks: Sequence[T]
    ) -> list[Any]:
        scattered = [
            x if x is None else client.scatter([x], broadcast=True, hash=False)[0] for x in shared
        ]
        return [client.submit(fn, *scattered, task, pure=False) for task in tasks]

    def _result(self, future: Any) -> Any:
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as exc:
            raise ExecutorUnavailable(
                f"Dask workers died running a task ({exc}); the sweep stopped", address=self.address
            ) from None
