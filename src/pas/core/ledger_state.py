"""The ledger's state and its one replay rule, `apply(state, event)`.

Every backend keeps these semantics: the embedded backend calls `apply` to
make each change, the Redis Lua scripts do the same arithmetic on the same
integer micro-units, and `rebuild`/`verify` replay the journal through
`apply`. `apply` checks everything before it changes anything, so a refused
event leaves the state untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pas.core.errors import (
    DuplicateSleeve,
    InsufficientFreeFloat,
    InsufficientPosition,
    InvalidAmount,
    LedgerError,
    OverFill,
    ReservationClosed,
    UnknownReservation,
    UnknownSleeve,
)
from pas.core.ledger import (
    LedgerEvent,
    Side,
    Status,
    fingerprint,
    fmt,
    money,
    parse,
)


@dataclass
class SleeveRow:
    id: int
    name: str
    cash: int = 0
    reserved: int = 0
    realized: int = 0


@dataclass
class PositionRow:
    qty: int = 0
    held: int = 0  # reserved to sell
    cost: int = 0  # basis incl. fees


@dataclass
class ReservationRow:
    id: int
    sleeve: int
    client_id: str
    symbol: str
    side: Side
    qty: int
    limit: int
    amount: int
    remaining: int
    filled: int
    status: Status
    seq: int

    @property
    def fp(self) -> str:
        """Return the idempotency fingerprint of the request that made it."""
        return fingerprint(self.sleeve, self.symbol, self.side, self.qty, self.limit)


@dataclass
class LedgerState:
    """Everything the ledger knows, in integer micro-units; `seq` is the last event applied."""

    seq: int = 0
    #: the epoch of the last event applied (the history this state belongs to)
    epoch: str = ""
    #: the account's cash as booked by the ledger (micro; None until first booked)
    account: int | None = None
    last_sleeve: int = 0
    last_reservation: int = 0
    cash: int = 0
    reserved: int = 0
    realized: int = 0
    sleeves: dict[int, SleeveRow] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)
    positions: dict[tuple[int, str], PositionRow] = field(default_factory=dict)
    reservations: dict[int, ReservationRow] = field(default_factory=dict)
    clients: dict[str, int] = field(default_factory=dict)

    def sleeve(self, sleeve_id: int) -> SleeveRow:
        """Return a sleeve's row or raise UnknownSleeve."""
        row = self.sleeves.get(sleeve_id)
        if row is None:
            raise UnknownSleeve(f"no sleeve with id {sleeve_id}", sleeve=sleeve_id)
        return row

    def reservation(self, reservation_id: int) -> ReservationRow:
        """Return a reservation's row or raise UnknownReservation."""
        row = self.reservations.get(reservation_id)
        if row is None:
            raise UnknownReservation(
                f"no reservation with id {reservation_id}", reservation=reservation_id
            )
        return row


def muldiv(a: int, b: int, c: int) -> int:
    """Return floor(a * b / c) exactly (the Lua scripts compute the same)."""
    return a * b // c


def apply(
    state: LedgerState, event: LedgerEvent, *, account_cash: int | None = None
) -> dict[str, int]:
    """Apply one event to `state` in place and return what it computed (micro-units).

    Raises a LedgerError and changes nothing when the event is not allowed.

    `account_cash` (micro) is the broker's cash, checked when cash leaves the
    unallocated pool; replay passes None because the journal already decided.
    """
    if event.seq != state.seq + 1:
        raise LedgerError(f"event {event.seq} does not follow {state.seq}: the journal has a gap")
    handler = _HANDLERS.get(event.kind)
    if handler is None:
        raise LedgerError(f"unknown ledger event kind {event.kind!r}", seq=event.seq)
    facts = handler(state, event.data, account_cash, event.seq)
    state.seq = event.seq
    state.epoch = event.epoch
    return facts or {}


