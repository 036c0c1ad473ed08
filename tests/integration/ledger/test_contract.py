"""One contract, every backend: the semantics of DESIGN.md "The ledger"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pas.core.errors import (
    DuplicateClientId,
    DuplicateSleeve,
    InsufficientFreeFloat,
    InsufficientPosition,
    InvalidAmount,
    OverFill,
    ReservationClosed,
    UnknownReservation,
    UnknownSleeve,
)
from pas.core.ledger import Status
from tests.integration.ledger.conftest import ACCOUNT, funded

D = Decimal


def test_create_sleeve_takes_unallocated_cash(ledger: Any) -> None:
    sid = funded(ledger, "2500000")
    s = ledger.sleeve(sid)
    assert (s.name, s.cash, s.reserved, s.free_float) == ("alpha", D(2500000), 0, D(2500000))
    assert ledger.sleeve("alpha").id == sid
    totals = ledger.totals(ACCOUNT)
    assert totals.unallocated == D(7500000) and totals.sleeves == 1
    with pytest.raises(InsufficientFreeFloat) as err:
        ledger.create_sleeve("beta", "7500000.01", ACCOUNT)
    assert err.value.details["needed"] == "7500000.01"
    assert err.value.details["available"] == "7500000"
    with pytest.raises(DuplicateSleeve):
        ledger.create_sleeve("alpha", "1", ACCOUNT)
    assert [s.name for s in ledger.sleeves()] == ["alpha"]


def test_transfer_between_sleeves_and_unallocated(ledger: Any) -> None:
    a, b = funded(ledger, "1000", "a"), funded(ledger, "0", "b")
    ledger.transfer(a, b, "400.5", ACCOUNT)
    assert (ledger.sleeve(a).cash, ledger.sleeve(b).cash) == (D("599.5"), D("400.5"))
    with pytest.raises(InsufficientFreeFloat) as err:
        ledger.transfer(a, b, "599.500001", ACCOUNT)
    assert err.value.details == {"needed": "599.500001", "available": "599.5", "sleeve": a}
    ledger.transfer(None, b, "100", ACCOUNT)
    ledger.transfer(b, None, "0.5", ACCOUNT)
    assert ledger.sleeve(b).cash == D(500)
    assert ledger.totals(ACCOUNT).cash == D("1099.5")
    with pytest.raises(UnknownSleeve):
        ledger.transfer(a, 99, "1", ACCOUNT)
    with pytest.raises(InvalidAmount):
        ledger.transfer(a, a, "1", ACCOUNT)


@pytest.mark.parametrize("bad", ["0", "-1", "NaN", "Infinity", "1.0000001", "abc", 1.5])
def test_bad_amounts_are_refused(ledger: Any, bad: Any) -> None:
    sid = funded(ledger)
    with pytest.raises(InvalidAmount):
        ledger.reserve(sid, "c", "AAPL", "buy", bad, "10")
    with pytest.raises(InvalidAmount):
        ledger.reserve(sid, "c", "AAPL", "buy", "1", bad)
    assert ledger.seq() == 1


def test_buy_reserves_with_fee_buffer_and_is_idempotent(ledger: Any) -> None:
    sid = funded(ledger, "10000")
    res, created = ledger.reserve(sid, "o-1", "aapl", "buy", "10", "150.25")
    # 10 x 150.25 x (1 + 10 / 10,000) = 1504.0025
    assert created and res.amount == D("1504.0025") and res.symbol == "AAPL"
    again, created_again = ledger.reserve(sid, "o-1", "AAPL", "buy", "10", "150.25")
    assert not created_again and again.id == res.id and again.seq == res.seq
    with pytest.raises(DuplicateClientId):
        ledger.reserve(sid, "o-1", "AAPL", "buy", "11", "150.25")
    s = ledger.sleeve(sid)
    assert (s.reserved, s.free_float) == (D("1504.0025"), D("8495.9975"))
    with pytest.raises(InsufficientFreeFloat) as err:
        ledger.reserve(sid, "o-2", "MSFT", "buy", "100", "100")
    assert err.value.details["needed"] == "10010" and err.value.details["available"] == "8495.9975"
    assert [r.id for r in ledger.reservations(sid, "open")] == [res.id]


def test_partial_fills_average_cost_and_release(ledger: Any) -> None:
    sid = funded(ledger, "10000")
    res, _ = ledger.reserve(sid, "b1", "KO", "buy", "10", "60")  # reserves 600.6
    first = ledger.execute(res.id, "4", "59.5", "1")
    assert first.amount == D("239") and first.released == 0
    assert first.reservation.remaining == D("361.6") and first.reservation.status is Status.open
    last = ledger.execute(res.id, "6", "59", "1")
    assert last.amount == D("355") and last.released == D("6.6")
    assert last.reservation.status is Status.filled and last.reservation.remaining == 0
    s = ledger.sleeve(sid)
    assert (s.cash, s.reserved) == (D("9406"), D(0))
    (pos,) = s.positions
    assert (pos.symbol, pos.qty, pos.cost, pos.avg_cost) == ("KO", D(10), D(594), D("59.4"))
    with pytest.raises(ReservationClosed):
        ledger.execute(res.id, "1", "59", "0")


def test_sell_realises_pnl_against_average_cost(ledger: Any) -> None:
    sid = funded(ledger, "10000")
    buy, _ = ledger.reserve(sid, "b", "PG", "buy", "3", "100")
    ledger.execute(buy.id, "3", "100", "0")  # cost 300 for 3 shares
    with pytest.raises(InsufficientPosition) as err:
        ledger.reserve(sid, "s0", "PG", "sell", "4", "120")
    assert err.value.details["needed"] == "4" and err.value.details["available"] == "3"
    sell, _ = ledger.reserve(sid, "s1", "PG", "sell", "2", "120")
    assert ledger.sleeve(sid).positions[0].qty_reserved == D(2)
    with pytest.raises(InsufficientPosition):
        ledger.reserve(sid, "s2", "PG", "sell", "1.5", "120")
    with pytest.raises(OverFill) as over:
        ledger.execute(sell.id, "2.5", "120", "0")
    assert over.value.details["available"] == "2"
    fill = ledger.execute(sell.id, "2", "121", "2")  # proceeds 240, basis removed 200
    assert fill.realized_pnl == D(40) and fill.amount == D(240)
    s = ledger.sleeve(sid)
    assert (s.cash, s.realized_pnl) == (D(9940), D(40))
    assert (s.positions[0].qty, s.positions[0].cost, s.positions[0].qty_reserved) == (1, 100, 0)
    last, _ = ledger.reserve(sid, "s3", "PG", "sell", "1", "90")
    ledger.execute(last.id, "1", "90", "0")
    assert ledger.sleeve(sid).positions == () and ledger.sleeve(sid).realized_pnl == D(30)


def test_cancel_releases_the_remainder(ledger: Any) -> None:
    sid = funded(ledger, "10000")
    res, _ = ledger.reserve(sid, "c1", "XOM", "buy", "10", "100")  # 1001
    ledger.execute(res.id, "5", "100", "0")
    cancelled = ledger.cancel(res.id)
    assert cancelled.status is Status.cancelled and cancelled.remaining == 0
    s = ledger.sleeve(sid)
    assert (s.cash, s.reserved, s.free_float) == (D(9500), 0, D(9500))
    with pytest.raises(ReservationClosed):
        ledger.cancel(res.id)
    with pytest.raises(UnknownReservation):
        ledger.cancel(999)
    with pytest.raises(UnknownReservation):
        ledger.execute(999, "1", "1", "0")
    sell, _ = ledger.reserve(sid, "c2", "XOM", "sell", "5", "110")
    ledger.cancel(sell.id)
    assert ledger.sleeve(sid).positions[0].qty_reserved == 0
    assert [r.status for r in ledger.reservations(sid)] == [Status.cancelled, Status.cancelled]


def test_fill_beyond_reservation_uses_free_float_or_is_refused(ledger: Any) -> None:
    sid = funded(ledger, "1010")
    res, _ = ledger.reserve(sid, "x", "GE", "buy", "10", "100")  # 1001 of 1010
    with pytest.raises(InsufficientFreeFloat):
        ledger.execute(res.id, "10", "100", "10.000001")  # 1001 reserved + 9 free is short
    ledger.execute(res.id, "10", "100", "10")
    assert ledger.sleeve(sid).cash == 0 and ledger.sleeve(sid).reserved == 0


def test_events_are_gapless_and_replay_to_the_same_state(ledger: Any) -> None:
    sid = funded(ledger, "5000")
    res, _ = ledger.reserve(sid, "e1", "JNJ", "buy", "2", "150")
    ledger.execute(res.id, "1", "149", "0.25")
    ledger.cancel(res.id)
    events = ledger.events()
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.kind for e in events] == ["sleeve_created", "reserved", "executed", "cancelled"]
    assert events[2].data["amount"] == "149.250000" and events[3].data["released"] == "151.050000"
    assert [e.seq for e in ledger.events(since=2)] == [3, 4]
    report = ledger.verify()
    assert report.ok, report
    assert (report.seq, report.events) == (4, 4)


def test_listeners_see_each_acknowledged_event(ledger: Any) -> None:
    seen: list[int] = []
    ledger.add_listener(lambda e: seen.append(e.seq))
    sid = funded(ledger)
    ledger.reserve(sid, "l", "HD", "buy", "1", "10")
    ledger.reserve(sid, "l", "HD", "buy", "1", "10")  # a repeat makes no event
    assert seen == [1, 2]
