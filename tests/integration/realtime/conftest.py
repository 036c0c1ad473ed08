"""Both hub backends behind one fixture, and a helper that waits for a condition."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pas.core.events import Event


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds (generous: a busy machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Collector:
    """A hub listener that keeps what it receives."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def of(self, topic: str) -> list[Event]:
        with self.lock:
            return [e for e in self.events if e.topic == topic]


@pytest.fixture(params=["memory", "redis"])
def make_hub(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Return a factory of hubs of one backend (Redis hubs share one fresh prefix)."""
    made: list[Any] = []
    if request.param == "memory":
        from pas.realtime.memory import MemoryHub

        def make(history_size: int = 1000) -> Any:
            hub = MemoryHub(history_size)
            made.append(hub)
            return hub

    else:
        import redis

        from pas.realtime.redis_hub import RedisHub

        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        clients: list[Any] = []

        def make(history_size: int = 1000) -> Any:
            client = redis.Redis.from_url(url, socket_timeout=10)
            clients.append(client)
            hub = RedisHub(client, prefix, history_size)
            made.append(hub)
            return hub

    yield make
    for hub in made:
        hub.close()
