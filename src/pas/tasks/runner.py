"""Run one job: record the run, publish `jobs` events, never let a failure escape."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pas.bootstrap import Container
from pas.core.errors import InvalidInput, PasError
from pas.core.metrics import JobRun
from pas.realtime.telemetry import count_job_run
from pas.tasks.jobs import RUNNERS, Outcome
from pas.workflows.schedules import run_json

log = logging.getLogger(__name__)


def check_job(name: str) -> str:
    """Return `name` when it is a job, else raise InvalidInput naming the jobs."""
    if name not in RUNNERS:
        raise InvalidInput(f"unknown job {name!r}; jobs: {', '.join(RUNNERS)}", job=name)
    return name


def _publish(c: Container, name: str, run: JobRun, trigger: str) -> None:
    data: dict[str, Any] = {"job": name, "trigger": trigger, **(run_json(run) or {})}
    c.publish("jobs", data)


@contextmanager
def _heartbeat(c: Container, run: JobRun) -> Iterator[None]:
    """Touch `run` every updater.run_heartbeat_seconds while the block runs, so a run whose
    process dies reads as abandoned (a beat that fails is tried again at the next one)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(c.settings.updater.run_heartbeat_seconds):
            try:
                c.job_runs.beat(run)
            except Exception:  # the database is out: the outage is logged once elsewhere
                log.debug("heartbeat of job run %s failed", run.id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{run.job}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_job(c: Container, name: str, trigger: str = "schedule") -> JobRun:
    """Run job `name` now and return its recorded run (failed runs included)."""
    runner = RUNNERS[check_job(name)]
    run = c.job_runs.start(name)
    _publish(c, name, run, trigger)
    try:
        with _heartbeat(c, run):
            outcome = runner(c)
    except PasError as exc:
        log.error("job %s failed: %s", name, exc)
        outcome = Outcome("failed", str(exc))
    except Exception as exc:  # a failing job is logged and published; the updater goes on
        log.exception("job %s failed", name)
        outcome = Outcome("failed", f"{type(exc).__name__}: {exc}")
    run = c.job_runs.finish(run, outcome.status, outcome.message, outcome.result)
    count_job_run(name, outcome.status)
    _publish(c, name, run, trigger)
    try:
        c.job_runs.prune(name, c.settings.updater.runs_kept)
    except Exception:  # pruning is housekeeping; the next run tries again
        log.warning("could not prune old runs of job %s", name)
    return run
