"""Ports of order routing: the broker, the order book, and the ledger calls orders need.

Workflows must not import `pas.brokers` or `pas.database`; these protocols mirror
`pas.brokers.base.Broker` and `pas.database.repositories.order_book.SqlOrderBook`
structurally, so the real adapters (and test twins) satisfy them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from pas.core.orders import (
    BrokerOrder,
    BrokerPosition,
    OrderEvent,
    OrderFill,
    OrderRecord,
    OrderRequest,
    OrderStatus,
    StatusFilter,
)
from pas.core.strategies import Strategy


class Broker(Protocol):
    """A brokerage account (paper or Alpaca); see pas.brokers.base.Broker."""

    name: str

    def submit(self, request: OrderRequest) -> BrokerOrder: ...
    def get_order(self, order_id: str) -> BrokerOrder: ...
    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None: ...
    def cancel(self, order_id: str) -> BrokerOrder: ...
    def list_orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]: ...
    def positions(self) -> list[BrokerPosition]: ...
    def cash(self) -> Decimal: ...
    def add_listener(self, listener: Callable[[BrokerOrder], None]) -> None: ...
    def close(self) -> None: ...


class OrderBook(Protocol):
    """Strategies and PAS's orders, persisted."""

    def add_strategy(self, draft: Strategy) -> Strategy: ...
    def strategy(self, strategy_id: int) -> Strategy: ...
    def strategy_by_name(self, name: str) -> Strategy | None: ...
    def strategies(self) -> list[Strategy]: ...
    def delete_strategy(self, strategy_id: int) -> Strategy: ...
    def add_order(self, draft: OrderRecord) -> OrderRecord: ...
    def order(self, order_id: int) -> OrderRecord: ...
    def order_by_client_id(self, client_order_id: str) -> OrderRecord | None: ...
    def orders(
        self,
        strategy_id: int | None = None,
        status: str | None = None,
        sleeve_id: int | None = None,
        limit: int = 1000,
    ) -> list[OrderRecord]: ...
    def record(
        self,
        order: OrderRecord,
        *,
        status: OrderStatus,
        broker_order_id: str | None = None,
        fill: OrderFill | None = None,
        note: str | None = None,
    ) -> OrderRecord | None: ...
    def fills(self, order_id: int) -> list[OrderFill]: ...
    def events(self, order_id: int) -> list[OrderEvent]: ...


class OrderLedger(Protocol):
    """The ledger calls order routing makes (a subset of the Ledger port)."""

    def reserve(
        self, sleeve: int, client_id: str, symbol: str, side: str, qty: Any, limit_price: Any
    ) -> tuple[Any, bool]: ...
    def execute(self, reservation_id: int, qty: Any, price: Any, fee: Any = ...) -> Any: ...
    def cancel(self, reservation_id: int) -> Any: ...
    def reservation(self, reservation_id: int) -> Any: ...
    def reservations(self, sleeve: int | None = None, status: str | None = None) -> list[Any]: ...
    def sleeve(self, sleeve: int | str) -> Any: ...
    def sleeves(self) -> list[Any]: ...
    def create_sleeve(self, name: str, cash: Any, account_cash: Decimal) -> Any: ...


#: publishes one event on a topic (the realtime hub's publish, once it exists)
Publish = Callable[[str, dict[str, Any]], None]
