"""The cache adapters keep one contract: the in-process LRU, Redis (real server), the two tiered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pas.realtime.answer_cache import LruCache, RedisCache, TieredCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["lru", "redis", "tiered"])
def cache(request: pytest.FixtureRequest) -> Iterator[LruCache | RedisCache | TieredCache]:
    if request.param == "lru":
        yield LruCache(1 << 20)
        return
    import redis

    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    far = RedisCache(client, request.getfixturevalue("redis_prefix"))
    yield far if request.param == "redis" else TieredCache(LruCache(1 << 20), far)
    client.close()


def test_contract(cache: LruCache | RedisCache | TieredCache) -> None:
    assert cache.get("a") is None
    cache.set("a", b"\x00first", 60)
    cache.set("b", b"second", 60)
    assert cache.get("a") == b"\x00first" and cache.get("b") == b"second"
    cache.set("a", b"replaced", 60)
    assert cache.get("a") == b"replaced"
    cache.clear()
    assert cache.get("a") is None and cache.get("b") is None


def test_redis_entries_expire(redis_url: str, redis_prefix: str) -> None:
    import time

    import redis

    client = redis.Redis.from_url(redis_url)
    cache = RedisCache(client, redis_prefix)
    cache.set("k", b"v", 0.05)
    assert cache.get("k") == b"v"
    time.sleep(0.2)
    assert cache.get("k") is None
    assert all(k.startswith(redis_prefix.encode()) for k in client.keys(f"{redis_prefix}*"))
    client.close()


def test_a_redis_outage_is_a_miss() -> None:
    import redis

    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    cache = RedisCache(down, "pas")
    cache.set("k", b"v", 60)  # no error
    assert cache.get("k") is None


def test_lru_evicts_the_least_recent_beyond_its_size() -> None:
    cache = LruCache(max_bytes=10)
    cache.set("a", b"1234", 60)
    cache.set("b", b"1234", 60)
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.set("c", b"1234", 60)  # 12 bytes > 10: b goes
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.set("huge", b"x" * 11, 60)  # larger than the cache: not kept, nothing evicted
    assert cache.get("huge") is None and cache.get("a") and cache.get("c")


def test_lru_entries_expire() -> None:
    clock = Clock()
    cache = LruCache(1024, clock)
    cache.set("a", b"v", 10)
    clock.now += 9.9
    assert cache.get("a") == b"v"
    clock.now += 0.2
    assert cache.get("a") is None
    cache.set("b", b"v", 10)
    assert cache.get("b") == b"v"  # the expired entry freed its bytes


def test_tiered_keeps_a_redis_hit_near(redis_url: str, redis_prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    far = RedisCache(client, redis_prefix)
    near = LruCache(1024)
    far.set("k", b"from another worker", 60)
    tiered = TieredCache(near, far)
    assert near.get("k") is None
    assert tiered.get("k") == b"from another worker"
    assert near.get("k") == b"from another worker"
    client.close()
