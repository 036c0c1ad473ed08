"""The updater: one run per tick among instances, failures recorded and published, the schedule rule."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import text

from pas.bootstrap import Container
from pas.core.events import Event
from pas.core.strategies import Strategy
from pas.database.repositories.metrics import SqlJobRuns
from pas.tasks import jobs
from pas.tasks.runner import run_job
from pas.tasks.updater import Updater, tick_of
from pas.workflows.schedules import due_slot

NOW = dt.datetime(2026, 12, 7, 22, 30, 20, tzinfo=dt.UTC)  # a Monday


def test_tick_of_is_the_newest_scheduled_time() -> None:
    assert tick_of("30 22 * * 1-5", NOW) == NOW.replace(second=0)
    assert tick_of("*/15 * * * *", NOW) == NOW.replace(second=0)
    assert tick_of("0 23 * * 1-5", NOW) == dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.UTC)


def test_due_slot_fires_once_per_slot_and_skips_old_ones() -> None:
    strategy = Strategy(1, "s", 1, ("A",), "max_sharpe", schedule="30 15 * * 1-5")
    grace = dt.timedelta(minutes=10)
    at = dt.datetime(2026, 12, 7, 15, 31, 5, tzinfo=dt.UTC)
    assert due_slot(strategy, at, grace) == dt.datetime(2026, 12, 7, 15, 30, tzinfo=dt.UTC)
    assert due_slot(strategy, at + dt.timedelta(minutes=30), grace) is None  # missed: not made up
    assert due_slot(Strategy(2, "t", 1, ("A",), "max_sharpe"), at, grace) is None


def test_two_updaters_run_each_tick_once(container: Container) -> None:
    first, second = (
        Updater(container),
        Updater(container),
    )  # both "leaders" (no Redis): the claim decides
    ran = [first.tick("stale_data", NOW), second.tick("stale_data", NOW)]
    assert sorted(ran) == [False, True]
    assert not first.tick("stale_data", NOW + dt.timedelta(seconds=20))  # same tick, later
    assert first.tick("stale_data", NOW + dt.timedelta(days=1))  # the next day's tick
    assert [r.status for r in container.job_runs.recent("stale_data")] == ["done", "done"]


def test_a_failing_job_is_recorded_and_published_and_the_next_one_runs(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Event] = []
    container.hub.add_listener(seen.append)

    def broken(_: Container) -> jobs.Outcome:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(jobs.RUNNERS, "reconcile", broken)
    run = run_job(container, "reconcile")
    assert run.status == "failed" and run.message == "RuntimeError: disk on fire"
    assert run_job(container, "stale_data").status == "done"
    statuses = [(e.data["job"], e.data["status"]) for e in seen if e.topic == "jobs"]
    assert statuses == [
        ("reconcile", "running"),
        ("reconcile", "failed"),
        ("stale_data", "running"),
        ("stale_data", "done"),
    ]
    logs = [e.data for e in seen if e.topic == "logs"]
    assert logs == []  # no log forwarding installed in this process: only jobs events


def test_old_runs_are_pruned(container: Container) -> None:
    container.settings.updater.runs_kept = 10
    for _ in range(14):
        run_job(container, "strategies")
    assert len(container.job_runs.recent("strategies", 100)) == 10


def test_a_run_whose_process_stopped_reads_as_abandoned_and_the_next_start_records_it(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr("pas.database.clock.utcnow", lambda: clock[0])
    runs = SqlJobRuns(container.engine, stale_after_s=60)
    lost = runs.start("prices")  # its process is killed: no beat, no finish
    alive = runs.start("factors")
    clock[0] += dt.timedelta(seconds=50)
    runs.beat(alive)
    clock[0] += dt.timedelta(seconds=11)  # 61 s since the lost run's start, 11 s since the beat
    [seen] = runs.recent("prices")
    assert (seen.id, seen.status, seen.finished_at) == (lost.id, "abandoned", lost.started_at)
    assert seen.message and "last heartbeat 2026-12-07T12:00:00 UTC" in seen.message
    assert runs.recent("factors")[0].status == "running"
    assert _stored_status(container, lost.id) == "running"  # a read writes nothing
    runs.start("prices")
    assert _stored_status(container, lost.id) == "abandoned"
    assert [r.status for r in runs.recent("prices")] == ["running", "abandoned"]


def test_a_long_job_keeps_its_run_alive_with_heartbeats(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    container.settings.updater.run_heartbeat_seconds = 0.05
    reader = SqlJobRuns(container.engine, stale_after_s=0.5)
    during: list[str] = []

    def slow(_: Container) -> jobs.Outcome:
        time.sleep(1.2)  # 24 beats; silent for 0.5 s it would read as abandoned
        during.append(reader.recent("metrics")[0].status)
        return jobs.Outcome("done", "slow")

    monkeypatch.setitem(jobs.RUNNERS, "metrics", slow)
    assert run_job(container, "metrics").status == "done"
    assert during == ["running"]
    assert [r.status for r in reader.recent("metrics")] == ["done"]


def _stored_status(container: Container, run_id: str) -> str:
    with container.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM jobs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
    return str(status)
