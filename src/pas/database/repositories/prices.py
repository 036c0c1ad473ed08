"""Daily prices: bulk upsert of long frames, wide adjusted-close reads."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Double, String, and_, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from pas.database.models import Price
from pas.database.repositories.bulk import bulk_upsert
from pas.database.repositories.frames import FrameCache, fetch_frame, iso_dates
from pas.database.repositories.versions import bump_version

PRICE_COLUMNS = ("symbol", "date", "open", "high", "low", "close", "adj_close", "volume")
#: Below this many rows a multi-row INSERT is as fast as LOAD DATA and simpler.
LOAD_DATA_MIN_ROWS = 50_000
LOAD_DATA_CHUNK = 500_000


class SqlPriceRepository:
    """Prices in the `prices` table; wide panels are cached per prices version when given a cache."""

    def __init__(self, session: Session, frames: FrameCache | None = None) -> None:
        self.session = session
        self.frames = frames

    def upsert(self, frame: pd.DataFrame, *, on_batch: Callable[[int], None] | None = None) -> int:
        """Upsert a long frame with PRICE_COLUMNS (missing optional ones are NULL); return rows."""
        bump_version(self.session, "prices")
        dialect = self.session.connection().dialect.name
        if dialect in ("mysql", "mariadb") and len(frame) >= LOAD_DATA_MIN_ROWS:
            return _load_data_upsert(self.session, frame, on_batch)
        return bulk_upsert(
            self.session,
            "prices",
            PRICE_COLUMNS,
            ("symbol", "date"),
            _rows(frame),
            on_batch=on_batch,
        )

    def wide(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        field: str = "adj_close",
    ) -> pd.DataFrame:
        """Return prices as floats, dates x symbols (columns sorted), for one field."""

        def load() -> pd.DataFrame:
            long = self.long(symbols, start, end, fields=(field,))
            if long.empty:
                return pd.DataFrame(dtype=float)
            wide = long.pivot(index="date", columns="symbol", values=field).sort_index()
            wide.columns.name = None
            wide.index = pd.DatetimeIndex(wide.index, name="date")
            return wide.astype(float)

        if self.frames is None:
            return load()
        key = (tuple(sorted(symbols)) if symbols else None, start, end, field)
        return self.frames.read(self.session, "prices", key, load)

    def long(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        fields: Sequence[str] = ("open", "high", "low", "close", "adj_close", "volume"),
    ) -> pd.DataFrame:
        """Return rows (symbol, date as datetime64, *fields) ordered by symbol then date."""
        return self._read(symbols, start, end, None, None, fields)

    def page(
        self,
        symbols: Sequence[str] | None,
        start: dt.date | None,
        end: dt.date | None,
        after: tuple[str, dt.date] | None,
        limit: int,
    ) -> pd.DataFrame:
        """Return up to `limit` long rows ordered by (symbol, date), strictly after `after`.

        Keyset pagination on the primary key: every page costs one index range
        scan, however deep into the table it starts.
        """
        fields = ("open", "high", "low", "close", "adj_close", "volume")
        return self._read(symbols, start, end, after, limit, fields)

    def _read(
        self,
        symbols: Sequence[str] | None,
        start: dt.date | None,
        end: dt.date | None,
        after: tuple[str, dt.date] | None,
        limit: int | None,
        fields: Sequence[str],
    ) -> pd.DataFrame:
        cols = [
            getattr(Price, f) if f == "volume" else cast(getattr(Price, f), Double) for f in fields
        ]
        query = select(Price.symbol, cast(Price.date, String), *cols)
        if symbols:
            query = query.where(Price.symbol.in_(list(symbols)))
        if start:
            query = query.where(Price.date >= start)
        if end:
            query = query.where(Price.date <= end)
        if after is not None:
            symbol, date = after
            query = query.where(
                or_(Price.symbol > symbol, and_(Price.symbol == symbol, Price.date > date))
            )
        query = query.order_by(Price.symbol, Price.date)
        if limit is not None:
            query = query.limit(limit)
        frame = fetch_frame(self.session, query, ["symbol", "date", *fields])
        frame["date"] = iso_dates(frame["date"])
        for f in fields:
            if f == "volume":
                frame[f] = pd.array(frame[f], dtype="Int64")
            else:
                frame[f] = frame[f].astype(float)
        return frame

    def spans(self, symbols: Sequence[str] | None = None) -> dict[str, tuple[dt.date, dt.date]]:
        """Return symbol -> (first date, last date) of its stored prices (of `symbols` if given)."""
        query = select(Price.symbol, func.min(Price.date), func.max(Price.date))
        if symbols is not None:
            query = query.where(Price.symbol.in_(list(symbols)))
        query = query.group_by(Price.symbol)
        return {sym: (first, last) for sym, first, last in self.session.execute(query).all()}

    def latest(self, symbols: Sequence[str]) -> dict[str, tuple[dt.date, float]]:
        """Return symbol -> (date, adjusted close) of its last stored price.

        One index lookup per symbol for its last date, then those rows by key.
        """
        if not symbols:
            return {}
        lasts = union_all(
            *(
                select(literal(sym, String), func.max(Price.date)).where(Price.symbol == sym)
                for sym in dict.fromkeys(symbols)
            )
        )
        keys = [(sym, day) for sym, day in self.session.execute(lasts).all() if day is not None]
        if not keys:
            return {}
        # one equality pair per key: both databases look each up by the primary key
        # (SQLite scans the table for a row-value IN list)
        query = select(Price.symbol, Price.date, Price.adj_close).where(
            or_(*(and_(Price.symbol == sym, Price.date == day) for sym, day in keys))
        )
        return {s: (d, float(p)) for s, d, p in self.session.execute(query).all()}

    def stamp(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> tuple[Any, ...]:
        """Return (rows, last date, sum of adjusted closes) of the symbols' prices in [start, end].

        A cheap fingerprint of a panel: any write that adds, removes or
        revises one of its rows changes it.
        """
        query = select(func.count(), func.max(Price.date), func.sum(Price.adj_close)).where(
            Price.symbol.in_(list(symbols)), Price.date >= start, Price.date <= end
        )
        count, last, total = self.session.execute(query).one()
        return int(count), last, None if total is None else float(total)

    def count(self) -> int:
        """Return the number of stored price rows."""
        return int(self.session.execute(select(func.count()).select_from(Price)).scalar_one())


def _rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Yield DB-ready tuples: python dates, floats rounded to 6 places, None for missing."""
    n = len(frame)
    cols: list[list[Any]] = []
    for col in PRICE_COLUMNS:
        if col not in frame:
            cols.append([None] * n)
        elif col == "date":
            cols.append([d.date() if isinstance(d, pd.Timestamp) else d for d in frame[col]])
        elif col == "symbol":
            cols.append(frame[col].astype(str).tolist())
        elif col == "volume":
            vol = frame[col]
            cols.append([None if pd.isna(v) else int(v) for v in vol])
        else:
            values = np.round(frame[col].to_numpy(dtype=float), 6)
            cols.append([None if np.isnan(v) else v for v in values.tolist()])
    yield from zip(*cols, strict=True)


