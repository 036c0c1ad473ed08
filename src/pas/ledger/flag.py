"""Small synchronisation and logging helpers of the ledger's threads."""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Literal

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from pas.core.errors import LedgerUnavailable
from pas.core.outage import Outage, outage

__all__ = ["Available", "Flag", "Outage", "outage"]


class Flag:
    """A one-shot wake-up: cheaper than threading.Event (one lock, no condition)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        """Wake the waiter (once; later calls do nothing)."""
        with contextlib.suppress(RuntimeError):
            self._lock.release()

    def is_set(self) -> bool:
        """Return True once set."""
        return not self._lock.locked()

    def wait(self, timeout: float) -> bool:
        """Return True once set, False after `timeout` seconds."""
        if self._lock.acquire(timeout=max(timeout, 0.0)):
            self._lock.release()
            return True
        return False


class Available:
    """A context in which a lost Redis becomes LedgerUnavailable (503), logged once."""

    __slots__ = ("_applied", "_outage")

    def __init__(self, outage: Outage, applied: str | None) -> None:
        self._outage = outage
        self._applied = applied

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _: Any
    ) -> Literal[False]:
        if kind is None:
            self._outage.ok()
            return False
        if issubclass(kind, (RedisConnectionError, RedisTimeoutError)):
            self._outage.failed(kind.__name__)
            raise LedgerUnavailable(
                "the ledger's store (Redis) cannot be reached; retry shortly",
                applied=self._applied,
            ) from None
        return False
