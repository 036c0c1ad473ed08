"""The order desk: an order's life from ledger reservation to broker fills and back.

reserve in the ledger -> record the order -> submit with client_order_id = the
reservation's client id -> apply each broker snapshot (fills become ledger
executions; a cancel, rejection or expiry releases the remainder).

Snapshots carry cumulative fills, and applying one is compare-and-set on the
order's applied quantity, so the stream, polling and reconciliation may all
deliver the same fill and it is applied once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pas.analytics.rebalance import PlannedOrder
from pas.core.errors import BrokerUnavailable, LedgerError, OrderRejected
from pas.core.orders import (
    BrokerOrder,
    OrderFill,
    OrderRecord,
    OrderRequest,
    OrderStatus,
    fill_delta,
)
from pas.core.ports import Broker, Ledger, utcnow
from pas.workflows.order_ports import OrderBook, Publish

log = logging.getLogger(__name__)

#: an order PAS could not confirm is declared never placed once the broker has not
#: known it for this long (the broker stores an order before it answers)
UNCONFIRMED_GRACE = dt.timedelta(minutes=2)


def new_client_id(strategy_id: int | None) -> str:
    """Return a fresh client order id (also the ledger reservation's client id)."""
    return f"pas-{strategy_id or 0}-{uuid.uuid4().hex[:20]}"


@dataclass
class OrderDesk:
    """Places, follows and cancels orders, keeping the ledger and the order book in step."""

    ledger: Ledger
    broker: Broker
    book: OrderBook
    publish: Publish | None = None
    poll_seconds: float = 0.2
    # striped locks: in this process one thread at a time applies an order or rebalances a
    # strategy; across processes the order book's compare-and-set and the ledger decide
    _locks: tuple[threading.Lock, ...] = field(
        default_factory=lambda: tuple(threading.Lock() for _ in range(64))
    )
    _strategy_locks: tuple[threading.Lock, ...] = field(
        default_factory=lambda: tuple(threading.Lock() for _ in range(16))
    )

    def listen(self) -> None:
        """Apply every snapshot the broker pushes (the trade-updates stream)."""
        self.broker.add_listener(self.on_broker_order)

    def on_broker_order(self, snapshot: BrokerOrder) -> None:
        """Apply a pushed snapshot to the order it belongs to (unknown orders are ignored)."""
        record = self.book.order_by_client_id(snapshot.client_order_id)
        if record is not None:
            self.apply(record, snapshot)

    # --- placing ------------------------------------------------------------

    @property
    def actor(self) -> str:
        """Return who the ledger records for what the broker reports (`broker:<name>`)."""
        return f"broker:{self.broker.name}"

    def place(
        self,
        sleeve_id: int,
        strategy_id: int | None,
        planned: PlannedOrder,
        *,
        actor: str = "system",
    ) -> OrderRecord:
        """Reserve (as `actor`), record and submit one planned order; return its record."""
        client_id = new_client_id(strategy_id)
        reservation, _ = self.ledger.reserve(
            sleeve_id,
            client_id,
            planned.symbol,
            planned.side.value,
            str(planned.qty),
            str(planned.reserve_price),
            actor=actor,
        )
        record = self.book.add_order(
            OrderRecord(
                id=0,
                client_order_id=client_id,
                strategy_id=strategy_id,
                sleeve_id=sleeve_id,
                reservation_id=reservation.id,
                broker=self.broker.name,
                symbol=planned.symbol,
                side=planned.side,
                type=planned.type,
                qty=planned.qty,
                limit_price=planned.limit_price,
                reserve_price=planned.reserve_price,
                status=OrderStatus.new,
            )
        )
        self._emit("created", record)
        return self.submit(record)

    def submit(self, record: OrderRecord) -> OrderRecord:
        """Send a recorded order; an unknown outcome leaves it for reconciliation."""
        request = OrderRequest(
            record.client_order_id,
            record.symbol,
            record.side,
            record.qty,
            record.type,
            record.limit_price,
        )
        try:
            snapshot = self.broker.submit(request)
        except OrderRejected as exc:
            return self._close_unplaced(record, OrderStatus.rejected, exc.message)
        except BrokerUnavailable as exc:
            log.warning("order %s: outcome unknown: %s", record.client_order_id, exc)
            updated = self.book.record(record, status=record.status, note=f"unconfirmed: {exc}")
            return updated or self.book.order(record.id)
        return self.apply(record, snapshot)

    # --- applying broker state ---------------------------------------------

    def lock(self, client_order_id: str) -> threading.Lock:
        """Return the lock guarding one order's updates."""
        return self._locks[zlib.crc32(client_order_id.encode()) % len(self._locks)]

    def strategy_lock(self, strategy_id: int) -> threading.Lock:
        """Return the lock guarding one strategy's rebalances."""
        return self._strategy_locks[strategy_id % len(self._strategy_locks)]

    def apply(self, record: OrderRecord, snapshot: BrokerOrder) -> OrderRecord:
        """Apply a broker snapshot: new fills to the ledger, a final status releases the rest."""
        with self.lock(record.client_order_id):
            current = self.book.order(record.id)
            fill = fill_delta(current.filled_qty, current.filled_avg_price, snapshot)
            same_id = current.broker_order_id == snapshot.id
            if fill is None and snapshot.status is current.status and same_id:
                return current
            if fill is None and (not current.is_open or snapshot.filled_qty < current.filled_qty):
                return current  # a stale snapshot cannot reopen or roll back an order
            applied = (
                OrderFill(current.id, fill.qty, fill.price, fill.cum_qty, utcnow())
                if fill is not None
                else None
            )
            updated = self.book.record(
                current, status=snapshot.status, broker_order_id=snapshot.id, fill=applied
            )
            if updated is None:  # another process applied it first
                return self.book.order(record.id)
            if applied is not None:
                self._execute(updated, applied.qty, applied.price)
            if not updated.is_open:
                self._release(updated)
        self._emit("fill" if applied is not None else "status", updated)
        return updated

    def _execute(self, record: OrderRecord, qty: Decimal, price: Decimal) -> None:
        try:
            self.ledger.execute(record.reservation_id, str(qty), str(price), actor=self.actor)
        except LedgerError:  # recorded, not in the ledger: reconciliation repairs it
            log.exception("order %s: fill not applied to the ledger", record.client_order_id)

    def _release(self, record: OrderRecord) -> None:
        """Cancel the reservation's remainder once the order can fill no more."""
        reservation = self.ledger.reservation(record.reservation_id)
        if _status(reservation) == "open" and reservation.filled_qty >= record.filled_qty:
            self.ledger.cancel(record.reservation_id, actor=self.actor)

    def _close_unplaced(self, record: OrderRecord, status: OrderStatus, note: str) -> OrderRecord:
        updated = self.book.record(record, status=status, note=note) or self.book.order(record.id)
        self._release(updated)
        self._emit("status", updated)
        return updated

    # --- following, cancelling --------------------------------------------

    def refresh(self, record: OrderRecord) -> OrderRecord:
        """Ask the broker for the order's state and apply it (recovers missed fills)."""
        if not record.is_open:
            return record
        if record.broker_order_id is None:
            snapshot = self.broker.get_order_by_client_id(record.client_order_id)
            if snapshot is None:
                created = record.created_at or utcnow()
                if utcnow() - created > UNCONFIRMED_GRACE:
                    return self._close_unplaced(
                        record, OrderStatus.rejected, "never reached the broker"
                    )
                return self.submit(record)  # the broker has no such order: send it now
            return self.apply(record, snapshot)
        return self.apply(record, self.broker.get_order(record.broker_order_id))

    def wait(self, records: list[OrderRecord], seconds: float) -> list[OrderRecord]:
        """Refresh `records` until none is open or `seconds` pass; return them as they are."""
        deadline = time.monotonic() + seconds
        while True:
            records = [self.refresh(self.book.order(r.id)) for r in records]
            if not any(r.is_open for r in records) or time.monotonic() >= deadline:
                return records
            time.sleep(self.poll_seconds)

    def cancel(self, order_id: int, wait_seconds: float = 5.0) -> OrderRecord:
        """Cancel an order; wait briefly for the broker to confirm (its cancel is asynchronous)."""
        record = self.book.order(order_id)
        if not record.is_open:
            return record
        record = self.refresh(record)
        if record.broker_order_id is None or not record.is_open:
            return record
        self.apply(record, self.broker.cancel(record.broker_order_id))
        return self.wait([record], wait_seconds)[0]

    def _emit(self, kind: str, record: OrderRecord) -> None:
        if self.publish is None:
            return
        try:
            self.publish("orders", {"event": kind, "order": order_json(record)})
        except Exception:  # publishing is best effort; the order is already safe
            log.exception("could not publish order event")


def _status(reservation: Any) -> str:
    return str(getattr(reservation.status, "value", reservation.status))


def dec(value: Decimal | None) -> str | None:
    """Return a Decimal as a plain string (None stays None)."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0E-6") else text


def order_json(r: OrderRecord) -> dict[str, Any]:
    """Return an order as a JSON-ready dict."""
    return {
        "id": r.id,
        "client_order_id": r.client_order_id,
        "strategy_id": r.strategy_id,
        "sleeve_id": r.sleeve_id,
        "reservation_id": r.reservation_id,
        "broker": r.broker,
        "broker_order_id": r.broker_order_id,
        "symbol": r.symbol,
        "side": r.side.value,
        "type": r.type.value,
        "qty": dec(r.qty),
        "limit_price": dec(r.limit_price),
        "reserve_price": dec(r.reserve_price),
        "status": r.status.value,
        "filled_qty": dec(r.filled_qty),
        "filled_avg_price": dec(r.filled_avg_price),
        "note": r.note,
        "created_at": r.created_at.isoformat() if r.created_at else None,
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
    }
