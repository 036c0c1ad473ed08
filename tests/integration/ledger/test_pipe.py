"""The Redis ledger's write pipe: concurrent writes share Redis round trips and commits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import redis

from pas.core.errors import InsufficientFreeFloat, JournalUnavailable, LedgerUnavailable
from pas.ledger.flag import Flag
from tests.integration.ledger.conftest import funded


def _hold_first_round(ledger: Any) -> tuple[threading.Event, threading.Event, list[int]]:
    """Make the pipe's next round wait for `gate` (`entered` says it is held); record sizes."""
    gate, entered, sizes = threading.Event(), threading.Event(), []
    send = ledger._pipe._send

    def held(batch: list[Any]) -> list[Any]:
        if not entered.is_set():
            entered.set()
            gate.wait(10)
        sizes.append(len(batch))
        return send(batch)

    ledger._pipe._send = held
    return gate, entered, sizes


def _queued(ledger: Any, n: int) -> None:
    """Wait until `n` calls wait in the pipe's queue."""
    for _ in range(1000):
        with ledger._pipe._cond:
            if len(ledger._pipe._queue) >= n:
                return
        threading.Event().wait(0.005)
    raise AssertionError(f"fewer than {n} calls were queued")


def test_writes_queued_during_a_round_go_to_redis_together(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "mysql")
    sid = funded(ledger, "100000")
    gate, entered, sizes = _hold_first_round(ledger)
    batches = ledger._committer.batches
    with ThreadPoolExecutor(11) as pool:
        first = pool.submit(ledger.reserve, sid, "first", "KO", "buy", "1", "10")
        assert entered.wait(10)
        rest = [
            pool.submit(ledger.reserve, sid, f"r{i}", "KO", "buy", "1", "10") for i in range(10)
        ]
        _queued(ledger, 10)
        gate.set()
        answers = [first.result(10)] + [f.result(10) for f in rest]
    assert sizes == [1, 10]
    assert all(created for _, created in answers)
    assert sorted(r.id for r, _ in answers) == list(range(1, 12))
    # at most one journal commit per round: a committer that wakes only after the second
    # round's events arrived writes both rounds in one (seen under load), never one per write
    assert 1 <= ledger._committer.batches - batches <= 2
    assert [e.seq for e in ledger.events()] == list(range(1, 13))
    assert ledger.verify().ok


def test_each_writer_of_a_round_gets_its_own_outcome(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger, "1000")
    ledger.reserve(sid, "seen", "KO", "buy", "1", "10")
    gate, entered, sizes = _hold_first_round(ledger)
    with ThreadPoolExecutor(4) as pool:
        blocker = pool.submit(ledger.reserve, sid, "blocker", "KO", "buy", "1", "10")
        assert entered.wait(10)
        ok = pool.submit(ledger.reserve, sid, "new", "KO", "buy", "2", "10")
        repeat = pool.submit(ledger.reserve, sid, "seen", "KO", "buy", "1", "10")
        too_big = pool.submit(ledger.reserve, sid, "big", "KO", "buy", "1000", "10")
        _queued(ledger, 3)
        gate.set()
        assert blocker.result(10)[1]
        assert ok.result(10)[1] and ok.result(10)[0].qty == Decimal(2)
        assert repeat.result(10) == (ledger.reservation(1), False)
        with pytest.raises(InsufficientFreeFloat) as refused:
            too_big.result(10)
    assert Decimal(refused.value.details["needed"]) == Decimal("10010")
    assert sizes == [1, 3]
    assert [e.data["client_id"] for e in ledger.events(since=1)] == ["seen", "blocker", "new"]
    assert ledger.verify().ok


