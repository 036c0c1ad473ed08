"""POST/GET /api/v1/allocations: compute and persist allocations, read the history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from pas.core.errors import InvalidInput
from pas.service.deps import Trader, UowDep, Viewer
from pas.workflows.allocation import (
    AllocationRequest,
    allocate_and_store,
    get_allocation,
    list_allocations,
)

router = APIRouter(prefix="/api/v1", tags=["allocations"])

Pair = tuple[float, float]


class AllocationParameters(BaseModel):
    """Window, estimators and constraints; `scheme` holds the scheme's own parameters."""

    model_config = ConfigDict(extra="forbid")

    as_of: dt.date | None = None
    lookback: int = Field(756, ge=2, le=20_000)
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"
    risk_free: float = Field(0.0, ge=-1.0, le=1.0)
    max_weight: float | None = Field(None, gt=0.0, le=1.0)
    bounds: Pair | dict[str, Pair] | None = None
    sector_caps: dict[str, float | Pair] | None = None
    current_weights: dict[str, float] | None = None
    max_turnover: float | None = Field(None, ge=0.0)
    costs: float | dict[str, float] | None = None
    cash: float | Pair | None = None
    scheme: dict[str, Any] = Field(default_factory=dict)


class AllocationBody(BaseModel):
    """What to allocate: a method over a universe of symbols (or, later, a strategy's)."""

    model_config = ConfigDict(extra="forbid")

    method: str = "max_sharpe"
    universe: list[str] | None = Field(None, min_length=1)
    strategy: str | None = None
    parameters: AllocationParameters = Field(default_factory=AllocationParameters)


def _scheme_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Return scheme parameters, with dynamic's `histories` ({name: {date: r}}) as a frame."""
    params = dict(raw)
    if isinstance(params.get("histories"), dict):
        frame = pd.DataFrame(params["histories"])
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index))
        params["histories"] = frame.sort_index()
    return params


def _request(body: AllocationBody) -> AllocationRequest:
    if body.strategy is not None:
        raise InvalidInput(
            "allocating for a strategy needs the strategies feature; give a universe of symbols",
            strategy=body.strategy,
        )
    p = body.parameters
    return AllocationRequest(
        method=body.method,
        symbols=tuple(s.upper() for s in body.universe) if body.universe else None,
        as_of=p.as_of, lookback=p.lookback, expected_returns=p.expected_returns,
        covariance=p.covariance, risk_free=p.risk_free, max_weight=p.max_weight,
        bounds=p.bounds, sector_caps=p.sector_caps, current_weights=p.current_weights,
        max_turnover=p.max_turnover, costs=p.costs, cash=p.cash,
        params=_scheme_params(p.scheme),
    )  # fmt: skip


@router.post("/allocations", status_code=201)
def create_allocation(body: AllocationBody, uow: UowDep, _: Trader) -> dict[str, Any]:
    """Compute an allocation from the stored data, persist it and return it."""
    return allocate_and_store(uow, _request(body)).to_dict()


@router.get("/allocations")
def allocations(
    uow: UowDep,
    _: Viewer,
    method: str | None = None,
    limit: int = Query(50, ge=1, le=1000),
) -> dict[str, Any]:
    """The allocation history, newest first (of one method when given)."""
    return {"allocations": [a.to_dict() for a in list_allocations(uow, method, limit)]}


@router.get("/allocations/{allocation_id}")
def allocation(allocation_id: int, uow: UowDep, _: Viewer) -> dict[str, Any]:
    """One stored allocation."""
    return get_allocation(uow, allocation_id).to_dict()
