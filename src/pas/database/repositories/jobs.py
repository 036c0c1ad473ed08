"""Background jobs' progress, in the database so any API worker can answer for them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pas.core.errors import NotFound
from pas.core.records import JobInfo
from pas.database.clock import db_now
from pas.database.models_evaluations import Job


def _info(row: Job) -> JobInfo:
    return JobInfo(
        row.id,
        row.kind,
        row.status,
        row.done,
        row.total,
        row.message,
        json.loads(row.result) if row.result else None,
        row.created_at,
        row.updated_at,
    )


class SqlJobRepository:
    """The `jobs` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, kind: str) -> JobInfo:
        """Store a queued job and return it."""
        now = db_now()
        row = Job(
            id=str(uuid.uuid4()), kind=kind, status="queued", done=0, created_at=now, updated_at=now
        )
        self.session.add(row)
        self.session.flush()
        return _info(row)

    def active(self, kind: str, since: dt.datetime) -> int:
        """Return how many jobs of `kind` are queued or running and have moved since `since`."""
        query = (
            select(func.count())
            .select_from(Job)
            .where(Job.kind == kind, Job.status.in_(("queued", "running")), Job.updated_at >= since)
        )
        return int(self.session.execute(query).scalar_one())

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
        row.updated_at = db_now()
        self.session.flush()
