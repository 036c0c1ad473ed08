"""GET /api/v1/securities."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pas.service.answers import versioned_answer
from pas.service.deps import ContainerDep, Viewer
from pas.service.formats import encode
from pas.workflows.data import list_securities

router = APIRouter(prefix="/api/v1", tags=["data"])


@router.get("/securities", response_model=None)
def securities(request: Request, c: ContainerDep, _: Viewer) -> Response:
    """Every security: symbol, name, sector, industry and the span of its prices."""

    def build() -> bytes:
        return encode(
            [
                {
                    "symbol": s.symbol,
                    "name": s.name,
                    "sector": s.sector,
                    "industry": s.industry,
                    "first_date": s.first_date.isoformat() if s.first_date else None,
                    "last_date": s.last_date.isoformat() if s.last_date else None,
                }
                for s in list_securities(c.uow())
            ]
        )

    return versioned_answer(request, c, ("securities", "prices"), build)
