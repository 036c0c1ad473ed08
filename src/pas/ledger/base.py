"""What both backends share: request checks, event data, answers and listeners."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pas.core.errors import InvalidAmount, InvalidInput
from pas.core.ledger import (
    Execution,
    LedgerEvent,
    Reservation,
    Side,
    Status,
    buy_reserve,
    fill_amount,
    fingerprint,
    fmt,
    from_micro,
    parse,
    to_micro,
)
from pas.core.ports import Listeners

log = logging.getLogger(__name__)

SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,15}$")
NAME = re.compile(r"^[^\s|][^|]{0,62}[^\s|]$|^[^\s|]$")

Listener = Callable[[LedgerEvent], None]


@dataclass(frozen=True)
class ReserveArgs:
    """A checked reservation request in micro-units."""

    sleeve: int
    client_id: str
    symbol: str
    side: Side
    qty: int
    limit: int
    amount: int  # cash for a buy (with the fee buffer), shares for a sell

    @property
    def fp(self) -> str:
        """Return the idempotency fingerprint."""
        return fingerprint(self.sleeve, self.symbol, self.side, self.qty, self.limit)

    def script_args(self) -> tuple[Any, ...]:
        """Return the reserve script's arguments (after the guard's and the time)."""
        return (
            self.sleeve,
            self.client_id,
            self.symbol,
            self.side.value,
            self.qty,
            self.limit,
            self.amount,
            self.fp,
            fmt(self.qty),
            fmt(self.limit),
            fmt(self.amount),
        )

    def record(self, reservation_id: int, seq: int) -> Reservation:
        """Return the reservation this request created as event `seq`."""
        return Reservation(
            id=reservation_id,
            sleeve=self.sleeve,
            client_id=self.client_id,
            symbol=self.symbol,
            side=self.side,
            qty=from_micro(self.qty),
            limit_price=from_micro(self.limit),
            amount=from_micro(self.amount),
            remaining=from_micro(self.amount),
            filled_qty=from_micro(0),
            status=Status.open,
            seq=seq,
        )

    def data(self, reservation_id: int) -> dict[str, Any]:
        """Return the data of the `reserved` event."""
        return {
            "reservation": str(reservation_id),
            "sleeve": str(self.sleeve),
            "client_id": self.client_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "qty": fmt(self.qty),
            "limit_price": fmt(self.limit),
            "amount": fmt(self.amount),
        }


def reserve_args(
    sleeve: int,
    client_id: str,
    symbol: str,
    side: str | Side,
    qty: Any,
    limit_price: Any,
    fee_buffer_bps: Decimal,
) -> ReserveArgs:
    """Return the checked request, or raise InvalidInput / InvalidAmount."""
    client_id = str(client_id).strip()
    if not 0 < len(client_id) <= 64:
        raise InvalidInput("client_id must be 1 to 64 characters", field="client_id")
    symbol = str(symbol).strip().upper()
    if not SYMBOL.match(symbol):
        raise InvalidInput(f"not a symbol: {symbol!r}", field="symbol")
    try:
        parsed_side = Side(side)
    except ValueError:
        raise InvalidInput(f"side must be buy or sell, got {side!r}", field="side") from None
    q, limit = to_micro(qty, "qty"), to_micro(limit_price, "limit_price")
    amount = buy_reserve(q, limit, fee_buffer_bps) if parsed_side is Side.buy else q
    if amount > 10**15:
        raise InvalidAmount("the reservation is too large", field="qty")
    return ReserveArgs(int(sleeve), client_id, symbol, parsed_side, q, limit, amount)


def sleeve_name(name: str) -> str:
    """Return a checked sleeve name (1-64 printable characters, no '|', no outer spaces)."""
    printable = isinstance(name, str) and not any(
        unicodedata.category(ch).startswith(("C", "Z")) and ch != " " for ch in name
    )
    if not printable or not NAME.match(name):
        raise InvalidInput(
            "a sleeve name has 1 to 64 printable characters, no '|' and no outer spaces",
            field="name",
        )
    return name


def execution_data(
    reservation_id: int, side: Side, qty: Any, price: Any, fee: Any, reason: str | None = None
) -> dict[str, Any]:
    """Return the checked inputs of an `executed` event (without the computed facts)."""
    q, p, f = to_micro(qty, "qty"), to_micro(price, "price"), to_micro(fee, "fee", allow_zero=True)
    data = {
        "reservation": str(reservation_id),
        "qty": fmt(q),
        "price": fmt(p),
        "fee": fmt(f),
        "amount": fmt(fill_amount(side, q, p, f)),
    }
    if reason:
        data["reason"] = reason
    return data


def execution_args(
    reservation_id: int, qty: Any, price: Any, fee: Any, reason: str | None
) -> tuple[Any, ...]:
    """Return the execute script's arguments: both sides' amounts (the script knows the side)."""
    buy = execution_data(reservation_id, Side.buy, qty, price, fee)
    sell = execution_data(reservation_id, Side.sell, qty, price, fee)
    return (
        reservation_id,
        to_micro(qty, "qty"),
        parse(buy["amount"]),
        parse(sell["amount"]),
        buy["qty"],
        buy["price"],
        buy["fee"],
        reason or "",
    )


def execution_record(res: Reservation, event: LedgerEvent) -> Execution:
    """Return the Execution an `executed` event describes."""
    d = event.data
    return Execution(
        reservation=res,
        qty=Decimal(d["qty"]),
        price=Decimal(d["price"]),
        fee=Decimal(d["fee"]),
        amount=Decimal(d["amount"]),
        released=Decimal(d["released"]),
        realized_pnl=Decimal(d["realized_pnl"]),
        seq=event.seq,
    )


class EventListeners(Listeners[LedgerEvent]):
    """Callbacks told about every acknowledged event (e.g. the real-time hub's `ledger` topic)."""

    def _publish(self, event: LedgerEvent | None) -> None:
        if event is not None:
            self.notify(event)


def amount_micro(amount: Any, what: str = "amount") -> int:
    """Return a positive money amount in micro-units."""
    return to_micro(amount, what)


#: Redis holds integers exactly up to 2**53 micro-units (~9 billion); a larger account
#: is treated as that large (only the unallocated-cash check reads it).
MAX_ACCOUNT = 2**53 - 1


def account_micro(account_cash: Decimal) -> int:
    """Return the broker's cash in micro-units, capped at what the ledger can hold exactly."""
    if not Decimal(account_cash).is_finite() or account_cash < 0:
        raise InvalidAmount(f"the account's cash must be a finite amount >= 0, got {account_cash}")
    return min(int(Decimal(account_cash) * 1_000_000), MAX_ACCOUNT)
