"""The API-key cache: fresh hits, one reload at expiry, stale while reloading, revocations."""

from __future__ import annotations

import datetime as dt
import threading
import time

from pas.core.records import ApiKeyInfo
from pas.workflows.keys import KeyCache

NOW = dt.datetime(2026, 1, 1)
ACTIVE = ApiKeyInfo(1, "k", "trader", "pas_x", NOW)
REVOKED = ApiKeyInfo(1, "k", "trader", "pas_x", NOW, revoked_at=NOW)


def test_hits_do_not_load() -> None:
    cache, loads = KeyCache(ttl_seconds=60), []
    for _ in range(5):
        assert cache.get_or_load("h", lambda: loads.append(1) or ACTIVE) == ACTIVE
    assert len(loads) == 1


def test_expired_entries_reload_and_revoked_keys_leave() -> None:
    cache = KeyCache(ttl_seconds=0.0)
    assert cache.get_or_load("h", lambda: ACTIVE) == ACTIVE
    time.sleep(0.001)
    assert cache.get_or_load("h", lambda: REVOKED) == REVOKED
    assert "h" not in cache._entries


def test_stale_entry_is_served_while_one_request_reloads() -> None:
    cache = KeyCache(ttl_seconds=0.0)
    cache.get_or_load("h", lambda: ACTIVE)
    started, release, loads = threading.Event(), threading.Event(), []

    def slow() -> ApiKeyInfo:
        loads.append(1)
        started.set()
        release.wait(5)
        return ACTIVE

    reloader = threading.Thread(target=cache.get_or_load, args=("h", slow))
    reloader.start()
    assert started.wait(5)
    others = [cache.get_or_load("h", slow) for _ in range(20)]  # would block if they loaded too
    release.set()
    reloader.join(5)
    assert others == [ACTIVE] * 20 and len(loads) == 1


def test_clear_forgets_everything() -> None:
    cache = KeyCache(ttl_seconds=60)
    cache.get_or_load("h", lambda: ACTIVE)
    cache.clear()
    assert cache.get_or_load("h", lambda: None) is None
