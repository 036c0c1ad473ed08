"""One router module per resource; `ROUTERS` is what the app factory mounts."""

from pas.service.routers import (
    allocations,
    audit,
    evaluations,
    factors,
    health,
    jobs,
    keys,
    ledger,
    metrics,
    orders,
    prices,
    prometheus,
    reconciliation,
    securities,
    strategies,
    ws,
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
    metrics.router,
    jobs.router,
    audit.router,
    ws.router,
    prometheus.router,
]
