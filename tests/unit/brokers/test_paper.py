"""The paper broker on both stores (memory, SQL on SQLite; tests/integration: MariaDB)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pas.brokers.paper import PaperBroker
from pas.brokers.paper_store import MemoryPaperStore
from pas.core.errors import UnknownOrder
from pas.core.orders import BrokerOrder, OrderRequest, OrderSide, OrderStatus, OrderType
from pas.database.init_db import init_db
from pas.database.repositories.paper_broker import SqlPaperStore
from pas.database.session import make_engine

D = Decimal


class Prices:
    """A settable price source."""

    def __init__(self, **closes: str) -> None:
        self.closes = {k: D(v) for k, v in closes.items()}

    def __call__(self, symbols):  # type: ignore[no-untyped-def]
        return {s: self.closes[s] for s in symbols if s in self.closes}


@pytest.fixture(params=["memory", "sqlite"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Return a function that opens the same store again (a restart, for SQL)."""
    if request.param == "memory":
        store = MemoryPaperStore()
        yield lambda: store
        return
    yield from sql_store(f"sqlite:///{tmp_path / 'paper.db'}")


def sql_store(url: str):  # type: ignore[no-untyped-def]
    """Yield a function opening the SQL store on `url` (a migrated database) again."""
    engine = make_engine(url)
    init_db(engine)
    yield lambda: SqlPaperStore(engine)
    engine.dispose()


def req(cid: str, symbol: str = "AAPL", side: str = "buy", qty: str = "10", limit=None):  # type: ignore[no-untyped-def]
    kind = OrderType.market if limit is None else OrderType.limit
    return OrderRequest(
        cid, symbol, OrderSide(side), D(qty), kind, None if limit is None else D(limit)
    )


def broker(store, prices, **kw) -> PaperBroker:  # type: ignore[no-untyped-def]
    return PaperBroker(store, prices, D("100000"), slippage_bps=D("10"), **kw)


def test_market_buy_fills_at_close_plus_slippage_and_moves_cash(store_factory) -> None:  # type: ignore[no-untyped-def]
    b = broker(store_factory(), Prices(AAPL="100"))
    order = b.submit(req("c1"))
    assert order.status is OrderStatus.filled
    assert order.filled_qty == 10 and order.filled_avg_price == D("100.1")
    assert b.cash() == D("100000") - D("1001")
    [pos] = b.positions()
    assert (pos.symbol, pos.qty, pos.avg_entry_price) == ("AAPL", 10, D("100.1"))


def test_sell_fills_below_close_and_keeps_average_cost(store_factory) -> None:  # type: ignore[no-untyped-def]
    prices = Prices(AAPL="100")
    b = broker(store_factory(), prices)
    b.submit(req("c1", qty="10"))
    prices.closes["AAPL"] = D("120")
    sold = b.submit(req("c2", side="sell", qty="4"))
    assert sold.filled_avg_price == D("119.88")
    [pos] = b.positions()
    assert pos.qty == 6 and pos.avg_entry_price == D("100.1")
    assert b.cash() == D("100000") - D("1001") + 4 * D("119.88")


def test_submit_is_idempotent_on_client_order_id(store_factory) -> None:  # type: ignore[no-untyped-def]
    b = broker(store_factory(), Prices(AAPL="100"))
    first = b.submit(req("same"))
    again = b.submit(req("same"))
    assert again.id == first.id
    assert len(b.list_orders()) == 1 and b.positions()[0].qty == 10


def test_limit_order_waits_until_the_price_crosses(store_factory) -> None:  # type: ignore[no-untyped-def]
    prices = Prices(AAPL="100")
    b = broker(store_factory(), prices)
    order = b.submit(req("lim", limit="95"))
    assert order.status is OrderStatus.accepted and order.filled_qty == 0
    assert [o.id for o in b.list_orders("open")] == [order.id]
    prices.closes["AAPL"] = D("94")
    filled = b.get_order(order.id)
    assert filled.status is OrderStatus.filled and filled.filled_avg_price == D("94.094")
    assert b.list_orders("open") == [] and len(b.list_orders("closed")) == 1


def test_partial_fills_then_cancel_keeps_the_filled_part(store_factory) -> None:  # type: ignore[no-untyped-def]
    b = broker(store_factory(), Prices(AAPL="100"), partial_fill_fraction=D("0.3"))
    seen: list[BrokerOrder] = []
    b.add_listener(seen.append)
    order = b.submit(req("p", qty="10"))
    assert order.status is OrderStatus.partially_filled and order.filled_qty == 3
    order = b.get_order(order.id)
    assert order.filled_qty == 6
    canceled = b.cancel(order.id)
    assert canceled.status is OrderStatus.canceled and canceled.filled_qty == 6
    assert b.get_order(order.id).filled_qty == 6  # a read after cancel fills nothing more
    assert [o.filled_qty for o in seen] == [3, 6, 6]
    assert b.positions()[0].qty == 6


def test_cancel_of_a_filled_order_returns_it_filled(store_factory) -> None:  # type: ignore[no-untyped-def]
    b = broker(store_factory(), Prices(AAPL="100"))
    order = b.submit(req("f"))
    assert b.cancel(order.id).status is OrderStatus.filled


def test_no_price_leaves_a_market_order_open(store_factory) -> None:  # type: ignore[no-untyped-def]
    prices = Prices()
    b = broker(store_factory(), prices)
    order = b.submit(req("np", symbol="ZZZ"))
    assert order.status is OrderStatus.accepted
    prices.closes["ZZZ"] = D("10")
    assert b.get_order_by_client_id("np").status is OrderStatus.filled  # type: ignore[union-attr]


def test_unknown_order(store_factory) -> None:  # type: ignore[no-untyped-def]
    b = broker(store_factory(), Prices())
    with pytest.raises(UnknownOrder):
        b.get_order("nope")
    assert b.get_order_by_client_id("nope") is None


def test_state_survives_a_restart(store_factory, request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    prices = Prices(AAPL="100", MSFT="50")
    b = broker(store_factory(), prices)
    b.submit(req("a", qty="2"))
    b.submit(req("m", symbol="MSFT", qty="3"))
    open_one = b.submit(req("l", limit="1"))
    again = broker(store_factory(), prices)
    assert again.cash() == b.cash()
    assert again.positions() == b.positions()
    assert again.get_order(open_one.id).status is OrderStatus.accepted
    assert [o.client_order_id for o in again.list_orders()] == ["a", "m", "l"]


def test_list_orders_pages_by_submission_time(store_factory) -> None:  # type: ignore[no-untyped-def]
    b = broker(store_factory(), Prices(AAPL="100"))
    orders = [b.submit(req(f"c{i}", qty="1")) for i in range(5)]
    after = orders[1].submitted_at
    page = b.list_orders("all", after=after, until=orders[3].submitted_at)
    assert [o.client_order_id for o in page] == ["c2", "c3"]
    assert [o.client_order_id for o in b.list_orders(symbols=["MSFT"])] == []
