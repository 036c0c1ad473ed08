"""Strategies: CRUD and rebalancing (trader for writes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import Field

from pas.core import limits
from pas.service.deps import ContainerDep, Trader, Viewer
from pas.service.params import Body, BodyId, Name, PathId, StrictJsonRoute
from pas.workflows.rebalance import rebalance, result_json
from pas.workflows.strategies import (
    StrategySpec,
    create_strategy,
    delete_strategy,
    strategy_json,
)
from pas.workflows.symbols import require_known

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"], route_class=StrictJsonRoute)


class StrategyCreate(Body):
    name: Name = Field(description="Unique name; a sleeve created with `cash` gets it too.")
    universe: list[str] = Field(
        description="Symbols the scheme allocates over (stored securities only).",
        min_length=1,
        max_length=limits.MAX_SYMBOLS,
    )
    scheme: str = Field(description="Allocation scheme, e.g. max_sharpe.")
    params: dict[str, Any] = Field(default_factory=dict)
    schedule: str | None = Field(None, description="Rebalance schedule (cron, UTC) or null.")
    order: dict[str, Any] = Field(default_factory=dict, description="Order settings.")
    sleeve_id: BodyId | None = Field(None, description="Trade this existing sleeve ...")
    cash: str | None = Field(None, description="... or create a sleeve with this much cash.")


@router.get("")
def strategies(c: ContainerDep, _: Viewer) -> list[dict[str, Any]]:
    """Every strategy."""
    return [strategy_json(s) for s in c.order_book.strategies()]


@router.post("", status_code=201)
def create(body: StrategyCreate, c: ContainerDep, _: Trader) -> dict[str, Any]:
    """Create a strategy on an existing sleeve (sleeve_id) or a new funded one (cash)."""
    spec = StrategySpec(**body.model_dump())
    require_known(c.uow(), [s.strip().upper() for s in body.universe], "the universe")
    return strategy_json(create_strategy(c.order_book, c.ledger, c.broker, spec, c.schemes()))


@router.get("/{strategy_id}")
def show(strategy_id: PathId, c: ContainerDep, _: Viewer) -> dict[str, Any]:
    """One strategy."""
    return strategy_json(c.order_book.strategy(strategy_id))


@router.delete("/{strategy_id}")
def delete(
    strategy_id: PathId,
    c: ContainerDep,
    _: Trader,
    cancel_orders: bool = Query(False, description="Cancel the strategy's open orders first."),
) -> dict[str, Any]:
    """Delete a strategy (its sleeve and order history stay); 409 naming its open orders."""
    return strategy_json(delete_strategy(c.order_desk, strategy_id, cancel_orders=cancel_orders))


@router.post("/{strategy_id}/rebalance")
def rebalance_strategy(
    strategy_id: PathId,
    c: ContainerDep,
    _: Trader,
    dry_run: bool = Query(False, description="Plan only: place nothing."),
) -> dict[str, Any]:
    """Plan (and unless dry_run, place) the orders moving the sleeve to its targets."""
    strategy = c.order_book.strategy(strategy_id)
    result = rebalance(
        c.order_desk,
        c.uow(),
        strategy,
        c.target_weights,
        dry_run=dry_run,
        fee_buffer_bps=c.settings.ledger.fee_buffer_bps,
    )
    return result_json(result)
