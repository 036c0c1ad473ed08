"""Ledger use cases: sleeves valued at the latest prices, reservations, fills, the journal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pas.core import limits
from pas.core.errors import ForbiddenFill, InvalidAmount, InvalidInput
from pas.core.ledger import (
    AccountTotals,
    Execution,
    LedgerEvent,
    Position,
    Reservation,
    Sleeve,
    VerifyReport,
)
from pas.workflows.ports import AccountCash, Ledger, UnitOfWork

CENT = Decimal("0.000001")


@dataclass(frozen=True)
class ManualFill:
    """A fill made outside PAS, entered by hand."""

    qty: Any
    price: Any
    fee: Any
    reason: str


@dataclass(frozen=True)
class PositionView:
    """A position valued at the latest stored price (None when the symbol has no price)."""

    position: Position
    price: Decimal | None
    market_value: Decimal | None
    unrealized_pnl: Decimal | None


@dataclass(frozen=True)
class SleeveView:
    """A sleeve with its positions valued."""

    sleeve: Sleeve
    positions: tuple[PositionView, ...]


def _latest(uow: UnitOfWork, symbols: Sequence[str]) -> dict[str, Decimal]:
    if not symbols:
        return {}
    with uow:
        latest = uow.prices.latest(list(symbols))
    return {sym: Decimal(repr(round(price, 6))) for sym, (_, price) in latest.items()}


def _view(sleeve: Sleeve, prices: dict[str, Decimal]) -> SleeveView:
    views = []
    for p in sleeve.positions:
        price = prices.get(p.symbol)
        value = None if price is None else (p.qty * price).quantize(CENT)
        pnl = None if value is None else value - p.cost
        views.append(PositionView(p, price, value, pnl))
    return SleeveView(sleeve, tuple(views))


def sleeve_state(ledger: Ledger, uow: UnitOfWork, sleeve: int | str) -> SleeveView:
    """Return one sleeve (by id or name) valued at the latest prices."""
    found = ledger.sleeve(sleeve)
    return _view(found, _latest(uow, [p.symbol for p in found.positions]))


def list_sleeves(ledger: Ledger, uow: UnitOfWork) -> list[SleeveView]:
    """Return every sleeve valued at the latest prices."""
    sleeves = ledger.sleeves()
    prices = _latest(uow, sorted({p.symbol for s in sleeves for p in s.positions}))
    return [_view(s, prices) for s in sleeves]


def create_sleeve(
    ledger: Ledger, account: AccountCash, name: str, cash: Any, actor: str = "system"
) -> SleeveView:
    """Create a sleeve funded from the account's unallocated cash; return its state."""
    limits.check_name(name, "the sleeve's name")
    created = ledger.create_sleeve(name, cash, account.cash(), actor=actor)
    return _view(created, {})


def transfer(
    ledger: Ledger,
    account: AccountCash,
    from_sleeve: int | None,
    to_sleeve: int | None,
    amount: Any,
    actor: str = "system",
) -> LedgerEvent:
    """Move cash between sleeves or to/from the account's unallocated cash."""
    return ledger.transfer(from_sleeve, to_sleeve, amount, account.cash(), actor=actor)


def sync_cash(
    ledger: Ledger, account: AccountCash, reason: str, actor: str, cash: Any = None
) -> LedgerEvent:
    """Book the broker's cash (or `cash`) as the account's, e.g. after a deposit."""
    if not reason.strip():
        raise InvalidInput("say why the account's cash is booked anew", field="reason")
    return ledger.sync_account(
        account.cash() if cash is None else cash, reason.strip(), actor=actor
    )


def reserve(
    ledger: Ledger,
    sleeve: int,
    client_id: str,
    symbol: str,
    side: str,
    qty: Any,
    limit_price: Any,
    actor: str = "system",
) -> tuple[Reservation, bool]:
    """Reserve for an order; return (reservation, True when created by this call)."""
    return ledger.reserve(sleeve, client_id, symbol, side, qty, limit_price, actor=actor)


def fill_band(limit_price: Decimal, band_pct: Decimal) -> tuple[Decimal, Decimal]:
    """Return the lowest and highest price a hand-entered fill may have."""
    spread = limit_price * band_pct / 100
    return (limit_price - spread).quantize(CENT), (limit_price + spread).quantize(CENT)


def manual_fill(
    ledger: Ledger,
    reservation_id: int,
    fill: ManualFill,
    band_pct: Decimal,
    actor: str,
) -> Execution:
    """Record a fill made outside PAS: a reason, and a price near the reservation's limit."""
    if not fill.reason.strip():
        raise InvalidInput("a fill entered by hand needs a reason", field="reason")
    low, high = fill_band(ledger.reservation(reservation_id).limit_price, band_pct)
    price = _decimal(fill.price, "price")
    if not low <= price <= high:
        raise ForbiddenFill(
            f"the fill price {dec(price)} is outside {dec(low)}..{dec(high)} "
            f"({dec(band_pct)}% around the reservation's limit price)",
            field="price",
            low=dec(low),
            high=dec(high),
        )
    return ledger.execute(
        reservation_id, fill.qty, fill.price, fill.fee, actor=actor, reason=fill.reason.strip()
    )


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidAmount(f"{what} is not a number: {value!r}", field=what) from None
    if not number.is_finite():
        raise InvalidAmount(f"{what} must be finite", field=what)
    return number


