"""The edge of the API: pure ASGI middleware that guards and observes every request.

Outermost first: `Observe` (request id, Prometheus metrics), `SecurityHeaders`,
CORS, `Admission` (503 when `server.max_in_flight` requests are in progress),
`BodyLimit` (413 before anything reads the body), `FailedAuthLimit` (429
before a key is looked up). Each answers with the JSON error body.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from pas.config import Settings
from pas.service.middleware.addresses import ClientAddress
from pas.service.middleware.admission import Admission
from pas.service.middleware.headers import SecurityHeaders
from pas.service.middleware.limits import BodyLimit
from pas.service.middleware.observe import Observe
from pas.service.middleware.throttle import FailedAuthLimit

__all__ = ["ClientAddress", "install"]


def install(app: FastAPI, settings: Settings) -> None:
    """Add the edge middleware to `app` (call after the app's own middleware)."""
    addresses = ClientAddress(settings.server.trusted_proxies)
    app.state.client_address = addresses
    auth = settings.auth
    # add_middleware puts each one outside the previous: the last added runs first
    app.add_middleware(
        FailedAuthLimit,
        addresses=addresses,
        verified=app.state.key_cache.holds,
        max_failures=auth.max_failures,
        window_seconds=auth.failure_window_seconds,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.server.max_body_bytes)
    app.add_middleware(Admission, limit=settings.server.max_in_flight)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID"],
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Observe)
