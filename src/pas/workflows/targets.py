"""Use case: a strategy's target weights, from its scheme over the stored prices."""

from __future__ import annotations

from pas.core.strategies import Strategy
from pas.workflows.allocation import AllocationRequest, InputCache, compute_allocation
from pas.workflows.ports import UnitOfWork


def allocation_request(strategy: Strategy) -> AllocationRequest:
    """Return the allocation request of a strategy: its scheme and params as an AllocationSpec.

    Params named like a spec field (lookback, covariance, bounds, max_weight,
    ...) set it; the others are the scheme's own parameters.
    """
    from pas.analytics.allocation import AllocationSpec

    spec = AllocationSpec.of(None, method=strategy.scheme, **dict(strategy.params))
    return AllocationRequest(spec=spec, symbols=tuple(strategy.universe))


def strategy_targets(
    uow: UnitOfWork, strategy: Strategy, cache: InputCache | None = None
) -> dict[str, float]:
    """Return symbol -> target weight (CASH and zero weights left out)."""
    allocation = compute_allocation(uow, allocation_request(strategy), cache)
    return {
        str(s): float(w)
        for s, w in allocation.weights.items()
        if str(s).upper() != "CASH" and float(w) > 1e-9
    }
