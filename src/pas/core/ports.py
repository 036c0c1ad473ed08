"""The ports to the outside systems, defined once: broker, ledger, account cash, listeners, clock.

Adapters (`pas.brokers`, `pas.ledger`) implement them and workflows depend on
them; both import them from here, so neither needs the other.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from pas.core.ledger import (
    AccountTotals,
    Execution,
    LedgerEvent,
    Reservation,
    Sleeve,
    VerifyReport,
)
from pas.core.orders import BrokerOrder, BrokerPosition, OrderRequest, StatusFilter

log = logging.getLogger(__name__)

T = TypeVar("T")

#: receives every order snapshot the broker learns of (fills, cancels), any thread
OrderListener = Callable[[BrokerOrder], None]


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware UTC (to the microsecond): the one clock."""
    return dt.datetime.now(dt.UTC)


class Listeners(Generic[T]):
    """Callbacks told about each item (an order snapshot, a ledger event).

    A failing listener never stops the others and never fails the caller:
    what it was told about has already happened.
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[T], None]] = []

    def add_listener(self, listener: Callable[[T], None]) -> None:
        """Register `listener`."""
        self._listeners.append(listener)

    def notify(self, item: T) -> None:
        """Hand `item` to every listener."""
        for listener in list(self._listeners):
            try:
                listener(item)
            except Exception:  # one bad listener must not lose the update for the rest
                log.exception("listener failed on %r", item)


class Broker(Protocol):
    """A brokerage account (paper or Alpaca): orders, positions, cash."""

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


class Ledger(Protocol):
    """The trade ledger (Redis or embedded backend); amounts are Decimal or decimal strings.

    Every write records its `actor`: an API key (`key:<id>`), `broker:<name>`, `cli`, ...
    """

    def add_listener(self, listener: Callable[[LedgerEvent], None]) -> None: ...
    def create_sleeve(
        self, name: str, cash: Any, account_cash: Decimal, *, actor: str = ...
    ) -> Sleeve: ...
    def transfer(
        self,
        from_sleeve: int | None,
        to_sleeve: int | None,
        amount: Any,
        account_cash: Decimal,
        *,
        actor: str = ...,
    ) -> LedgerEvent: ...
    def sync_account(self, cash: Any, reason: str, *, actor: str = ...) -> LedgerEvent: ...
    def reserve(
        self,
        sleeve: int,
        client_id: str,
        symbol: str,
        side: str,
        qty: Any,
        limit_price: Any,
        *,
        actor: str = ...,
    ) -> tuple[Reservation, bool]: ...
    def execute(
        self,
        reservation_id: int,
        qty: Any,
        price: Any,
        fee: Any = ...,
        *,
        actor: str = ...,
        reason: str | None = ...,
    ) -> Execution: ...
    def cancel(self, reservation_id: int, *, actor: str = ...) -> Reservation: ...
    def sleeves(self) -> list[Sleeve]: ...
    def sleeve(self, sleeve: int | str) -> Sleeve: ...
    def reservation(self, reservation_id: int) -> Reservation: ...
    def reservations(
        self, sleeve: int | None = None, status: str | None = None
    ) -> list[Reservation]: ...
    def totals(self, account_cash: Decimal | None = None) -> AccountTotals: ...
    def events(self, since: int = 0, limit: int = 1000) -> list[LedgerEvent]: ...
    def seq(self) -> int: ...
    def rebuild(self, *, actor: str = ...) -> int: ...
    def verify(self) -> VerifyReport: ...
    def close(self) -> None: ...


class AccountCash(Protocol):
    """The brokerage account's cash (the paper broker's setting, or what Alpaca reports)."""

    def cash(self) -> Decimal: ...
