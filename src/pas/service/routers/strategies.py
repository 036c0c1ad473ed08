"""Strategies: CRUD and rebalancing (trader for writes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pas.service.deps import ContainerDep, Trader, Viewer
from pas.workflows.rebalance import rebalance, result_json
from pas.workflows.strategies import StrategySpec, create_strategy, strategy_json

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])


class StrategyCreate(BaseModel):
    name: str = Field(description="Unique name; a sleeve created with `cash` gets it too.")
    universe: list[str] = Field(description="Symbols the scheme allocates over.")
    scheme: str = Field(description="Allocation scheme, e.g. max_sharpe.")
    params: dict[str, Any] = Field(default_factory=dict)
    schedule: str | None = Field(None, description="Rebalance schedule (cron, UTC) or null.")
    order: dict[str, Any] = Field(default_factory=dict, description="Order settings.")
    sleeve_id: int | None = Field(None, description="Trade this existing sleeve ...")
    cash: str | None = Field(None, description="... or create a sleeve with this much cash.")


@router.get("")
def strategies(c: ContainerDep, _: Viewer) -> list[dict[str, Any]]:
    """Every strategy."""
    return [strategy_json(s) for s in c.order_book.strategies()]


@router.post("", status_code=201)
def create(body: StrategyCreate, c: ContainerDep, _: Trader) -> dict[str, Any]:
    """Create a strategy on an existing sleeve (sleeve_id) or a new funded one (cash)."""
    spec = StrategySpec(**body.model_dump())
    return strategy_json(create_strategy(c.order_book, c.ledger, c.broker, spec, c.schemes()))


@router.get("/{strategy_id}")
def show(strategy_id: int, c: ContainerDep, _: Viewer) -> dict[str, Any]:
    """One strategy."""
    return strategy_json(c.order_book.strategy(strategy_id))


@router.delete("/{strategy_id}")
def delete(strategy_id: int, c: ContainerDep, _: Trader) -> dict[str, Any]:
    """Delete a strategy (its sleeve and orders stay)."""
    return strategy_json(c.order_book.delete_strategy(strategy_id))


@router.post("/{strategy_id}/rebalance")
def rebalance_strategy(
    strategy_id: int,
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
