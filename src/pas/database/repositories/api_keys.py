"""API keys, stored as SHA-256 hashes with a short display prefix."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from pas.core.errors import NotFound
from pas.core.records import ApiKeyInfo
from pas.database.models import ApiKey


class SqlApiKeyRepository:
    """API keys in the `api_keys` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, name: str, role: str, key_hash: str, key_prefix: str) -> ApiKeyInfo:
        """Store a new key's hash and return its record."""
        row = ApiKey(
            name=name,
            role=role,
            key_hash=key_hash,
            key_prefix=key_prefix,
            created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        self.session.add(row)
        self.session.flush()
        return _info(row)

    def by_hash(self, key_hash: str) -> ApiKeyInfo | None:
        """Return the key stored under `key_hash`, revoked or not, or None."""
        row = self.session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()
        return _info(row) if row else None

    def list(self) -> list[ApiKeyInfo]:
        """Return every key, oldest first."""
        return [_info(r) for r in self.session.scalars(select(ApiKey).order_by(ApiKey.id))]

    def revoke(self, key_id: int) -> ApiKeyInfo:
        """Mark a key revoked (idempotent) and return it; NotFound when unknown."""
        row = self.session.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"no API key with id {key_id}", id=key_id)
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            self.session.flush()
        return _info(row)


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(row.id, row.name, row.role, row.key_prefix, row.created_at, row.revoked_at)
