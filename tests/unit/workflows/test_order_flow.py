"""Order life on the paper broker with the real embedded ledger: rebalance, fills, cancels."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from pas.bootstrap import Container
from pas.brokers.paper import PaperBroker
from pas.core.errors import Conflict, MissingPrice, Unfunded
from pas.core.orders import OrderStatus
from pas.database.repositories.paper_broker import SqlPaperStore
from pas.workflows.orders import OrderDesk
from pas.workflows.rebalance import rebalance
from pas.workflows.reconcile import reconcile
from pas.workflows.strategies import StrategySpec, create_strategy, delete_strategy
from tests.conftest import make_settings
from tests.fakes.prices import store_prices

D = Decimal
PRICES = {"AAA": 50.0, "BBB": 20.0, "CCC": 125.0}


@pytest.fixture
def trading(any_db_url: str, tmp_path: Path) -> Iterator[Container]:
    """A container on the paper broker and the embedded ledger (SQLite and MariaDB)."""
    c = Container(make_settings(any_db_url, tmp_path))
    c.init_schema()
    store_prices(c, PRICES)
    yield c
    c.close()


def strategy(
    c: Container,
    name: str = "alpha",
    cash: str | None = "100000",
    universe=("AAA", "BBB", "CCC"),
    **kw,
):  # type: ignore[no-untyped-def]
    spec = StrategySpec(name=name, universe=list(universe), scheme="equal_weight", cash=cash, **kw)
    return create_strategy(c.order_book, c.ledger, c.broker, spec, c.schemes())


def fixed(weights: dict[str, float]):  # type: ignore[no-untyped-def]
    return lambda _strategy: weights


def positions(c: Container) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for sleeve in c.ledger.sleeves():
        for p in sleeve.positions:
            out[p.symbol] = out.get(p.symbol, D(0)) + p.qty
    return out


def test_round_trip_fills_everything_and_reconciles(trading: Container) -> None:
    s = strategy(trading)
    result = rebalance(trading.order_desk, trading.uow(), s, trading.target_weights)
    assert result.orders and all(o.status is OrderStatus.filled for o in result.orders)
    assert positions(trading) == {p.symbol: p.qty for p in trading.broker.positions()}
    sleeve = trading.ledger.sleeve(s.sleeve_id)
    assert sleeve.reserved == 0 and sleeve.free_float >= 0
    spent = sum(o.filled_qty * o.filled_avg_price for o in result.orders)  # type: ignore[operator]
    assert sleeve.cash == D("100000") - spent
    assert trading.broker.cash() == trading.settings.broker.paper_cash - spent
    report = reconcile(trading.order_desk)
    assert report.ok, report.differences
    assert trading.ledger.verify().ok
    again = rebalance(trading.order_desk, trading.uow(), s, trading.target_weights, dry_run=True)
    # only the residue the reservation buffers held back is left to buy
    assert again.plan.sells == ()
    assert sum(o.notional for o in again.plan.buys) < D("0.01") * again.plan.equity


def test_sells_fill_before_the_second_wave_buys(trading: Container) -> None:
    s = strategy(trading)
    rebalance(trading.order_desk, trading.uow(), s, fixed({"AAA": 0.98}))
    result = rebalance(trading.order_desk, trading.uow(), s, fixed({"CCC": 0.98}))
    sides = [(o.side.value, o.symbol) for o in result.orders]
    assert sides[0] == ("sell", "AAA") and ("buy", "CCC") in sides
    assert result.second_plan is not None and result.plan.deferred
    held = {p.symbol: p.qty for p in trading.ledger.sleeve(s.sleeve_id).positions}
    assert set(held) == {"CCC"} and held["CCC"] * D("125") > D("90000")
    assert trading.ledger.sleeve(s.sleeve_id).free_float >= 0


def test_partial_fill_then_cancel_releases_exactly_the_remainder(trading: Container) -> None:
    paper = PaperBroker(
        SqlPaperStore(trading.engine),
        trading.latest_closes,
        D("1000000"),
        slippage_bps=D(0),
        partial_fill_fraction=D("0.25"),
    )
    desk = OrderDesk(trading.ledger, paper, trading.order_book)
    s = strategy(trading)
    result = rebalance(desk, trading.uow(), s, fixed({"AAA": 0.5}), wait_seconds=0)
    [order] = result.orders
    assert order.status is OrderStatus.partially_filled
    canceled = desk.cancel(order.id)  # another tranche may fill before the cancel lands
    assert canceled.status is OrderStatus.canceled
    assert order.filled_qty <= canceled.filled_qty < canceled.qty
    reservation = trading.ledger.reservation(order.reservation_id)
    assert reservation.filled_qty == canceled.filled_qty and reservation.remaining == 0
    after = trading.ledger.sleeve(s.sleeve_id)
    assert after.reserved == 0  # the unfilled remainder went back to the free float
    assert after.cash == D("100000") - canceled.filled_qty * D("50")
    assert [p.qty for p in after.positions] == [canceled.filled_qty]
    history = [e.status for e in trading.order_book.events(order.id)]
    assert history[0] is OrderStatus.new and history[-1] is OrderStatus.canceled


def test_the_same_fill_applied_twice_counts_once(trading: Container) -> None:
    s = strategy(trading)
    result = rebalance(trading.order_desk, trading.uow(), s, fixed({"BBB": 0.5}))
    [order] = result.orders
    snapshot = trading.broker.get_order(order.broker_order_id)  # type: ignore[arg-type]
    seq = trading.ledger.seq()
    for _ in range(3):
        trading.order_desk.apply(order, snapshot)
    assert trading.ledger.seq() == seq
    assert len(trading.order_book.fills(order.id)) == 1


def test_unfunded_sleeve_reports_the_shortfall(trading: Container) -> None:
    s = strategy(trading, cash="0")
    with pytest.raises(Unfunded) as info:
        rebalance(trading.order_desk, trading.uow(), s, fixed({"AAA": 0.5, "BBB": 0.5}))
    assert info.value.details["shortfall"] == "40.00"  # one BBB share at weight 0.5


def test_a_symbol_without_a_price_is_named(trading: Container) -> None:
    s = strategy(trading, universe=("AAA", "ZZZ"))
    with pytest.raises(MissingPrice, match="ZZZ"):
        rebalance(trading.order_desk, trading.uow(), s, fixed({"AAA": 0.5, "ZZZ": 0.5}))
    assert trading.order_book.orders() == []


def test_a_fill_the_ledger_missed_is_repaired_by_reconciliation(trading: Container) -> None:
    s = strategy(trading)
    cash = trading.settings.broker.paper_cash  # the account the ledger booked
    paper = PaperBroker(SqlPaperStore(trading.engine), trading.latest_closes, cash)
    desk = OrderDesk(trading.ledger, paper, trading.order_book)
    calls = {"n": 0}
    real_execute = trading.ledger.execute

    def crash_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            from pas.core.errors import JournalUnavailable

            raise JournalUnavailable("simulated crash between the order book and the ledger")
        return real_execute(*args, **kwargs)

    desk.ledger = type("Flaky", (), {})()  # a ledger whose first execute fails
    for name in (
        "reserve",
        "cancel",
        "reservation",
        "reservations",
        "sleeve",
        "sleeves",
        "create_sleeve",
        "totals",
    ):
        setattr(desk.ledger, name, getattr(trading.ledger, name))
    desk.ledger.execute = crash_once  # type: ignore[attr-defined]
    [order] = rebalance(desk, trading.uow(), s, fixed({"AAA": 0.5})).orders
    assert order.status is OrderStatus.filled
    assert trading.ledger.reservation(order.reservation_id).filled_qty == 0
    report = reconcile(desk)
    assert report.repaired == 1 and report.ok, report.differences
    assert trading.ledger.reservation(order.reservation_id).filled_qty == order.qty


def test_concurrent_rebalances_of_one_strategy_do_not_double_trade(trading: Container) -> None:
    import threading

    s = strategy(trading)
    weights = fixed({"AAA": 0.2, "BBB": 0.2})  # three of these would fit the free float
    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(rebalance(trading.order_desk, trading.uow(), s, weights))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = {p.symbol: p.qty for p in trading.ledger.sleeve(s.sleeve_id).positions}
    # 20,000 / 50 and 20,000 / 20: bought once, not three times
    assert held == {"AAA": D(400), "BBB": D(1000)}
    assert sum(len(r.orders) for r in results) == 2  # type: ignore[attr-defined]
    assert reconcile(trading.order_desk).ok


def test_deleting_a_strategy_with_open_orders_is_refused_or_cancels_them(
    trading: Container,
) -> None:
    # a buy limit 1% under the close rests open on the paper broker
    s = strategy(trading, order={"type": "limit", "limit_offset_bps": "-100"})
    result = rebalance(trading.order_desk, trading.uow(), s, fixed({"AAA": 0.5}))
    (order,) = result.orders
    assert order.is_open
    sleeve = trading.ledger.sleeve(s.sleeve_id)
    assert sleeve.free_float < sleeve.cash  # the open buy holds cash
    with pytest.raises(Conflict, match=rf"1 open order\(s\) \[{order.id}\]") as refused:
        delete_strategy(trading.order_desk, s.id)
    assert refused.value.details["orders"] == [{"id": order.id, "symbol": "AAA", "side": "buy"}]
    assert trading.order_book.strategy(s.id).name == "alpha"  # still there
    gone = delete_strategy(trading.order_desk, "alpha", cancel_orders=True)
    assert gone.id == s.id and trading.order_book.strategy_by_name("alpha") is None
    assert trading.order_book.order(order.id).status is OrderStatus.canceled
    sleeve = trading.ledger.sleeve(s.sleeve_id)
    assert sleeve.free_float == sleeve.cash  # the reservation was released


def test_cash_is_reconciled_and_a_fill_made_outside_the_broker_shows(trading: Container) -> None:
    from pas.workflows.ledger import ManualFill, manual_fill, totals

    s = strategy(trading)
    rebalance(trading.order_desk, trading.uow(), s, fixed({"AAA": 0.5}))
    booked = totals(trading.ledger, trading.broker)
    assert booked.account_cash == booked.broker_cash == trading.broker.cash()  # fills moved both
    assert reconcile(trading.order_desk).ok
    res, _ = trading.ledger.reserve(s.sleeve_id, "by-phone", "BBB", "buy", "10", "20")
    manual_fill(trading.ledger, res.id, ManualFill("10", "20.5", "0", "desk"), D(10), "key:1")
    report = reconcile(trading.order_desk)
    cash = [d for d in report.differences if d.kind == "cash"]
    assert not report.ok and len(cash) == 1
    assert D(cash[0].broker) - D(cash[0].ledger) == D("205")  # type: ignore[arg-type]
