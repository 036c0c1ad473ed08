"""Background jobs whose progress lives in the database (any API worker can report it)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any

from pas.core.errors import Busy, PasError
from pas.core.records import JobInfo
from pas.workflows.ports import UnitOfWork

log = logging.getLogger(__name__)
#: write progress at most this often (seconds): one row update, not one per rebalance
PROGRESS_EVERY = 0.5


#: a queued or running job that has not reported progress for this long is not counted as active
STALE_SECONDS = 600


def submit_job(uow: UnitOfWork, kind: str, limit: int | None = None) -> JobInfo:
    """Store a queued job and return it; Busy when `limit` jobs of `kind` are already active."""
    with uow:
        if limit is not None:
            uow.versions.bump(f"jobs:{kind}")  # one row lock: concurrent submitters count in turn
            since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(
                seconds=STALE_SECONDS
            )
            active = uow.jobs.active(kind, since)
            if active >= limit:
                raise Busy(
                    f"{active} {kind} jobs are running, the limit is {limit}: retry when one ends",
                    limit=limit,
                )
        job = uow.jobs.create(kind)
        uow.commit()
    return job


def job_json(job: JobInfo) -> dict[str, Any]:
    """Return a job as JSON."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "progress": (job.done / job.total) if job.total else None,
        "message": job.message,
        "result": job.result,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }


def _set(uow_factory: Callable[[], UnitOfWork], job_id: str, **fields: Any) -> None:
    uow = uow_factory()
    with uow:
        uow.jobs.update(job_id, **fields)
        uow.commit()


def run_evaluation_job(
    uow_factory: Callable[[], UnitOfWork], job_id: str, request: Any, name: str | None = None
) -> None:
    """Run an evaluation as job `job_id` (a new run called `name`), recording progress and outcome."""
    from pas.workflows.evaluation import run_evaluation

    last = [0.0]

    def progress(done: int, total: int | None, what: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or (total is not None and done >= total):
            last[0] = now
            _set(uow_factory, job_id, done=done, total=total, message=what)

    _set(uow_factory, job_id, status="running")
    try:
        summary = run_evaluation(uow_factory(), request, progress, name)
    except PasError as exc:
        _set(uow_factory, job_id, status="failed", message=str(exc))
        return
    except Exception as exc:  # a job must always end in a recorded state
        log.exception("evaluation job %s failed", job_id)
        _set(uow_factory, job_id, status="failed", message=f"internal error: {type(exc).__name__}")
        return
    result = {
        "run_id": summary.run.id,
        "name": summary.run.name,
        "created": summary.created,
        "new_days": summary.new_days,
        "last_date": str(summary.run.last_date),
    }
    _set(uow_factory, job_id, status="done", result=result, message="finished")
