"""Use cases: compute an allocation from stored data, persist it, read the history back.

The same engine (`pas.analytics.allocation.allocate`) serves the API, the CLI
and the updater; this module only loads its inputs through the UnitOfWork port.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pas.analytics.allocation import Allocation, allocate
from pas.analytics.allocation.constraints import Bounds
from pas.analytics.comparison import BLENDERS
from pas.core.allocations import StoredAllocation
from pas.core.errors import DataError, InvalidInput
from pas.workflows.data import factor_table, price_matrix
from pas.workflows.evaluation import scheme_histories
from pas.workflows.ports import UnitOfWork

#: Calendar days of prices loaded before the lookback: tactical signals need 13 month-ends.
SIGNAL_DAYS = 420


@dataclass(frozen=True)
class AllocationRequest:
    """What to allocate: method, universe (None: every stored symbol with a sector), window, limits."""

    method: str = "max_sharpe"
    symbols: tuple[str, ...] | None = None
    as_of: dt.date | None = None
    lookback: int = 756
    expected_returns: str | None = None
    covariance: str = "ledoit_wolf"
    risk_free: float = 0.0
    max_weight: float | None = None
    bounds: Bounds | Mapping[str, Bounds] | None = None
    sector_caps: Mapping[str, float | Bounds] | None = None
    current_weights: Mapping[str, float] | None = None
    max_turnover: float | None = None
    costs: float | Mapping[str, float] | None = None
    cash: float | Bounds | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lookback < 2:
            raise InvalidInput(f"lookback must be >= 2 days, got {self.lookback}")
        if self.max_weight is not None and not 0 < self.max_weight <= 1:
            raise InvalidInput(f"max_weight must be in (0, 1], got {self.max_weight}")


def _universe(
    uow: UnitOfWork, symbols: tuple[str, ...] | None
) -> tuple[list[str] | None, dict[str, str]]:
    with uow:
        sectors = uow.securities.sectors()
        if symbols:
            return list(symbols), sectors
        priced = set(uow.prices.spans())
    universe = sorted(s for s in sectors if s in priced) or sorted(priced)
    if not universe:
        raise DataError("no prices are stored: load data first (pas data load-demo)")
    return universe, sectors


def load_inputs(
    uow: UnitOfWork, request: AllocationRequest
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """Return (prices dates x symbols up to as_of, daily factors up to as_of or None, sectors)."""
    symbols, sectors = _universe(uow, request.symbols)
    start = None
    if request.as_of is not None:
        start = request.as_of - dt.timedelta(days=request.lookback * 7 // 5 + SIGNAL_DAYS)
    prices = price_matrix(uow, symbols, start, request.as_of)
    if prices.empty:
        raise DataError(f"no prices up to {request.as_of} for the universe")
    if request.as_of is None:
        cut = prices.index[-1] - pd.Timedelta(days=request.lookback * 7 // 5 + SIGNAL_DAYS)
        prices = prices.loc[cut:]
    factors = factor_table(uow, "daily", None, request.as_of)
    universe = set(prices.columns)
    return (
        prices,
        (factors if len(factors) else None),
        {s: v for s, v in sectors.items() if s in universe},
    )


def compute_allocation(uow: UnitOfWork, request: AllocationRequest) -> Allocation:
    """Return the allocation of `request` over the stored prices, factors and sectors."""
    prices, factors, sectors = load_inputs(uow, request)
    bounds: Any = request.bounds if request.bounds is not None else (0.0, request.max_weight or 1.0)
    params = dict(request.params)
    if request.method in BLENDERS and "histories" not in params and len(prices.index):
        decision = pd.Timestamp(request.as_of) if request.as_of is not None else prices.index[-1]
        params["histories"] = scheme_histories(uow, decision)
    return allocate(
        prices,
        method=request.method,
        risk_free=request.risk_free,
        expected_returns=request.expected_returns,
        covariance=request.covariance,
        bounds=bounds,
        sector_caps=request.sector_caps,
        sectors=sectors or None,
        factors=factors,
        lookback=request.lookback,
        as_of=None if request.as_of is None else pd.Timestamp(request.as_of),
        current_weights=request.current_weights,
        max_turnover=request.max_turnover,
        costs=request.costs,
        cash=request.cash,
        **params,
    )


def save_allocation(uow: UnitOfWork, allocation: Allocation) -> StoredAllocation:
    """Persist an allocation with its weights in one transaction; return the stored record."""
    with uow:
        stored = uow.allocations.add(allocation)
        uow.commit()
    return stored


def allocate_and_store(uow: UnitOfWork, request: AllocationRequest) -> StoredAllocation:
    """Compute the allocation of `request` and persist it; return the stored record."""
    return save_allocation(uow, compute_allocation(uow, request))


def list_allocations(
    uow: UnitOfWork, method: str | None = None, limit: int = 50
) -> list[StoredAllocation]:
    """Return the newest stored allocations first (of one method when given)."""
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"limit must be in 1..1000, got {limit}")
    with uow:
        return uow.allocations.list(method, limit)


def get_allocation(uow: UnitOfWork, allocation_id: int) -> StoredAllocation:
    """Return one stored allocation; NotFound when there is none."""
    with uow:
        return uow.allocations.get(allocation_id)
