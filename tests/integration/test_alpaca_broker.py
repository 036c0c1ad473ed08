"""AlpacaBroker with alpaca-py's real TradingClient against the loopback fake."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from pas.brokers import alpaca as alpaca_module
from pas.brokers.alpaca import AlpacaBroker, make_trading_client
from pas.brokers.alpaca_stream import TradeUpdates
from pas.core.errors import OrderRejected, UnknownOrder
from pas.core.orders import BrokerOrder, OrderRequest, OrderSide, OrderStatus, OrderType
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca, serve
from tests.fakes.alpaca_stream_server import serve_stream

D = Decimal


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with serve() as server:
        yield server


def make_broker(fake: FakeAlpaca, timeout: float = 2.0, **kw) -> AlpacaBroker:  # type: ignore[no-untyped-def]
    client = make_trading_client(KEY_ID, SECRET, paper=True, url_override=fake.url, timeout=timeout)
    return AlpacaBroker(client, retry_wait_seconds=0.01, **kw)


def req(cid: str, symbol: str = "AAPL", side: str = "buy", qty: str = "10", limit=None):  # type: ignore[no-untyped-def]
    kind = OrderType.market if limit is None else OrderType.limit
    return OrderRequest(
        cid, symbol, OrderSide(side), D(qty), kind, None if limit is None else D(limit)
    )


def test_market_order_fills_and_shows_in_positions_and_cash(fake: FakeAlpaca) -> None:
    fake.trading.auto_fill["AAPL"] = D("100.5")
    broker = make_broker(fake)
    order = broker.submit(req("c1"))
    assert order.status is OrderStatus.filled
    assert (order.filled_qty, order.filled_avg_price) == (10, D("100.5"))
    assert broker.get_order(order.id) == broker.get_order_by_client_id("c1")
    [pos] = broker.positions()
    assert (pos.symbol, pos.qty, pos.avg_entry_price) == ("AAPL", 10, D("100.5"))
    assert broker.cash() == D("100000") - D("1005")


def test_lost_answer_after_the_order_was_stored_gives_the_order_once(fake: FakeAlpaca) -> None:
    fake.trading.faults.append("drop")
    order = make_broker(fake).submit(req("lost"))
    assert order.client_order_id == "lost"
    assert fake.trading.submits == 1 and len(fake.trading.orders) == 1


def test_timeout_after_the_order_was_stored_gives_the_order_once(fake: FakeAlpaca) -> None:
    fake.trading.faults.append("hang")
    fake.trading.hang_seconds = 1.5
    started = time.monotonic()
    order = make_broker(fake, timeout=0.3).submit(req("slow"))
    assert time.monotonic() - started < 1.4  # the timeout fired; we did not wait for the server
    assert order.client_order_id == "slow"
    assert fake.trading.submits == 1 and len(fake.trading.orders) == 1


@pytest.mark.parametrize("fault", ["500", "502html"])
def test_5xx_then_success_sends_again_after_looking_up(fake: FakeAlpaca, fault: str) -> None:
    fake.trading.faults.append(fault)
    order = make_broker(fake).submit(req("retry"))
    assert order.status is OrderStatus.accepted
    assert fake.trading.submits == 2 and len(fake.trading.orders) == 1
    lookups = [r for r in fake.requests if r[1] == "/v2/orders:by_client_order_id"]
    assert len(lookups) == 1  # looked up before the resend


def test_reused_client_order_id_returns_the_first_order(fake: FakeAlpaca) -> None:
    broker = make_broker(fake)
    first = broker.submit(req("dup"))
    again = broker.submit(req("dup"))
    assert again.id == first.id and len(fake.trading.orders) == 1


def test_refusal_is_an_order_rejected(fake: FakeAlpaca) -> None:
    fake.trading.faults.append("403")
    with pytest.raises(OrderRejected, match="insufficient buying power"):
        make_broker(fake).submit(req("poor"))
    assert fake.trading.orders == {}


def test_limit_price_is_quantized_before_sending(fake: FakeAlpaca) -> None:
    broker = make_broker(fake)
    buy = broker.submit(req("lb", limit="123.456789"))
    sell = broker.submit(req("ls", side="sell", limit="0.123456"))
    assert buy.limit_price == D("123.45") and sell.limit_price == D("0.1235")
    assert buy.type is OrderType.limit


def test_cancel_passes_through_pending_cancel(fake: FakeAlpaca) -> None:
    broker = make_broker(fake)
    order = broker.submit(req("c"))
    fake.trading.fill(order.id, "4", "100")
    canceled = broker.cancel(order.id)
    assert canceled.status is OrderStatus.canceled and canceled.filled_qty == 4
    assert [e["data"]["event"] for e in fake.trading.events] == ["new", "partial_fill", "canceled"]


def test_cancel_after_a_fill_returns_the_filled_order(fake: FakeAlpaca) -> None:
    broker = make_broker(fake)
    order = broker.submit(req("f"))
    fake.trading.fill(order.id, "10", "100")
    assert broker.cancel(order.id).status is OrderStatus.filled
    with pytest.raises(UnknownOrder):
        broker.cancel("00000000-0000-4000-8000-000000000000")


def test_list_orders_pages_through_everything(
    fake: FakeAlpaca, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alpaca_module, "PAGE_LIMIT", 2)
    broker = make_broker(fake)
    placed = [broker.submit(req(f"p{i}", qty="1")) for i in range(5)]
    fake.trading.fill(placed[0].id, "1", "10")
    assert [o.client_order_id for o in broker.list_orders("all")] == [f"p{i}" for i in range(5)]
    assert len(broker.list_orders("open")) == 4
    assert [o.client_order_id for o in broker.list_orders("closed")] == ["p0"]
    listings = [r for r in fake.requests if r[0] == "GET" and r[1] == "/v2/orders"]
    assert listings[0][2]["status"] == ["all"]


def test_trade_updates_stream_delivers_fills_and_duplicates(fake: FakeAlpaca) -> None:
    with serve_stream(fake.trading) as ws:
        stream = TradeUpdates(KEY_ID, SECRET, url_override=ws.url)
        broker = make_broker(fake, stream=stream)
        seen: list[BrokerOrder] = []
        broker.add_listener(seen.append)
        assert ws.listening.wait(10)
        order = broker.submit(req("s"))
        event = fake.trading.fill(order.id, "10", "99.5")
        fake.trading.emit(event)  # delivered twice
        _wait(lambda: len(seen) >= 3)
        broker.close()
    assert [o.status for o in seen] == [
        OrderStatus.accepted,
        OrderStatus.filled,
        OrderStatus.filled,
    ]
    assert seen[-1].filled_avg_price == D("99.5")


def _wait(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
