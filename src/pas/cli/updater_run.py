"""The work behind `pas updater` (imported only when the command runs)."""

from __future__ import annotations

import datetime as dt
import signal
from contextlib import nullcontext
from typing import Any

from pas.cli.output import console, container, emit_json, err_console, fail, table
from pas.workflows.schedules import jobs_status, run_json


def show_jobs(json_out: bool) -> None:
    """Print every job with its schedule, next run and last run."""
    with container() as c:
        now = dt.datetime.now(dt.UTC)
        jobs = jobs_status(c.job_runs, c.settings.schedules, now, recent=1)
        leader = c.leader().holder()
    if json_out:
        emit_json({"now": now.isoformat(), "leader": leader, "jobs": jobs})
        return
    rows = []
    for job in jobs:
        last = job["last_run"] or {}
        rows.append(
            [
                job["name"],
                job["schedule"],
                job["next_run"][:16],
                (last.get("started_at") or "")[:19],
                last.get("status") or "never",
                last.get("message") or "",
            ]
        )
    table(
        "updater jobs (UTC)",
        ["job", "schedule", "next run", "last run", "outcome", "message"],
        rows,
    )
    console.print(f"leader: {leader or 'none'}")


def run_once(name: str, json_out: bool) -> None:
    """Run one job now; exit 1 when it failed."""
    from pas.tasks.runner import check_job, run_job

    with container() as c:
        check_job(name)
        c.init_schema()
        undo = c.forward_logs()
        try:
            status = err_console.status(f"running {name} ...") if not json_out else nullcontext()
            with status:
                run = run_job(c, name, trigger="once")
        finally:
            undo()
    payload: dict[str, Any] = {"job": name, **(run_json(run) or {})}
    if json_out:
        emit_json(payload)
    else:
        console.print(f"{name}: {run.status} — {run.message}", markup=False, soft_wrap=True)
    if run.status == "failed":
        fail(f"job {name} failed: {run.message}")


def run_forever(json_out: bool) -> None:
    """Run the scheduler until SIGINT or SIGTERM."""
    with container() as c:
        c.init_schema()
        undo = c.forward_logs()
        from pas.tasks.updater import Updater

        updater = Updater(c)
        signal.signal(signal.SIGTERM, lambda *_: updater.stop())
        signal.signal(signal.SIGINT, lambda *_: updater.stop())
        try:
            updater.start()
            started = {
                "status": "running",
                "instance": updater.leader.token,
                "next_runs": updater.next_runs(),
            }
            emit_json(started) if json_out else console.print(
                f"updater running ({len(started['next_runs'])} jobs, instance {updater.leader.token}); Ctrl-C stops it"
            )
            updater.wait()
        finally:
            updater.stop()
            undo()
    if json_out:
        emit_json({"status": "stopped"})
