"""Redis-only behaviour: events cross processes; a lost stream starts a new epoch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from pas.realtime.redis_hub import RedisHub
from tests.integration.realtime.conftest import Collector, wait_for

pytestmark = pytest.mark.redis


@pytest.fixture
def hubs(redis_url: str, redis_prefix: str) -> Iterator[tuple[RedisHub, RedisHub, Any]]:
    clients = [redis.Redis.from_url(redis_url, socket_timeout=10) for _ in range(3)]
    a, b = RedisHub(clients[0], redis_prefix, 100), RedisHub(clients[1], redis_prefix, 100)
    yield a, b, clients[2]
    a.close()
    b.close()
    for c in clients:
        c.close()


def test_an_event_published_by_one_process_reaches_the_listeners_of_another(
    hubs: tuple[RedisHub, RedisHub, Any],
) -> None:
    a, b, _ = hubs
    seen = Collector()
    b.add_listener(seen)
    a.publish("ledger", {"seq": 1})
    wait_for(lambda: len(seen.of("ledger")) == 1, what="the event on the other hub")
    event = seen.of("ledger")[0]
    assert (event.offset, event.data) == (1, {"seq": 1})
    assert event.epoch == a.snapshot("ledger").epoch


def test_a_lost_stream_starts_a_new_epoch_and_the_reader_follows_it(
    hubs: tuple[RedisHub, RedisHub, Any], redis_prefix: str
) -> None:
    a, b, raw = hubs
    seen = Collector()
    b.add_listener(seen)
    for i in range(5):
        a.publish("orders", {"i": i})
    wait_for(lambda: len(seen.of("orders")) == 5)
    old = seen.of("orders")[0].epoch
    for key in raw.scan_iter(f"{redis_prefix}:rt:orders*"):
        raw.delete(key)  # Redis lost the stream (a restart without persistence)
    a.publish("orders", {"i": "new"})
    wait_for(lambda: len(seen.of("orders")) == 6, what="the first event of the new epoch")
    event = seen.of("orders")[-1]
    assert event.epoch != old and event.offset == 1 and event.data == {"i": "new"}
    # a client resuming with the old epoch cannot be served: the epoch differs
    assert a.snapshot("orders", 5).epoch != old


def test_publishing_never_blocks_when_redis_is_down(redis_prefix: str) -> None:
    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2)
    hub = RedisHub(client, redis_prefix, 10)
    for i in range(100):
        hub.publish("logs", {"i": i})  # queued; the sender thread logs and drops them
    assert hub.flush(timeout=30)
    hub.close()
