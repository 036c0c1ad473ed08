"""Tables of the continuous evaluation: runs, daily returns, rebalance weights, states, jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Double, Integer, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base


class EvaluationRun(Base):
    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    params_hash: Mapped[str] = mapped_column(String(64), unique=True)
    params: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_date: Mapped[dt.date | None] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: scheme -> metric -> value over the whole run (JSON), written with the run's returns
    metrics: Mapped[str | None] = mapped_column(Text)


class EvaluationReturn(Base):
    __tablename__ = "evaluation_returns"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    gross: Mapped[float | None] = mapped_column(Double)
    net: Mapped[float | None] = mapped_column(Double)
    turnover: Mapped[float] = mapped_column(Double)
    cost: Mapped[float] = mapped_column(Double)


class EvaluationWeight(Base):
    __tablename__ = "evaluation_weights"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(16), primary_key=True)
    weight: Mapped[float] = mapped_column(Double)


class EvaluationState(Base):
    __tablename__ = "evaluation_states"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(Text)


class EvaluationFallback(Base):
    __tablename__ = "evaluation_fallbacks"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    #: a JSON document: LONGTEXT on MariaDB, where TEXT stops at 64 KB (migration 0010)
    result: Mapped[str | None] = mapped_column(Text().with_variant(mysql.LONGTEXT(), "mysql"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
