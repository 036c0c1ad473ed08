"""Ports of order routing: the order book and the event publisher.

The broker and the ledger ports are `pas.core.ports.Broker` and `Ledger`
(re-exported here); the order book mirrors
`pas.database.repositories.order_book.SqlOrderBook` structurally, so the
real adapter (and test twins) satisfy it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pas.core.orders import (
    OrderEvent,
    OrderFill,
    OrderRecord,
    OrderStatus,
)
from pas.core.ports import Broker, Ledger
from pas.core.strategies import Strategy

__all__ = ["Broker", "Ledger", "OrderBook", "Publish"]


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


#: publishes one event on a topic (the realtime hub's publish, once it exists)
Publish = Callable[[str, dict[str, Any]], None]
