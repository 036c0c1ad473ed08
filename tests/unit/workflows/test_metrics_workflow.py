"""Daily metrics from a replayed journal: values by hand, flows, the account, reruns."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import pytest

from pas.bootstrap import Container
from pas.core.ledger import LedgerEvent
from pas.core.records import SecurityInfo
from pas.data.batches import PriceBatch
from pas.workflows.data import import_prices
from pas.workflows.metrics import aggregate_metrics, compute_metrics

DAYS = [dt.date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9)]
CLOSES = {
    "A": [100.0, 102.0, 101.0, 105.0, 104.0, 110.0],
    "B": [50.0, 50.0, 51.0, 49.0, 50.0, 52.0],
}


class Dated:
    """The ledger port over real journal events, re-dated to the test's days."""

    def __init__(self, events: list[LedgerEvent]) -> None:
        self._events = events

    def events(self, since: int = 0, limit: int = 1000) -> list[LedgerEvent]:
        return [e for e in self._events if e.seq > since][:limit]


@pytest.fixture
def priced(container: Container) -> Container:
    rows = [
        {"symbol": s, "date": pd.Timestamp(d), "close": px, "adj_close": px}
        for s, closes in CLOSES.items()
        for d, px in zip(DAYS, closes, strict=True)
    ]
    securities = (SecurityInfo("A", sector="Tech"), SecurityInfo("B", sector="Energy"))
    import_prices(container.uow(), PriceBatch(pd.DataFrame(rows), securities, "test"))
    return container


def _journal(c: Container) -> Dated:
    ledger = c.ledger
    cash = c.account_cash.cash()
    one = ledger.create_sleeve("one", "10000", cash)
    res, _ = ledger.reserve(one.id, "c1", "A", "buy", "10", "103")
    ledger.execute(res.id, "10", "102", "1")  # bought at the 3 Jan close, 1 in fees
    two = ledger.create_sleeve("two", "5000", cash)
    ledger.transfer(one.id, two.id, "1000", cash)
    res, _ = ledger.reserve(two.id, "c2", "B", "buy", "20", "50")
    ledger.execute(res.id, "20", "49", "0")
    days = [DAYS[0], DAYS[1], DAYS[1], DAYS[2], DAYS[3], DAYS[3], DAYS[3]]
    events = ledger.events(0, 100)
    assert [e.kind for e in events] == [
        "sleeve_created",
        "reserved",
        "executed",
        "sleeve_created",
        "transferred",
        "reserved",
        "executed",
    ]
    at = [dt.datetime.combine(d, dt.time(20, 0), dt.UTC) for d in days]
    return Dated([dataclasses.replace(e, at=when) for e, when in zip(events, at, strict=True)])


def _by(rows: list[Any], sleeve: int) -> dict[dt.date, Any]:
    return {r.date: r for r in rows if r.sleeve_id == sleeve}


def test_metrics_follow_the_journal_day_by_day(priced: Container) -> None:
    journal = _journal(priced)
    rows = compute_metrics(journal, priced.uow(), dt.date(2024, 1, 9), stale_after=3)
    one, two, account = _by(rows, 1), _by(rows, 2), _by(rows, 0)
    assert sorted(one) == DAYS and sorted(two) == DAYS[2:] and sorted(account) == DAYS
    # sleeve one: 10,000 in; 10 A bought for 1,021 on the 3rd; 1,000 out to sleeve two on the 5th
    assert float(one[DAYS[1]].equity) == pytest.approx(10000 - 1021 + 10 * 102)
    assert one[DAYS[1]].daily_return == pytest.approx((10000 - 1021 + 1020) / 10000 - 1)
    e4, e5 = 8979 + 10 * 101, 7979 + 10 * 105
    assert float(one[DAYS[3]].equity) == pytest.approx(e5)
    assert one[DAYS[3]].daily_return == pytest.approx(
        e5 / (e4 - 1000) - 1
    )  # the transfer is no loss
    assert float(one[DAYS[3]].flow) == -1000
    assert one[DAYS[3]].weights == {"A": pytest.approx(1050 / e5)}
    assert one[DAYS[3]].sector_weights == {"Tech": pytest.approx(1050 / e5)}
    # the account is both sleeves; the transfer between them is no flow of the account's
    for day in DAYS:
        total = one[day].equity + (two[day].equity if day in two else 0)
        assert abs(account[day].equity - total) < 0.01
    assert float(account[DAYS[3]].flow) == 0 and float(account[DAYS[2]].flow) == 5000
    growth = 1.0
    for day in DAYS:
        growth *= 1 + (account[day].daily_return or 0)
    assert account[DAYS[-1]].cumulative_return == pytest.approx(growth - 1)
    assert all(r.stale for r in rows)  # no factors stored: stale
    assert account[DAYS[-1]].drawdown <= 0


def test_a_rerun_stores_the_same_result(priced: Container) -> None:
    journal = _journal(priced)
    store = priced.metrics_store
    first = aggregate_metrics(journal, priced.uow(), store, dt.date(2024, 1, 9), 3)
    stored = [store.daily(s) for s in (0, 1, 2)]
    again = aggregate_metrics(journal, priced.uow(), store, dt.date(2024, 1, 9), 3)
    assert first == again
    assert [store.daily(s) for s in (0, 1, 2)] == stored
    assert [r.sleeve_id for r in store.latest()] == [0, 1, 2]


def test_no_journal_no_rows(priced: Container) -> None:
    assert compute_metrics(Dated([]), priced.uow(), dt.date(2024, 1, 9), 3) == []
