"""Liveness and readiness (open, no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pas.service.probes import Probe, probes_of, run

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers (touches no dependency and no worker thread)."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """Readiness: the database (and Redis, when configured) answer within the ready timeout."""
    container = request.app.state.container
    checks = await run(_probes(request), container.settings.server.ready_timeout_seconds)
    down = sorted(name for name, verdict in checks.items() if verdict != "ok")
    body = {"status": "unavailable" if down else "ok", "checks": checks, "down": down}
    if not down:
        return JSONResponse(body, 200)
    return JSONResponse(body, 503, {"Retry-After": "5"})


def _probes(request: Request) -> list[Probe]:
    """Return the app's probes, made on first use (one set per app)."""
    state = request.app.state
    probes: list[Probe] | None = getattr(state, "probes", None)
    if probes is None:
        probes = state.probes = probes_of(state.container)
    return probes
