"""Answer shapes shared by routers: JSON rows or CSV from a frame."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

import pandas as pd
from fastapi.responses import Response

Format = Literal["json", "csv"]


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    """Return a frame as a CSV download."""
    return Response(
        frame.to_csv(index=False, date_format="%Y-%m-%d", float_format="%.10g"),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return rows as dicts with ISO dates and None for missing values."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: _clean(v) for k, v in row.items()})
    return out


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
