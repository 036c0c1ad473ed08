"""The updater's jobs: schedules, next and last runs, outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter

from pas.service.deps import ContainerDep, Viewer
from pas.workflows.schedules import jobs_status

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("")
def jobs(c: ContainerDep, _: Viewer) -> dict[str, Any]:
    """Every updater job with its cron schedule (UTC), next run, last run and recent outcomes."""
    now = dt.datetime.now(dt.UTC)
    in_serve = c.updater_in_serve()
    leader = c.leader().holder() if c.settings.redis.url or in_serve else None
    return {
        "now": now.isoformat(),
        "leader": leader,
        "updater": "in serve" if in_serve else "separate process (pas updater)",
        "jobs": jobs_status(c.job_runs, c.settings.schedules, now),
    }
