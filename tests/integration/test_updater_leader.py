"""Two `pas updater` processes on one Redis: each tick runs once; killing the leader hands over."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine

from pas.database.repositories.metrics import SqlJobRuns
from tests.integration.processes import pas_env, start_updater, stop, wait_until
from tests.integration.test_realtime_cluster import admin_key

pytestmark = [pytest.mark.redis, pytest.mark.slow]
TTL = 3.0


def _token(log: Path) -> str | None:
    found = re.search(r'"instance": "([^"]+)"', log.read_text())
    return found.group(1) if found else None


def _finished(runs: SqlJobRuns, count: int) -> bool:
    """Return True when `count` runs are recorded and none is in progress."""
    history = runs.recent("stale_data", 50)
    return len(history) >= count and all(r.finished_at is not None for r in history)


def test_one_run_per_tick_and_the_standby_takes_over(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    env = pas_env(
        tmp_path,
        database__url=f"sqlite:///{tmp_path / 'pas.db'}",
        redis__url=redis_url,
        redis__prefix=redis_prefix,
        updater__lock_ttl_seconds=str(TTL),
        schedules__stale_data="* * * * *",
    )
    admin_key(env, tmp_path)  # the schema
    runs = SqlJobRuns(create_engine(f"sqlite:///{tmp_path / 'pas.db'}"))
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    lock = f"{redis_prefix}:updater:leader"
    logs = [tmp_path / "u1.log", tmp_path / "u2.log"]
    procs = [start_updater(env, tmp_path, log) for log in logs]
    try:
        wait_until(lambda: all(_token(log) for log in logs), 120, "both updaters to start")
        tokens = [_token(log) for log in logs]
        wait_until(lambda: client.get(lock) in tokens, 60, "a leader")
        # killed between two runs: a run killed midway would read `running`, then `abandoned`
        wait_until(lambda: _finished(runs, 2), 200, "two finished ticks")
        leader = tokens.index(client.get(lock))
        procs[leader].send_signal(signal.SIGKILL)  # no release: the lock must expire
        procs[leader].wait(30)
        killed = time.monotonic()
        survivor = tokens[1 - leader]
        wait_until(lambda: client.get(lock) == survivor, 60, "the takeover", every=0.05)
        took = time.monotonic() - killed
        assert took <= TTL * 4 / 3 + 3.0, f"takeover took {took:.1f}s with a {TTL}s lock"
        before = len(runs.recent("stale_data", 50))
        wait_until(
            lambda: len(runs.recent("stale_data", 50)) > before, 200, "a tick run by the survivor"
        )
    finally:
        for proc in procs:
            stop(proc)
        client.close()
    history = runs.recent("stale_data", 50)
    minutes = [r.started_at.replace(second=0, microsecond=0) for r in history]
    assert len(minutes) == len(set(minutes)) >= 3, "a tick ran more than once"
    assert [r.status for r in history] == ["done"] * len(history)
