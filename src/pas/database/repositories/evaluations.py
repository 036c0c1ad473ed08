"""Evaluation runs: daily returns, rebalance weights, fallbacks and resumable states."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import String, cast, delete, func, select
from sqlalchemy.orm import Session

from pas.core.records import EvaluationRunInfo
from pas.database.clock import db_now
from pas.database.models_evaluations import (
    EvaluationFallback,
    EvaluationReturn,
    EvaluationRun,
    EvaluationState,
    EvaluationWeight,
)
from pas.database.repositories.bulk import bulk_upsert
from pas.database.repositories.frames import FrameCache, fetch_frame, iso_dates
from pas.database.repositories.versions import bump_version


def _info(row: EvaluationRun) -> EvaluationRunInfo:
    return EvaluationRunInfo(
        row.id,
        row.params_hash,
        json.loads(row.params),
        row.created_at,
        row.updated_at,
        row.last_date,
        row.name,
        json.loads(row.metrics) if row.metrics else None,
    )


def _float(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


class SqlEvaluationRepository:
    """Evaluation tables; a run is identified by the hash of its parameters."""

    def __init__(self, session: Session, frames: FrameCache | None = None) -> None:
        self.session = session
        self.frames = frames

    def find(self, params_hash: str) -> EvaluationRunInfo | None:
        """Return the run with these parameters, or None."""
        row = self.session.scalars(
            select(EvaluationRun).where(EvaluationRun.params_hash == params_hash)
        ).first()
        return _info(row) if row else None

    def get(self, run_id: int) -> EvaluationRunInfo | None:
        """Return a run by id, or None."""
        row = self.session.get(EvaluationRun, run_id)
        return _info(row) if row else None

    def by_name(self, name: str) -> EvaluationRunInfo | None:
        """Return the run called `name` (one lookup on a unique index), or None."""
        row = self.session.scalars(select(EvaluationRun).where(EvaluationRun.name == name)).first()
        return _info(row) if row else None

    def latest(self) -> EvaluationRunInfo | None:
        """Return the most recently updated run, or None."""
        query = select(EvaluationRun).order_by(
            EvaluationRun.updated_at.desc(), EvaluationRun.id.desc()
        )
        row = self.session.scalars(query).first()
        return _info(row) if row else None

    def all(self) -> list[EvaluationRunInfo]:
        """Return every run, oldest first."""
        return [
            _info(r) for r in self.session.scalars(select(EvaluationRun).order_by(EvaluationRun.id))
        ]

    def create(
        self, params_hash: str, params: dict[str, Any], name: str = "default"
    ) -> EvaluationRunInfo:
        """Store a new run called `name` and return it."""
        bump_version(self.session, "evaluations")
        now = db_now()
        row = EvaluationRun(
            params_hash=params_hash,
            params=json.dumps(params, sort_keys=True),
            created_at=now,
            updated_at=now,
            name=name,
        )
        self.session.add(row)
        self.session.flush()
        return _info(row)

    def append(
        self,
        run_id: int,
        method: str,
        daily: pd.DataFrame,
        weights: pd.DataFrame,
        fallbacks: Iterable[tuple[pd.Timestamp, str]],
        state: dict[str, Any] | None,
    ) -> None:
        """Add one scheme's new days, rebalances, fallbacks, and replace its state."""
        bump_version(self.session, "evaluations")
        rows = [
            (
                run_id,
                method,
                d.date(),
                _float(r.gross),
                _float(r.net),
                float(r.turnover),
                float(r.cost),
            )
            for d, r in zip(daily.index, daily.itertuples(index=False), strict=True)
        ]
        bulk_upsert(
            self.session,
            "evaluation_returns",
            ("run_id", "method", "date", "gross", "net", "turnover", "cost"),
            ("run_id", "method", "date"),
            rows,
        )
        wrows = [
            (run_id, method, d.date(), str(sym), float(w))
            for d, row in weights.iterrows()
            for sym, w in row.items()
            if w != 0 and not math.isnan(w)
        ]
        bulk_upsert(
            self.session,
            "evaluation_weights",
            ("run_id", "method", "date", "symbol", "weight"),
            ("run_id", "method", "date", "symbol"),
            wrows,
        )
        frows = [(run_id, method, d.date(), reason) for d, reason in fallbacks]
        bulk_upsert(
            self.session,
            "evaluation_fallbacks",
            ("run_id", "method", "date", "reason"),
            ("run_id", "method", "date"),
            frows,
        )
        self.session.execute(
            delete(EvaluationState).where(
                EvaluationState.run_id == run_id, EvaluationState.method == method
            )
        )
        if state is not None:
            self.session.add(EvaluationState(run_id=run_id, method=method, state=json.dumps(state)))
        self.session.flush()

    def touch(
        self,
        run_id: int,
        last_date: dt.date | None,
        metrics: dict[str, dict[str, float | None]] | None = None,
    ) -> None:
        """Record that the run now reaches `last_date` (with its metrics over the whole run)."""
        bump_version(self.session, "evaluations")
        row = self.session.get(EvaluationRun, run_id)
        assert row is not None
        row.updated_at = db_now()
        row.last_date = last_date
        if metrics is not None:
            row.metrics = json.dumps(metrics)
        self.session.flush()

    def returns(
        self,
        run_id: int,
        method: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Return rows (method, date, gross, net, turnover, cost) ordered by method and date."""
        if self.frames is None:
            return self._returns(run_id, method, start, end)
        key = (run_id, method, start, end)
        return self.frames.read(self.session, "evaluations", key, lambda: self._returns(*key))

    def _returns(
        self, run_id: int, method: str | None, start: dt.date | None, end: dt.date | None
    ) -> pd.DataFrame:
        t = EvaluationReturn
        query = select(t.method, cast(t.date, String), t.gross, t.net, t.turnover, t.cost).where(
            t.run_id == run_id
        )
        if method:
            query = query.where(t.method == method)
        if start:
            query = query.where(t.date >= start)
        if end:
            query = query.where(t.date <= end)
        columns = ["method", "date", "gross", "net", "turnover", "cost"]
        frame = fetch_frame(self.session, query.order_by(t.method, t.date), columns)
        frame["date"] = iso_dates(frame["date"])
        for col in ("gross", "net", "turnover", "cost"):
            frame[col] = frame[col].astype(float)
        return frame

    def weights(self, run_id: int, method: str) -> pd.DataFrame:
        """Return rebalance weights of one scheme, dates x symbols (0 where not held)."""
        t = EvaluationWeight
        query = select(t.date, t.symbol, t.weight).where(t.run_id == run_id, t.method == method)
        frame = pd.DataFrame(
            self.session.execute(query).all(), columns=["date", "symbol", "weight"]
        )
        if frame.empty:
            return pd.DataFrame()
        wide = frame.pivot(index="date", columns="symbol", values="weight").fillna(0.0).sort_index()
        wide.index = pd.DatetimeIndex(wide.index, name="date")
        wide.columns.name = None
        return wide

    def fallbacks(self, run_id: int, method: str | None = None) -> list[tuple[str, dt.date, str]]:
        """Return (method, date, reason) of every fallback taken."""
        t = EvaluationFallback
        query = select(t.method, t.date, t.reason).where(t.run_id == run_id)
        if method:
            query = query.where(t.method == method)
        return [tuple(r) for r in self.session.execute(query.order_by(t.method, t.date)).all()]  # type: ignore[misc]

    def states(self, run_id: int) -> dict[str, dict[str, Any]]:
        """Return method -> stored resumable state."""
        query = select(EvaluationState.method, EvaluationState.state).where(
            EvaluationState.run_id == run_id
        )
        return {m: json.loads(s) for m, s in self.session.execute(query).all()}

    def methods(self, run_id: int) -> list[str]:
        """Return the methods with stored returns in a run."""
        query = (
            select(EvaluationReturn.method)
            .where(EvaluationReturn.run_id == run_id)
            .group_by(EvaluationReturn.method)
        )
        return sorted(self.session.scalars(query))

    def count_returns(self, run_id: int) -> int:
        """Return the number of stored daily rows of a run."""
        query = (
            select(func.count())
            .select_from(EvaluationReturn)
            .where(EvaluationReturn.run_id == run_id)
        )
        return int(self.session.execute(query).scalar_one())
