"""Answer shapes shared by routers: JSON rows, compact JSON columns, or CSV, from a frame.

`rows` is a list of objects (one per row); `columns` is one array per column
(dates as ISO strings, missing values as null), about half the size and what a
chart wants; `csv` is a download. Bodies are encoded with orjson.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

import numpy as np
import orjson
import pandas as pd
from fastapi.responses import Response

Format = Literal["json", "csv", "columns"]
JSON = "application/json"
CSV = "text/csv"


def encode(payload: Any) -> bytes:
    """Return `payload` as JSON bytes (numpy arrays and scalars included; NaN as null)."""
    return orjson.dumps(
        payload, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS, default=_default
    )


def json_response(payload: Any, status_code: int = 200) -> Response:
    """Return `payload` encoded with orjson."""
    return Response(encode(payload), status_code=status_code, media_type=JSON)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return a frame as CSV (ISO dates, 10 significant digits)."""
    text = frame.to_csv(index=False, date_format="%Y-%m-%d", float_format="%.10g")
    return text.encode()


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    """Return a frame as a CSV download."""
    return Response(csv_bytes(frame), media_type=CSV, headers=attachment(filename))


def attachment(filename: str) -> dict[str, str]:
    """Return the header that names a download."""
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Return column -> array: dates as ISO strings, floats as numbers, missing values as null."""
    out: dict[str, Any] = {}
    for name in frame.columns:
        out[str(name)] = _column(frame[name])
    return out


def _column(series: pd.Series) -> Any:
    if pd.api.types.is_datetime64_any_dtype(series):
        return list(_iso(pd.DatetimeIndex(series)))
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "date":
        return list(_iso(pd.DatetimeIndex(pd.to_datetime(series))))
    if pd.api.types.is_float_dtype(series):
        return np.ascontiguousarray(series.to_numpy(dtype=np.float64))  # NaN is written as null
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        if series.isna().any():
            return [None if pd.isna(v) else int(v) for v in series]
        return np.ascontiguousarray(series.to_numpy(dtype=np.int64))
    return [_clean(v) for v in series]


def _iso(index: pd.DatetimeIndex) -> Any:
    midnight = bool(len(index)) and (index.normalize() == index).all()
    return index.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return rows as dicts with ISO dates and None for missing values."""
    data = columns(frame)
    names = list(data)
    lists = [v.tolist() if isinstance(v, np.ndarray) else v for v in data.values()]
    return [
        {
            k: (None if isinstance(x, float) and math.isnan(x) else x)
            for k, x in zip(names, row, strict=True)
        }
        for row in zip(*lists, strict=True)
    ]


def _clean(value: Any) -> Any:
    if value is pd.NaT or value is pd.NA or value is None:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return (
            value.date().isoformat()
            if isinstance(value, pd.Timestamp) or value.time() == dt.time()
            else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _default(value: Any) -> Any:
    """Encode what orjson does not know: Decimal, pandas scalars, sets."""
    if isinstance(value, pd.Timestamp):
        return _clean(value)
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def shaped(frame: pd.DataFrame, format: Format, envelope: dict[str, Any] | None = None) -> bytes:
    """Return a frame as the body of `format`: rows or columns inside `envelope`, or CSV."""
    if format == "csv":
        return csv_bytes(frame)
    key, data = ("columns", columns(frame)) if format == "columns" else ("rows", records(frame))
    return encode({**(envelope or {}), key: data})


def media(format: Format, filename: str) -> dict[str, Any]:
    """Return the media type (and download name, for CSV) of an answer in `format`."""
    if format == "csv":
        return {"media_type": CSV, "filename": filename}
    return {"media_type": JSON, "filename": None}
