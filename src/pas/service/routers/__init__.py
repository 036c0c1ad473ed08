"""One router module per resource; `ROUTERS` is what the app factory mounts."""

from pas.service.routers import (
    allocations,
    evaluations,
    factors,
    health,
    keys,
    ledger,
    orders,
    prices,
    reconciliation,
    securities,
    strategies,
)

ROUTERS = [
    health.router,
    securities.router,
    prices.router,
    factors.router,
    allocations.router,
    evaluations.router,
    keys.router,
    ledger.router,
    strategies.router,
    orders.router,
    reconciliation.router,
]
