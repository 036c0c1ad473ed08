"""The allocation history: `allocations` rows with their `allocation_weights`."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pas.analytics.allocation.result import Allocation
from pas.core.allocations import StoredAllocation
from pas.core.errors import NotFound
from pas.database.models_allocations import AllocationRow, AllocationWeightRow
from pas.database.repositories.versions import bump_version


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


class SqlAllocationRepository:
    """Allocations in the `allocations` and `allocation_weights` tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, allocation: Allocation) -> StoredAllocation:
        """Store an allocation with its weights; return the stored record (with its id)."""
        bump_version(self.session, "allocations")
        data = allocation.to_dict()
        solver = allocation.solver
        row = AllocationRow(
            created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            method=allocation.method,
            requested_method=allocation.requested_method or allocation.method,
            as_of=None if allocation.as_of is None else allocation.as_of.date(),
            expected_return=_num(allocation.expected_return),
            volatility=_num(allocation.volatility),
            sharpe=_num(allocation.sharpe),
            risk_free=float(allocation.risk_free),
            return_estimator=allocation.return_estimator,
            covariance_estimator=allocation.covariance_estimator,
            solver_name=solver.name,
            solver_status=solver.status,
            solver_iterations=int(solver.iterations),
            solver_time=float(solver.time),
            fallback=allocation.fallback,
            inputs_hash=allocation.inputs_hash,
            n_obs=int(allocation.n_obs),
            parameters=json.dumps(data["parameters"], sort_keys=True, default=str),
            details=json.dumps(
                {k: data[k] for k in ("sector_weights", "factor_betas", "notes")}, default=str
            ),
        )
        self.session.add(row)
        self.session.flush()
        risk = data["risk_contributions"]
        self.session.add_all(
            AllocationWeightRow(
                allocation_id=row.id, symbol=sym, weight=float(w), risk_contribution=risk.get(sym)
            )
            for sym, w in data["weights"].items()
        )
        self.session.flush()
        return self.get(row.id)

    def get(self, allocation_id: int) -> StoredAllocation:
        """Return the allocation stored under `allocation_id`; NotFound when there is none."""
        query = select(*_FIELDS).where(AllocationRow.id == allocation_id)
        rows = self.session.execute(query).all()
        if not rows:
            raise NotFound(f"no allocation with id {allocation_id}", id=allocation_id)
        return _records(self.session, rows)[0]

    def list(self, method: str | None = None, limit: int = 50) -> list[StoredAllocation]:
        """Return the newest allocations first (of one method when given)."""
        query = select(*_FIELDS).order_by(AllocationRow.id.desc()).limit(limit)
        if method:
            query = query.where(AllocationRow.method == method)
        return _records(self.session, self.session.execute(query).all())


#: the columns a record is built from, read as plain rows (no ORM objects: a page of 50
#: allocations with their weights loads in a few milliseconds instead of about twenty)
_FIELDS = tuple(AllocationRow.__table__.columns)
_Weight = tuple[str, float, float | None]


def _records(session: Session, rows: Sequence[Any]) -> list[StoredAllocation]:
    """Return the records of `rows` with their weights (one query for all of them)."""
    ids = [r.id for r in rows]
    weights: dict[int, list[_Weight]] = {i: [] for i in ids}
    if ids:
        w = AllocationWeightRow
        query = select(w.allocation_id, w.symbol, w.weight, w.risk_contribution).where(
            w.allocation_id.in_(ids)
        )
        for allocation_id, symbol, weight, risk in session.execute(query):
            weights[allocation_id].append((symbol, weight, risk))
    return [_record(r, weights[r.id]) for r in rows]


def _record(row: Any, weights: list[_Weight]) -> StoredAllocation:
    details: dict[str, Any] = json.loads(row.details)
    ordered = sorted(weights, key=lambda w: (w[0] == "CASH", w[0]))
    return StoredAllocation(
        id=row.id,
        created_at=row.created_at,
        method=row.method,
        requested_method=row.requested_method,
        as_of=row.as_of,
        weights={symbol: weight for symbol, weight, _ in ordered},
        expected_return=row.expected_return,
        volatility=row.volatility,
        sharpe=row.sharpe,
        risk_free=row.risk_free,
        return_estimator=row.return_estimator,
        covariance_estimator=row.covariance_estimator,
        solver={
            "name": row.solver_name,
            "status": row.solver_status,
            "iterations": row.solver_iterations,
            "time": row.solver_time,
        },
        fallback=row.fallback,
        inputs_hash=row.inputs_hash,
        n_obs=row.n_obs,
        risk_contributions={symbol: risk for symbol, _, risk in ordered if risk is not None},
        sector_weights=details.get("sector_weights"),
        factor_betas=details.get("factor_betas"),
        notes=tuple(details.get("notes") or ()),
        parameters=json.loads(row.parameters),
    )
