"""One router module per resource; `ROUTERS` is what the app factory mounts."""

from pas.service.routers import factors, health, keys, ledger, prices, securities

ROUTERS = [
    health.router,
    securities.router,
    prices.router,
    factors.router,
    keys.router,
    ledger.router,
]
