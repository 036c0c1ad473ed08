"""Use cases: create, list, revoke and check API keys."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pas.core.auth import Role, hash_key, new_key
from pas.core.errors import AuthError, InvalidInput, PermissionDenied, Unavailable
from pas.core.limits import check_name
from pas.core.records import ApiKeyInfo
from pas.workflows.ports import UnitOfWork


def create_key(uow: UnitOfWork, role: str, name: str | None = None) -> tuple[str, ApiKeyInfo]:
    """Store a new key with `role`; return (the key, shown only now, and its record)."""
    try:
        parsed = Role.parse(role)
    except ValueError as exc:
        raise InvalidInput(str(exc), role=role) from None
    if name is not None:
        check_name(name, "the key's name")
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


@dataclass
class _Entry:
    info: ApiKeyInfo
    verified: float  # when the database last confirmed the key (monotonic seconds)
    due: float  # when to ask the database again


class KeyCache:
    """Verified keys for a few seconds, so a request does not cost a database lookup.

    Only active keys are cached, under their hash. When an entry expires one
    request reloads it while concurrent requests keep the stale entry for
    that moment (no stampede of lookups every `ttl_seconds`). A revocation in
    this process clears the cache at once; one in another process (the CLI,
    another worker) is seen within `ttl_seconds`, which is why it is short
    (and at once where Redis carries revocation announcements).

    While the database is out of reach a key it confirmed less than
    `grace_seconds` ago keeps authenticating (asked again every `ttl_seconds`,
    not at every request), so an outage does not lock out every client; a key
    the cache does not know is answered with the outage (503), never 401.
    """

    def __init__(self, ttl_seconds: float = 0.5, grace_seconds: float = 300.0) -> None:
        self.ttl_seconds = ttl_seconds
        self.grace_seconds = grace_seconds
        self._entries: dict[str, _Entry] = {}
        self._loading: set[str] = set()
        self._lock = threading.Lock()

    def get_or_load(
        self, key_hash: str, load: Callable[[], ApiKeyInfo | None]
    ) -> ApiKeyInfo | None:
        """Return the record of a key hash, from the cache or from `load()`."""
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is not None and (time.monotonic() < entry.due or key_hash in self._loading):
                return entry.info  # fresh, or another request is reloading it right now
            self._loading.add(key_hash)
        try:
            info = load()
        except Unavailable:
            kept = self._in_grace(entry)
            if kept is None:
                raise
            return kept
        finally:
            with self._lock:
                self._loading.discard(key_hash)
        with self._lock:
            if info is not None and info.active:
                if len(self._entries) > 10_000:  # bound memory under a flood of distinct keys
                    self._entries.clear()
                now = time.monotonic()
                self._entries[key_hash] = _Entry(info, now, now + self.ttl_seconds)
            else:
                self._entries.pop(key_hash, None)
        return info

    def _in_grace(self, entry: _Entry | None) -> ApiKeyInfo | None:
        """Return a cached key the database confirmed recently enough, else None."""
        if entry is None:
            return None
        now = time.monotonic()
        ends = entry.verified + self.ttl_seconds + self.grace_seconds
        if now > ends:
            return None
        with self._lock:
            entry.due = min(now + self.ttl_seconds, ends)
        return entry.info

    def holds(self, key_hash: str) -> bool:
        """Return True when `key_hash` is cached as an active key (no lookup)."""
        with self._lock:
            return key_hash in self._entries

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


def demo_key_file(var_dir: Path, database_url: str, default_url: str) -> Path:
    """Return where the demo admin key of a database is kept: one file per database.

    The default database's key is `demo-admin.key`; any other database's
    `demo-admin-<id>.key`, <id> a digest of its URL (without password), so
    switching databases never overwrites another database's key.
    """
    if database_url == default_url:
        return var_dir / "demo-admin.key"
    digest = hashlib.sha256(_without_password(database_url).encode()).hexdigest()[:12]
    return var_dir / f"demo-admin-{digest}.key"


def _without_password(url: str) -> str:
    """Return the URL with any password masked (the digest must not depend on secrets)."""
    head, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, at, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{head}{sep}{user}{at}{host}"
