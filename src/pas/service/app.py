"""The FastAPI app factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pas import __version__
from pas.bootstrap import Container, build
from pas.service import errors
from pas.service.routers import ROUTERS
from pas.workflows.keys import KeyCache

log = logging.getLogger(__name__)


def create_app(container: Container | None = None) -> FastAPI:
    """Return the PAS API app on `container` (built from settings when None)."""
    container = container or build()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not container.settings.auth.enabled:
            log.warning("auth.enabled is false: the API is open to anyone who can reach it")
        yield
        container.close()

    app = FastAPI(
        title="PAS — Portfolio Allocation System",
        version=__version__,
        description="Allocation schemes evaluated continuously, a journaled ledger and order routing.",
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.key_cache = KeyCache(ttl_seconds=5.0)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
