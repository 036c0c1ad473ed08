"""Strategies and PAS's orders (with fills and status history) in the database.

Each method is one short transaction. Applying a fill is compare-and-set on the
order's applied `filled_qty`, and (order, cum_qty) is unique in `order_fills`,
so two processes applying the same broker snapshot record it once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from pas.core.errors import Conflict, NotFound, UnknownOrder
from pas.core.orders import (
    OPEN_STATUSES,
    OrderEvent,
    OrderFill,
    OrderRecord,
    OrderSide,
    OrderStatus,
    OrderType,
)
from pas.core.strategies import Strategy
from pas.database.clock import db_now
from pas.database.models_orders import OrderEventRow, OrderFillRow, OrderRow, StrategyRow
from pas.database.repositories.paper_broker import aware, naive


def _utc(at: dt.datetime) -> dt.datetime:
    return at.replace(tzinfo=dt.UTC)


def _fill_row(order_id: int, fill: OrderFill) -> OrderFillRow:
    """Return the row recording one fill of an order."""
    return OrderFillRow(
        order_id=order_id, qty=fill.qty, price=fill.price, cum_qty=fill.cum_qty, at=naive(fill.at)
    )


class SqlOrderBook:
    """Strategies and orders on the `strategies`, `orders`, `order_fills`, `order_events` tables."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False)

    # --- strategies -----------------------------------------------------------

    def add_strategy(self, draft: Strategy) -> Strategy:
        """Store a new strategy (its id is assigned); Conflict when the name is taken."""
        row = StrategyRow(
            name=draft.name,
            sleeve_id=draft.sleeve_id,
            universe=json.dumps(list(draft.universe)),
            scheme=draft.scheme,
            params=json.dumps(draft.params, sort_keys=True),
            schedule=draft.schedule,
            order_settings=json.dumps(draft.order, sort_keys=True),
            created_at=db_now(),
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
                session.flush()
                return _strategy(row)
        except IntegrityError:
            raise Conflict(
                f"a strategy named {draft.name!r} exists already", name=draft.name
            ) from None

    def strategy(self, strategy_id: int) -> Strategy:
        """Return one strategy; NotFound when there is none."""
        with self.sessions() as session:
            row = session.get(StrategyRow, strategy_id)
            if row is None:
                raise NotFound(f"no strategy with id {strategy_id}", id=strategy_id)
            return _strategy(row)

    def strategy_by_name(self, name: str) -> Strategy | None:
        """Return the strategy with this name, or None."""
        with self.sessions() as session:
            row = session.scalars(select(StrategyRow).where(StrategyRow.name == name)).first()
            return None if row is None else _strategy(row)

    def strategies(self) -> list[Strategy]:
        """Return every strategy, oldest first."""
        with self.sessions() as session:
            return [
                _strategy(r) for r in session.scalars(select(StrategyRow).order_by(StrategyRow.id))
            ]

    def delete_strategy(self, strategy_id: int) -> Strategy:
        """Delete a strategy (its orders stay, for the record); return it."""
        found = self.strategy(strategy_id)
        with self.sessions.begin() as session:
            session.execute(delete(StrategyRow).where(StrategyRow.id == strategy_id))
        return found

    # --- orders ---------------------------------------------------------------

    def add_order(self, draft: OrderRecord) -> OrderRecord:
        """Store a new order with its first status event; the stored one if its client id exists."""
        now = db_now()
        row = OrderRow(
            client_order_id=draft.client_order_id,
            strategy_id=draft.strategy_id,
            sleeve_id=draft.sleeve_id,
            reservation_id=draft.reservation_id,
            broker=draft.broker,
            broker_order_id=draft.broker_order_id,
            symbol=draft.symbol,
            side=draft.side.value,
            type=draft.type.value,
            qty=draft.qty,
            limit_price=draft.limit_price,
            reserve_price=draft.reserve_price,
            status=draft.status.value,
            filled_qty=Decimal(0),
            filled_avg_price=None,
            note=draft.note,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.sessions.begin() as session:
                session.add(row)
                session.flush()
                session.add(_event(row.id, draft.status, Decimal(0), draft.note, now))
                return _order(row)
        except IntegrityError:
            existing = self.order_by_client_id(draft.client_order_id)
            if existing is None:
                raise
            return existing

    def order(self, order_id: int) -> OrderRecord:
        """Return one order; UnknownOrder when there is none."""
        with self.sessions() as session:
            row = session.get(OrderRow, order_id)
            if row is None:
                raise UnknownOrder(f"no order with id {order_id}", id=order_id)
            return _order(row)

    def order_by_client_id(self, client_order_id: str) -> OrderRecord | None:
        """Return the order with this client order id, or None."""
        with self.sessions() as session:
            query = select(OrderRow).where(OrderRow.client_order_id == client_order_id)
            row = session.scalars(query).first()
            return None if row is None else _order(row)

    def orders(
        self,
        strategy_id: int | None = None,
        status: str | None = None,
        sleeve_id: int | None = None,
        limit: int = 1000,
    ) -> list[OrderRecord]:
        """Return orders, newest first; `status` is a status or "open"/"closed"."""
        query = select(OrderRow)
        if strategy_id is not None:
            query = query.where(OrderRow.strategy_id == strategy_id)
        if sleeve_id is not None:
            query = query.where(OrderRow.sleeve_id == sleeve_id)
        open_values = [s.value for s in OPEN_STATUSES]
        if status == "open":
            query = query.where(OrderRow.status.in_(open_values))
        elif status == "closed":
            query = query.where(OrderRow.status.not_in(open_values))
        elif status is not None:
            query = query.where(OrderRow.status == OrderStatus(status).value)
        query = query.order_by(OrderRow.id.desc()).limit(limit)
        with self.sessions() as session:
            return [_order(r) for r in session.scalars(query)]

    def record(
        self,
        order: OrderRecord,
        *,
        status: OrderStatus,
        broker_order_id: str | None = None,
        fill: OrderFill | None = None,
        note: str | None = None,
    ) -> OrderRecord | None:
        """Move an order to `status` (adding `fill`) if its applied qty is still `order.filled_qty`.

        Returns the new record, or None when another writer got there first.
        """
        now = db_now()
        new_filled = fill.cum_qty if fill is not None else order.filled_qty
        avg = order.filled_avg_price
        if fill is not None:
            done_value = order.filled_qty * (avg or Decimal(0)) + fill.qty * fill.price
            avg = (done_value / fill.cum_qty).quantize(Decimal("0.000001"))
        values: dict[str, Any] = {
            "status": status.value,
            "filled_qty": new_filled,
            "filled_avg_price": avg,
            "updated_at": now,
        }
        if broker_order_id is not None:
            values["broker_order_id"] = broker_order_id
        if note is not None:
            values["note"] = note[:255]
        try:
            with self.sessions.begin() as session:
                done = session.execute(
                    update(OrderRow)
                    .where(OrderRow.id == order.id, OrderRow.filled_qty == order.filled_qty)
                    .values(**values)
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    return None
                if fill is not None:
                    session.add(_fill_row(order.id, fill))
                if fill is not None or status is not order.status:
                    session.add(_event(order.id, status, new_filled, note, now))
        except IntegrityError:  # the same cumulative fill was recorded by someone else
            return None
        return replace(
            order,
            status=status,
            filled_qty=new_filled,
            filled_avg_price=avg,
            broker_order_id=broker_order_id or order.broker_order_id,
            updated_at=aware(now),
            note=note[:255] if note is not None else order.note,
        )

    def fills(self, order_id: int) -> list[OrderFill]:
        """Return an order's fills, oldest first."""
        with self.sessions() as session:
            query = select(OrderFillRow).where(OrderFillRow.order_id == order_id)
            rows = session.scalars(query.order_by(OrderFillRow.id))
            return [
                OrderFill(
                    r.order_id, Decimal(r.qty), Decimal(r.price), Decimal(r.cum_qty), _utc(r.at)
                )
                for r in rows
            ]

    def events(self, order_id: int) -> list[OrderEvent]:
        """Return an order's status history, oldest first."""
        with self.sessions() as session:
            query = select(OrderEventRow).where(OrderEventRow.order_id == order_id)
            rows = session.scalars(query.order_by(OrderEventRow.id))
            return [
                OrderEvent(
                    r.order_id, OrderStatus(r.status), Decimal(r.filled_qty), _utc(r.at), r.note
                )
                for r in rows
            ]


def _event(
    order_id: int, status: OrderStatus, filled: Decimal, note: str | None, at: dt.datetime
) -> OrderEventRow:
    return OrderEventRow(
        order_id=order_id,
        status=status.value,
        filled_qty=filled,
        note=None if note is None else note[:255],
        at=at,
    )


def _strategy(row: StrategyRow) -> Strategy:
    return Strategy(
        id=row.id,
        name=row.name,
        sleeve_id=row.sleeve_id,
        universe=tuple(json.loads(row.universe)),
        scheme=row.scheme,
        params=json.loads(row.params),
        schedule=row.schedule,
        order=json.loads(row.order_settings),
        created_at=aware(row.created_at),
    )


def _order(row: OrderRow) -> OrderRecord:
    return OrderRecord(
        id=row.id,
        client_order_id=row.client_order_id,
        strategy_id=row.strategy_id,
        sleeve_id=row.sleeve_id,
        reservation_id=row.reservation_id,
        broker=row.broker,
        symbol=row.symbol,
        side=OrderSide(row.side),
        type=OrderType(row.type),
        qty=Decimal(row.qty),
        limit_price=None if row.limit_price is None else Decimal(row.limit_price),
        reserve_price=Decimal(row.reserve_price),
        status=OrderStatus(row.status),
        filled_qty=Decimal(row.filled_qty),
        filled_avg_price=None if row.filled_avg_price is None else Decimal(row.filled_avg_price),
        broker_order_id=row.broker_order_id,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        note=row.note,
    )
