"""Dependencies shared by the routers: the container, a unit of work, role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from pas.bootstrap import Container
from pas.core.auth import Role
from pas.core.records import ApiKeyInfo
from pas.workflows.keys import authenticate
from pas.workflows.ports import UnitOfWork


def get_container(request: Request) -> Container:
    """Return the app's container (built by the app factory)."""
    container: Container = request.app.state.container
    return container


def get_uow(container: Annotated[Container, Depends(get_container)]) -> UnitOfWork:
    """Return a fresh unit of work for this request."""
    return container.uow()


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def require(role: Role) -> Callable[..., ApiKeyInfo | None]:
    """Return a dependency that admits keys with at least `role` (all when auth is off)."""

    def check(
        request: Request, container: Annotated[Container, Depends(get_container)]
    ) -> ApiKeyInfo | None:
        if not container.settings.auth.enabled:
            return None
        cache = getattr(request.app.state, "key_cache", None)
        key = authenticate(container.uow(), _presented_key(request), role, cache)
        request.state.pas_key = key  # the audit log's actor
        return key

    return check


def actor_of(key: ApiKeyInfo | None) -> str:
    """Return the actor the ledger records for a request: `key:<id>`, or `anonymous`."""
    return "anonymous" if key is None else f"key:{key.id}"


ContainerDep = Annotated[Container, Depends(get_container)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
Viewer = Annotated[ApiKeyInfo | None, Depends(require(Role.viewer))]
Trader = Annotated[ApiKeyInfo | None, Depends(require(Role.trader))]
Admin = Annotated[ApiKeyInfo | None, Depends(require(Role.admin))]
