"""What a write answers when the database or Redis fails under it: the truth about `applied`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pas.core.errors import JournalUnavailable, LedgerRebuilding
from pas.ledger.journal import JournalDown
from tests.integration.ledger.conftest import funded


def _fail_inserts(ledger: Any, *, written: bool, times: int = 1) -> list[int]:
    """Make the journal's next `times` inserts fail (after writing, when `written`)."""
    real, calls = ledger.journal._insert, []

    def insert(events: Any) -> None:
        calls.append(events[0].seq)
        if len(calls) <= times:
            if written:
                real(events)
            raise JournalDown("OperationalError", maybe_written=written)
        real(events)

    ledger.journal._insert = insert
    return calls


@pytest.mark.parametrize("db", ["sqlite", "mysql"])
def test_embedded_503_not_applied_is_true(
    ledger_factory: Callable[[str, str], Any], db: str
) -> None:
    ledger = ledger_factory("embedded", db)
    sid = funded(ledger, "1000")
    _fail_inserts(ledger, written=False)
    with pytest.raises(JournalUnavailable) as refused:
        ledger.reserve(sid, "c1", "KO", "buy", "1", "10")
    assert refused.value.details["applied"] == "no"
    assert ledger.reservations() == [] and ledger.sleeve(sid).reserved == 0
    _res, created = ledger.reserve(sid, "c1", "KO", "buy", "1", "10")  # the retry applies it once
    assert created and [r.client_id for r in ledger.reservations()] == ["c1"]
    assert ledger.verify().ok


@pytest.mark.parametrize("db", ["sqlite", "mysql"])
def test_embedded_503_after_a_commit_says_unknown_and_the_retry_finds_it(
    ledger_factory: Callable[[str, str], Any], db: str
) -> None:
    ledger = ledger_factory("embedded", db)
    sid = funded(ledger, "1000")
    _fail_inserts(ledger, written=True)  # the row landed, then the connection died
    with pytest.raises(JournalUnavailable) as refused:
        ledger.reserve(sid, "c1", "KO", "buy", "1", "10")
    assert refused.value.details["applied"] == "unknown"
    res, created = ledger.reserve(sid, "c1", "KO", "buy", "1", "10")
    assert not created and res.client_id == "c1"  # it had been applied: found, not doubled
    assert ledger.verify().ok


def test_redis_write_waits_out_a_database_outage_as_pending(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    ledger = ledger_factory("redis", "sqlite")
    sid = funded(ledger, "1000")
    ledger._committer._timeout = 0.4
    calls = _fail_inserts(ledger, written=False, times=10**9)
    with pytest.raises(JournalUnavailable) as late:
        ledger.reserve(sid, "c1", "KO", "buy", "1", "10")
    assert late.value.details["applied"] == "pending"  # in Redis's stream, journaled later
    del ledger.journal._insert  # the database is back
    ledger._committer.flush(ledger.seq())
    assert calls and [e.data.get("client_id") for e in ledger.events()][-1] == "c1"
    _res, created = ledger.reserve(sid, "c1", "KO", "buy", "1", "10")
    assert not created and ledger.verify().ok


def test_events_of_a_lost_projection_are_rejected_and_redone(
    ledger_factory: Callable[[str, str], Any],
) -> None:
    """Another process rebuilt Redis while our events were not yet journaled: never both."""
    ledger = ledger_factory("redis", "mysql")
    other = ledger_factory("redis", "mysql")
    sid = funded(ledger, "1000")
    calls = _fail_inserts(ledger, written=False, times=10**9)
    ledger._committer._timeout = 5
    import threading

    outcome: dict[str, Any] = {}

    def write() -> None:
        try:
            outcome["res"] = ledger.reserve(sid, "mine", "KO", "buy", "1", "10")
        except Exception as exc:
            outcome["error"] = exc

    writer = threading.Thread(target=write)
    writer.start()
    while not calls:
        threading.Event().wait(0.01)
    other.r.delete(*other.r.scan_iter(f"{other.base}:*"))  # Redis restarted empty
    other.rebuild()  # the other process rebuilds from the journal: the fence goes in first
    del ledger.journal._insert
    writer.join(10)
    error = outcome.get("error")
    if error is not None:  # the event was not journaled: it must be said, and be true
        assert isinstance(error, LedgerRebuilding) and error.details["applied"] == "no"
        assert all(e.data.get("client_id") != "mine" for e in other.events())
    else:  # redone on the rebuilt projection: applied exactly once
        assert [e.data.get("client_id") for e in other.events()].count("mine") == 1
    assert other.verify().ok and ledger.verify().ok
    assert [e.kind for e in other.events()][1] == "rebuilt"