def test_a_lost_connection_fails_the_round_and_the_next_one_reconnects(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    good = ledger._pipe._conn
    ledger._pipe._conn = redis.Connection(host="127.0.0.1", port=1)  # nothing listens there
    with pytest.raises(LedgerUnavailable) as refused:
        ledger.reserve(sid, "while-down", "KO", "buy", "1", "10")
    assert "Connection" not in refused.value.message  # no driver text in the answer
    assert ledger.reservations() == []  # nothing was applied
    ledger._pipe._conn = good
    _, created = ledger.reserve(sid, "while-down", "KO", "buy", "1", "10")
    assert created and ledger.verify().ok


def test_two_ledgers_on_one_prefix_interleave_without_holes(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    one = ledger_factory("redis", "mysql")
    two = ledger_factory("redis", "mysql")  # as a second process on the same account
    sid = funded(one, "100000")

    def work(i: int) -> bool:
        return bool((one if i % 2 else two).reserve(sid, f"c{i}", "KO", "buy", "1", "10")[1])

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(120)))
    assert [e.seq for e in one.events(limit=500)] == list(range(1, 122))
    assert one.verify().ok and two.verify().ok


def test_closing_fails_the_calls_still_queued(ledger_factory: Callable[[str, str], Any]) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    gate, entered, _ = _hold_first_round(ledger)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(ledger.reserve, sid, "a", "KO", "buy", "1", "10")
        assert entered.wait(10)
        second = pool.submit(ledger.reserve, sid, "b", "KO", "buy", "1", "10")
        _queued(ledger, 1)
        closer = threading.Thread(target=ledger._pipe.close)
        closer.start()
        with pytest.raises(LedgerUnavailable) as refused:
            second.result(10)
        assert refused.value.details["applied"] == "no"
        gate.set()
        closer.join(10)
        first.result(10)  # the round in flight still completes
    with pytest.raises(LedgerUnavailable):
        ledger.reserve(sid, "c", "KO", "buy", "1", "10")


def test_journal_keeps_any_client_id_text_exactly(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "mysql")
    sid = funded(ledger)
    odd = 'o\'brien \\x "q" ü %s;--'
    ledger.reserve(sid, odd, "KO", "buy", "1", "10")
    assert ledger.events(since=1)[0].data["client_id"] == odd
    assert ledger.verify().ok


def test_flag_wakes_once_and_times_out() -> None:
    flag = Flag()
    assert not flag.is_set() and not flag.wait(0.01)
    threading.Timer(0.02, flag.set).start()
    assert flag.wait(5) and flag.is_set() and flag.wait(0)
    flag.set()  # a second set does nothing
    assert flag.wait(0)


def test_a_write_the_database_does_not_take_in_time_is_refused_after_the_committers_timeout(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    import time

    from tests.integration.ledger.test_recovery import _broken_engine

    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger)
    ledger._committer._timeout = 0.3
    ledger.journal.close()
    ledger.journal.engine = _broken_engine()
    start = time.monotonic()
    with pytest.raises(JournalUnavailable, match="applied but not yet journaled"):
        ledger.reserve(sid, "no-db", "PG", "buy", "1", "10")
    assert time.monotonic() - start < 3  # one timeout, not the pipe's and the committer's


def test_a_round_that_cannot_be_settled_fails_its_writers_and_the_pipe_goes_on(
    ledger_factory: Callable[[str, str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pas.ledger import pipe

    ledger = ledger_factory("redis", "mysql")
    sid = funded(ledger)

    def broken(_: Any) -> Any:
        raise ValueError("unreadable reply")

    monkeypatch.setattr(pipe.json, "loads", broken)
    with pytest.raises(LedgerUnavailable, match="outcome is unknown") as refused:
        ledger.reserve(sid, "lost-reply", "KO", "buy", "1", "10")
    assert refused.value.details["applied"] == "unknown"
    monkeypatch.undo()
    _, created = ledger.reserve(sid, "next", "KO", "buy", "1", "10")  # the pipe still serves
    assert created
    again, created = ledger.reserve(sid, "lost-reply", "KO", "buy", "1", "10")
    assert not created and again.client_id == "lost-reply"  # Redis had applied it
    assert [e.seq for e in ledger.events()] == [1, 2, 3]  # journaled from the stream
    assert ledger.verify().ok
