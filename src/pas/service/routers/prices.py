"""GET /api/v1/prices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from pas.service.deps import UowDep, Viewer
from pas.service.formats import Format, csv_response, records
from pas.workflows.data import price_table

router = APIRouter(prefix="/api/v1", tags=["data"])


def parse_symbols(symbols: str | None) -> list[str] | None:
    """Return a comma-separated symbol list upper-cased, or None when empty."""
    if not symbols:
        return None
    return [s.strip().upper() for s in symbols.split(",") if s.strip()] or None


@router.get("/prices", response_model=None)
def prices(
    uow: UowDep,
    _: Viewer,
    symbols: str | None = Query(None, description="comma-separated; all when omitted"),
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
) -> Response | dict[str, Any]:
    """Daily prices (open, high, low, close, adjusted close, volume) per symbol and date."""
    table = price_table(uow, parse_symbols(symbols), start, end)
    if format == "csv":
        return csv_response(table, "prices.csv")
    return {"rows": records(table)}
