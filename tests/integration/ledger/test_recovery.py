"""Crash recovery of the Redis ledger: the stream is the journal's outbox."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.core.errors import JournalUnavailable
from pas.core.ports import utcnow
from pas.ledger.base import reserve_args
from pas.ledger.lua import SCRIPTS
from tests.integration.ledger.conftest import BPS, funded


def _reserve_without_journal(ledger: Any, sid: int, client_id: str) -> int:
    """Run the reserve script only, as a process that dies before its database commit would."""
    a = reserve_args(sid, client_id, "AAPL", "buy", "1", "100", BPS)
    guard = (ledger.epoch, ledger._committer.committed, "test")
    reply = ledger._eval("reserve", *guard, utcnow().isoformat(), *a.script_args())
    return int(reply[1])


def test_events_of_a_writer_that_died_are_journaled_at_start_up(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    first = ledger_factory("redis", "mysql")
    sid = funded(first)
    seqs = [_reserve_without_journal(first, sid, f"lost-{i}") for i in range(3)]
    assert seqs == [2, 3, 4] and first.journal.max_seq() == 1
    second = ledger_factory("redis", "mysql")  # a restarted process drains the stream
    assert second.journal.max_seq() == 4
    assert [e.data["client_id"] for e in second.events(since=1)] == ["lost-0", "lost-1", "lost-2"]
    assert second.verify().ok


def test_the_next_writer_journals_what_a_dead_writer_left(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    _reserve_without_journal(ledger, sid, "orphan")
    ledger.reserve(sid, "next", "MSFT", "buy", "1", "10")
    assert [e.seq for e in ledger.events()] == [1, 2, 3]
    assert ledger.verify().ok


def test_a_redis_that_lost_its_data_is_rebuilt_at_start_up(
    ledger_factory: Callable[[str, str], Any], redis_prefix: str
) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger, "1000")
    ledger.reserve(sid, "r", "KO", "buy", "2", "50")
    ledger.r.delete(*ledger.r.keys(f"{redis_prefix}:*"))
    again = ledger_factory("redis", "sqlite")  # journals a `rebuilt` fence as event 3
    assert again.seq() == 3 and again.sleeve(sid).reserved == Decimal("100.1")
    assert [e.kind for e in again.events()] == ["sleeve_created", "reserved", "rebuilt"]
    assert again.verify().ok


def test_journaled_stream_entries_are_trimmed(
    ledger_factory: Callable[[str, str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pas.ledger import redis_ledger

    monkeypatch.setattr(redis_ledger, "KEEP", 5)
    monkeypatch.setattr(redis_ledger, "TRIM_EVERY", 10)
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    for i in range(29):
        ledger.reserve(sid, f"t{i}", "KO", "buy", "1", "10")
    entries = ledger.r.xrange(f"{ledger.base}:events")
    assert int(entries[0][0].split(b"-")[0]) == 25 and len(entries) == 6  # seq 25..30 kept
    assert [e.seq for e in ledger.events()] == list(range(1, 31))
    assert ledger.verify().ok


def test_an_acknowledgement_needs_the_database(ledger_factory: Callable[[str, str], Any]) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    ledger._committer._timeout = 0.5
    ledger.journal.close()
    ledger.journal.engine = _broken_engine()
    with pytest.raises(JournalUnavailable):
        ledger.reserve(sid, "no-db", "PG", "buy", "1", "10")


def _broken_engine() -> Any:
    from sqlalchemy import create_engine

    return create_engine("sqlite:////nonexistent/dir/x.db")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**53 - 1),
    st.integers(1, 2**53 - 1).flatmap(lambda c: st.tuples(st.integers(0, c), st.just(c))),
)
def test_lua_muldiv_is_exact(redis_client: Any, a: int, bc: tuple[int, int]) -> None:
    b, c = bc
    got = redis_client.eval(SCRIPTS["muldiv"], 1, "pastest:muldiv", a, b, c)
    assert int(got) == a * b // c


@pytest.fixture(scope="module")
def redis_client() -> Any:
    import redis

    from tests.conftest import REDIS_URL, unavailable

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        unavailable("Redis", str(exc))
    yield client
    client.close()


def test_a_script_unknown_to_redis_is_loaded_again(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    ledger._shas["reserve"] = "0" * 40  # as after a Redis restart or SCRIPT FLUSH
    _, created = ledger.reserve(sid, "after-restart", "KO", "buy", "1", "10")
    assert created and ledger._shas["reserve"] != "0" * 40
