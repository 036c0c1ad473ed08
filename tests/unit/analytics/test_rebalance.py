"""The rebalance planner: closed-form cases and Hypothesis properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pas.analytics.rebalance import Book, OrderSettings, buy_cash, plan_rebalance
from pas.core.errors import InvalidInput, MissingPrice, Unfunded
from pas.core.orders import OrderSide, OrderType

D = Decimal
FREE = OrderSettings(cost_bps=D(0), fee_buffer_bps=D(0), market_buffer_bps=D(0))


def test_cash_sleeve_buys_each_target_rounded_down_to_whole_shares() -> None:
    book = Book(cash=D("10000"), free_float=D("10000"))
    plan = plan_rebalance(book, {"A": 0.5, "B": 0.3}, {"A": D("33"), "B": D("7")}, FREE)
    # 5000 / 33 = 151.5 -> 151; 3000 / 7 = 428.57 -> 428
    assert [(o.symbol, o.side, o.qty) for o in plan.orders] == [
        ("A", OrderSide.buy, 151),
        ("B", OrderSide.buy, 428),
    ]
    assert plan.deferred == ()
    assert plan.cash_after == D("10000") - 151 * 33 - 428 * 7
    assert plan.weights_after["A"] == pytest.approx(151 * 33 / 10000)


def test_sells_come_first_and_buys_needing_proceeds_are_deferred() -> None:
    book = Book(cash=D("100"), free_float=D("100"), held={"A": D("100")})
    plan = plan_rebalance(book, {"B": 1.0}, {"A": D("10"), "B": D("20")}, FREE)
    assert [(o.symbol, o.side, o.qty, o.wave) for o in plan.orders] == [
        ("A", OrderSide.sell, 100, 1),
        ("B", OrderSide.buy, 5, 1),  # 100 of free float buys 5 now
    ]
    assert [(o.symbol, o.qty, o.wave) for o in plan.deferred] == [("B", 50, 2)]
    assert plan.weights_after == {"B": pytest.approx(1.0)}


def test_partial_sell_keeps_the_target_and_never_sells_shares_not_free() -> None:
    book = Book(cash=D(0), free_float=D(0), held={"A": D("100")}, free={"A": D("80")})
    plan = plan_rebalance(book, {"A": 0.4}, {"A": D("10")}, FREE)
    [sell] = plan.orders  # 20 are being sold already: 80 -> 40
    assert (sell.side, sell.qty) == (OrderSide.sell, 40)
    busy = Book(D(0), D(0), {"A": D("100")}, {"A": D("100")}, pending_buy={"A": D("50")})
    [sell] = plan_rebalance(busy, {"A": 0.4}, {"A": D("10")}, FREE).orders
    assert sell.qty == 100  # wants 150 - 40 = 110, capped by the 100 free


def test_open_orders_count_as_filled_so_planning_again_trades_nothing_twice() -> None:
    prices = {"A": D("10"), "B": D("20")}
    book = Book(cash=D("100"), free_float=D("100"), held={"A": D("100")})
    first = plan_rebalance(book, {"A": 0.5, "B": 0.5}, prices, FREE)
    [sell, buy] = first.orders
    # the sell (reserved) and the buy (cash reserved) are working at the broker
    working = Book(
        cash=D("100"),
        free_float=D("100") - buy.notional,
        held={"A": D("100")},
        free={"A": D("100") - sell.qty},
        pending_buy={"B": buy.qty},
    )
    again = plan_rebalance(working, {"A": 0.5, "B": 0.5}, prices, FREE)
    assert again.orders == () and again.deferred == ()  # nothing traded twice
    sold = Book(
        cash=D("100") + sell.notional,
        free_float=D("100") + sell.notional - buy.notional,
        held={"A": D("100") - sell.qty},
        pending_buy={"B": buy.qty},
    )
    [rest] = plan_rebalance(sold, {"A": 0.5, "B": 0.5}, prices, FREE).orders
    assert (rest.symbol, rest.qty + buy.qty) == ("B", 27)  # 550 / 20, once


def test_minimum_trade_value_and_cash_buffer() -> None:
    s = OrderSettings(
        min_trade_value=D("400"),
        cash_buffer=D("0.1"),
        cost_bps=D(0),
        fee_buffer_bps=D(0),
        market_buffer_bps=D(0),
    )
    book = Book(cash=D("1000"), free_float=D("1000"), held={"A": D("10")})
    plan = plan_rebalance(book, {"A": 0.5, "B": 0.5}, {"A": D("10"), "B": D("1")}, s)
    # equity 1100, investable 990: A wants 49.5 -> buy 39 (390 < 400, skipped); B 495 -> 495
    assert [(o.symbol, o.qty) for o in plan.orders] == [("B", 495)]
    assert [sym for sym, _ in plan.skipped] == ["A"]


def test_limit_orders_get_an_offset_quantized_limit_and_reserve_at_it() -> None:
    s = OrderSettings(order_type=OrderType.limit, limit_offset_bps=D(10))
    book = Book(cash=D("10000"), free_float=D("10000"), held={"X": D("10")})
    plan = plan_rebalance(book, {"A": 1.0}, {"A": D("123.457"), "X": D("0.5")}, s)
    sell, buy = plan.orders
    assert sell.limit_price == D("0.4995") and sell.side is OrderSide.sell
    assert buy.limit_price == D("123.58") and buy.reserve_price == D("123.58")


def test_fractional_shares_round_to_the_fraction_step() -> None:
    s = OrderSettings(fractional=True, cost_bps=D(0), fee_buffer_bps=D(0), market_buffer_bps=D(0))
    plan = plan_rebalance(Book(D("1000"), D("1000")), {"A": 1.0}, {"A": D("300")}, s)
    assert plan.orders[0].qty == D("3.3333")


def test_missing_price_names_the_symbols() -> None:
    with pytest.raises(MissingPrice, match="B, C") as info:
        plan_rebalance(
            Book(D("1000"), D("1000"), {"C": D(1)}), {"A": 0.5, "B": 0.5}, {"A": D(1)}, FREE
        )
    assert info.value.details["symbols"] == ["B", "C"]


def test_an_unfunded_sleeve_reports_its_shortfall() -> None:
    with pytest.raises(Unfunded) as info:
        plan_rebalance(
            Book(D("0"), D("0")), {"A": 0.5, "B": 0.5}, {"A": D("100"), "B": D("40")}, FREE
        )
    # one B share at weight 0.5 needs equity 80
    assert info.value.details == {"needed": "80.00", "available": "0.00", "shortfall": "80.00"}


def test_bad_weights_are_refused() -> None:
    with pytest.raises(InvalidInput):
        plan_rebalance(Book(D(1), D(1)), {"A": 0.7, "B": 0.7}, {"A": D(1), "B": D(1)}, FREE)


symbols = st.sampled_from(["A", "B", "C", "D"])
money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
price = st.decimals(
    min_value="0.5", max_value=2000, places=2, allow_nan=False, allow_infinity=False
)
qty = st.integers(min_value=0, max_value=500).map(D)


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    prices = {s: draw(price) for s in ["A", "B", "C", "D"]}
    held = draw(st.dictionaries(symbols, qty, max_size=4))
    free = {s: D(draw(st.integers(0, int(q)))) for s, q in held.items()}
    cash = draw(money)
    reserved = draw(st.decimals(min_value=0, max_value=cash, places=2))
    raw = draw(st.dictionaries(symbols, st.floats(0, 1), min_size=1, max_size=4))
    total = sum(raw.values()) or 1.0
    targets = {s: w / total * draw(st.floats(0.5, 1.0)) for s, w in raw.items()}
    s = OrderSettings(
        fractional=draw(st.booleans()),
        min_trade_value=draw(st.sampled_from([D(0), D(1), D(100)])),
        cash_buffer=draw(st.sampled_from([D(0), D("0.02")])),
        order_type=draw(st.sampled_from(list(OrderType))),
    )
    pending = draw(st.dictionaries(symbols, qty, max_size=2))
    return Book(cash, cash - reserved, held, free, pending), targets, prices, s


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_plans_never_overspend_never_oversell(case) -> None:  # type: ignore[no-untyped-def]
    book, targets, prices, s = case
    try:
        plan = plan_rebalance(book, targets, prices, s)
    except Unfunded as exc:
        assert D(exc.details["available"]) < D(exc.details["needed"])
        return
    wave1_cash = sum((buy_cash(o, s) for o in plan.buys), D(0))
    assert wave1_cash <= book.free_float  # never spends cash it does not have now
    proceeds = sum((o.notional - o.expected_cost for o in plan.sells), D(0))
    wave2_cash = sum((buy_cash(o, s) for o in plan.deferred), D(0))
    assert wave1_cash + wave2_cash <= book.free_float + proceeds
    sides = [o.side for o in plan.orders]
    assert sides == sorted(sides, key=lambda x: x is OrderSide.buy)  # sells first
    for o in plan.sells:
        assert o.qty <= book.free_qty(o.symbol)  # never sells more than held and free
    for o in (*plan.orders, *plan.deferred):
        assert o.qty > 0 and o.notional >= s.min_trade_value
        if o.side is OrderSide.buy:
            assert o.qty % s.step == 0
    assert sum(plan.weights_after.values()) <= 1 + 1e-9


def _closes() -> dict[str, Decimal]:
    return {
        s: Decimal(p)
        for s, p in zip("ABCDE", ["101.3", "55.2", "230.1", "17.9", "88.8"], strict=True)
    }


def test_buys_scaled_to_the_free_float_are_orders_not_skips() -> None:
    """Market buys reserve a price buffer, so a fully invested target is scaled down: every
    symbol is bought, a share or two short, and none is reported as skipped."""
    book = Book(cash=Decimal(100_000), free_float=Decimal(100_000))
    plan = plan_rebalance(book, dict.fromkeys("ABCDE", 0.2), _closes(), OrderSettings())
    assert {o.symbol for o in plan.orders} == set("ABCDE") and not plan.deferred
    assert plan.skipped == ()


def test_a_minimum_trade_size_in_weight_stops_residual_churn() -> None:
    closes, targets = _closes(), dict.fromkeys("ABCDE", 0.2)
    settings = OrderSettings(min_trade_value=Decimal(100), min_trade_weight=Decimal("0.005"))
    first = plan_rebalance(Book(Decimal(100_000), Decimal(100_000)), targets, closes, settings)
    held = {o.symbol: o.qty for o in first.orders}
    cash = Decimal(100_000) - sum((o.notional + o.expected_cost for o in first.orders), Decimal(0))
    again = Book(cash, cash, held, held)
    churn = plan_rebalance(again, targets, closes, OrderSettings(min_trade_value=Decimal(100)))
    assert churn.orders  # by value alone, 1-2 share top-ups trade again
    quiet = plan_rebalance(again, targets, closes, settings)
    assert quiet.orders == ()
    assert {sym for sym, _ in quiet.skipped} == set("ABCDE")
    assert all("under the minimum trade size" in why for _, why in quiet.skipped)
    with pytest.raises(InvalidInput, match="min_trade_weight"):
        OrderSettings(min_trade_weight=Decimal(1))
