"""Fama–French factor returns, daily and monthly, as decimals."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from pas.database.models import FactorReturn
from pas.database.repositories.bulk import bulk_upsert

FACTOR_COLUMNS = ("mkt_rf", "smb", "hml", "rf", "mom")


class SqlFactorRepository:
    """Factor returns in the `factor_returns` table, keyed by (frequency, date)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, frame: pd.DataFrame, frequency: str) -> int:
        """Upsert a frame indexed by date with FACTOR_COLUMNS (mom optional); return rows."""
        return bulk_upsert(
            self.session,
            "factor_returns",
            ("frequency", "date", *FACTOR_COLUMNS),
            ("frequency", "date"),
            _rows(frame, frequency),
        )

    def load(
        self, frequency: str = "daily", start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Return factors indexed by date (DatetimeIndex), columns FACTOR_COLUMNS."""
        query = select(FactorReturn.date, *(getattr(FactorReturn, c) for c in FACTOR_COLUMNS))
        query = query.where(FactorReturn.frequency == frequency)
        if start:
            query = query.where(FactorReturn.date >= start)
        if end:
            query = query.where(FactorReturn.date <= end)
        rows = self.session.execute(query.order_by(FactorReturn.date)).all()
        frame = pd.DataFrame(rows, columns=["date", *FACTOR_COLUMNS])
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date")), name="date")
        return frame.astype(float)


def _rows(frame: pd.DataFrame, frequency: str) -> Iterator[tuple[Any, ...]]:
    for date, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        values = row._asdict()
        mom = values.get("mom")
        yield (
            frequency,
            date.date() if isinstance(date, pd.Timestamp) else date,
            float(values["mkt_rf"]),
            float(values["smb"]),
            float(values["hml"]),
            float(values["rf"]),
            None if mom is None or math.isnan(mom) else float(mom),
        )
