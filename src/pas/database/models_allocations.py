"""Models of the allocation history: one `allocations` row per decision, its weights apart.

Weights are fractions (doubles), not money.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base


class AllocationRow(Base):
    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    method: Mapped[str] = mapped_column(String(32))
    requested_method: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    expected_return: Mapped[float | None] = mapped_column(Double)
    volatility: Mapped[float | None] = mapped_column(Double)
    sharpe: Mapped[float | None] = mapped_column(Double)
    risk_free: Mapped[float] = mapped_column(Double)
    return_estimator: Mapped[str] = mapped_column(String(32))
    covariance_estimator: Mapped[str] = mapped_column(String(32))
    solver_name: Mapped[str] = mapped_column(String(32))
    solver_status: Mapped[str] = mapped_column(String(32))
    solver_iterations: Mapped[int] = mapped_column(Integer)
    solver_time: Mapped[float] = mapped_column(Double)
    fallback: Mapped[str | None] = mapped_column(Text)
    inputs_hash: Mapped[str] = mapped_column(String(64))
    n_obs: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_allocations_method_id", "method", "id"),
        Index("ix_allocations_inputs_hash", "inputs_hash"),
    )


class AllocationWeightRow(Base):
    __tablename__ = "allocation_weights"

    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("allocations.id", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(String(16), primary_key=True)
    weight: Mapped[float] = mapped_column(Double)
    risk_contribution: Mapped[float | None] = mapped_column(Double)
