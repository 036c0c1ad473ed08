"""Readiness probes: each dependency is checked on its own thread, at most one check at a time.

A check that hangs (a database that accepts connections but never answers)
keeps its one thread until its own timeout; later probes wait on that same
check instead of piling up threads, and `/ready` answers when its deadline
passes whatever the checks do. Nothing here uses the request thread pool.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import text

from pas.bootstrap import Container
from pas.realtime.redis_client import redis_outage

Check = Callable[[], None]


class Probe:
    """One dependency's check, run on a thread of its own, never twice at once."""

    def __init__(self, name: str, check: Check) -> None:
        self.name = name
        self._check = check
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pas-ready-{name}")
        self._running: Future[None] | None = None
        self._lock = threading.Lock()

    def start(self) -> Future[None]:
        """Return the check under way, starting one when none is."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self._check)
            return self._running

    def close(self) -> None:
        """Stop the thread once its check is over (without waiting for it)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def probes_of(container: Container) -> list[Probe]:
    """Return the probes of the dependencies `container` is configured with."""
    probes = [Probe("database", lambda: _database(container))]
    if container.settings.redis.url:
        probes.append(Probe("redis", lambda: _redis(container)))
    return probes


async def run(probes: list[Probe], timeout_s: float) -> dict[str, str]:
    """Return name -> "ok", "error: <kind>" or "timeout" after at most `timeout_s`."""
    waiting = {probe.name: asyncio.wrap_future(probe.start()) for probe in probes}
    await asyncio.wait(waiting.values(), timeout=timeout_s)
    return {name: _verdict(future) for name, future in waiting.items()}


def _verdict(future: asyncio.Future[Any]) -> str:
    if not future.done():
        return "timeout"
    error = future.exception()
    return "ok" if error is None else f"error: {type(error).__name__}"


def _database(container: Container) -> None:
    with container.engine.connect() as conn:  # the engine reports outage and recovery
        conn.execute(text("SELECT 1"))


def _redis(container: Container) -> None:
    try:
        container.redis.ping()
    except Exception as exc:
        redis_outage().failed(type(exc).__name__)
        raise
