"""Use cases: create, list, revoke and check API keys."""

from __future__ import annotations

from pas.core.auth import Role, hash_key, new_key
from pas.core.errors import AuthError, InvalidInput, PermissionDenied
from pas.core.records import ApiKeyInfo
from pas.workflows.ports import UnitOfWork


def create_key(uow: UnitOfWork, role: str, name: str | None = None) -> tuple[str, ApiKeyInfo]:
    """Store a new key with `role`; return (the key, shown only now, and its record)."""
    try:
        parsed = Role.parse(role)
    except ValueError as exc:
        raise InvalidInput(str(exc), role=role) from None
    key = new_key()
    with uow:
        info = uow.api_keys.add(name or f"{parsed.name} key", parsed.name, hash_key(key), key[:12])
        uow.commit()
    return key, info


def list_keys(uow: UnitOfWork) -> list[ApiKeyInfo]:
    """Return every key record (never the keys themselves)."""
    with uow:
        return uow.api_keys.list()


def revoke_key(uow: UnitOfWork, key_id: int) -> ApiKeyInfo:
    """Revoke a key by id and return its record."""
    with uow:
        info = uow.api_keys.revoke(key_id)
        uow.commit()
    return info


def authenticate(uow: UnitOfWork, key: str | None, needed: Role) -> ApiKeyInfo:
    """Return the key's record when it is active and its role is at least `needed`."""
    if not key:
        raise AuthError("missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key'")
    with uow:
        info = uow.api_keys.by_hash(hash_key(key))
    if info is None or not info.active:
        raise AuthError("invalid or revoked API key")
    if Role.parse(info.role) < needed:
        raise PermissionDenied(
            f"this request needs the {needed.name} role; the key has {info.role}",
            needed=needed.name,
            role=info.role,
        )
    return info


def key_is_active(uow: UnitOfWork, key: str) -> bool:
    """Return True when `key` is stored and not revoked."""
    with uow:
        info = uow.api_keys.by_hash(hash_key(key))
    return info is not None and info.active
