"""SQLAlchemy 2.x models of the foundation tables (later issues add theirs).

Money is DECIMAL; factor returns are doubles (they are rates, not money).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PRICE = Numeric(18, 6)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Security(Base):
    __tablename__ = "securities"

    symbol: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(200))


class Price(Base):
    __tablename__ = "prices"

    symbol: Mapped[str] = mapped_column(String(16), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    open: Mapped[Decimal | None] = mapped_column(PRICE)
    high: Mapped[Decimal | None] = mapped_column(PRICE)
    low: Mapped[Decimal | None] = mapped_column(PRICE)
    close: Mapped[Decimal] = mapped_column(PRICE)
    adj_close: Mapped[Decimal] = mapped_column(PRICE)
    volume: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_prices_date", "date"),)


class FactorReturn(Base):
    __tablename__ = "factor_returns"

    frequency: Mapped[str] = mapped_column(String(8), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    mkt_rf: Mapped[float] = mapped_column(Double)
    smb: Mapped[float] = mapped_column(Double)
    hml: Mapped[float] = mapped_column(Double)
    rf: Mapped[float] = mapped_column(Double)
    mom: Mapped[float | None] = mapped_column(Double)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# The other issues' tables live in their own modules; importing them here puts
# them on Base.metadata for Alembic and for tests that build the schema.
from pas.database import (  # noqa: E402
    models_allocations,  # noqa: F401
    models_evaluations,  # noqa: F401
    models_ledger,  # noqa: F401
    models_metrics,  # noqa: F401
    models_orders,  # noqa: F401
    models_versions,  # noqa: F401
)
