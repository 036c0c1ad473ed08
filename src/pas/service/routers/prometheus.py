"""`GET /metrics`: this process's metrics in the Prometheus text format.

Not the portfolio metrics (those are under /api/v1/metrics). Open without a
key from loopback, or to anyone with `server.metrics_access: public`; from
elsewhere it needs a viewer key.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from pas.core.auth import Role
from pas.realtime.telemetry import CONTENT_TYPE, exposition
from pas.service.deps import ContainerDep, require
from pas.service.middleware.addresses import ClientAddress

router = APIRouter(tags=["operations"])
_viewer = require(Role.viewer)


@router.get("/metrics", response_class=PlainTextResponse, summary="Process metrics for Prometheus")
def prometheus(request: Request, container: ContainerDep) -> Response:
    """Return this process's metrics in the Prometheus text format (open from loopback)."""
    if container.settings.server.metrics_access != "public":
        address: ClientAddress = request.app.state.client_address
        if not address.is_loopback(address(request.scope)):
            _viewer(request, container)
    return Response(exposition(), media_type=CONTENT_TYPE)
