"""The updater's tables: daily metrics, job runs (in `jobs`) and schedule marks.

Each method is one short transaction. Writing a computation's rows replaces
the stored rows of the same sleeves in one transaction, so a rerun stores the
same result and a reader never sees half of one.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from pas.core.metrics import JobRun, MetricsRow
from pas.database.clock import db_now
from pas.database.models_evaluations import Job
from pas.database.models_metrics import MetricsDailyRow, UpdaterMarkRow

#: `jobs.kind` of updater runs: this prefix and the job's name
KIND_PREFIX = "updater:"
#: the status of a run whose process stopped sending heartbeats before it finished
ABANDONED = "abandoned"


def _record(row: MetricsDailyRow) -> MetricsRow:
    return MetricsRow(
        sleeve_id=row.sleeve_id,
        name=row.name,
        date=row.date,
        equity=Decimal(row.equity),
        cash=Decimal(row.cash),
        flow=Decimal(row.flow),
        daily_return=row.daily_return,
        cumulative_return=row.cumulative_return,
        gross_exposure=row.gross_exposure,
        net_exposure=row.net_exposure,
        volatility_annual=row.volatility_annual,
        drawdown=row.drawdown,
        var_95=row.var_95,
        sector_weights=json.loads(row.sector_weights),
        factor_betas=json.loads(row.factor_betas),
        weights=json.loads(row.weights),
        stale=bool(row.stale),
    )


def _values(r: MetricsRow, now: dt.datetime) -> dict[str, Any]:
    return {
        "sleeve_id": r.sleeve_id,
        "date": r.date,
        "name": r.name,
        "equity": r.equity,
        "cash": r.cash,
        "flow": r.flow,
        "daily_return": r.daily_return,
        "cumulative_return": r.cumulative_return,
        "gross_exposure": r.gross_exposure,
        "net_exposure": r.net_exposure,
        "volatility_annual": r.volatility_annual,
        "drawdown": r.drawdown,
        "var_95": r.var_95,
        "sector_weights": json.dumps(r.sector_weights, sort_keys=True),
        "factor_betas": json.dumps(r.factor_betas, sort_keys=True),
        "weights": json.dumps(r.weights, sort_keys=True),
        "stale": r.stale,
        "computed_at": now,
    }


class SqlMetricsStore:
    """Daily metrics on `metrics_daily`."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def replace(self, rows: Sequence[MetricsRow]) -> int:
        """Store `rows` in place of every stored row of their sleeves; return how many."""
        sleeves = sorted({r.sleeve_id for r in rows})
        now = db_now()
        with self.sessions.begin() as session:
            if sleeves:
                session.execute(
                    delete(MetricsDailyRow).where(MetricsDailyRow.sleeve_id.in_(sleeves))
                )
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                session.execute(insert(MetricsDailyRow), [_values(r, now) for r in chunk])
        return len(rows)

    def daily(
        self, sleeve_id: int, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[MetricsRow]:
        """Return a sleeve's rows (0: the account) from start to end, by date."""
        query = select(MetricsDailyRow).where(MetricsDailyRow.sleeve_id == sleeve_id)
        if start is not None:
            query = query.where(MetricsDailyRow.date >= start)
        if end is not None:
            query = query.where(MetricsDailyRow.date <= end)
        with self.sessions() as session:
            return [_record(r) for r in session.scalars(query.order_by(MetricsDailyRow.date))]

    def latest(self) -> list[MetricsRow]:
        """Return each sleeve's newest row (the account first)."""
        newest = (
            select(MetricsDailyRow.sleeve_id, func.max(MetricsDailyRow.date).label("d"))
            .group_by(MetricsDailyRow.sleeve_id)
            .subquery()
        )
        query = (
            select(MetricsDailyRow)
            .join(
                newest,
                (MetricsDailyRow.sleeve_id == newest.c.sleeve_id)
                & (MetricsDailyRow.date == newest.c.d),
            )
            .order_by(MetricsDailyRow.sleeve_id)
        )
        with self.sessions() as session:
            return [_record(r) for r in session.scalars(query)]

    def names(self) -> dict[int, str]:
        """Return sleeve id -> name of every sleeve with metrics."""
        query = select(MetricsDailyRow.sleeve_id, func.max(MetricsDailyRow.name)).group_by(
            MetricsDailyRow.sleeve_id
        )
        with self.sessions() as session:
            return {int(i): str(n) for i, n in session.execute(query)}


def _run(row: Job, stale_before: dt.datetime | None = None) -> JobRun:
    status, message = row.status, row.message
    if status == "running" and stale_before is not None and row.updated_at < stale_before:
        status, message = ABANDONED, _abandoned(row.updated_at)
    return JobRun(
        id=row.id,
        job=row.kind.removeprefix(KIND_PREFIX),
        status=status,
        started_at=row.created_at,
        finished_at=row.updated_at if status != "running" else None,
        message=message,
        result=json.loads(row.result) if row.result else None,
    )


def _abandoned(last_beat: dt.datetime) -> str:
    return (
        "abandoned: its process stopped before the run finished "
        f"(last heartbeat {last_beat.replace(microsecond=0).isoformat()} UTC)"
    )


class SqlJobRuns:
    """Updater job runs, kept in the `jobs` table as kind `updater:<job>`.

    A running run is touched (`beat`) by its process; one silent for longer
    than `stale_after_s` lost its process (killed, host gone) and reads as
    `abandoned`, which the job's next `start` records.
    """

    def __init__(self, engine: Engine, stale_after_s: float = 120.0) -> None:
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self.stale_after = dt.timedelta(seconds=stale_after_s)

    def start(self, job: str) -> JobRun:
        """Record the runs of `job` that lost their process as abandoned; record a run that
        starts now."""
        now = db_now()
        row = Job(
            id=str(uuid.uuid4()),
            kind=KIND_PREFIX + job,
            status="running",
            done=0,
            created_at=now,
            updated_at=now,
        )
        with self.sessions.begin() as session:
            stale = session.scalars(
                select(Job).where(
                    Job.kind == KIND_PREFIX + job,
                    Job.status == "running",
                    Job.updated_at < now - self.stale_after,
                )
            )
            for lost in stale:
                lost.status, lost.message = ABANDONED, _abandoned(lost.updated_at)
            session.add(row)
        return _run(row)

    def beat(self, run: JobRun) -> None:
        """Record that `run` is still running."""
        with self.sessions.begin() as session:
            session.execute(
                update(Job)
                .where(Job.id == run.id, Job.status == "running")
                .values(updated_at=db_now())
            )

    def finish(
        self, run: JobRun, status: str, message: str | None, result: dict[str, Any] | None
    ) -> JobRun:
        """Record how a run ended."""
        values: dict[str, Any] = {"status": status, "message": message, "updated_at": db_now()}
        if result is not None:
            values["result"] = json.dumps(result, default=str)
        with self.sessions.begin() as session:
            session.execute(update(Job).where(Job.id == run.id).values(**values))
            row = session.get(Job, run.id)
            assert row is not None
            return _run(row)

    def recent(self, job: str, limit: int = 20) -> list[JobRun]:
        """Return a job's newest runs first."""
        query = (
            select(Job)
            .where(Job.kind == KIND_PREFIX + job)
            .order_by(Job.created_at.desc(), Job.id)
            .limit(limit)
        )
        stale_before = db_now() - self.stale_after
        with self.sessions() as session:
            return [_run(r, stale_before) for r in session.scalars(query)]

    def prune(self, job: str, keep: int) -> int:
        """Delete all but a job's `keep` newest runs; return how many went."""
        with self.sessions.begin() as session:
            cutoff = session.scalars(
                select(Job.created_at)
                .where(Job.kind == KIND_PREFIX + job)
                .order_by(Job.created_at.desc())
                .offset(keep)
                .limit(1)
            ).first()
            if cutoff is None:
                return 0
            gone: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                delete(Job).where(Job.kind == KIND_PREFIX + job, Job.created_at <= cutoff)
            )
            return int(gone.rowcount or 0)


class SqlMarks:
    """Named high-water marks on `updater_marks`: each value is claimed once, by one process."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def get(self, name: str) -> str | None:
        """Return a mark's value (None when never set)."""
        with self.sessions() as session:
            row = session.get(UpdaterMarkRow, name)
            return row.value if row is not None else None

    def claim(self, name: str, value: str) -> bool:
        """Advance mark `name` to `value` when it is below it; True for the one caller that did.

        Values compare as strings: use fixed-width ones (ISO times in UTC).
        """
        now = db_now()
        with self.sessions.begin() as session:
            moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(UpdaterMarkRow)
                .where(UpdaterMarkRow.name == name, UpdaterMarkRow.value < value)
                .values(value=value, updated_at=now)
            )
            if moved.rowcount:
                return True
            if session.get(UpdaterMarkRow, name) is not None:
                return False
        try:
            with self.sessions.begin() as session:
                session.add(UpdaterMarkRow(name=name, value=value, updated_at=now))
        except IntegrityError:  # another process created it first
            return self.claim(name, value)
        return True
