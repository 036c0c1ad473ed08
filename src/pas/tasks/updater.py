"""The updater: APScheduler fires each job on its cron schedule; the leader runs it.

Every instance schedules every job, but a tick runs only on the instance that
holds the leader lock, and only after it claimed the tick in the database
(`job:<name>` advanced to the tick's time), so two updaters never run the
same tick twice, not even while the lock changes hands.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from croniter import croniter

from pas.bootstrap import Container
from pas.tasks.runner import run_job
from pas.workflows.schedules import JOBS

log = logging.getLogger(__name__)


def tick_of(schedule: str, now: dt.datetime) -> dt.datetime:
    """Return the scheduled time a firing at `now` belongs to (the newest one at or before it)."""
    current = now.replace(second=0, microsecond=0)
    tick: dt.datetime = croniter(schedule, current + dt.timedelta(seconds=1)).get_prev(dt.datetime)
    return tick


class Updater:
    """Schedules the jobs in this process; only the leader's ticks run."""

    def __init__(self, container: Container) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self.container = container
        self.leader = container.leader()
        self.scheduler = BackgroundScheduler(
            timezone=dt.UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        self._stopped = threading.Event()

    def start(self) -> None:
        """Take part in the leader election and start firing the jobs."""
        from apscheduler.triggers.cron import CronTrigger

        self.leader.start()
        schedules = self.container.settings.schedules
        for name in JOBS:
            trigger = CronTrigger.from_crontab(schedules[name], timezone=dt.UTC)
            self.scheduler.add_job(self.tick, trigger, args=[name], id=name, name=name)
        self.scheduler.start()
        log.info("updater started: %d jobs, instance %s", len(JOBS), self.leader.token)

    def tick(self, name: str, now: dt.datetime | None = None) -> bool:
        """Run job `name` for the current tick when this instance leads; return whether it ran."""
        if not self.leader.is_leader:
            return False
        now = now or dt.datetime.now(dt.UTC)
        tick = tick_of(self.container.settings.schedules[name], now)
        if not self.container.marks.claim(f"job:{name}", tick.isoformat()):
            return False
        run_job(self.container, name)
        return True

    def next_runs(self) -> dict[str, str | None]:
        """Return job -> its next fire time (ISO, UTC)."""
        out: dict[str, str | None] = {}
        for job in self.scheduler.get_jobs():
            when: Any = getattr(job, "next_run_time", None)
            out[job.id] = when.isoformat() if when is not None else None
        return out

    def stop(self) -> None:
        """Stop firing, wait for running jobs, release the leader lock."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.leader.stop()
        log.info("updater stopped")

    def wait(self) -> None:
        """Block until stop() is called."""
        self._stopped.wait()
