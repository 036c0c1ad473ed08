"""Use cases around trading that the edges share: demo strategies, order listings."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from pas.core.errors import Conflict
from pas.core.ports import Broker, Ledger
from pas.core.strategies import Strategy
from pas.workflows.order_ports import OrderBook
from pas.workflows.orders import order_json
from pas.workflows.ports import UnitOfWork
from pas.workflows.strategies import StrategySpec, create_strategy


def demo_universe(uow: UnitOfWork) -> list[str]:
    """Return the stored symbols that have a sector and prices (the demo's stocks)."""
    with uow:
        sectors = uow.securities.sectors()
        priced = set(uow.prices.spans())
    return sorted(s for s, sector in sectors.items() if sector and s in priced)


def demo_strategies(
    book: OrderBook,
    ledger: Ledger,
    broker: Broker,
    uow: UnitOfWork,
    schemes: Collection[str],
    cash: str = "1000000",
) -> list[Strategy]:
    """Create `demo-<scheme>` for each seed scheme (the registry's non-benchmark schemes) with its
    own funded sleeve; keep existing ones."""
    from pas.analytics.allocation.registry import seed_schemes  # numerics: loaded when used

    universe = demo_universe(uow)
    if not universe:
        return []
    out = []
    for scheme in (s for s in seed_schemes() if s in schemes):
        name = f"demo-{scheme}"
        existing = book.strategy_by_name(name)
        if existing is not None:
            out.append(existing)
            continue
        spec = StrategySpec(
            name=name,
            universe=universe,
            scheme=scheme,
            schedule="30 15 * * 1-5",
            # orders under 0.2% of the sleeve are not worth their costs: no residual churn
            order={"min_trade_value": "100", "min_trade_weight": "0.002", "cash_buffer": "0.02"},
            cash=str(Decimal(cash)),
        )
        try:
            out.append(create_strategy(book, ledger, broker, spec, schemes))
        except Conflict:  # a sleeve of that name exists from an earlier, partial run
            sleeve = ledger.sleeve(name)
            spec = StrategySpec(**{**spec.__dict__, "cash": None, "sleeve_id": sleeve.id})
            out.append(create_strategy(book, ledger, broker, spec, schemes))
    return out


def order_detail(book: OrderBook, order_id: int) -> dict[str, Any]:
    """Return one order with its fills and status history, JSON-ready."""
    order = book.order(order_id)
    return {
        **order_json(order),
        "fills": [
            {
                "qty": str(f.qty),
                "price": str(f.price),
                "cum_qty": str(f.cum_qty),
                "at": f.at.isoformat(),
            }
            for f in book.fills(order_id)
        ],
        "history": [
            {
                "status": e.status.value,
                "filled_qty": str(e.filled_qty),
                "at": e.at.isoformat(),
                "note": e.note,
            }
            for e in book.events(order_id)
        ],
    }
