"""Tables of the updater: daily metrics per sleeve and for the account, and schedule marks.

`metrics_daily` holds one row per (sleeve, date); sleeve 0 is the account (every
sleeve together). Money is DECIMAL; ratios are floats; sector weights, factor
betas and position weights are JSON objects.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base

MONEY = Numeric(20, 6)


class MetricsDailyRow(Base):
    __tablename__ = "metrics_daily"

    sleeve_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    equity: Mapped[Decimal] = mapped_column(MONEY)
    cash: Mapped[Decimal] = mapped_column(MONEY)
    flow: Mapped[Decimal] = mapped_column(MONEY)
    daily_return: Mapped[float | None] = mapped_column(Float)
    cumulative_return: Mapped[float | None] = mapped_column(Float)
    gross_exposure: Mapped[float | None] = mapped_column(Float)
    net_exposure: Mapped[float | None] = mapped_column(Float)
    volatility_annual: Mapped[float | None] = mapped_column(Float)
    drawdown: Mapped[float | None] = mapped_column(Float)
    var_95: Mapped[float | None] = mapped_column(Float)
    sector_weights: Mapped[str] = mapped_column(Text)
    factor_betas: Mapped[str] = mapped_column(Text)
    weights: Mapped[str] = mapped_column(Text)
    stale: Mapped[bool] = mapped_column(Boolean)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class UpdaterMarkRow(Base):
    __tablename__ = "updater_marks"

    name: Mapped[str] = mapped_column(String(191), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
