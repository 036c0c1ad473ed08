"""The updater's jobs as the edges see them: names, what each does, schedules, last runs.

The jobs themselves run in `pas.tasks`; this catalogue is what the API and the
CLI list, and the rule that decides which strategy's own schedule is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from croniter import croniter

from pas.core.metrics import JobRun
from pas.core.strategies import Strategy
from pas.workflows.updater_ports import JobRuns

#: job name -> what it does (the order is the order of a daily run)
JOBS: dict[str, str] = {
    "prices": "refresh daily prices from Alpaca (nothing to do without Alpaca keys)",
    "factors": "refresh the daily Fama–French factors from the Ken French library",
    "stale_data": "warn when prices or factors are older than updater.stale_business_days",
    "metrics": "aggregate daily metrics per sleeve and for the account into metrics_daily",
    "evaluations": "extend every stored evaluation run to the newest data",
    "reconcile": "recover missed fills and compare the ledger with the broker",
    "strategies": "rebalance each strategy whose own cron schedule is due",
}


def next_run(schedule: str, after: dt.datetime) -> dt.datetime:
    """Return the first time after `after` that a cron schedule fires (UTC)."""
    return croniter(schedule, after).get_next(dt.datetime)


def run_json(run: JobRun | None) -> dict[str, Any] | None:
    """Return a job run as JSON (None stays None)."""
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "started_at": run.started_at.replace(tzinfo=dt.UTC).isoformat(),
        "finished_at": run.finished_at.replace(tzinfo=dt.UTC).isoformat()
        if run.finished_at
        else None,
        "duration_ms": None if run.duration_ms is None else round(run.duration_ms, 1),
        "message": run.message,
        "result": run.result,
    }


def jobs_status(
    runs: JobRuns, schedules: Mapping[str, str], now: dt.datetime, recent: int = 5
) -> list[dict[str, Any]]:
    """Return every job with its schedule, next run, last run and recent outcomes."""
    out = []
    for name, description in JOBS.items():
        history = runs.recent(name, recent)
        finished = next((r for r in history if r.finished_at is not None), None)
        out.append(
            {
                "name": name,
                "description": description,
                "schedule": schedules[name],
                "next_run": next_run(schedules[name], now).isoformat(),
                "last_run": run_json(history[0]) if history else None,
                "last_outcome": finished.status if finished else None,
                "recent": [run_json(r) for r in history],
            }
        )
    return out


def due_slot(strategy: Strategy, now: dt.datetime, grace: dt.timedelta) -> dt.datetime | None:
    """Return the strategy's newest scheduled time at or before `now`, if within `grace`.

    A slot older than `grace` (the updater was down) is skipped, not made up.
    """
    if not strategy.schedule:
        return None
    current = now.replace(second=0, microsecond=0)
    slot: dt.datetime = croniter(strategy.schedule, current + dt.timedelta(seconds=1)).get_prev(
        dt.datetime
    )
    return slot if now - slot <= grace else None
