"""Orders: list, show (with fills and history), cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from pas.core.errors import InvalidInput
from pas.core.orders import OrderStatus
from pas.service.deps import ContainerDep, Trader, Viewer
from pas.service.params import PathId, QueryId, StrictJsonRoute
from pas.workflows.orders import order_json
from pas.workflows.trading import order_detail

router = APIRouter(prefix="/api/v1/orders", tags=["orders"], route_class=StrictJsonRoute)


@router.get("")
def orders(
    c: ContainerDep,
    _: Viewer,
    strategy: QueryId = None,
    status: str | None = Query(None, description="A status, or open / closed."),
    limit: int = Query(500, ge=1, le=5000),
) -> list[dict[str, Any]]:
    """Orders, newest first."""
    if strategy is not None:
        c.order_book.strategy(strategy)  # 404 for an unknown strategy
    if status not in (None, "open", "closed", *OrderStatus.__members__):
        known = ", ".join(["open", "closed", *OrderStatus])
        raise InvalidInput(f"unknown status {status!r}; known: {known}")
    found = c.order_book.orders(strategy_id=strategy, status=status, limit=limit)
    return [order_json(o) for o in found]


@router.get("/{order_id}")
def show(order_id: PathId, c: ContainerDep, _: Viewer) -> dict[str, Any]:
    """One order with its fills and status history."""
    return order_detail(c.order_book, order_id)


@router.post("/{order_id}/cancel")
def cancel(order_id: PathId, c: ContainerDep, _: Trader) -> dict[str, Any]:
    """Cancel an open order; the ledger releases what it did not fill."""
    return order_json(c.order_desk.cancel(order_id))
