"""Where the paper broker keeps its orders and fills: the port and an in-memory twin.

The SQL twin is `pas.database.repositories.paper_broker.SqlPaperStore`; both pass
the same tests. Cash and positions are not stored: they are sums over the fills.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from pas.core.orders import BrokerOrder, PaperFill, StatusFilter


class PaperStore(Protocol):
    """Persistence of the paper broker; every method is one transaction."""

    def insert(self, order: BrokerOrder) -> BrokerOrder:
        """Store a new order; return the stored one when its client_order_id exists already."""
        ...

    def update(self, order: BrokerOrder, fill: PaperFill | None, expected_filled: Decimal) -> bool:
        """Replace an order (and add its fill) only if its filled_qty is still `expected_filled`."""
        ...

    def get(self, order_id: str) -> BrokerOrder | None:
        """Return the order with this id, or None."""
        ...

    def by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order with this client order id, or None."""
        ...

    def orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]:
        """Return matching orders, oldest first."""
        ...

    def fills(self) -> list[PaperFill]:
        """Return every fill, oldest first."""
        ...


def matches(
    order: BrokerOrder,
    status: StatusFilter,
    after: dt.datetime | None,
    until: dt.datetime | None,
    symbols: Sequence[str] | None,
) -> bool:
    """Return True when `order` passes a list_orders filter."""
    if status == "open" and not order.is_open:
        return False
    if status == "closed" and order.is_open:
        return False
    at = order.submitted_at
    if after is not None and (at is None or at <= after):
        return False
    if until is not None and (at is None or at > until):
        return False
    return symbols is None or order.symbol in symbols


class MemoryPaperStore:
    """A PaperStore in a dict, for tests and throw-away runs."""

    def __init__(self) -> None:
        self._orders: dict[str, BrokerOrder] = {}
        self._fills: list[PaperFill] = []
        self._lock = threading.Lock()

    def insert(self, order: BrokerOrder) -> BrokerOrder:
        """Store a new order; return the stored one when its client_order_id exists already."""
        with self._lock:
            existing = self._by_client(order.client_order_id)
            if existing is not None:
                return existing
            self._orders[order.id] = order
            return order

    def update(self, order: BrokerOrder, fill: PaperFill | None, expected_filled: Decimal) -> bool:
        """Replace an order (and add its fill) only if its filled_qty is still `expected_filled`."""
        with self._lock:
            current = self._orders.get(order.id)
            if current is None or current.filled_qty != expected_filled or not current.is_open:
                return False
            self._orders[order.id] = replace(order)
            if fill is not None:
                self._fills.append(fill)
            return True

    def get(self, order_id: str) -> BrokerOrder | None:
        """Return the order with this id, or None."""
        return self._orders.get(order_id)

    def by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order with this client order id, or None."""
        with self._lock:
            return self._by_client(client_order_id)

    def _by_client(self, client_order_id: str) -> BrokerOrder | None:
        return next(
            (o for o in self._orders.values() if o.client_order_id == client_order_id), None
        )

    def orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]:
        """Return matching orders, oldest first."""
        with self._lock:
            found = [o for o in self._orders.values() if matches(o, status, after, until, symbols)]
        return sorted(found, key=lambda o: (o.submitted_at or dt.datetime.min, o.id))

    def fills(self) -> list[PaperFill]:
        """Return every fill, oldest first."""
        with self._lock:
            return list(self._fills)
