"""Use cases: record who changed what, and page through the record."""

from __future__ import annotations

from typing import Any

from pas.core.errors import InvalidInput
from pas.core.records import AuditEntry
from pas.workflows.ports import UnitOfWork

#: entries of one page: the default and the largest allowed
PAGE_DEFAULT = 100
PAGE_MAX = 1000


def record(uow: UnitOfWork, entry: AuditEntry) -> AuditEntry:
    """Store one audit entry in its own transaction and return it with its id."""
    with uow:
        stored = uow.audit.add(entry)
        uow.commit()
    return stored


def page(
    uow: UnitOfWork, limit: int = PAGE_DEFAULT, before: int | None = None, actor: str | None = None
) -> tuple[list[AuditEntry], int | None]:
    """Return (entries newest first, the `before` of the next page or None at the end)."""
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"limit must be in 1..{PAGE_MAX}, got {limit}", limit=PAGE_MAX)
    with uow:
        entries = uow.audit.page(limit + 1, before, actor)
    more = len(entries) > limit
    entries = entries[:limit]
    return entries, (entries[-1].id if more and entries else None)


def entry_json(e: AuditEntry) -> dict[str, Any]:
    """Return an audit entry as a JSON-ready dict."""
    return {
        "id": e.id,
        "at": e.at.isoformat() if e.at else None,
        "actor": e.actor,
        "role": e.role,
        "method": e.method,
        "path": e.path,
        "status": e.status,
        "object_type": e.object_type,
        "object_id": e.object_id,
    }
