"""Ledger records and units: sleeves, positions, reservations, executions, events.

Every amount inside the ledger is an integer count of micro-units (1e-6 of a
dollar or of a share), so the Python model, the Lua scripts and the journal
compute bit-identical results; the records handed out carry `Decimal`s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pas.core.errors import InvalidAmount

#: micro-units per unit: amounts are exact integers of 1e-6
SCALE = 1_000_000
#: largest amount the ledger accepts (micro-units); Lua numbers are doubles, exact below 2**53
MAX_MICRO = 10**15


class Side(StrEnum):
    buy = "buy"
    sell = "sell"


class Status(StrEnum):
    open = "open"
    filled = "filled"
    cancelled = "cancelled"


def to_micro(value: Any, what: str, *, allow_zero: bool = False) -> int:
    """Return `value` (str, int or Decimal; never float) as positive integer micro-units."""
    if isinstance(value, float | bool):
        raise InvalidAmount(f"{what} must be a decimal string, not {type(value).__name__}")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(f"{what} is not a number: {value!r}", field=what) from None
    if not number.is_finite():
        raise InvalidAmount(f"{what} must be finite, got {value}", field=what)
    if number < 0 or (number == 0 and not allow_zero):
        floor = "zero or more" if allow_zero else "more than zero"
        raise InvalidAmount(f"{what} must be {floor}, got {value}", field=what)
    if number > MAX_MICRO // SCALE:  # before scaling: 1e999999999 * 10**6 overflows Decimal
        raise InvalidAmount(f"{what} is too large (limit {MAX_MICRO // SCALE})", field=what)
    if _places_beyond_micro(number):
        raise InvalidAmount(f"{what} has more than 6 decimal places: {value}", field=what)
    return int(number.scaleb(6))


def _places_beyond_micro(number: Decimal) -> bool:
    """Return True when `number` has a non-zero digit below 1e-6 (exact, any exponent)."""
    _, digits, exponent = number.as_tuple()
    below = -6 - int(exponent)
    return below > 0 and any(digits[-below:])


def from_micro(micro: int) -> Decimal:
    """Return micro-units as a Decimal with six places."""
    return Decimal(micro).scaleb(-6)


def fmt(micro: int) -> str:
    """Return micro-units as the canonical decimal string with six places ("-1.500000")."""
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), SCALE)
    return f"{sign}{whole}.{frac:06d}"


def parse(text: str) -> int:
    """Return the micro-units of a canonical decimal string (inverse of `fmt`)."""
    return int(Decimal(text) * SCALE)


def money(micro: int) -> str:
    """Return micro-units as a short decimal string for answers ("1500", "12.5")."""
    value = from_micro(micro).normalize()
    return f"{value:f}" if value != 0 else "0"


def buy_reserve(qty: int, limit_price: int, fee_buffer_bps: Decimal) -> int:
    """Return the cash (micro) a buy reserves: qty x limit x (1 + bps/10,000), rounded up."""
    exact = Decimal(qty) * Decimal(limit_price) * (1 + fee_buffer_bps / 10_000) / SCALE
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def fill_amount(side: Side, qty: int, price: int, fee: int) -> int:
    """Return the cash (micro) a fill moves: buy cost (+fee, rounded up) or sell proceeds (-fee)."""
    gross = Decimal(qty) * Decimal(price) / SCALE
    if side is Side.buy:
        return int(gross.to_integral_value(rounding=ROUND_CEILING)) + fee
    return int(gross.to_integral_value(rounding=ROUND_FLOOR)) - fee


def fingerprint(sleeve: int, symbol: str, side: Side, qty: int, limit_price: int) -> str:
    """Return what makes two reservation requests "the same" for idempotency."""
    return f"{sleeve}|{symbol}|{side.value}|{qty}|{limit_price}"


@dataclass(frozen=True)
class Position:
    """Shares of one symbol a sleeve holds; `cost` is the basis incl. fees (micro)."""

    symbol: str
    qty: Decimal
    qty_reserved: Decimal
    cost: Decimal

    @property
    def avg_cost(self) -> Decimal:
        """Return the average cost per share (0 when flat)."""
        return (self.cost / self.qty).quantize(Decimal("0.000001")) if self.qty else Decimal(0)

    @property
    def qty_free(self) -> Decimal:
        """Return the shares not reserved to sell."""
        return self.qty - self.qty_reserved


@dataclass(frozen=True)
class Sleeve:
    """One strategy's share of the account."""

    id: int
    name: str
    cash: Decimal
    reserved: Decimal
    realized_pnl: Decimal
    positions: tuple[Position, ...] = ()

    @property
    def free_float(self) -> Decimal:
        """Return the cash not reserved by open buy reservations."""
        return self.cash - self.reserved


@dataclass(frozen=True)
class Reservation:
    """Cash (buy) or shares (sell) set aside for one order."""

    id: int
    sleeve: int
    client_id: str
    symbol: str
    side: Side
    qty: Decimal
    limit_price: Decimal
    amount: Decimal  # reserved at creation: cash for a buy, shares for a sell
    remaining: Decimal  # still reserved
    filled_qty: Decimal
    status: Status
    seq: int  # the event that created it


@dataclass(frozen=True)
class Execution:
    """One fill applied to a reservation, and what it did."""

    reservation: Reservation
    qty: Decimal
    price: Decimal
    fee: Decimal
    amount: Decimal  # cash out (buy, incl. fee) or in (sell, net of fee)
    released: Decimal  # reservation released back to free float / free position
    realized_pnl: Decimal
    seq: int


@dataclass(frozen=True)
class AccountTotals:
    """The sums over every sleeve, plus the broker's cash and what is unallocated."""

    cash: Decimal
    reserved: Decimal
    realized_pnl: Decimal
    sleeves: int
    open_reservations: int
    seq: int
    #: the account's cash as the ledger books it (sleeves plus unallocated; None until known)
    account_cash: Decimal | None = None
    #: the broker's cash as it reports it now (None when not asked)
    broker_cash: Decimal | None = None

    @property
    def free_float(self) -> Decimal:
        """Return allocated cash not reserved."""
        return self.cash - self.reserved

    @property
    def unallocated(self) -> Decimal | None:
        """Return the account's cash not given to any sleeve (None when unknown)."""
        return None if self.account_cash is None else self.account_cash - self.cash


@dataclass(frozen=True)
class LedgerEvent:
    """One journaled change: gapless `seq` per account, `kind`, and its facts as strings."""

    seq: int
    kind: str
    at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)
    #: `data` as JSON text when the event arrived as text (the Redis scripts' output):
    #: the journal stores it as it is instead of encoding `data` again
    raw: str | bytes | None = field(default=None, compare=False, repr=False)
    #: the history the event belongs to (the Redis projection's epoch when it was decided)
    epoch: str = ""
    #: the epoch of event `seq - 1`: the journal links each row to its predecessor by
    #: (seq - 1, prev_epoch), so two histories can never interleave in it
    prev_epoch: str = ""

    @property
    def actor(self) -> str:
        """Return who made the change (an API key id, `broker:<name>`, `cli`, ...)."""
        return str(self.data.get("actor", ""))


@dataclass(frozen=True)
class VerifyReport:
    """What `verify` found: differences between live state and the replayed journal."""

    seq: int
    events: int
    differences: tuple[str, ...]
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Return True when nothing differs and every invariant holds."""
        return not self.differences and not self.violations
