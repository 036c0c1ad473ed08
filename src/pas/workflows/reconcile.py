"""Use case: reconcile the ledger with the broker, recovering what the stream missed.

1. Every open order is re-read from the broker and applied (missed fills and
   cancels are recovered; an order whose submit was never confirmed is resolved
   by its client_order_id).
2. Fills recorded but not in the ledger (a crash between the two) are executed.
3. What remains is compared: ledger positions summed over sleeves against the
   broker's positions, and open reservations against the broker's open orders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pas.core.errors import BrokerUnavailable, LedgerError
from pas.core.orders import OrderRecord
from pas.workflows.orders import OrderDesk, dec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Difference:
    """One thing the ledger and the broker disagree on."""

    kind: str  # position | reservation_without_order | order_without_reservation | unresolved
    symbol: str | None
    ledger: str | None
    broker: str | None
    detail: str = ""


@dataclass(frozen=True)
class ReconcileReport:
    """What reconciliation recovered and what still differs."""

    checked_orders: int
    recovered_fills: int
    repaired: int
    differences: tuple[Difference, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Return True when the ledger and the broker agree."""
        return not self.differences


def _refresh_open(desk: OrderDesk) -> tuple[int, int, list[Difference]]:
    checked = recovered = 0
    unresolved: list[Difference] = []
    for record in desk.book.orders(status="open"):
        checked += 1
        try:
            after = desk.refresh(record)
        except BrokerUnavailable as exc:
            unresolved.append(Difference("unresolved", record.symbol, None, None, str(exc)))
            continue
        if after.filled_qty > record.filled_qty:
            recovered += 1
    return checked, recovered, unresolved


def _repair(desk: OrderDesk, record: OrderRecord) -> bool:
    """Execute recorded fills the ledger lacks, then release a closed order's remainder."""
    reservation = desk.ledger.reservation(record.reservation_id)
    done = False
    for fill in desk.book.fills(record.id):
        if fill.cum_qty > reservation.filled_qty:
            qty = min(fill.qty, fill.cum_qty - reservation.filled_qty)
            desk.ledger.execute(record.reservation_id, str(qty), str(fill.price))
            reservation = desk.ledger.reservation(record.reservation_id)
            done = True
    if (
        not record.is_open
        and str(getattr(reservation.status, "value", reservation.status)) == "open"
    ):
        desk.ledger.cancel(record.reservation_id)
        done = True
    return done


def _ledger_positions(desk: OrderDesk) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for sleeve in desk.ledger.sleeves():
        for p in sleeve.positions:
            total[p.symbol] = total.get(p.symbol, Decimal(0)) + p.qty
    return total


def _compare(desk: OrderDesk) -> list[Difference]:
    out: list[Difference] = []
    ledger = _ledger_positions(desk)
    broker = {p.symbol: p.qty for p in desk.broker.positions()}
    for sym in sorted(set(ledger) | set(broker)):
        a, b = ledger.get(sym, Decimal(0)), broker.get(sym, Decimal(0))
        if a != b:
            out.append(Difference("position", sym, dec(a), dec(b)))
    open_orders = {o.client_order_id: o for o in desk.broker.list_orders("open")}
    reserved = {r.client_id: r for r in desk.ledger.reservations(None, "open")}
    for cid, r in sorted(reserved.items()):
        if cid not in open_orders:
            out.append(
                Difference("reservation_without_order", r.symbol, dec(r.remaining), None, cid)
            )
    for cid, o in sorted(open_orders.items()):
        if cid not in reserved:
            out.append(
                Difference("order_without_reservation", o.symbol, None, dec(o.remaining), cid)
            )
    return out


def reconcile(desk: OrderDesk) -> ReconcileReport:
    """Recover missed fills and report every remaining difference."""
    checked, recovered, unresolved = _refresh_open(desk)
    repaired = 0
    for r in desk.ledger.reservations(None, "open"):
        record = desk.book.order_by_client_id(r.client_id)
        if record is None:
            continue
        try:
            repaired += _repair(desk, record)
        except LedgerError:
            log.exception("could not repair order %s", record.client_order_id)
    differences = unresolved + _compare(desk)
    return ReconcileReport(checked, recovered, repaired, tuple(differences))


def report_json(r: ReconcileReport) -> dict[str, Any]:
    """Return a reconciliation report as a JSON-ready dict."""
    return {
        "ok": r.ok,
        "checked_orders": r.checked_orders,
        "recovered_fills": r.recovered_fills,
        "repaired": r.repaired,
        "differences": [
            {
                "kind": d.kind,
                "symbol": d.symbol,
                "ledger": d.ledger,
                "broker": d.broker,
                "detail": d.detail,
            }
            for d in r.differences
        ],
    }
