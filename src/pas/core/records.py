"""Frozen records handed between the database, the workflows and the edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class SecurityInfo:
    """One security with its classification and the span of its stored prices."""

    symbol: str
    name: str | None = None
    sector: str | None = None
    industry: str | None = None
    first_date: dt.date | None = None
    last_date: dt.date | None = None


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as stored: never the key itself, only its prefix and role."""

    id: int
    name: str
    role: str
    key_prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """Return True while the key has not been revoked."""
        return self.revoked_at is None


@dataclass(frozen=True)
class EvaluationRunInfo:
    """A persisted evaluation run: its parameters (JSON-able), how far it reaches, its metrics."""

    id: int
    params_hash: str
    params: dict[str, object]
    created_at: dt.datetime
    updated_at: dt.datetime
    last_date: dt.date | None
    name: str = "default"
    #: scheme -> metric -> value over the whole run, stored with its returns (None: not yet)
    metrics: dict[str, dict[str, float | None]] | None = None


@dataclass(frozen=True)
class JobInfo:
    """A background job's progress as any API worker can read it."""

    id: str
    kind: str
    status: str  # queued, running, done, failed
    done: int
    total: int | None
    message: str | None
    result: dict[str, object] | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change: when, who (actor `key:<id>`, `cli`, `updater`), what and on which object."""

    actor: str
    method: str
    path: str
    status: int
    role: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    at: dt.datetime | None = None
    id: int | None = None
