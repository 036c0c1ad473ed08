"""Daily prices: bulk upsert of long frames, wide adjusted-close reads."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pas.database.models import Price
from pas.database.repositories.bulk import bulk_upsert

PRICE_COLUMNS = ("symbol", "date", "open", "high", "low", "close", "adj_close", "volume")
#: Below this many rows a multi-row INSERT is as fast as LOAD DATA and simpler.
LOAD_DATA_MIN_ROWS = 50_000
LOAD_DATA_CHUNK = 500_000


class SqlPriceRepository:
    """Prices in the `prices` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, frame: pd.DataFrame, *, on_batch: Callable[[int], None] | None = None) -> int:
        """Upsert a long frame with PRICE_COLUMNS (missing optional ones are NULL); return rows."""
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
        long = self.long(symbols, start, end, fields=(field,))
        if long.empty:
            return pd.DataFrame(dtype=float)
        wide = long.pivot(index="date", columns="symbol", values=field).sort_index()
        wide.columns.name = None
        wide.index = pd.DatetimeIndex(wide.index, name="date")
        return wide.astype(float)

    def long(
        self,
        symbols: Sequence[str] | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        fields: Sequence[str] = ("open", "high", "low", "close", "adj_close", "volume"),
    ) -> pd.DataFrame:
        """Return rows (symbol, date, *fields) ordered by symbol then date."""
        cols = [Price.symbol, Price.date, *(getattr(Price, f) for f in fields)]
        query = select(*cols)
        if symbols:
            query = query.where(Price.symbol.in_(list(symbols)))
        if start:
            query = query.where(Price.date >= start)
        if end:
            query = query.where(Price.date <= end)
        query = query.order_by(Price.symbol, Price.date)
        rows = self.session.execute(query).all()
        frame = pd.DataFrame(rows, columns=["symbol", "date", *fields])
        for f in fields:
            if f != "volume":
                frame[f] = pd.to_numeric(frame[f], errors="coerce").astype(float)
        return frame

    def spans(self) -> dict[str, tuple[dt.date, dt.date]]:
        """Return symbol -> (first date, last date) of its stored prices."""
        query = select(Price.symbol, func.min(Price.date), func.max(Price.date)).group_by(
            Price.symbol
        )
        return {sym: (first, last) for sym, first, last in self.session.execute(query).all()}

    def latest(self, symbols: Sequence[str]) -> dict[str, tuple[dt.date, float]]:
        """Return symbol -> (date, adjusted close) of its last stored price."""
        last = (
            select(Price.symbol, func.max(Price.date).label("d"))
            .where(Price.symbol.in_(list(symbols)))
            .group_by(Price.symbol)
            .subquery()
        )
        query = select(Price.symbol, Price.date, Price.adj_close).join(
            last, (Price.symbol == last.c.symbol) & (Price.date == last.c.d)
        )
        return {s: (d, float(p)) for s, d, p in self.session.execute(query).all()}

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
