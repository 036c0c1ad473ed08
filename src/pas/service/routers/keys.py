"""API key management (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from pas.core.records import ApiKeyInfo
from pas.service.deps import Admin, ContainerDep, UowDep
from pas.service.params import Body, Name, PathId, StrictJsonRoute
from pas.workflows.keys import create_key, list_keys, revoke_key

router = APIRouter(prefix="/api/v1/keys", tags=["auth"], route_class=StrictJsonRoute)


class KeyCreate(Body):
    role: str = Field(description="viewer, trader or admin", max_length=16)
    name: Name | None = None


def key_json(info: ApiKeyInfo) -> dict[str, Any]:
    """Return a key record as JSON (never the key)."""
    return {
        "id": info.id,
        "name": info.name,
        "role": info.role,
        "prefix": info.key_prefix,
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }


@router.get("")
def keys(uow: UowDep, _: Admin) -> list[dict[str, Any]]:
    """Every API key record."""
    return [key_json(k) for k in list_keys(uow)]


@router.post("", status_code=201)
def create(body: KeyCreate, uow: UowDep, _: Admin) -> dict[str, Any]:
    """Create a key; the answer is the only time the key is shown."""
    key, info = create_key(uow, body.role, body.name)
    return {"key": key, **key_json(info)}


@router.delete("/{key_id}")
def revoke(
    key_id: PathId, request: Request, uow: UowDep, container: ContainerDep, _: Admin
) -> dict[str, Any]:
    """Revoke a key: at once in every API process with Redis, else within 0.5 s in others."""
    info = revoke_key(uow, key_id)
    request.app.state.key_cache.clear()
    container.announce_revocation(info.id)
    return key_json(info)
