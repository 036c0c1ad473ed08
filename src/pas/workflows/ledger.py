"""Ledger use cases: sleeves valued at the latest prices, reservations, fills, the journal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


def create_sleeve(ledger: Ledger, account: AccountCash, name: str, cash: Any) -> SleeveView:
    """Create a sleeve funded from the account's unallocated cash; return its state."""
    created = ledger.create_sleeve(name, cash, account.cash())
    return _view(created, {})


def transfer(
    ledger: Ledger,
    account: AccountCash,
    from_sleeve: int | None,
    to_sleeve: int | None,
    amount: Any,
) -> LedgerEvent:
    """Move cash between sleeves or to/from the account's unallocated cash."""
    return ledger.transfer(from_sleeve, to_sleeve, amount, account.cash())


def reserve(
    ledger: Ledger,
    sleeve: int,
    client_id: str,
    symbol: str,
    side: str,
    qty: Any,
    limit_price: Any,
) -> tuple[Reservation, bool]:
    """Reserve for an order; return (reservation, True when created by this call)."""
    return ledger.reserve(sleeve, client_id, symbol, side, qty, limit_price)


def execute(ledger: Ledger, reservation_id: int, qty: Any, price: Any, fee: Any = "0") -> Execution:
    """Record a (partial) fill of a reservation."""
    return ledger.execute(reservation_id, qty, price, fee)


def cancel(ledger: Ledger, reservation_id: int) -> Reservation:
    """Cancel a reservation, releasing what it still holds."""
    return ledger.cancel(reservation_id)


def reservations(
    ledger: Ledger, sleeve: int | None = None, status: str | None = None
) -> list[Reservation]:
    """Return reservations, optionally of one sleeve and in one status."""
    return ledger.reservations(sleeve, status)


def totals(ledger: Ledger, account: AccountCash) -> AccountTotals:
    """Return the account totals with the broker's cash and what is unallocated."""
    return ledger.totals(account.cash())


def events(ledger: Ledger, since: int = 0, limit: int = 1000) -> list[LedgerEvent]:
    """Return journaled events after sequence number `since`."""
    return ledger.events(since, limit)


def verify(ledger: Ledger) -> VerifyReport:
    """Replay the journal and compare it with the live ledger; check every invariant."""
    return ledger.verify()


def rebuild(ledger: Ledger) -> int:
    """Recreate the live ledger from the journal; return the sequence number reached."""
    return ledger.rebuild()


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
    """Return a journal event as JSON."""
    return {"seq": e.seq, "kind": e.kind, "at": e.at.isoformat(), "data": e.data}


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
