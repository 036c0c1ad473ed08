"""Orders as a broker sees them: requests, snapshots, fills, positions; Alpaca's vocabulary.

Both brokers (paper and Alpaca) speak these records. An order snapshot carries the
cumulative `filled_qty` and `filled_avg_price`; fills are derived from the change
between two snapshots, so applying the same snapshot twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Literal

from pas.core.errors import InvalidInput

#: which orders a listing returns
StatusFilter = Literal["open", "closed", "all"]

#: fills and prices handed to the ledger carry at most six decimal places
MICRO = Decimal("0.000001")


class OrderSide(StrEnum):
    buy = "buy"
    sell = "sell"


class OrderType(StrEnum):
    market = "market"
    limit = "limit"


class OrderStatus(StrEnum):
    """Alpaca's order statuses as PAS keeps them (pending_* and friends are mapped)."""

    new = "new"
    accepted = "accepted"
    partially_filled = "partially_filled"
    filled = "filled"
    canceled = "canceled"
    rejected = "rejected"
    expired = "expired"

    @property
    def is_open(self) -> bool:
        """Return True while the order may still fill."""
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({OrderStatus.new, OrderStatus.accepted, OrderStatus.partially_filled})
TERMINAL_STATUSES = frozenset(set(OrderStatus) - OPEN_STATUSES)

# statuses Alpaca reports that PAS folds into its seven: a still-live order keeps
# its fill state (pending_cancel may yet fill), a dead one counts as canceled
_LIVE = {
    "pending_new",
    "accepted_for_bidding",
    "pending_cancel",
    "pending_replace",
    "pending_review",
    "done_for_day",
    "stopped",
    "suspended",
    "calculated",
    "held",
}
_DEAD = {"replaced": OrderStatus.canceled}


def map_status(raw: str, filled_qty: Decimal = Decimal(0)) -> OrderStatus:
    """Return PAS's status for a broker status string (pending_* folded in)."""
    value = str(getattr(raw, "value", raw)).lower()
    if value in OrderStatus.__members__:
        return OrderStatus(value)
    if value in _DEAD:
        return _DEAD[value]
    if value in _LIVE:
        if filled_qty > 0:
            return OrderStatus.partially_filled
        return OrderStatus.new if value == "pending_new" else OrderStatus.accepted
    raise InvalidInput(f"unknown order status {raw!r}", status=value)


def quantize_limit(price: Decimal, side: OrderSide) -> Decimal:
    """Return a limit price Alpaca accepts: 2 decimals at $1 and above, 4 below.

    Rounds towards the passive side (buys down, sells up) so the quantized
    limit never pays more, or accepts less, than asked.
    """
    if price <= 0:
        raise InvalidInput(f"limit price must be positive, got {price}")
    step = Decimal("0.01") if price >= 1 else Decimal("0.0001")
    rounding = ROUND_FLOOR if side is OrderSide.buy else ROUND_CEILING
    out = price.quantize(step, rounding=rounding)
    return out if out > 0 else step


@dataclass(frozen=True)
class OrderRequest:
    """What PAS asks a broker to do; `client_order_id` makes the submit idempotent."""

    client_order_id: str
    symbol: str
    side: OrderSide
    qty: Decimal
    type: OrderType = OrderType.market
    limit_price: Decimal | None = None
    time_in_force: str = "day"

    def __post_init__(self) -> None:
        if self.qty <= 0:
            raise InvalidInput(f"order qty must be positive, got {self.qty}", symbol=self.symbol)
        if (self.type is OrderType.limit) != (self.limit_price is not None):
            raise InvalidInput("a limit order needs a limit_price; a market order has none")


class _FillProgress:
    """What an order with cumulative fills can say about itself (fields come from the dataclass)."""

    qty: Decimal
    filled_qty: Decimal
    status: OrderStatus

    @property
    def remaining(self) -> Decimal:
        """Return the quantity not (yet) filled."""
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        """Return True while the order may still fill."""
        return self.status.is_open


@dataclass(frozen=True)
class BrokerOrder(_FillProgress):
    """A snapshot of one order at the broker, with cumulative fill state."""

    id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    type: OrderType
    qty: Decimal
    status: OrderStatus
    filled_qty: Decimal = Decimal(0)
    filled_avg_price: Decimal | None = None
    limit_price: Decimal | None = None
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    filled_at: dt.datetime | None = None
    canceled_at: dt.datetime | None = None


@dataclass(frozen=True)
class Fill:
    """One increment of a fill: quantity and its own average price (not cumulative)."""

    order_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    cum_qty: Decimal


def fill_delta(prev_qty: Decimal, prev_avg: Decimal | None, order: BrokerOrder) -> Fill | None:
    """Return the fill between a known cumulative state and a newer snapshot, or None.

    A snapshot whose `filled_qty` is not above `prev_qty` (stale, or seen before)
    yields None: cumulative quantities never go down, so nothing is counted twice.
    """
    if order.filled_qty <= prev_qty or order.filled_avg_price is None:
        return None
    qty = order.filled_qty - prev_qty
    notional = order.filled_qty * order.filled_avg_price - prev_qty * (prev_avg or Decimal(0))
    price = (notional / qty).quantize(MICRO, rounding=ROUND_HALF_EVEN)
    if price <= 0:  # rounding noise on a broker's avg price; fall back to the average
        price = order.filled_avg_price.quantize(MICRO)
    return Fill(
        order.id, order.client_order_id, order.symbol, order.side, qty, price, order.filled_qty
    )


@dataclass(frozen=True)
class BrokerPosition:
    """Shares of one symbol the broker account holds."""

    symbol: str
    qty: Decimal
    avg_entry_price: Decimal


@dataclass(frozen=True)
class PaperFill:
    """One execution the paper broker simulated, as stored."""

    order_id: str
    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    at: dt.datetime


@dataclass(frozen=True)
class OrderRecord(_FillProgress):
    """An order as PAS keeps it: its ledger reservation, the broker's id, applied fills.

    `filled_qty`/`filled_avg_price` are what PAS has applied to the ledger (from
    the broker's cumulative state); `client_order_id` is the reservation's client id.
    """

    id: int
    client_order_id: str
    strategy_id: int | None
    sleeve_id: int
    reservation_id: int
    broker: str
    symbol: str
    side: OrderSide
    type: OrderType
    qty: Decimal
    limit_price: Decimal | None
    reserve_price: Decimal
    status: OrderStatus
    filled_qty: Decimal = Decimal(0)
    filled_avg_price: Decimal | None = None
    broker_order_id: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class OrderEvent:
    """One entry of an order's status history."""

    order_id: int
    status: OrderStatus
    filled_qty: Decimal
    at: dt.datetime
    note: str | None = None


@dataclass(frozen=True)
class OrderFill:
    """One fill applied to an order (incremental qty at its own price)."""

    order_id: int
    qty: Decimal
    price: Decimal
    cum_qty: Decimal
    at: dt.datetime
