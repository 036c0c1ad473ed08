"""The audit log in the `audit_log` table, newest first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from pas.core.records import AuditEntry
from pas.database.models_audit import AuditRow


class SqlAuditLog:
    """Append and page through audit entries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> AuditEntry:
        """Store `entry` (stamped now when it has no time) and return it with its id."""
        at = entry.at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
        row = AuditRow(
            at=at,
            actor=entry.actor[:64],
            role=entry.role,
            method=entry.method[:8],
            path=entry.path[:512],
            status=entry.status,
            object_type=entry.object_type[:32] if entry.object_type else None,
            object_id=entry.object_id[:64] if entry.object_id else None,
        )
        self.session.add(row)
        self.session.flush()
        return _entry(row)

    def page(
        self, limit: int, before: int | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """Return up to `limit` entries with an id below `before`, newest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if before is not None:
            query = query.where(AuditRow.id < before)
        if actor is not None:
            query = query.where(AuditRow.actor == actor)
        return [_entry(r) for r in self.session.scalars(query)]


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.actor,
        row.method,
        row.path,
        row.status,
        row.role,
        row.object_type,
        row.object_id,
        row.at,
        row.id,
    )