def booked_account(state: LedgerState, d: dict[str, Any]) -> int | None:
    """Return the account's cash the ledger books, or what an opening event books first."""
    if state.account is None and d.get("account_cash"):
        return parse(d["account_cash"])
    return state.account


def opening_data(state: LedgerState, broker_cash: int | None) -> dict[str, str]:
    """Return the field that books the broker's cash, for the first event that needs it."""
    if state.account is None and broker_cash is not None:
        return {"account_cash": fmt(broker_cash)}
    return {}


def _sleeve_created(state: LedgerState, d: dict[str, Any], account: int | None, _: int) -> None:
    sleeve_id, name, cash = int(d["sleeve"]), str(d["name"]), parse(d["cash"])
    if name in state.names:
        raise DuplicateSleeve(f"a sleeve named {name!r} exists already", name=name)
    _check_unallocated(state, cash, account, d)
    state.account = booked_account(state, d)
    state.sleeves[sleeve_id] = SleeveRow(sleeve_id, name, cash=cash)
    state.names[name] = sleeve_id
    state.last_sleeve = max(state.last_sleeve, sleeve_id)
    state.cash += cash


def _check_unallocated(
    state: LedgerState, amount: int, broker: int | None, d: dict[str, Any]
) -> None:
    """Refuse to allocate more than the booked account holds (decisions only, not replay)."""
    if broker is None:
        return
    booked = booked_account(state, d)
    account = broker if booked is None else booked
    if amount > account - state.cash:
        raise InsufficientFreeFloat(
            f"the account's unallocated cash is too small: needs {money(amount)}, "
            f"has {money(account - state.cash)}",
            needed=money(amount),
            available=money(account - state.cash),
        )


def _check_free(row: SleeveRow, needed: int) -> None:
    available = row.cash - row.reserved
    if needed > available:
        raise InsufficientFreeFloat(
            f"sleeve {row.id} ({row.name}) has too little free float: "
            f"needs {money(needed)}, has {money(available)}",
            needed=money(needed),
            available=money(available),
            sleeve=row.id,
        )


def _transferred(state: LedgerState, d: dict[str, Any], account: int | None, _: int) -> None:
    source = state.sleeve(int(d["from"])) if d.get("from") else None
    target = state.sleeve(int(d["to"])) if d.get("to") else None
    amount = parse(d["amount"])
    if (source is None and target is None) or source is target:
        raise InvalidAmount("a transfer needs two different ends")
    if source is None:
        _check_unallocated(state, amount, account, d)
        state.account = booked_account(state, d)
    else:
        _check_free(source, amount)
        source.cash -= amount
        state.cash -= amount
    if target is not None:
        target.cash += amount
        state.cash += amount


def _reserved(state: LedgerState, d: dict[str, Any], _: int | None, seq: int) -> None:
    row = state.sleeve(int(d["sleeve"]))
    side, symbol, qty, amount = (
        Side(d["side"]),
        str(d["symbol"]),
        parse(d["qty"]),
        parse(d["amount"]),
    )
    key = (row.id, symbol)
    if side is Side.buy:
        _check_free(row, amount)
        row.reserved += amount
        state.reserved += amount
    else:
        pos = state.positions.get(key, PositionRow())
        if qty > pos.qty - pos.held:
            raise InsufficientPosition(
                f"sleeve {row.id} holds too few free {symbol} shares: needs {money(qty)}, "
                f"has {money(pos.qty - pos.held)}",
                needed=money(qty),
                available=money(pos.qty - pos.held),
                sleeve=row.id,
                symbol=symbol,
            )
        pos.held += qty
        state.positions[key] = pos
    res_id = int(d["reservation"])
    state.reservations[res_id] = ReservationRow(
        id=res_id,
        sleeve=row.id,
        client_id=str(d["client_id"]),
        symbol=symbol,
        side=side,
        qty=qty,
        limit=parse(d["limit_price"]),
        amount=amount,
        remaining=amount,
        filled=0,
        status=Status.open,
        seq=seq,
    )
    state.clients[str(d["client_id"])] = res_id
    state.last_reservation = max(state.last_reservation, res_id)


