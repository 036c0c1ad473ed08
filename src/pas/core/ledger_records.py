"""Frozen records of a ledger state: what the backends hand out (Decimals, not micro-units)."""

from __future__ import annotations

from pas.core.ledger import AccountTotals, Position, Reservation, Sleeve, Status, from_micro
from pas.core.ledger_state import LedgerState, ReservationRow


def sleeve_record(state: LedgerState, sleeve_id: int) -> Sleeve:
    """Return a sleeve with its positions as a frozen record."""
    row = state.sleeve(sleeve_id)
    positions = tuple(
        Position(sym, from_micro(p.qty), from_micro(p.held), from_micro(p.cost))
        for (sid, sym), p in sorted(state.positions.items())
        if sid == sleeve_id
    )
    return Sleeve(
        id=row.id,
        name=row.name,
        cash=from_micro(row.cash),
        reserved=from_micro(row.reserved),
        realized_pnl=from_micro(row.realized),
        positions=positions,
    )


def reservation_record(row: ReservationRow) -> Reservation:
    """Return a reservation as a frozen record."""
    return Reservation(
        id=row.id,
        sleeve=row.sleeve,
        client_id=row.client_id,
        symbol=row.symbol,
        side=row.side,
        qty=from_micro(row.qty),
        limit_price=from_micro(row.limit),
        amount=from_micro(row.amount),
        remaining=from_micro(row.remaining),
        filled_qty=from_micro(row.filled),
        status=row.status,
        seq=row.seq,
    )


def totals_record(state: LedgerState, broker_cash: int | None = None) -> AccountTotals:
    """Return the account totals kept alongside the sleeves (and the broker's cash if given)."""
    open_count = sum(1 for r in state.reservations.values() if r.status is Status.open)
    return AccountTotals(
        cash=from_micro(state.cash),
        reserved=from_micro(state.reserved),
        realized_pnl=from_micro(state.realized),
        sleeves=len(state.sleeves),
        open_reservations=open_count,
        seq=state.seq,
        account_cash=None if state.account is None else from_micro(state.account),
        broker_cash=None if broker_cash is None else from_micro(broker_cash),
    )
