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


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


class SqlAllocationRepository:
    """Allocations in the `allocations` and `allocation_weights` tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, allocation: Allocation) -> StoredAllocation:
        """Store an allocation with its weights; return the stored record (with its id)."""
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
        row = self.session.get(AllocationRow, allocation_id)
        if row is None:
            raise NotFound(f"no allocation with id {allocation_id}", id=allocation_id)
        return _records(self.session, [row])[0]

    def list(self, method: str | None = None, limit: int = 50) -> list[StoredAllocation]:
        """Return the newest allocations first (of one method when given)."""
        query = select(AllocationRow).order_by(AllocationRow.id.desc()).limit(limit)
        if method:
            query = query.where(AllocationRow.method == method)
        return _records(self.session, self.session.scalars(query).all())


def _records(session: Session, rows: Sequence[AllocationRow]) -> list[StoredAllocation]:
    """Return the records of `rows` with their weights (one query for all of them)."""
    ids = [r.id for r in rows]
    weights: dict[int, list[AllocationWeightRow]] = {i: [] for i in ids}
    if ids:
        query = select(AllocationWeightRow).where(AllocationWeightRow.allocation_id.in_(ids))
        for w in session.scalars(query):
            weights[w.allocation_id].append(w)
    return [_record(r, weights[r.id]) for r in rows]


def _record(row: AllocationRow, weights: list[AllocationWeightRow]) -> StoredAllocation:
    details: dict[str, Any] = json.loads(row.details)
    ordered = sorted(weights, key=lambda w: (w.symbol == "CASH", w.symbol))
    return StoredAllocation(
        id=row.id,
        created_at=row.created_at,
        method=row.method,
        requested_method=row.requested_method,
        as_of=row.as_of,
        weights={w.symbol: w.weight for w in ordered},
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
        risk_contributions={
            w.symbol: w.risk_contribution for w in ordered if w.risk_contribution is not None
        },
        sector_weights=details.get("sector_weights"),
        factor_betas=details.get("factor_betas"),
        notes=tuple(details.get("notes") or ()),
        parameters=json.loads(row.parameters),
    )
