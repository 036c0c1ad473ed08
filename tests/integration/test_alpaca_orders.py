"""Order routing through alpaca-py's real clients against the loopback fake, with the ledger."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pas.bootstrap import Container
from pas.core.orders import OrderStatus
from pas.workflows.rebalance import rebalance
from pas.workflows.reconcile import reconcile
from pas.workflows.strategies import StrategySpec, create_strategy
from tests.conftest import make_settings
from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca, serve
from tests.fakes.alpaca_stream_server import StreamServer, serve_stream
from tests.fakes.prices import store_prices

D = Decimal
CLOSES = {"AAA": 50.0, "BBB": 20.0}


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with serve() as server:
        server.trading.cash = D("1000000")
        yield server


@pytest.fixture
def stream(fake: FakeAlpaca) -> Iterator[StreamServer]:
    with serve_stream(fake.trading) as ws:
        yield ws


def alpaca_container(db_url: str, tmp_path: Path, fake: FakeAlpaca, ws: str | None) -> Container:
    alpaca: dict[str, Any] = {
        "key_id": KEY_ID,
        "secret_key": SECRET,
        "url_override": fake.url,
        "timeout_seconds": 1.0,
    }
    if ws is not None:
        alpaca.update(stream_enabled=True, stream_url_override=ws)
    c = Container(make_settings(db_url, tmp_path, broker={"kind": "alpaca"}, alpaca=alpaca))
    c.init_schema()
    store_prices(c, CLOSES)
    return c


@pytest.fixture
def polled(sqlite_url: str, tmp_path: Path, fake: FakeAlpaca) -> Iterator[Container]:
    """A container on Alpaca without the stream: fills arrive by polling only."""
    c = alpaca_container(sqlite_url, tmp_path, fake, None)
    yield c
    c.close()


@pytest.fixture
def streamed(
    sqlite_url: str, tmp_path: Path, fake: FakeAlpaca, stream: StreamServer
) -> Iterator[Container]:
    """A container on Alpaca with the trade-updates stream running."""
    c = alpaca_container(sqlite_url, tmp_path, fake, stream.url)
    c.order_desk  # noqa: B018  (builds the broker, starts the stream, listens)
    assert stream.listening.wait(10)
    yield c
    c.close()


def strategy(c: Container, name: str = "alpha") -> Any:
    spec = StrategySpec(name=name, universe=["AAA", "BBB"], scheme="equal_weight", cash="100000")
    return create_strategy(c.order_book, c.ledger, c.broker, spec, c.schemes())


def fixed(weights: dict[str, float]) -> Any:
    return lambda _strategy: weights


def ledger_positions(c: Container) -> dict[str, Decimal]:
    return {p.symbol: p.qty for s in c.ledger.sleeves() for p in s.positions}


def wait_until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_full_rebalance_round_trip(polled: Container, fake: FakeAlpaca) -> None:
    fake.trading.auto_fill.update(AAA=D("50.02"), BBB=D("19.99"))
    s = strategy(polled)
    result = rebalance(polled.order_desk, polled.uow(), s, polled.target_weights)
    assert {o.symbol for o in result.orders} == {"AAA", "BBB"}
    assert all(o.status is OrderStatus.filled for o in result.orders)
    broker = {p.symbol: p.qty for p in polled.broker.positions()}
    assert ledger_positions(polled) == broker
    report = reconcile(polled.order_desk)
    assert report.ok, report.differences
    assert polled.ledger.verify().ok
    sleeve = polled.ledger.sleeve(s.sleeve_id)
    spent = sum(o.filled_qty * o.filled_avg_price for o in result.orders)  # type: ignore[operator]
    assert sleeve.cash == D("100000") - spent and sleeve.reserved == 0
    # requests carried the reservation's client id
    sent = {o["client_order_id"] for o in fake.trading.orders.values()}
    assert sent == {o.client_order_id for o in result.orders}


def test_lost_answer_after_the_server_accepted_gives_no_duplicate(
    polled: Container, fake: FakeAlpaca
) -> None:
    fake.trading.auto_fill["AAA"] = D("50")
    fake.trading.faults.append("drop")
    s = strategy(polled)
    [order] = rebalance(polled.order_desk, polled.uow(), s, fixed({"AAA": 0.5})).orders
    assert len(fake.trading.orders) == 1 and fake.trading.submits == 1
    assert order.status is OrderStatus.filled and order.broker_order_id in fake.trading.orders
    [reservation] = polled.ledger.reservations(s.sleeve_id)
    assert reservation.client_id == order.client_order_id and reservation.filled_qty == order.qty
    assert reconcile(polled.order_desk).ok and polled.ledger.verify().ok


def test_500_then_success(polled: Container, fake: FakeAlpaca) -> None:
    fake.trading.faults.append("500")
    s = strategy(polled)
    [order] = rebalance(polled.order_desk, polled.uow(), s, fixed({"BBB": 0.5})).orders
    assert fake.trading.submits == 2 and len(fake.trading.orders) == 1
    assert order.status is OrderStatus.accepted
    fake.trading.fill(order.broker_order_id, order.qty, "20")  # type: ignore[arg-type]
    assert reconcile(polled.order_desk).ok
    assert ledger_positions(polled) == {"BBB": order.qty}


def test_partial_fill_then_cancel_releases_exactly_the_remainder(
    polled: Container, fake: FakeAlpaca
) -> None:
    s = strategy(polled)
    [order] = rebalance(polled.order_desk, polled.uow(), s, fixed({"AAA": 0.5})).orders
    fake.trading.fill(order.broker_order_id, "300", "49.5")  # type: ignore[arg-type]
    reservation = polled.ledger.reservation(order.reservation_id)
    reserved_cash = polled.ledger.sleeve(s.sleeve_id).reserved
    assert reserved_cash == reservation.remaining > 0
    canceled = polled.order_desk.cancel(order.id)
    assert canceled.status is OrderStatus.canceled and canceled.filled_qty == 300
    after = polled.ledger.sleeve(s.sleeve_id)
    assert after.reserved == 0
    assert after.cash == D("100000") - 300 * D("49.5")
    assert polled.ledger.reservation(order.reservation_id).filled_qty == 300
    statuses = [e.status for e in polled.order_book.events(order.id)]
    assert statuses == [
        OrderStatus.new,
        OrderStatus.accepted,
        OrderStatus.partially_filled,
        OrderStatus.canceled,
    ]
    assert reconcile(polled.order_desk).ok


def test_a_fill_event_delivered_twice_is_applied_once(
    streamed: Container, fake: FakeAlpaca
) -> None:
    s = strategy(streamed)
    [order] = rebalance(streamed.order_desk, streamed.uow(), s, fixed({"BBB": 0.5})).orders
    seq = streamed.ledger.seq()
    event = fake.trading.fill(order.broker_order_id, order.qty, "20")  # type: ignore[arg-type]
    fake.trading.emit(event)  # the same event again
    wait_until(lambda: streamed.order_book.order(order.id).status is OrderStatus.filled)
    time.sleep(0.3)  # let the duplicate arrive too
    assert streamed.ledger.seq() == seq + 1  # one execution
    assert len(streamed.order_book.fills(order.id)) == 1
    assert ledger_positions(streamed) == {"BBB": order.qty}


def test_a_fill_missed_by_the_stream_is_recovered_by_reconciliation(
    streamed: Container, fake: FakeAlpaca, stream: StreamServer
) -> None:
    s = strategy(streamed)
    [order] = rebalance(streamed.order_desk, streamed.uow(), s, fixed({"AAA": 0.5})).orders
    stream.drop = lambda event: event["data"]["event"] in ("fill", "partial_fill")
    fake.trading.fill(order.broker_order_id, order.qty, "50")  # type: ignore[arg-type]
    time.sleep(0.3)
    assert streamed.order_book.order(order.id).status is OrderStatus.accepted  # never heard of
    before = reconcile(streamed.order_desk)
    assert before.recovered_fills == 1 and before.ok, before.differences
    assert streamed.order_book.order(order.id).status is OrderStatus.filled
    assert ledger_positions(streamed) == {"AAA": order.qty}
