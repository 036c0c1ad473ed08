"""POST/GET /api/v1/allocations: compute and persist allocations, read the history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query
from pydantic import Field

from pas.analytics.allocation import AllocationSpec
from pas.core import limits
from pas.core.errors import InvalidInput
from pas.service.deps import ContainerDep, Trader, UowDep, Viewer
from pas.service.params import Body, PathId, StrictJsonRoute
from pas.workflows.allocation import (
    AllocationRequest,
    allocate_and_store,
    get_allocation,
    list_allocations,
)

router = APIRouter(prefix="/api/v1", tags=["allocations"], route_class=StrictJsonRoute)

Pair = tuple[float, float]
#: the one set of defaults (pas.allocate's and `pas allocate`'s)
DEFAULTS = AllocationSpec()


class AllocationParameters(Body):
    """The spec's fields (defaults: `AllocationSpec`'s) and the data beside them.

    `as_of` is the decision date (default: the latest prices), `current_weights`
    today's weights (CASH included), `scheme` the scheme's own parameters;
    `max_weight` is `bounds = (0, max_weight)`.
    """

    as_of: dt.date | None = None
    lookback: int | None = Field(DEFAULTS.lookback, ge=2, le=limits.MAX_LOOKBACK)
    expected_returns: str | None = DEFAULTS.expected_returns
    covariance: str = DEFAULTS.covariance
    risk_free: float = Field(DEFAULTS.risk_free, ge=-1.0, le=1.0)
    max_weight: float | None = Field(None, gt=0.0, le=1.0)
    bounds: Pair | dict[str, Pair] | None = None
    sector_caps: dict[str, float | Pair] | None = None
    current_weights: dict[str, float] | None = None
    max_turnover: float | None = Field(DEFAULTS.max_turnover, ge=0.0)
    costs: float | dict[str, float] | None = None
    cash: float | Pair | None = DEFAULTS.cash
    scheme: dict[str, Any] = Field(default_factory=dict)


class AllocationBody(Body):
    """What to allocate: a method over a universe of symbols (default: every stored one)."""

    method: str = DEFAULTS.method
    universe: list[str] | None = Field(None, min_length=1, max_length=limits.MAX_SYMBOLS)
    strategy: str | None = None
    parameters: AllocationParameters = Field(default_factory=AllocationParameters)


def _scheme_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Return scheme parameters, with dynamic's `histories` ({name: {date: r}}) as a frame."""
    params = dict(raw)
    if isinstance(params.get("histories"), dict):
        params["histories"] = _histories(params["histories"])
    return params


def _histories(raw: dict[str, Any]) -> pd.DataFrame:
    """Return {name: {date: daily return}} as a frame; InvalidInput for a bad date or number."""
    if not all(isinstance(v, dict) for v in raw.values()):
        raise InvalidInput("scheme.histories must map each scheme to {date: daily return}")
    try:
        frame = pd.DataFrame(raw).astype(float)
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, format="ISO8601"))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"scheme.histories needs ISO dates (YYYY-MM-DD) and numbers: {exc}"
        ) from None
    if not np.isfinite(frame.to_numpy()[~np.isnan(frame.to_numpy())]).all():
        raise InvalidInput("scheme.histories must hold finite numbers (or null)")
    return frame.sort_index()


def allocation_request(body: AllocationBody) -> AllocationRequest:
    """Return the workflow's request for a body: the fields given override the spec's defaults."""
    if body.strategy is not None:
        raise InvalidInput(
            "allocating for a strategy needs the strategies feature; give a universe of symbols",
            strategy=body.strategy,
        )
    p = body.parameters
    given = p.model_dump(exclude_unset=True, exclude={"as_of", "current_weights", "scheme"})
    spec = AllocationSpec.of(
        None, method=body.method, **{k: v for k, v in given.items() if v is not None}
    )
    if p.scheme:
        spec = AllocationSpec.of(spec, params={**spec.params, **_scheme_params(p.scheme)})
    return AllocationRequest(
        spec=spec,
        symbols=tuple(s.upper() for s in body.universe) if body.universe else None,
        as_of=p.as_of,
        current_weights=p.current_weights,
    )


@router.post("/allocations", status_code=201)
def create_allocation(
    body: AllocationBody, uow: UowDep, container: ContainerDep, _: Trader
) -> dict[str, Any]:
    """Compute an allocation from the stored data, persist it and return it."""
    request = allocation_request(body)
    return allocate_and_store(uow, request, container.allocation_cache).to_dict()


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
def allocation(allocation_id: PathId, uow: UowDep, _: Viewer) -> dict[str, Any]:
    """One stored allocation."""
    return get_allocation(uow, allocation_id).to_dict()
