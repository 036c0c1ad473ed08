"""GET /api/v1/audit: who changed what (admin only), newest first, one page at a time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from pas.service.deps import Admin, UowDep
from pas.service.params import QueryId, StrictJsonRoute
from pas.workflows.audit import PAGE_DEFAULT, PAGE_MAX, entry_json, page

router = APIRouter(prefix="/api/v1/audit", tags=["auth"], route_class=StrictJsonRoute)


@router.get("")
def audit(
    uow: UowDep,
    _: Admin,
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX, description="entries per page"),
    before: QueryId = None,
    actor: str | None = Query(None, max_length=64, description="only this actor, e.g. key:3"),
) -> dict[str, Any]:
    """Recorded changes, newest first; `next` is the `before` of the following page."""
    entries, nxt = page(uow, limit, before, actor)
    return {"entries": [entry_json(e) for e in entries], "next": nxt}
