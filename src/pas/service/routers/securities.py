"""GET /api/v1/securities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pas.service.deps import UowDep, Viewer
from pas.workflows.data import list_securities

router = APIRouter(prefix="/api/v1", tags=["data"])


@router.get("/securities")
def securities(uow: UowDep, _: Viewer) -> list[dict[str, Any]]:
    """Every security: symbol, name, sector, industry and the span of its prices."""
    return [
        {
            "symbol": s.symbol,
            "name": s.name,
            "sector": s.sector,
            "industry": s.industry,
            "first_date": s.first_date.isoformat() if s.first_date else None,
            "last_date": s.last_date.isoformat() if s.last_date else None,
        }
        for s in list_securities(uow)
    ]
