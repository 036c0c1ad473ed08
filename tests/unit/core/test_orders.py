"""Order records: status mapping, limit quantization, fills from cumulative snapshots."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.core.errors import InvalidInput
from pas.core.orders import (
    BrokerOrder,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    fill_delta,
    map_status,
    quantize_limit,
)
from pas.core.strategies import check_order, check_schedule, check_universe

D = Decimal


@pytest.mark.parametrize(
    ("raw", "filled", "expected"),
    [
        ("new", "0", OrderStatus.new),
        ("pending_new", "0", OrderStatus.new),
        ("accepted", "0", OrderStatus.accepted),
        ("pending_cancel", "0", OrderStatus.accepted),
        ("pending_cancel", "3", OrderStatus.partially_filled),
        ("done_for_day", "1", OrderStatus.partially_filled),
        ("replaced", "0", OrderStatus.canceled),
        ("expired", "0", OrderStatus.expired),
        ("FILLED", "5", OrderStatus.filled),
    ],
)
def test_alpaca_statuses_map_onto_seven(raw: str, filled: str, expected: OrderStatus) -> None:
    assert map_status(raw, D(filled)) is expected


def test_unknown_status_is_refused() -> None:
    with pytest.raises(InvalidInput):
        map_status("exploded")


def test_limit_prices_are_quantized_on_the_passive_side() -> None:
    assert quantize_limit(D("123.456"), OrderSide.buy) == D("123.45")
    assert quantize_limit(D("123.451"), OrderSide.sell) == D("123.46")
    assert quantize_limit(D("0.123456"), OrderSide.buy) == D("0.1234")
    assert quantize_limit(D("0.00001"), OrderSide.buy) == D("0.0001")


def test_requests_check_their_shape() -> None:
    with pytest.raises(InvalidInput):
        OrderRequest("c", "A", OrderSide.buy, D(0))
    with pytest.raises(InvalidInput):
        OrderRequest("c", "A", OrderSide.buy, D(1), OrderType.limit, None)


def snap(filled: Decimal, avg: Decimal | None) -> BrokerOrder:
    return BrokerOrder(
        "id",
        "c",
        "A",
        OrderSide.buy,
        OrderType.market,
        D(100),
        OrderStatus.partially_filled,
        filled,
        avg,
    )


def test_fill_delta_recovers_the_increment_price() -> None:
    first = fill_delta(D(0), None, snap(D(40), D(10)))
    assert first is not None and (first.qty, first.price) == (40, D(10))
    second = fill_delta(D(40), D(10), snap(D(100), D(11.2)))
    assert second is not None and (second.qty, second.price) == (60, D(12))
    assert fill_delta(D(100), D("11.2"), snap(D(100), D("11.2"))) is None  # seen before
    assert fill_delta(D(100), D("11.2"), snap(D(40), D(10))) is None  # stale


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(100, 20000)), min_size=1, max_size=6))
def test_applying_snapshots_in_any_repetition_reproduces_the_fills(steps) -> None:  # type: ignore[no-untyped-def]
    cum, value, snaps = D(0), D(0), []
    for qty, cents in steps:
        cum += qty
        value += qty * D(cents) / 100
        snaps.append(snap(cum, (value / cum).quantize(D("0.000001"))))
    applied, avg, total = D(0), None, D(0)
    for s in [x for x in snaps for _ in range(2)] + snaps[:1]:  # duplicates and a stale one
        f = fill_delta(applied, avg, s)
        if f is not None:
            total += f.qty * f.price
            applied, avg = f.cum_qty, s.filled_avg_price
    assert applied == cum
    assert abs(total - value) <= D("0.0001") * len(steps) * cum


def test_strategy_checks() -> None:
    assert check_universe(["aapl", "MSFT", "AAPL"]) == ("AAPL", "MSFT")
    with pytest.raises(InvalidInput):
        check_universe([])
    with pytest.raises(InvalidInput):
        check_schedule("every day")
    assert check_order({"type": "limit"})["type"] == "limit"
    with pytest.raises(InvalidInput, match="unknown order setting"):
        check_order({"colour": "red"})
