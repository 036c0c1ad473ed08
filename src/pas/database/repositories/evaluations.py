"""Evaluation runs: daily returns, rebalance weights, fallbacks and resumable states."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pas.core.records import EvaluationRunInfo
from pas.database.models_evaluations import (
    EvaluationFallback,
    EvaluationReturn,
    EvaluationRun,
    EvaluationState,
    EvaluationWeight,
)
from pas.database.repositories.bulk import bulk_upsert


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _info(row: EvaluationRun) -> EvaluationRunInfo:
    return EvaluationRunInfo(
        row.id,
        row.params_hash,
        json.loads(row.params),
        row.created_at,
        row.updated_at,
        row.last_date,
    )


def _float(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


class SqlEvaluationRepository:
    """Evaluation tables; a run is identified by the hash of its parameters."""

    def __init__(self, session: Session) -> None:
        self.session = session

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

    def create(self, params_hash: str, params: dict[str, Any]) -> EvaluationRunInfo:
        """Store a new run and return it."""
        now = _now()
        row = EvaluationRun(
            params_hash=params_hash,
            params=json.dumps(params, sort_keys=True),
            created_at=now,
            updated_at=now,
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

    def touch(self, run_id: int, last_date: dt.date | None) -> None:
        """Record that the run now reaches `last_date`."""
        row = self.session.get(EvaluationRun, run_id)
        assert row is not None
        row.updated_at = _now()
        row.last_date = last_date
        self.session.flush()

    def returns(
        self,
        run_id: int,
        method: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> pd.DataFrame:
        """Return rows (method, date, gross, net, turnover, cost) ordered by method and date."""
        t = EvaluationReturn
        query = select(t.method, t.date, t.gross, t.net, t.turnover, t.cost).where(
            t.run_id == run_id
        )
        if method:
            query = query.where(t.method == method)
        if start:
            query = query.where(t.date >= start)
        if end:
            query = query.where(t.date <= end)
        rows = self.session.execute(query.order_by(t.method, t.date)).all()
        frame = pd.DataFrame(rows, columns=["method", "date", "gross", "net", "turnover", "cost"])
        frame["date"] = pd.to_datetime(frame["date"])
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
