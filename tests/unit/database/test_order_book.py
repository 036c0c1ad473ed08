"""The order book repository on SQLite and MariaDB: strategies, orders, fills, history."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from pas.core.errors import Conflict, NotFound, UnknownOrder
from pas.core.orders import OrderFill, OrderRecord, OrderSide, OrderStatus, OrderType
from pas.core.strategies import Strategy
from pas.database.init_db import init_db
from pas.database.repositories.order_book import SqlOrderBook
from pas.database.session import make_engine

D = Decimal


@pytest.fixture
def book(any_db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(any_db_url)
    init_db(engine)
    yield SqlOrderBook(engine)
    engine.dispose()


def draft(cid: str = "c1", qty: str = "10") -> OrderRecord:
    return OrderRecord(
        0, cid, 1, 2, 3, "paper", "AAPL", OrderSide.buy, OrderType.market,
        D(qty), None, D("101"), OrderStatus.new,
    )  # fmt: skip


def fill(order: OrderRecord, qty: str, price: str, cum: str) -> OrderFill:
    return OrderFill(order.id, D(qty), D(price), D(cum), dt.datetime.now(dt.UTC))


def test_strategies_crud(book: SqlOrderBook) -> None:
    s = book.add_strategy(
        Strategy(
            0,
            "Growth",
            7,
            ("AAPL", "MSFT"),
            "max_sharpe",
            {"lookback": 252},
            "0 15 * * 1",
            {"type": "limit"},
        )
    )
    assert s.id > 0 and book.strategy(s.id) == s and book.strategy_by_name("Growth") == s
    assert s.universe == ("AAPL", "MSFT") and s.params == {"lookback": 252}
    with pytest.raises(Conflict):
        book.add_strategy(Strategy(0, "Growth", 8, ("A",), "hrp"))
    assert [x.name for x in book.strategies()] == ["Growth"]
    assert book.delete_strategy(s.id) == s
    with pytest.raises(NotFound):
        book.strategy(s.id)


def test_orders_record_fills_once_and_keep_history(book: SqlOrderBook) -> None:
    order = book.add_order(draft())
    assert book.add_order(draft()).id == order.id  # same client id, same order
    accepted = book.record(order, status=OrderStatus.accepted, broker_order_id="b-1")
    assert accepted is not None and accepted.broker_order_id == "b-1"
    part = book.record(
        accepted, status=OrderStatus.partially_filled, fill=fill(order, "4", "100", "4")
    )
    assert part is not None and (part.filled_qty, part.filled_avg_price) == (4, D("100"))
    # a second writer that read the order before the fill loses the compare-and-set
    assert (
        book.record(
            accepted, status=OrderStatus.partially_filled, fill=fill(order, "4", "100", "4")
        )
        is None
    )
    done = book.record(part, status=OrderStatus.filled, fill=fill(order, "6", "105", "10"))
    assert done is not None and done.filled_avg_price == D("103")
    stored = book.order(order.id)
    assert (stored.status, stored.filled_qty, stored.filled_avg_price) == (
        OrderStatus.filled,
        10,
        D("103"),
    )
    assert [(f.qty, f.cum_qty) for f in book.fills(order.id)] == [(4, 4), (6, 10)]
    history = [(e.status, e.filled_qty) for e in book.events(order.id)]
    assert history == [
        (OrderStatus.new, 0),
        (OrderStatus.accepted, 0),
        (OrderStatus.partially_filled, 4),
        (OrderStatus.filled, 10),
    ]
    assert [o.id for o in book.orders(status="closed")] == [order.id]
    assert book.orders(status="open") == [] and book.orders(strategy_id=99) == []
    with pytest.raises(UnknownOrder):
        book.order(12345)


def test_concurrent_writers_apply_a_fill_once(book: SqlOrderBook) -> None:
    order = book.add_order(draft("race"))
    results: list[object] = []

    def apply() -> None:
        results.append(
            book.record(order, status=OrderStatus.filled, fill=fill(order, "10", "100", "10"))
        )

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    assert len(book.fills(order.id)) == 1
