"""Use case: reconcile the ledger with the broker, recovering what the stream missed.

1. Every open order is re-read from the broker and applied (missed fills and
   cancels are recovered; an order whose submit was never confirmed is resolved
   by its client_order_id).
2. Fills recorded but not in the ledger (a crash between the two) are executed.
3. What remains is compared: ledger positions summed over sleeves against the
   broker's positions, and open reservations against the broker's open orders.

A run changes the ledger (it applies fills and releases reservations), so it is
recorded as a run of the `reconcile` job with its report; reading the last
report (`last_report`) changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pas.core.errors import BrokerUnavailable, LedgerError, NotFound
from pas.core.metrics import JobRun
from pas.core.orders import OrderRecord
from pas.workflows.orders import OrderDesk, dec
from pas.workflows.updater_ports import JobRuns

#: the job whose runs hold the reports (the updater's scheduled runs and on-demand ones alike)
JOB = "reconcile"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Difference:
    """One thing the ledger and the broker disagree on."""

    kind: (
        str  # position | cash | reservation_without_order | order_without_reservation | unresolved
    )
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
            desk.ledger.execute(record.reservation_id, str(qty), str(fill.price), actor=desk.actor)
            reservation = desk.ledger.reservation(record.reservation_id)
            done = True
    if (
        not record.is_open
        and str(getattr(reservation.status, "value", reservation.status)) == "open"
    ):
        desk.ledger.cancel(record.reservation_id, actor=desk.actor)
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


def _compare_cash(desk: OrderDesk, tolerance: Decimal) -> list[Difference]:
    """Return the difference between the broker's cash and the cash the ledger books."""
    broker = desk.broker.cash()
    totals = desk.ledger.totals()
    booked = totals.account_cash
    if booked is None and totals.sleeves == 0:
        return []  # nothing allocated yet: the broker's cash is all unallocated
    if booked is None:
        detail = "the ledger has not booked the account's cash: run `pas ledger sync-cash`"
        return [Difference("cash", None, None, dec(broker), detail)]
    if abs(broker - booked) > tolerance:
        detail = f"differs by {dec(broker - booked)} (tolerance {dec(tolerance)})"
        return [Difference("cash", None, dec(booked), dec(broker), detail)]
    return []


def reconcile(desk: OrderDesk, cash_tolerance: Decimal = Decimal("0.01")) -> ReconcileReport:
    """Recover missed fills and report every remaining difference (positions, orders, cash)."""
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
    differences = unresolved + _compare(desk) + _compare_cash(desk, cash_tolerance)
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


def summary(r: ReconcileReport) -> str:
    """Return one line saying whether the ledger and the broker agree."""
    if r.ok:
        return "reconcile: ledger and broker agree"
    return f"reconcile: {len(r.differences)} difference(s) between ledger and broker"


def reconcile_and_record(
    desk: OrderDesk, runs: JobRuns, actor: str, cash_tolerance: Decimal = Decimal("0.01")
) -> dict[str, Any]:
    """Run a reconciliation, store its report as a run of JOB, return the stored report."""
    run = runs.start(JOB)
    try:
        report = reconcile(desk, cash_tolerance)
    except Exception as exc:
        runs.finish(run, "failed", f"{type(exc).__name__}: {exc}", None)
        raise
    done = runs.finish(run, "done", summary(report), {**report_json(report), "actor": actor})
    return stored_json(done)


def stored_json(run: JobRun) -> dict[str, Any]:
    """Return a recorded run's report with when it ran and its run id."""
    when = run.finished_at or run.started_at
    return {**(run.result or {}), "run_id": run.id, "run_at": when.isoformat()}


def last_report(runs: JobRuns, scan: int = 50) -> dict[str, Any]:
    """Return the newest stored report; NotFound before the first reconciliation."""
    for run in runs.recent(JOB, scan):
        if run.status == "done" and run.result and "differences" in run.result:
            return stored_json(run)
    raise NotFound(
        "no reconciliation has run yet: POST /api/v1/reconciliation/run (trader) "
        "or `pas reconcile` runs one"
    )
