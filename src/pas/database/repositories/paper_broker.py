"""The paper broker's book in the database: one short transaction per call.

Implements `pas.brokers.paper_store.PaperStore`. The unique client_order_id
column makes a second insert of the same order a no-op across processes, and
updates are compare-and-set on filled_qty so two processes never fill twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from pas.core.orders import (
    OPEN_STATUSES,
    BrokerOrder,
    OrderSide,
    OrderStatus,
    OrderType,
    PaperFill,
    StatusFilter,
)
from pas.database.models_orders import PaperFillRow, PaperOrderRow

_OPEN = [s.value for s in OPEN_STATUSES]


def naive(at: dt.datetime | None) -> dt.datetime | None:
    """Return `at` as naive UTC (how the tables store times)."""
    if at is None or at.tzinfo is None:
        return at
    return at.astimezone(dt.UTC).replace(tzinfo=None)


def aware(at: dt.datetime | None) -> dt.datetime | None:
    """Return a stored naive-UTC time as timezone-aware UTC."""
    return None if at is None else at.replace(tzinfo=dt.UTC)


class SqlPaperStore:
    """A PaperStore on the `paper_orders` and `paper_fills` tables."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def insert(self, order: BrokerOrder) -> BrokerOrder:
        """Store a new order; return the stored one when its client_order_id exists already."""
        try:
            with self.sessions.begin() as session:
                session.add(_row(order))
            return order
        except IntegrityError:
            existing = self.by_client_id(order.client_order_id)
            if existing is None:
                raise
            return existing

    def update(self, order: BrokerOrder, fill: PaperFill | None, expected_filled: Decimal) -> bool:
        """Replace an order (and add its fill) only if its filled_qty is still `expected_filled`."""
        values = {
            "status": order.status.value,
            "filled_qty": order.filled_qty,
            "filled_avg_price": order.filled_avg_price,
            "updated_at": naive(order.updated_at),
            "filled_at": naive(order.filled_at),
            "canceled_at": naive(order.canceled_at),
        }
        with self.sessions.begin() as session:
            done = session.execute(
                update(PaperOrderRow)
                .where(
                    PaperOrderRow.id == order.id,
                    PaperOrderRow.filled_qty == expected_filled,
                    PaperOrderRow.status.in_(_OPEN),
                )
                .values(**values)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return False
            if fill is not None:
                session.add(
                    PaperFillRow(
                        order_id=fill.order_id,
                        symbol=fill.symbol,
                        side=fill.side.value,
                        qty=fill.qty,
                        price=fill.price,
                        at=naive(fill.at),
                    )
                )
        return True

    def get(self, order_id: str) -> BrokerOrder | None:
        """Return the order with this id, or None."""
        with self.sessions() as session:
            row = session.get(PaperOrderRow, order_id)
            return None if row is None else _record(row)

    def by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order with this client order id, or None."""
        return self._one(PaperOrderRow.client_order_id == client_order_id)

    def _one(self, condition: object) -> BrokerOrder | None:
        with self.sessions() as session:
            row = session.scalars(select(PaperOrderRow).where(condition)).first()  # type: ignore[arg-type]
            return None if row is None else _record(row)

    def orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]:
        """Return matching orders, oldest first."""
        query = select(PaperOrderRow)
        if status == "open":
            query = query.where(PaperOrderRow.status.in_(_OPEN))
        elif status == "closed":
            query = query.where(PaperOrderRow.status.not_in(_OPEN))
        if after is not None:
            query = query.where(PaperOrderRow.submitted_at > naive(after))
        if until is not None:
            query = query.where(PaperOrderRow.submitted_at <= naive(until))
        if symbols is not None:
            query = query.where(PaperOrderRow.symbol.in_(list(symbols)))
        query = query.order_by(PaperOrderRow.submitted_at, PaperOrderRow.id)
        with self.sessions() as session:
            return [_record(r) for r in session.scalars(query)]

    def fills(self) -> list[PaperFill]:
        """Return every fill, oldest first."""
        with self.sessions() as session:
            rows = session.scalars(select(PaperFillRow).order_by(PaperFillRow.id))
            return [
                PaperFill(
                    r.order_id,
                    r.symbol,
                    OrderSide(r.side),
                    r.qty,
                    r.price,
                    aware(r.at),  # type: ignore[arg-type]
                )
                for r in rows
            ]


def _row(order: BrokerOrder) -> PaperOrderRow:
    return PaperOrderRow(
        id=order.id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side.value,
        type=order.type.value,
        qty=order.qty,
        limit_price=order.limit_price,
        status=order.status.value,
        filled_qty=order.filled_qty,
        filled_avg_price=order.filled_avg_price,
        submitted_at=naive(order.submitted_at),
        updated_at=naive(order.updated_at),
        filled_at=naive(order.filled_at),
        canceled_at=naive(order.canceled_at),
    )


def _record(row: PaperOrderRow) -> BrokerOrder:
    return BrokerOrder(
        id=row.id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=OrderSide(row.side),
        type=OrderType(row.type),
        qty=Decimal(row.qty),
        status=OrderStatus(row.status),
        filled_qty=Decimal(row.filled_qty),
        filled_avg_price=None if row.filled_avg_price is None else Decimal(row.filled_avg_price),
        limit_price=None if row.limit_price is None else Decimal(row.limit_price),
        submitted_at=aware(row.submitted_at),
        updated_at=aware(row.updated_at),
        filled_at=aware(row.filled_at),
        canceled_at=aware(row.canceled_at),
    )
