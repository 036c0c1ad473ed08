"""GET /api/v1/factors (the analytics routes join this module later)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from pas.service.deps import UowDep, Viewer
from pas.service.formats import Format, csv_response, records
from pas.workflows.data import factor_table

router = APIRouter(prefix="/api/v1", tags=["factors"])


@router.get("/factors", response_model=None)
def factors(
    uow: UowDep,
    _: Viewer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    frequency: Literal["daily", "monthly"] = "daily",
    format: Format = "json",
) -> Response | dict[str, Any]:
    """Fama–French factor returns in decimals; monthly rows are dated at month end."""
    table = factor_table(uow, frequency, start, end).reset_index()
    if format == "csv":
        return csv_response(table, f"factors_{frequency}.csv")
    return {"frequency": frequency, "rows": records(table)}
