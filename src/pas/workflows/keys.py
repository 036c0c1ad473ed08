"""Use cases: create, list, revoke and check API keys."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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


class KeyCache:
    """Verified keys for a few seconds, so a request does not cost a database lookup.

    Only active keys are cached, under their hash. When an entry expires one
    request reloads it while concurrent requests keep the stale entry for
    that moment (no stampede of lookups every `ttl_seconds`). A revocation in
    this process clears the cache at once; one in another process is seen
    within `ttl_seconds`.
    """

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, ApiKeyInfo]] = {}
        self._loading: set[str] = set()
        self._lock = threading.Lock()

    def get_or_load(
        self, key_hash: str, load: Callable[[], ApiKeyInfo | None]
    ) -> ApiKeyInfo | None:
        """Return the record of a key hash, from the cache or from `load()`."""
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is not None and time.monotonic() - entry[0] <= self.ttl_seconds:
                return entry[1]
            if entry is not None and key_hash in self._loading:
                return entry[1]  # another request is reloading it right now
            self._loading.add(key_hash)
        try:
            info = load()
        finally:
            with self._lock:
                self._loading.discard(key_hash)
        with self._lock:
            if info is not None and info.active:
                if len(self._entries) > 10_000:  # bound memory under a flood of distinct keys
                    self._entries.clear()
                self._entries[key_hash] = (time.monotonic(), info)
            else:
                self._entries.pop(key_hash, None)
        return info

    def clear(self) -> None:
        """Forget every cached key (after a revocation)."""
        with self._lock:
            self._entries.clear()


def _lookup(uow: UnitOfWork, key_hash: str) -> ApiKeyInfo | None:
    with uow:
        return uow.api_keys.by_hash(key_hash)


def authenticate(
    uow: UnitOfWork, key: str | None, needed: Role, cache: KeyCache | None = None
) -> ApiKeyInfo:
    """Return the key's record when it is active and its role is at least `needed`."""
    if not key:
        raise AuthError("missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key'")
    digest = hash_key(key)
    if cache is None:
        info = _lookup(uow, digest)
    else:
        info = cache.get_or_load(digest, lambda: _lookup(uow, digest))
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
