"""CSV price files, wide (`date` + one column per symbol) or long
(`date,symbol,close[,open,high,low,adj_close,volume]`), and securities CSVs.

Every problem is a DataError naming the file, the physical line (1-based,
header = line 1) and the column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from pas.core.errors import DataError
from pas.core.records import SecurityInfo
from pas.data.batches import PriceBatch

DATE_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "%Y-%m-%d"),
    (re.compile(r"^\d{8}$"), "%Y%m%d"),
    (re.compile(r"^\d{4}/\d{2}/\d{2}$"), "%Y/%m/%d"),
)
SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,15}$")
LONG_OPTIONAL = ("open", "high", "low", "adj_close", "volume")
SECURITY_COLUMNS = ("symbol", "name", "sector", "industry")


def read_prices_csv(path: str | Path) -> PriceBatch:
    """Return the prices of a wide or long CSV file as a long PriceBatch."""
    path = Path(path)
    raw = _read_raw(path)
    columns = [c.strip() for c in raw.columns]
    raw.columns = columns
    lowered = [c.lower() for c in columns]
    if not lowered or lowered[0] != "date":
        raise DataError(
            "the first column must be 'date'",
            file=str(path),
            line=1,
            column=columns[0] if columns else None,
        )
    if "symbol" in lowered:
        raw.columns = lowered
        prices = _parse_long(raw, path)
    else:
        prices = _parse_wide(raw, path)
    return PriceBatch(prices=prices, source=str(path))


def read_securities_csv(path: str | Path) -> tuple[SecurityInfo, ...]:
    """Return the securities of a `symbol,name,sector,industry` CSV file."""
    path = Path(path)
    raw = _read_raw(path)
    raw.columns = [c.strip().lower() for c in raw.columns]
    if "symbol" not in raw.columns:
        raise DataError("expected a 'symbol' column", file=str(path), line=1, column="symbol")
    unknown = [c for c in raw.columns if c not in SECURITY_COLUMNS]
    if unknown:
        raise DataError(
            f"unexpected column(s) {unknown}; expected {list(SECURITY_COLUMNS)}",
            file=str(path),
            line=1,
            column=unknown[0],
        )
    out: dict[str, SecurityInfo] = {}
    for i, row in enumerate(raw.itertuples(index=False)):
        values = {c: (str(v).strip() or None) for c, v in zip(raw.columns, row, strict=True)}
        symbol = _symbol(values["symbol"] or "", path, i + 2, "symbol")
        if symbol in out:
            raise DataError(
                f"duplicate symbol {symbol}", file=str(path), line=i + 2, column="symbol"
            )
        out[symbol] = SecurityInfo(
            symbol, values.get("name"), values.get("sector"), values.get("industry")
        )
    return tuple(out.values())


def _read_raw(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError("no such file", file=str(path))
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"not a readable CSV file ({exc})", file=str(path)) from None
    blank = raw.isna().all(axis=1) | (raw.fillna("").apply(lambda c: c.str.strip()) == "").all(
        axis=1
    )
    trailing = len(raw)
    while trailing > 0 and blank.iloc[trailing - 1]:
        trailing -= 1
    raw = raw.iloc[:trailing]
    if blank.iloc[:trailing].any():
        line = int(np.flatnonzero(blank.iloc[:trailing].to_numpy())[0]) + 2
        raise DataError("blank line inside the data", file=str(path), line=line)
    if raw.empty:
        raise DataError("no data rows", file=str(path), line=2)
    return raw.fillna("")


def _parse_dates(values: pd.Series, path: Path) -> pd.Series:
    text = values.str.strip()
    first = text.iloc[0]
    for pattern, fmt in DATE_FORMATS:
        if pattern.match(first):
            ok = text.str.match(pattern.pattern)
            parsed = pd.to_datetime(text.where(ok), format=fmt, errors="coerce")
            bad = parsed.isna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"date {text.iloc[i]!r} does not match the file's format {fmt}",
                    file=str(path),
                    line=i + 2,
                    column="date",
                )
            return parsed
    raise DataError(
        f"unknown date format {first!r}; expected YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD",
        file=str(path),
        line=2,
        column="date",
    )


def _numbers(
    values: pd.Series, path: Path, column: str, *, positive: bool, allow_empty: bool
) -> pd.Series:
    text = values.str.strip()
    empty = text == ""
    nonfinite_token = text.str.lower().str.lstrip("+-").isin(["nan", "inf", "infinity"])
    if nonfinite_token.any():
        i = int(np.flatnonzero(nonfinite_token.to_numpy())[0])
        raise DataError(
            f"non-finite value {text.iloc[i]!r}", file=str(path), line=i + 2, column=column
        )
    parsed = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = parsed.isna() & ~empty
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"not a number: {text.iloc[i]!r}", file=str(path), line=i + 2, column=column
        )
    if not allow_empty and empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataError("missing value", file=str(path), line=i + 2, column=column)
    arr = parsed.to_numpy(dtype=float)
    nonfinite = np.isinf(arr) | (np.isnan(arr) & ~empty.to_numpy())
    if nonfinite.any():
        i = int(np.flatnonzero(nonfinite)[0])
        raise DataError(
            f"non-finite value {text.iloc[i]!r}", file=str(path), line=i + 2, column=column
        )
    if positive:
        nonpos = arr <= 0
        if nonpos.any():
            i = int(np.flatnonzero(nonpos)[0])
            raise DataError(
                f"price must be positive, got {text.iloc[i]}",
                file=str(path),
                line=i + 2,
                column=column,
            )
    return pd.Series(arr, index=values.index)


def _symbol(text: str, path: Path, line: int, column: str) -> str:
    symbol = text.strip().upper()
    if not SYMBOL.match(symbol):
        raise DataError(f"not a ticker symbol: {text!r}", file=str(path), line=line, column=column)
    return symbol


def _parse_wide(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    columns = list(raw.columns)
    symbols = [_symbol(c, path, 1, c) for c in columns[1:]]
    if not symbols:
        raise DataError("no symbol columns after 'date'", file=str(path), line=1)
    dupes = sorted({s for s in symbols if symbols.count(s) > 1})
    if dupes:
        raise DataError(
            f"duplicate symbol column(s) {dupes}", file=str(path), line=1, column=dupes[0]
        )
    dates = _parse_dates(raw[columns[0]], path)
    duplicated = dates.duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(
            f"duplicate date {dates.iloc[i].date()}", file=str(path), line=i + 2, column="date"
        )
    frames = []
    for col, symbol in zip(columns[1:], symbols, strict=True):
        values = _numbers(raw[col], path, col, positive=True, allow_empty=True)
        keep = values.notna()
        frames.append(
            pd.DataFrame(
                {"symbol": symbol, "date": dates[keep].to_numpy(), "close": values[keep].to_numpy()}
            )
        )
    long = pd.concat(frames, ignore_index=True)
    long["adj_close"] = long["close"]
    return long


def _parse_long(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    allowed = {"date", "symbol", "close", *LONG_OPTIONAL}
    unknown = [c for c in raw.columns if c not in allowed]
    if unknown:
        raise DataError(
            f"unexpected column {unknown[0]!r}; long files have date,symbol,close[,{','.join(LONG_OPTIONAL)}]",
            file=str(path),
            line=1,
            column=unknown[0],
        )
    if "close" not in raw.columns:
        raise DataError(
            "a long price file needs a 'close' column", file=str(path), line=1, column="close"
        )
    symbols = raw["symbol"].str.strip().str.upper()
    bad = ~symbols.str.match(SYMBOL.pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"not a ticker symbol: {raw['symbol'].iloc[i]!r}",
            file=str(path),
            line=i + 2,
            column="symbol",
        )
    dates = _parse_dates(raw["date"], path)
    out = pd.DataFrame({"symbol": symbols, "date": dates})
    dup = out.duplicated(["symbol", "date"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            f"duplicate date {dates.iloc[i].date()} for {symbols.iloc[i]}",
            file=str(path),
            line=i + 2,
            column="date",
        )
    out["close"] = _numbers(raw["close"], path, "close", positive=True, allow_empty=False)
    for col in ("open", "high", "low"):
        if col in raw.columns:
            out[col] = _numbers(raw[col], path, col, positive=True, allow_empty=True)
    if "adj_close" in raw.columns:
        adj = _numbers(raw["adj_close"], path, "adj_close", positive=True, allow_empty=True)
        out["adj_close"] = adj.fillna(out["close"])
    else:
        out["adj_close"] = out["close"]
    if "volume" in raw.columns:
        vol = _numbers(raw["volume"], path, "volume", positive=False, allow_empty=True)
        if (vol < 0).any():
            i = int(np.flatnonzero((vol < 0).to_numpy())[0])
            raise DataError(
                "volume must not be negative", file=str(path), line=i + 2, column="volume"
            )
        out["volume"] = vol
    return out.sort_values(["symbol", "date"], ignore_index=True)
