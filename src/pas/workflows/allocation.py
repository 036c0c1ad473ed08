"""Use cases: compute an allocation from stored data, persist it, read the history back.

The same pipeline (`pas.analytics.allocation.allocate`) serves the API, the
CLI and the updater; this module loads its inputs through the UnitOfWork
port. An `InputCache` (one per process, from the composition root) keeps the
price panels, factor tables and estimates of recent requests: a panel is
read once per universe, date and data stamp (a cheap aggregate of the rows
it covers, so a write anywhere shows), and schemes on the same inputs share
one estimate.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

import pandas as pd

from pas.analytics.allocation import Allocation, AllocationSpec, allocate, get_scheme
from pas.core.allocations import StoredAllocation
from pas.core.errors import DataError, InvalidInput, NotFound
from pas.workflows.evaluation import scheme_histories
from pas.workflows.ports import UnitOfWork

#: Calendar days of prices loaded before the lookback: tactical signals need 13 month-ends.
SIGNAL_DAYS = 420


@dataclass(frozen=True)
class AllocationRequest:
    """What to allocate: the spec, the universe (None: every stored symbol with a sector),
    the decision date (None: the latest prices) and today's weights (CASH included)."""

    spec: AllocationSpec = field(default_factory=AllocationSpec)
    symbols: tuple[str, ...] | None = None
    as_of: dt.date | None = None
    current_weights: Mapping[str, float] | None = None


@dataclass(frozen=True, eq=False)
class Inputs:
    """The stored data one allocation reads: prices (dates x symbols), daily factors, sectors.

    `estimates` is where allocations on these inputs share their Estimates.
    """

    prices: pd.DataFrame
    factors: pd.DataFrame | None
    sectors: dict[str, str]
    estimates: dict[Any, Any] = field(default_factory=dict)


class InputCache:
    """The Inputs of the most recent requests (least recently used dropped first), thread-safe."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._entries: OrderedDict[Any, Inputs] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Any) -> Inputs | None:
        """Return the Inputs stored under `key`, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Any, inputs: Inputs) -> None:
        """Store `inputs` under `key`."""
        with self._lock:
            self._entries[key] = inputs
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


def _universe(
    uow: UnitOfWork, request: AllocationRequest
) -> tuple[list[str], dict[str, str], dt.date]:
    """Return (the symbols to allocate over, symbol -> sector, the decision date)."""
    sectors = uow.securities.sectors()
    symbols = list(request.symbols) if request.symbols else sorted(sectors)
    latest = uow.prices.latest(symbols) if symbols else {}
    if not request.symbols:
        symbols = sorted(latest) or sorted(uow.prices.spans())
        if not symbols:
            raise DataError("no prices are stored: load data first (pas data load-demo)")
        if not latest:
            latest = uow.prices.latest(symbols)
    if request.as_of is not None:
        return symbols, sectors, request.as_of
    if not latest:
        raise NotFound(f"no prices for {', '.join(symbols)}", symbols=symbols)
    return symbols, sectors, max(d for d, _ in latest.values())


def _start(request: AllocationRequest, end: dt.date) -> dt.date:
    """Return the first date of the price panel the request reads."""
    lookback = request.spec.lookback
    if lookback is None:
        return dt.date(1, 1, 1)
    return end - dt.timedelta(days=lookback * 7 // 5 + SIGNAL_DAYS)


def load_inputs(
    uow: UnitOfWork, request: AllocationRequest, cache: InputCache | None = None
) -> Inputs:
    """Return the prices up to the decision date, the daily factors up to it and the sectors.

    With a cache, the panel is read only when its data stamp changed.
    """
    with uow:
        symbols, sectors, end = _universe(uow, request)
        start = _start(request, end)
        key = (
            tuple(symbols),
            start,
            end,
            uow.prices.stamp(symbols, start, end),
            uow.factors.stamp("daily", end),
        )
        found = cache.get(key) if cache is not None else None
        if found is not None:
            return found
        prices = uow.prices.wide(symbols, start, end)
        factors = uow.factors.load("daily", None, end)
    missing = sorted(set(symbols) - set(prices.columns))
    if missing:
        raise NotFound(f"no prices for {', '.join(missing)}", symbols=missing)
    if prices.empty:
        raise DataError(f"no prices up to {request.as_of} for the universe")
    inputs = Inputs(
        prices[symbols],
        factors if len(factors) else None,
        {s: v for s, v in sectors.items() if s in set(symbols)},
    )
    if cache is not None:
        cache.put(key, inputs)
    return inputs


def compute_allocation(
    uow: UnitOfWork, request: AllocationRequest, cache: InputCache | None = None
) -> Allocation:
    """Return the allocation of `request` over the stored prices, factors and sectors."""
    inputs = load_inputs(uow, request, cache)
    spec, prices = request.spec, inputs.prices
    options: dict[str, Any] = {}
    if get_scheme(spec.method).blends and "histories" not in spec.params:
        decision = pd.Timestamp(request.as_of) if request.as_of is not None else prices.index[-1]
        options["histories"] = scheme_histories(uow, decision)
    return allocate(
        prices,
        spec=spec,
        factors=inputs.factors,
        sectors=inputs.sectors or None,
        as_of=None if request.as_of is None else pd.Timestamp(request.as_of),
        current_weights=request.current_weights,
        estimates=inputs.estimates,
        **options,
    )


def save_allocation(uow: UnitOfWork, allocation: Allocation) -> StoredAllocation:
    """Persist an allocation with its weights in one transaction; return the stored record."""
    with uow:
        stored = uow.allocations.add(allocation)
        uow.commit()
    return stored


def allocate_and_store(
    uow: UnitOfWork, request: AllocationRequest, cache: InputCache | None = None
) -> StoredAllocation:
    """Compute the allocation of `request` and persist it; return the stored record."""
    return save_allocation(uow, compute_allocation(uow, request, cache))


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