def _load_data_upsert(
    session: Session, frame: pd.DataFrame, on_batch: Callable[[int], None] | None
) -> int:
    """Upsert through LOAD DATA LOCAL INFILE ... REPLACE, MariaDB's bulk path.

    REPLACE overwrites every column of an existing (symbol, date) row, which is
    the same upsert the INSERT path does; it runs inside the session's
    transaction, so a failure leaves the table as it was.
    """
    conn = session.connection()
    total = 0
    with tempfile.TemporaryDirectory(prefix="pas-load-") as tmp:
        path = Path(tmp) / "prices.tsv"
        for start in range(0, len(frame), LOAD_DATA_CHUNK):
            _write_tsv(frame.iloc[start : start + LOAD_DATA_CHUNK], path)
            conn.exec_driver_sql(
                f"LOAD DATA LOCAL INFILE '{path.as_posix()}' REPLACE INTO TABLE prices "
                "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' "
                f"({', '.join(PRICE_COLUMNS)})"
            )
            total += min(LOAD_DATA_CHUNK, len(frame) - start)
            if on_batch:
                on_batch(total)
    return total


def _write_tsv(frame: pd.DataFrame, path: Path) -> None:
    out = pd.DataFrame(index=frame.index)
    for col in PRICE_COLUMNS:
        if col not in frame:
            out[col] = None
        elif col == "date":
            out[col] = pd.to_datetime(frame[col]).dt.strftime("%Y-%m-%d")
        elif col == "volume":
            out[col] = frame[col].astype("Int64")
        else:
            out[col] = frame[col]
    out.to_csv(
        path,
        sep="\t",
        header=False,
        index=False,
        na_rep="\\N",
        float_format="%.6f",
        lineterminator="\n",
    )