def cancel(ledger: Ledger, reservation_id: int, actor: str = "system") -> Reservation:
    """Cancel a reservation, releasing what it still holds."""
    return ledger.cancel(reservation_id, actor=actor)


def reservations(
    ledger: Ledger, sleeve: int | None = None, status: str | None = None
) -> list[Reservation]:
    """Return reservations, optionally of one sleeve and in one status."""
    return ledger.reservations(sleeve, status)


def totals(ledger: Ledger, account: AccountCash) -> AccountTotals:
    """Return the account totals: booked cash, what is unallocated, and the broker's cash."""
    return ledger.totals(account.cash())


def events(ledger: Ledger, since: int = 0, limit: int = 1000) -> list[LedgerEvent]:
    """Return journaled events after sequence number `since`."""
    return ledger.events(since, limit)


def verify(ledger: Ledger) -> VerifyReport:
    """Replay the journal and compare it with the live ledger; check every invariant."""
    return ledger.verify()


def rebuild(ledger: Ledger, actor: str = "system") -> int:
    """Recreate the live ledger from the journal; return the sequence number reached."""
    return ledger.rebuild(actor=actor)


def subscribe(ledger: Ledger, publish: Callable[[str, dict[str, Any]], None]) -> None:
    """Publish every acknowledged ledger event as `publish("ledger", event_json)`."""
    ledger.add_listener(lambda event: publish("ledger", event_json(event)))


# -- JSON shapes shared by the API and the CLI --------------------------------


def dec(value: Decimal | None) -> str | None:
    """Return a Decimal as a plain string without trailing zeros (None stays None)."""
    if value is None:
        return None
    norm = value.normalize()
    return "0" if norm == 0 else f"{norm:f}"


def sleeve_json(view: SleeveView) -> dict[str, Any]:
    """Return a sleeve state as the API answers it."""
    s = view.sleeve
    return {
        "id": s.id,
        "name": s.name,
        "cash": dec(s.cash),
        "reserved": dec(s.reserved),
        "free_float": dec(s.free_float),
        "realized_pnl": dec(s.realized_pnl),
        "positions": [
            {
                "symbol": v.position.symbol,
                "qty": dec(v.position.qty),
                "qty_reserved": dec(v.position.qty_reserved),
                "avg_cost": dec(v.position.avg_cost),
                "cost": dec(v.position.cost),
                "price": dec(v.price),
                "market_value": dec(v.market_value),
                "unrealized_pnl": dec(v.unrealized_pnl),
            }
            for v in view.positions
        ],
    }


def reservation_json(r: Reservation) -> dict[str, Any]:
    """Return a reservation as the API answers it."""
    return {
        "id": r.id,
        "sleeve": r.sleeve,
        "client_id": r.client_id,
        "symbol": r.symbol,
        "side": r.side.value,
        "qty": dec(r.qty),
        "limit_price": dec(r.limit_price),
        "reserved": dec(r.amount),
        "remaining": dec(r.remaining),
        "filled_qty": dec(r.filled_qty),
        "status": r.status.value,
        "seq": r.seq,
    }


def execution_json(e: Execution) -> dict[str, Any]:
    """Return an execution and the reservation after it."""
    return {
        "reservation": reservation_json(e.reservation),
        "qty": dec(e.qty),
        "price": dec(e.price),
        "fee": dec(e.fee),
        "amount": dec(e.amount),
        "released": dec(e.released),
        "realized_pnl": dec(e.realized_pnl),
        "seq": e.seq,
    }


def event_json(e: LedgerEvent) -> dict[str, Any]:
    """Return a journal event as JSON (`actor`: who made the change)."""
    return {"seq": e.seq, "kind": e.kind, "at": e.at.isoformat(), "actor": e.actor, "data": e.data}


def totals_json(t: AccountTotals) -> dict[str, Any]:
    """Return the account totals as JSON."""
    return {
        "cash": dec(t.cash),
        "reserved": dec(t.reserved),
        "free_float": dec(t.free_float),
        "realized_pnl": dec(t.realized_pnl),
        "sleeves": t.sleeves,
        "open_reservations": t.open_reservations,
        "seq": t.seq,
        "account_cash": dec(t.account_cash),
        "unallocated": dec(t.unallocated),
        "broker_cash": dec(t.broker_cash),
    }


def report_json(r: VerifyReport) -> dict[str, Any]:
    """Return a verify report as JSON."""
    return {
        "ok": r.ok,
        "seq": r.seq,
        "events": r.events,
        "differences": list(r.differences),
        "violations": list(r.violations),
    }
