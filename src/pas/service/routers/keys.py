"""API key management (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from pas.core.records import ApiKeyInfo
from pas.service.deps import Admin, UowDep
from pas.workflows.keys import create_key, list_keys, revoke_key

router = APIRouter(prefix="/api/v1/keys", tags=["auth"])


class KeyCreate(BaseModel):
    role: str = Field(description="viewer, trader or admin")
    name: str | None = Field(None, max_length=100)


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
def revoke(key_id: int, request: Request, uow: UowDep, _: Admin) -> dict[str, Any]:
    """Revoke a key (at once in this process; within 5 s in other API workers)."""
    info = revoke_key(uow, key_id)
    request.app.state.key_cache.clear()
    return key_json(info)
