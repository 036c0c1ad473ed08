"""The updater's leader lock on the real Redis: one leader among instances, taken over after its TTL."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from pas.bootstrap import Container
from pas.realtime.leader import RedisLeaderLock
from pas.tasks.updater import Updater
from tests.conftest import make_settings

NOW = dt.datetime(2026, 12, 7, 22, 30, 20, tzinfo=dt.UTC)  # a Monday


@pytest.mark.redis
def test_the_leader_lock_is_held_by_one_and_taken_over_after_its_ttl(
    redis_url: str, redis_prefix: str
) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix}:updater:leader"
    a, b = RedisLeaderLock(client, key, 1.0), RedisLeaderLock(client, key, 1.0)
    assert a.try_acquire() and not b.try_acquire()
    assert a.try_acquire()  # renewal
    assert a.holder() == a.token
    # a dies without releasing: after the TTL the other takes over, and a cannot renew any more
    deadline = time.monotonic() + 10
    while not b.try_acquire():
        assert time.monotonic() < deadline, "the lock was not taken over within its TTL"
        time.sleep(0.1)
    assert not a.try_acquire() and b.holder() == b.token
    b.stop()
    assert a.try_acquire()
    a.stop()
    assert client.get(key) is None
    client.close()


@pytest.mark.redis
def test_a_standby_updater_does_not_run_ticks(
    redis_url: str, redis_prefix: str, sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path, redis={"url": redis_url, "prefix": redis_prefix})
    c = Container(settings)
    c.init_schema()
    leader, standby = Updater(c), Updater(c)
    assert isinstance(leader.leader, RedisLeaderLock) and isinstance(
        standby.leader, RedisLeaderLock
    )
    assert leader.leader.try_acquire() and not standby.leader.try_acquire()
    assert not standby.tick("stale_data", NOW)
    assert leader.tick("stale_data", NOW)
    leader.leader.stop()
    c.close()