def _open(state: LedgerState, reservation_id: int) -> ReservationRow:
    res = state.reservation(reservation_id)
    if res.status is not Status.open:
        raise ReservationClosed(
            f"reservation {res.id} is {res.status.value}", reservation=res.id, status=res.status
        )
    return res


def _executed(state: LedgerState, d: dict[str, Any], _: int | None, __: int) -> dict[str, int]:
    res = _open(state, int(d["reservation"]))
    qty, amount = parse(d["qty"]), parse(d["amount"])
    if qty > res.qty - res.filled:
        raise OverFill(
            f"reservation {res.id} has {money(res.qty - res.filled)} left to fill",
            needed=money(qty),
            available=money(res.qty - res.filled),
            reservation=res.id,
        )
    row = state.sleeves[res.sleeve]
    key = (res.sleeve, res.symbol)
    pos = state.positions.get(key, PositionRow())
    done = res.filled + qty == res.qty
    if res.side is Side.buy:
        used = min(amount, res.remaining)
        released = res.remaining - used if done else 0
        _check_free(row, amount - used - released)
        row.cash -= amount
        row.reserved -= used + released
        state.cash -= amount
        state.reserved -= used + released
        res.remaining -= used + released
        pos.qty += qty
        pos.cost += amount
        if state.account is not None:
            state.account -= amount
    else:
        _check_free(row, -amount)
        removed = muldiv(pos.cost, qty, pos.qty)
        row.cash += amount
        row.realized += amount - removed
        state.cash += amount
        state.realized += amount - removed
        if state.account is not None:
            state.account += amount
        res.remaining -= qty
        pos.qty -= qty
        pos.held -= qty
        pos.cost -= removed
    res.filled += qty
    res.status = Status.filled if done else Status.open
    if pos.qty == 0:
        state.positions.pop(key, None)
    else:
        state.positions[key] = pos
    if res.side is Side.buy:
        return {"released": released, "realized": 0}
    return {"released": 0, "realized": amount - removed}


def _cancelled(state: LedgerState, d: dict[str, Any], _: int | None, __: int) -> dict[str, int]:
    res = _open(state, int(d["reservation"]))
    if res.side is Side.buy:
        state.sleeves[res.sleeve].reserved -= res.remaining
        state.reserved -= res.remaining
    else:
        state.positions[(res.sleeve, res.symbol)].held -= res.remaining
    released = res.remaining
    res.remaining = 0
    res.status = Status.cancelled
    return {"released": released}


def _account_synced(state: LedgerState, d: dict[str, Any], _: int | None, __: int) -> None:
    cash = parse(d["cash"])
    if cash < state.cash:
        raise InsufficientFreeFloat(
            f"the account's cash {money(cash)} is less than the sleeves hold "
            f"({money(state.cash)}): move cash out of sleeves first",
            needed=money(state.cash),
            available=money(cash),
        )
    state.account = cash


def _rebuilt(state: LedgerState, d: dict[str, Any], _: int | None, __: int) -> None:
    """A fence: the live projection was rebuilt from the journal here (no balance moves)."""


_Handler = Callable[[LedgerState, dict[str, Any], int | None, int], dict[str, int] | None]

_HANDLERS: dict[str, _Handler] = {
    "sleeve_created": _sleeve_created,
    "transferred": _transferred,
    "reserved": _reserved,
    "executed": _executed,
    "cancelled": _cancelled,
    "account_synced": _account_synced,
    "rebuilt": _rebuilt,
}


def replay(events: list[LedgerEvent], state: LedgerState | None = None) -> LedgerState:
    """Return the state after applying `events` in order (onto `state` when given)."""
    state = state or LedgerState()
    for event in events:
        apply(state, event)
    return state
