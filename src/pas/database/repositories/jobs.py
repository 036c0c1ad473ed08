"""Background jobs' progress, in the database so any API worker can answer for them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from pas.core.errors import NotFound
from pas.core.records import JobInfo
from pas.database.models_evaluations import Job


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _info(row: Job) -> JobInfo:
    return JobInfo(
        row.id, row.kind, row.status, row.done, row.total, row.message,
        json.loads(row.result) if row.result else None, row.created_at, row.updated_at,
    )  # fmt: skip


class SqlJobRepository:
    """The `jobs` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, kind: str) -> JobInfo:
        """Store a queued job and return it."""
        now = _now()
        row = Job(
            id=str(uuid.uuid4()), kind=kind, status="queued", done=0, created_at=now, updated_at=now
        )
        self.session.add(row)
        self.session.flush()
        return _info(row)

    def get(self, job_id: str) -> JobInfo:
        """Return a job; NotFound when unknown."""
        row = self.session.get(Job, job_id)
        if row is None:
            raise NotFound(f"no job with id {job_id}", id=job_id)
        return _info(row)

    def update(
        self,
        job_id: str,
        *,
        status: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Change a job's progress fields (those given)."""
        row = self.session.get(Job, job_id)
        if row is None:
            raise NotFound(f"no job with id {job_id}", id=job_id)
        for name, value in (
            ("status", status),
            ("done", done),
            ("total", total),
            ("message", message),
        ):
            if value is not None:
                setattr(row, name, value)
        if result is not None:
            row.result = json.dumps(result, default=str)
        row.updated_at = _now()
        self.session.flush()
