"""One router module per resource; `ROUTERS` is what the app factory mounts."""

from pas.service.routers import allocations, factors, health, keys, prices, securities

ROUTERS = [
    health.router,
    securities.router,
    prices.router,
    factors.router,
    keys.router,
    allocations.router,
]
