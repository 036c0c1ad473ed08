"""Reliability on the real Redis: concurrent reservations, idempotency under load, rebuild."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from pas.core.errors import InsufficientFreeFloat
from pas.core.ledger_checks import comparable
from tests.integration.ledger.conftest import funded, open_ledger

# 200 buys of 1 share at 100 reserve 100.1 each; the sleeve holds exactly 150 of them.
N, FITS, PRICE = 200, 150, "100"
CASH = str(Decimal("100.1") * FITS)

pytestmark = pytest.mark.slow


def _attempt(ledger: Any, sid: int, i: int) -> bool:
    try:
        ledger.reserve(sid, f"c-{i}", "AAPL", "buy", "1", PRICE)
        return True
    except InsufficientFreeFloat:
        return False


def _check(ledger: Any, sid: int, accepted: int) -> None:
    assert accepted == FITS
    s = ledger.sleeve(sid)
    assert s.reserved == Decimal(CASH) and s.free_float == 0
    assert len(ledger.reservations(sid, "open")) == FITS
    report = ledger.verify()
    assert report.ok, report
    assert report.seq == FITS + 1 and report.events == FITS + 1


@pytest.mark.parametrize("backend", ["redis-mysql", "redis-sqlite", "embedded-sqlite"])
def test_200_reservations_from_16_threads(
    backend: str, ledger_factory: Callable[[str, str], Any]
) -> None:
    ledger = ledger_factory(*backend.split("-"))
    sid = funded(ledger, CASH)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda i: _attempt(ledger, sid, i), range(N)))
    _check(ledger, sid, sum(results))


def _process(args: tuple[str, str, str | None, str, int, int]) -> int:
    kind, db_url, redis_url, prefix, sid, part = args
    ledger, engine, client = open_ledger(kind, db_url, redis_url, prefix)
    try:
        with ThreadPoolExecutor(4) as pool:
            ids = range(part * (N // 4), (part + 1) * (N // 4))
            return sum(pool.map(lambda i: _attempt(ledger, sid, i), ids))
    finally:
        ledger.close()
        engine.dispose()
        if client is not None:
            client.close()


def test_two_committer_threads_keep_the_journal_gapless(
    ledger_factory: Callable[[str, str], Any], redis_prefix: str
) -> None:
    ledger = ledger_factory("redis", "mysql")
    ledger.close()  # the same ledger with two committer threads writing ranges concurrently
    twin = type(ledger)(
        ledger.r, ledger.journal.engine, redis_prefix, ledger.fee_buffer_bps, committers=2
    )
    try:
        sid = funded(twin, CASH)
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda i: _attempt(twin, sid, i), range(N)))
        _check(twin, sid, sum(results))
        assert [e.seq for e in twin.events(limit=N + 10)] == list(range(1, FITS + 2))
    finally:
        twin.close()


@pytest.mark.parametrize("backend", ["redis-mysql", "embedded-sqlite"])
def test_200_reservations_from_4_processes(
    backend: str, ledger_factory: Callable[[str, str], Any], request: pytest.FixtureRequest
) -> None:
    kind, db = backend.split("-")
    ledger = ledger_factory(kind, db)
    sid = funded(ledger, CASH)
    db_url = request.getfixturevalue("sqlite_url" if db == "sqlite" else "mysql_url")
    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else None
    prefix = request.getfixturevalue("redis_prefix") if kind == "redis" else "acct"
    with mp.get_context("spawn").Pool(4) as pool:
        accepted = sum(
            pool.map(_process, [(kind, db_url, redis_url, prefix, sid, p) for p in range(4)])
        )
    _check(ledger, sid, accepted)


@pytest.mark.parametrize("backend", ["redis-mysql", "embedded-sqlite"])
def test_same_client_id_50_times_at_once_makes_one_reservation(
    backend: str, ledger_factory: Callable[[str, str], Any]
) -> None:
    ledger = ledger_factory(*backend.split("-"))
    sid = funded(ledger, "100000")
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(lambda _: ledger.reserve(sid, "same", "MSFT", "buy", "3", "250"), range(50))
        )
    assert len({r.id for r, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
    assert len(ledger.reservations()) == 1 and ledger.seq() == 2
    assert ledger.sleeve(sid).reserved == Decimal("750.75")


def test_flush_redis_then_rebuild_restores_identical_state(
    ledger_factory: Callable[[str, str], Any], redis_prefix: str
) -> None:
    ledger = ledger_factory("redis", "mysql")
    a, b = funded(ledger, "50000", "a"), funded(ledger, "20000", "b")
    ledger.transfer(a, b, "1234.5", Decimal(10**7))
    for i, sym in enumerate(["AAPL", "MSFT", "KO"]):
        res, _ = ledger.reserve(a, f"b{i}", sym, "buy", "10", "101.5")
        ledger.execute(res.id, "7", "100.25", "0.35")
        if i == 0:
            ledger.execute(res.id, "3", "99", "0")
    sell, _ = ledger.reserve(a, "s", "AAPL", "sell", "4", "120")
    ledger.execute(sell.id, "1.5", "121.123456", "0.01")
    ledger.reserve(b, "open", "PG", "buy", "2", "150")
    before = comparable(ledger.snapshot())
    keys = list(ledger.r.scan_iter(f"{redis_prefix}:*"))
    assert keys
    ledger.r.delete(*keys)
    assert ledger.seq() == 0
    fence = before["seq"] + 1  # the rebuild journals its `rebuilt` event first
    assert ledger.rebuild() == fence
    assert comparable(ledger.snapshot()) == {**before, "seq": fence}
    assert ledger.verify().ok
    res, created = ledger.reserve(b, "after", "PG", "buy", "1", "150")
    assert created and ledger.seq() == fence + 1
    rebuilt, after = ledger.events(since=before["seq"])
    assert rebuilt.kind == "rebuilt" and rebuilt.data["epoch"] == ledger.epoch
    assert after.data["client_id"] == "after" and after.epoch == ledger.epoch
