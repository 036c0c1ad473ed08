"""The FastAPI app factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from pas import __version__
from pas.bootstrap import Container, build
from pas.service import audit, dashboard, errors, middleware, openapi_errors
from pas.service.answers import GZIP_LEVEL, GZIP_MIN
from pas.service.routers import ROUTERS
from pas.workflows.keys import KeyCache

log = logging.getLogger(__name__)


class Background(Protocol):
    """Work the app runs while it serves (the updater, in the set-up without Redis)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


def create_app(
    container: Container | None = None, *, background: Background | None = None
) -> FastAPI:
    """Return the PAS API app on `container` (built from settings when None).

    `background` is started with the app and stopped before it closes.
    """
    container = container or build()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        forwarding = container.forward_logs()
        if not container.settings.auth.enabled:
            log.warning("auth.enabled is false: the API is open to anyone who can reach it")
        scheduler = background
        if scheduler is not None:
            scheduler.start()
        revocations = container.revocation_listener(app.state.key_cache.clear)
        app.state.revocations = revocations
        if revocations is not None:
            revocations.start()
        try:
            yield
        finally:
            if revocations is not None:
                revocations.stop()
            if scheduler is not None:
                scheduler.stop()
            fanout = getattr(app.state, "fanout", None)
            if fanout is not None:
                fanout.close()
            forwarding()
            container.close()

    app = FastAPI(
        title="PAS — Portfolio Allocation System",
        version=__version__,
        description="Allocation schemes evaluated continuously, a journaled ledger and order routing.",
        lifespan=lifespan,
        docs_url=None,  # served from the package's own files by `dashboard` (works offline)
        redoc_url=None,
    )
    app.state.container = container
    app.state.key_cache = KeyCache(
        container.settings.auth.key_cache_seconds, container.settings.server.key_grace_seconds
    )
    errors.install(app)
    audit.install(app, container)  # added before compression: it reads plain answers
    # large answers go compressed to clients that accept it (cached answers arrive compressed)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN, compresslevel=GZIP_LEVEL)
    middleware.install(app, container.settings)  # limits, headers, metrics: outside the rest
    for router in ROUTERS:
        app.include_router(router)
    dashboard.install(app)
    openapi_errors.install(app)
    return app
