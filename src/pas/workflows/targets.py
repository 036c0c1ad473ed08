"""Use case: a strategy's target weights, from its scheme over the stored prices."""

from __future__ import annotations

import dataclasses

from pas.core.strategies import Strategy
from pas.workflows.allocation import AllocationRequest, compute_allocation
from pas.workflows.ports import UnitOfWork

#: strategy params that configure the allocation request rather than the scheme
_REQUEST_FIELDS = {f.name for f in dataclasses.fields(AllocationRequest)} - {
    "method",
    "symbols",
    "params",
}


def allocation_request(strategy: Strategy) -> AllocationRequest:
    """Return the allocation request of a strategy (request fields split from scheme params)."""
    params = dict(strategy.params)
    request = {k: params.pop(k) for k in list(params) if k in _REQUEST_FIELDS}
    return AllocationRequest(
        method=strategy.scheme, symbols=tuple(strategy.universe), params=params, **request
    )


def strategy_targets(uow: UnitOfWork, strategy: Strategy) -> dict[str, float]:
    """Return symbol -> target weight (CASH and zero weights left out)."""
    allocation = compute_allocation(uow, allocation_request(strategy))
    return {
        str(s): float(w)
        for s, w in allocation.weights.items()
        if str(s).upper() != "CASH" and float(w) > 1e-9
    }
