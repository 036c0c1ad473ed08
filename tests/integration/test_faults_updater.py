"""`pas updater --once evaluations` killed (SIGKILL) in the middle of its job, then run
again, stores exactly what one uninterrupted run stores, and the killed runs read as
abandoned once their heartbeats stop. Real MariaDB, real processes.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from pas.bootstrap import Container
from pas.database.repositories.metrics import SqlJobRuns
from pas.workflows.evaluation import list_runs, update_all
from tests.integration.fault_tools import PAS, fail_database, pas_env, wait_for
from tests.unit.workflows.test_evaluation_workflow import fresh, load, stored

pytestmark = [pytest.mark.slow, pytest.mark.mysql]

START, END = "2004-01-01", "2008-12-31"
#: when the job is killed, after its run is recorded as started, as a fraction of the
#: time the same work takes uninterrupted: early in the walk, then halfway
KILLS_AT = (0.1, 0.5)
#: the runs' heartbeat here: a run silent for 4 beats (2 s) reads as abandoned
BEAT_S = 0.5


def _loaded(db_url: str, tmp_path: Path, name: str, demo_batches) -> Container:  # type: ignore[no-untyped-def]
    c = fresh(db_url, tmp_path, name)
    load(c, demo_batches, START, END)
    return c


def _statuses(db_url: str) -> list[str]:
    """Return the recorded statuses of the job's runs, oldest first."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT status FROM jobs WHERE kind = :k ORDER BY created_at"),
                {"k": "updater:evaluations"},
            )
            return [str(status) for (status,) in rows]
    finally:
        engine.dispose()


def _started(proc: subprocess.Popen[bytes], db_url: str, before: int) -> Callable[[], bool]:
    return lambda: len(_statuses(db_url)) > before or proc.poll() is not None


def _result(c: Container) -> tuple[list[str], pd.DataFrame]:
    return [r.name for r in list_runs(c.uow())], stored(c)


def test_an_updater_killed_mid_job_then_rerun_stores_what_one_run_stores(
    mysql_server_url: str, tmp_path: Path, demo_batches
) -> None:  # type: ignore[no-untyped-def]
    with (
        fail_database(mysql_server_url) as killed_url,
        fail_database(mysql_server_url) as whole_url,
    ):
        whole = _loaded(whole_url, tmp_path, "whole", demo_batches)
        took = time.monotonic()
        update_all(whole.uow())  # the job's work, once, uninterrupted
        took = time.monotonic() - took
        expected = _result(whole)
        whole.close()

        killed = _loaded(killed_url, tmp_path, "killed", demo_batches)
        env = pas_env(
            tmp_path, database__url=killed_url, updater__run_heartbeat_seconds=str(BEAT_S)
        )
        job = [PAS, "updater", "--once", "evaluations", "--json"]
        log = (tmp_path / "updater.log").open("wb")
        for killed_before, at in enumerate(KILLS_AT):
            proc = subprocess.Popen(job, env=env, stdout=log, stderr=log)
            started = _started(proc, killed_url, killed_before)
            wait_for(started, 60, "the job to start")
            time.sleep(at * took)
            assert proc.poll() is None, "the job ended before it was killed: give it more work"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        # each killed run never finished (the second one's start may have marked the first)
        assert set(_statuses(killed_url)) <= {"running", "abandoned"}
        assert len(_statuses(killed_url)) == len(KILLS_AT)
        with killed.uow() as uow:
            print(f"after the kills: {len(uow.evaluations.all())} run(s) stored")
        done = subprocess.run(job, env=env, capture_output=True, text=True, timeout=120)
        print(f"killed at {[round(at * took, 1) for at in KILLS_AT]} s of a {took:.1f} s job")
        assert done.returncode == 0, done.stderr
        time.sleep(4 * BEAT_S)  # the last killed run's heartbeats have stopped for long enough
        runs = SqlJobRuns(killed.engine, stale_after_s=4 * BEAT_S).recent("evaluations")
        assert [r.status for r in runs] == ["done", "abandoned", "abandoned"]
        names, rows = _result(killed)
        killed.close()
    assert names == expected[0]
    pd.testing.assert_frame_equal(rows, expected[1])
