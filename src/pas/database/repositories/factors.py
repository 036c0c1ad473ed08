"""Fama–French factor returns, daily and monthly, as decimals."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pandas as pd
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from pas.database.models import FactorReturn
from pas.database.repositories.bulk import bulk_upsert
from pas.database.repositories.frames import FrameCache, fetch_frame, iso_dates
from pas.database.repositories.versions import bump_version

FACTOR_COLUMNS = ("mkt_rf", "smb", "hml", "rf", "mom")


class SqlFactorRepository:
    """Factor returns in the `factor_returns` table, keyed by (frequency, date); frames are cached
    per factors version when given a cache."""

    def __init__(self, session: Session, frames: FrameCache | None = None) -> None:
        self.session = session
        self.frames = frames

    def upsert(self, frame: pd.DataFrame, frequency: str) -> int:
        """Upsert a frame indexed by date with FACTOR_COLUMNS (mom optional); return rows."""
        bump_version(self.session, "factors")
        return bulk_upsert(
            self.session,
            "factor_returns",
            ("frequency", "date", *FACTOR_COLUMNS),
            ("frequency", "date"),
            _rows(frame, frequency),
        )

    def stamp(self, frequency: str, end: dt.date | None = None) -> tuple[Any, ...]:
        """Return (rows, last date, sum of mkt_rf) of the stored factors up to `end`.

        A cheap fingerprint of the table a reader would load.
        """
        query = select(
            func.count(), func.max(FactorReturn.date), func.sum(FactorReturn.mkt_rf)
        ).where(FactorReturn.frequency == frequency)
        if end:
            query = query.where(FactorReturn.date <= end)
        count, last, total = self.session.execute(query).one()
        return int(count), last, None if total is None else float(total)

    def load(
        self, frequency: str = "daily", start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Return factors indexed by date (DatetimeIndex), columns FACTOR_COLUMNS."""
        if self.frames is None:
            return self._load(frequency, start, end)
        key = (frequency, start, end)
        return self.frames.read(self.session, "factors", key, lambda: self._load(*key))

    def _load(self, frequency: str, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        dates = cast(FactorReturn.date, String)
        query = select(dates, *(getattr(FactorReturn, c) for c in FACTOR_COLUMNS))
        query = query.where(FactorReturn.frequency == frequency)
        if start:
            query = query.where(FactorReturn.date >= start)
        if end:
            query = query.where(FactorReturn.date <= end)
        query = query.order_by(FactorReturn.date)
        frame = fetch_frame(self.session, query, ["date", *FACTOR_COLUMNS])
        frame.index = pd.DatetimeIndex(iso_dates(frame.pop("date")), name="date")
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
