"""Ken French data library files (CSV, or the zip the library serves).

Layout: a preamble of any length, then a header line starting with a comma
(`,Mkt-RF,SMB,HML,RF`), then rows `YYYYMMDD` (daily) or `YYYYMM` (monthly)
with values in percent; the first table ends at the first blank line (the
monthly file carries an annual table after it, which is ignored). Missing
values are -99.99 or -999. Values become decimals.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pas.core.errors import DataError
from pas.data.batches import FactorBatch

HEADER = re.compile(r"^\s*,")
MISSING = (-99.99, -999.0)
COLUMN_NAMES = {
    "mkt-rf": "mkt_rf",
    "smb": "smb",
    "hml": "hml",
    "rf": "rf",
    "mom": "mom",
    "wml": "mom",
}
REQUIRED = ("mkt_rf", "smb", "hml", "rf")


def read_ken_french(path: str | Path) -> FactorBatch:
    """Return the first table of a Ken French factor file (zipped or not) in decimals."""
    path = Path(path)
    if not path.is_file():
        raise DataError("no such file", file=str(path))
    data = path.read_bytes()
    if data[:2] == b"PK":
        data = _unzip(data, path)
    return parse_ken_french(data.decode("latin-1"), source=str(path))


def _unzip(data: bytes, path: Path) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith((".csv", ".txt"))]
            if len(members) != 1:
                raise DataError(f"expected one CSV inside the zip, found {members}", file=str(path))
            return archive.read(members[0])
    except zipfile.BadZipFile as exc:
        raise DataError(f"not a valid zip file ({exc})", file=str(path)) from None


def parse_ken_french(text: str, *, source: str = "<text>") -> FactorBatch:
    """Return the first table of a Ken French factor file's text, in decimals."""
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if HEADER.match(line)), None)
    if header_at is None:
        raise DataError(
            "no header line (a line starting with ',', e.g. ',Mkt-RF,SMB,HML,RF')", file=source
        )
    names = [_column(name, source, header_at + 1) for name in lines[header_at].split(",")[1:]]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise DataError(f"header lacks {missing}", file=source, line=header_at + 1)
    dates: list[pd.Timestamp] = []
    rows: list[list[float]] = []
    width: int | None = None
    for offset, line in enumerate(lines[header_at + 1 :]):
        number = header_at + offset + 2
        if not line.strip():
            break
        cells = [c.strip() for c in line.split(",")]
        width = width or len(cells[0])
        dates.append(_date(cells[0], width, source, number))
        rows.append(_values(cells[1:], names, source, number))
    if not rows:
        raise DataError("no data rows after the header", file=source, line=header_at + 2)
    frame = pd.DataFrame(rows, columns=names, index=pd.DatetimeIndex(dates, name="date"))
    frequency = "daily" if width == 8 else "monthly"
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()][0]
        raise DataError(f"duplicate date {dup.date()}", file=source)
    if not frame.index.is_monotonic_increasing:
        raise DataError("dates are not in increasing order", file=source)
    return FactorBatch(factors=frame, frequency=frequency, source=source)


def _column(name: str, source: str, line: int) -> str:
    key = name.strip().lower()
    if key not in COLUMN_NAMES:
        raise DataError(
            f"unknown factor column {name.strip()!r}", file=source, line=line, column=name.strip()
        )
    return COLUMN_NAMES[key]


def _date(token: str, width: int, source: str, line: int) -> pd.Timestamp:
    if len(token) != width or not token.isdigit() or width not in (6, 8):
        raise DataError(
            f"unknown date format {token!r}; expected YYYYMMDD or YYYYMM throughout",
            file=source,
            line=line,
            column="date",
        )
    try:
        if width == 8:
            return pd.Timestamp(int(token[:4]), int(token[4:6]), int(token[6:]))
        return pd.Timestamp(int(token[:4]), int(token[4:]), 1) + pd.offsets.MonthEnd(0)
    except ValueError:
        raise DataError(
            f"not a valid date {token!r}", file=source, line=line, column="date"
        ) from None


def _values(cells: list[str], names: list[str], source: str, line: int) -> list[float]:
    if len(cells) != len(names):
        raise DataError(f"expected {len(names)} values, found {len(cells)}", file=source, line=line)
    out = []
    for cell, name in zip(cells, names, strict=True):
        try:
            value = float(cell)
        except ValueError:
            raise DataError(
                f"not a number: {cell!r}", file=source, line=line, column=name
            ) from None
        if not np.isfinite(value):
            raise DataError(f"non-finite value {cell!r}", file=source, line=line, column=name)
        if value in MISSING:
            if name in REQUIRED:
                raise DataError(
                    f"missing value ({cell}) in a required factor",
                    file=source,
                    line=line,
                    column=name,
                )
            out.append(float("nan"))
        else:
            out.append(value / 100.0)
    return out
