"""The API-key cache: fresh hits, one reload at expiry, stale while reloading, revocations,
the grace during a database outage."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from pas.core.errors import DatabaseUnavailable
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


def _down() -> ApiKeyInfo | None:
    raise DatabaseUnavailable("the database cannot be reached")


def test_a_known_key_keeps_authenticating_during_an_outage_for_the_grace() -> None:
    cache = KeyCache(ttl_seconds=0.0, grace_seconds=60)
    cache.get_or_load("h", lambda: ACTIVE)
    time.sleep(0.001)
    assert cache.get_or_load("h", _down) == ACTIVE


def test_the_outage_is_asked_again_only_once_per_ttl() -> None:
    cache, asked = KeyCache(ttl_seconds=60, grace_seconds=60), []
    cache.get_or_load("h", lambda: ACTIVE)
    cache._entries["h"].due = 0.0  # expired: the next request asks the database

    def down() -> ApiKeyInfo | None:
        asked.append(1)
        return _down()

    assert [cache.get_or_load("h", down) for _ in range(5)] == [ACTIVE] * 5
    assert len(asked) == 1


def test_after_the_grace_or_for_an_unknown_key_the_outage_is_raised() -> None:
    cache = KeyCache(ttl_seconds=0.0, grace_seconds=0.0)
    cache.get_or_load("h", lambda: ACTIVE)
    time.sleep(0.001)
    with pytest.raises(DatabaseUnavailable):
        cache.get_or_load("h", _down)
    with pytest.raises(DatabaseUnavailable):
        KeyCache(ttl_seconds=60).get_or_load("unknown", _down)


def test_the_key_is_confirmed_again_once_the_database_is_back() -> None:
    cache = KeyCache(ttl_seconds=0.0, grace_seconds=60)
    cache.get_or_load("h", lambda: ACTIVE)
    time.sleep(0.001)
    cache.get_or_load("h", _down)
    cache._entries["h"].due = 0.0
    assert cache.get_or_load("h", lambda: REVOKED) == REVOKED
    assert "h" not in cache._entries


def test_a_key_is_not_served_past_its_grace_by_the_ttl() -> None:
    cache = KeyCache(ttl_seconds=0.2, grace_seconds=0.2)
    cache.get_or_load("h", lambda: ACTIVE)
    time.sleep(0.3)
    assert cache.get_or_load("h", _down) == ACTIVE
    assert cache._entries["h"].due <= cache._entries["h"].verified + 0.4 + 1e-9  # not now + ttl
    time.sleep(0.2)
    with pytest.raises(DatabaseUnavailable):
        cache.get_or_load("h", _down)
