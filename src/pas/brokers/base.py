"""The broker port every adapter implements (paper and Alpaca), plus shared helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol

from pas.core.orders import BrokerOrder, BrokerPosition, OrderRequest, StatusFilter

#: receives every order snapshot the broker learns of (fills, cancels), any thread
OrderListener = Callable[[BrokerOrder], None]


class Broker(Protocol):
    """A brokerage account: submit, look up, cancel and list orders; positions; cash."""

    name: str

    def submit(self, request: OrderRequest) -> BrokerOrder:
        """Place an order once: a second submit with the same client_order_id returns the first."""
        ...

    def get_order(self, order_id: str) -> BrokerOrder:
        """Return the order with this broker id (UnknownOrder when none)."""
        ...

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order placed under this client order id, or None."""
        ...

    def cancel(self, order_id: str) -> BrokerOrder:
        """Ask to cancel; return the order as re-read (it may have filled first)."""
        ...

    def list_orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]:
        """Return every matching order submitted in (after, until], oldest first."""
        ...

    def positions(self) -> list[BrokerPosition]:
        """Return the account's non-zero positions."""
        ...

    def cash(self) -> Decimal:
        """Return the account's cash."""
        ...

    def add_listener(self, listener: OrderListener) -> None:
        """Call `listener` with each order snapshot the broker pushes (fills, cancels)."""
        ...

    def close(self) -> None:
        """Stop background work (streams) and release connections."""
        ...


class Listeners:
    """A small list of order listeners; a failing listener never stops the others."""

    def __init__(self) -> None:
        self._listeners: list[OrderListener] = []

    def add_listener(self, listener: OrderListener) -> None:
        """Register `listener`."""
        self._listeners.append(listener)

    def notify(self, order: BrokerOrder) -> None:
        """Hand `order` to every listener."""
        import logging

        for listener in list(self._listeners):
            try:
                listener(order)
            except Exception:  # one bad listener must not lose the update for the rest
                logging.getLogger(__name__).exception("order listener failed")


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)
