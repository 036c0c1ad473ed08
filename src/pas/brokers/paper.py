"""The paper broker: the embedded default, simulating fills against the latest closes.

Market orders fill at the latest close moved against the trader by
`slippage_bps`; limit orders fill once that price crosses the limit. With
`partial_fill_fraction` set, each processing step fills that fraction of the
order (whole shares when the order is in whole shares). Open orders are
processed on submit and on every read, so a limit order fills once a newer
price crosses. State lives in a PaperStore (the database by default), so a
restart keeps it; cash and positions are sums over the stored fills.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_CEILING, Decimal

from pas.brokers.paper_store import PaperStore
from pas.core.errors import UnknownOrder
from pas.core.orders import (
    BrokerOrder,
    BrokerPosition,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    PaperFill,
    StatusFilter,
)
from pas.core.ports import Listeners, OrderListener, utcnow

#: returns the latest close of each symbol it knows (missing symbols are left out)
PriceSource = Callable[[Sequence[str]], Mapping[str, Decimal]]

_TICK = Decimal("0.0001")
_MICRO = Decimal("0.000001")


class PaperBroker:
    """A Broker that fills against latest closes and keeps its state in a PaperStore."""

    name = "paper"

    def __init__(
        self,
        store: PaperStore,
        prices: PriceSource,
        starting_cash: Decimal,
        slippage_bps: Decimal = Decimal(5),
        partial_fill_fraction: Decimal | None = None,
    ) -> None:
        self.store = store
        self.prices = prices
        self.starting_cash = Decimal(starting_cash)
        self.slippage_bps = Decimal(slippage_bps)
        self.partial_fill_fraction = partial_fill_fraction
        self._listeners: Listeners[BrokerOrder] = Listeners()
        self._lock = threading.Lock()

    def add_listener(self, listener: OrderListener) -> None:
        """Call `listener` with each order snapshot after a fill or cancel."""
        self._listeners.add_listener(listener)

    def submit(self, request: OrderRequest) -> BrokerOrder:
        """Place an order once (idempotent on client_order_id) and try to fill it."""
        now = utcnow()
        order = BrokerOrder(
            id=str(uuid.uuid4()),
            client_order_id=request.client_order_id,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            qty=request.qty,
            status=OrderStatus.accepted,
            limit_price=request.limit_price,
            submitted_at=now,
            updated_at=now,
        )
        stored = self.store.insert(order)
        if stored.id != order.id:  # the same client_order_id was placed before
            return stored
        return self._process(stored)

    def get_order(self, order_id: str) -> BrokerOrder:
        """Return the order (processed first), or raise UnknownOrder."""
        return self._process(self._stored(order_id))

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order placed under this client order id (processed first), or None."""
        order = self.store.by_client_id(client_order_id)
        return None if order is None else self._process(order)

    def cancel(self, order_id: str) -> BrokerOrder:
        """Cancel what remains of an open order at once; return it as it ends up."""
        order = self._stored(order_id)
        while order.is_open:
            now = utcnow()
            done = replace(order, status=OrderStatus.canceled, updated_at=now, canceled_at=now)
            if self.store.update(done, None, order.filled_qty):
                self._listeners.notify(done)
                return done
            order = self._stored(order_id)
        return order

    def _stored(self, order_id: str) -> BrokerOrder:
        order = self.store.get(order_id)
        if order is None:
            raise UnknownOrder(f"no paper order with id {order_id}", id=order_id)
        return order

    def list_orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]:
        """Return matching orders, oldest first (open ones processed first)."""
        for order in self.store.orders("open", after, until, symbols):
            self._process(order)
        return self.store.orders(status, after, until, symbols)

    def positions(self) -> list[BrokerPosition]:
        """Return non-zero positions with average entry prices, from the stored fills."""
        book: dict[str, tuple[Decimal, Decimal]] = {}
        for fill in self.store.fills():
            qty, cost = book.get(fill.symbol, (Decimal(0), Decimal(0)))
            if fill.side is OrderSide.buy:
                book[fill.symbol] = (qty + fill.qty, cost + fill.qty * fill.price)
            else:
                left = qty - fill.qty
                book[fill.symbol] = (left, cost * left / qty if qty else Decimal(0))
        return [
            BrokerPosition(sym, qty, (cost / qty).quantize(_MICRO))
            for sym, (qty, cost) in sorted(book.items())
            if qty != 0
        ]

    def cash(self) -> Decimal:
        """Return the starting cash minus buys plus sells."""
        cash = self.starting_cash
        for fill in self.store.fills():
            amount = fill.qty * fill.price
            cash += -amount if fill.side is OrderSide.buy else amount
        return cash

    def close(self) -> None:
        """Nothing to release: the store belongs to its owner."""

    # --- simulation ---------------------------------------------------------

    def fill_price(self, side: OrderSide, close: Decimal) -> Decimal:
        """Return the price an order fills at: the close moved against the trader."""
        factor = 1 + self.slippage_bps / 10_000 * (1 if side is OrderSide.buy else -1)
        return (close * factor).quantize(_TICK)

    def _process(self, order: BrokerOrder) -> BrokerOrder:
        """Fill what the latest price allows of an open order; return it as it ends up."""
        with self._lock:
            if not order.is_open:
                return order
            close = self.prices([order.symbol]).get(order.symbol)
            if close is None:
                return order
            price = self.fill_price(order.side, Decimal(close))
            if not _crosses(order, price):
                return order
            qty = self._step_qty(order)
            updated = _filled(order, qty, price)
            fill = PaperFill(order.id, order.symbol, order.side, qty, price, updated.updated_at)  # type: ignore[arg-type]
            if not self.store.update(updated, fill, order.filled_qty):
                current = self.store.get(order.id)
                return current if current is not None else order
        self._listeners.notify(updated)
        return updated

    def _step_qty(self, order: BrokerOrder) -> Decimal:
        if self.partial_fill_fraction is None:
            return order.remaining
        step = order.qty * self.partial_fill_fraction
        if order.qty == order.qty.to_integral_value():
            step = step.to_integral_value(rounding=ROUND_CEILING)
        return min(max(step.quantize(_MICRO), _MICRO), order.remaining)


def _crosses(order: BrokerOrder, price: Decimal) -> bool:
    if order.type is OrderType.market or order.limit_price is None:
        return True
    if order.side is OrderSide.buy:
        return price <= order.limit_price
    return price >= order.limit_price


def _filled(order: BrokerOrder, qty: Decimal, price: Decimal) -> BrokerOrder:
    now = utcnow()
    cum = order.filled_qty + qty
    notional = order.filled_qty * (order.filled_avg_price or Decimal(0)) + qty * price
    avg = (notional / cum).quantize(_MICRO)
    done = cum == order.qty
    return replace(
        order,
        filled_qty=cum,
        filled_avg_price=avg,
        status=OrderStatus.filled if done else OrderStatus.partially_filled,
        updated_at=now,
        filled_at=now if done else None,
    )
