"""Tables of order routing: strategies, PAS's orders with fills and status history,
and the paper broker's own book (paper_orders, paper_fills).

Quantities and prices are DECIMAL(20, 6); times are naive UTC.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base

QTY = Numeric(20, 6)
#: microseconds on MariaDB too (its DATETIME drops them by default): listings page by time
TIME = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class PaperOrderRow(Base):
    __tablename__ = "paper_orders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    symbol: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal] = mapped_column(QTY)
    limit_price: Mapped[Decimal | None] = mapped_column(QTY)
    status: Mapped[str] = mapped_column(String(20))
    filled_qty: Mapped[Decimal] = mapped_column(QTY)
    filled_avg_price: Mapped[Decimal | None] = mapped_column(QTY)
    submitted_at: Mapped[dt.datetime] = mapped_column(TIME)
    updated_at: Mapped[dt.datetime] = mapped_column(TIME)
    filled_at: Mapped[dt.datetime | None] = mapped_column(TIME)
    canceled_at: Mapped[dt.datetime | None] = mapped_column(TIME)

    __table_args__ = (Index("ix_paper_orders_submitted_at", "submitted_at"),)


class PaperFillRow(Base):
    __tablename__ = "paper_fills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(36), ForeignKey("paper_orders.id"))
    symbol: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    qty: Mapped[Decimal] = mapped_column(QTY)
    price: Mapped[Decimal] = mapped_column(QTY)
    at: Mapped[dt.datetime] = mapped_column(TIME)


class StrategyRow(Base):
    __tablename__ = "strategies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sleeve_id: Mapped[int] = mapped_column(Integer)
    universe: Mapped[str] = mapped_column(Text)  # JSON list
    scheme: Mapped[str] = mapped_column(String(32))
    params: Mapped[str] = mapped_column(Text)  # JSON object
    schedule: Mapped[str | None] = mapped_column(String(64))
    order_settings: Mapped[str] = mapped_column(Text)  # JSON object
    created_at: Mapped[dt.datetime] = mapped_column(TIME)


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    strategy_id: Mapped[int | None] = mapped_column(Integer)
    sleeve_id: Mapped[int] = mapped_column(Integer)
    reservation_id: Mapped[int] = mapped_column(Integer)
    broker: Mapped[str] = mapped_column(String(16))
    broker_order_id: Mapped[str | None] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal] = mapped_column(QTY)
    limit_price: Mapped[Decimal | None] = mapped_column(QTY)
    reserve_price: Mapped[Decimal] = mapped_column(QTY)
    status: Mapped[str] = mapped_column(String(20))
    filled_qty: Mapped[Decimal] = mapped_column(QTY)
    filled_avg_price: Mapped[Decimal | None] = mapped_column(QTY)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(TIME)
    updated_at: Mapped[dt.datetime] = mapped_column(TIME)

    __table_args__ = (
        Index("ix_orders_strategy_id", "strategy_id"),
        Index("ix_orders_status", "status"),
    )


class OrderFillRow(Base):
    __tablename__ = "order_fills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)
    price: Mapped[Decimal] = mapped_column(QTY)
    cum_qty: Mapped[Decimal] = mapped_column(QTY)
    at: Mapped[dt.datetime] = mapped_column(TIME)

    # a cumulative quantity is reached once: the same broker snapshot cannot add a second fill
    __table_args__ = (UniqueConstraint("order_id", "cum_qty", name="uq_order_fills_order_cum"),)


class OrderEventRow(Base):
    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Integer, ForeignKey("orders.id"))
    status: Mapped[str] = mapped_column(String(20))
    filled_qty: Mapped[Decimal] = mapped_column(QTY)
    note: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(TIME)

    __table_args__ = (Index("ix_order_events_order_id", "order_id"),)
