"""Use case: rebalance a strategy's sleeve to its scheme's target weights.

Wave 1 places the sells and the buys the sleeve's free float pays for now; once
the sells have filled (or `wait_seconds` pass) the planner runs again on the
new book and places the buys the proceeds pay for. What is still unfunded
stays for the next rebalance: cash a sleeve does not have is never spent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pas.analytics.rebalance import Book, Plan, PlannedOrder, check_prices, plan_rebalance
from pas.core.orders import OrderRecord
from pas.core.ports import Ledger
from pas.core.strategies import Strategy
from pas.workflows.orders import OrderDesk, dec, order_json
from pas.workflows.ports import UnitOfWork
from pas.workflows.strategies import order_settings

#: returns a strategy's target weights (symbol -> fraction of the sleeve's equity)
TargetWeights = Callable[[Strategy], Mapping[str, float]]


@dataclass(frozen=True)
class RebalanceResult:
    """What a rebalance planned and placed."""

    strategy: Strategy
    plan: Plan
    targets: dict[str, float]
    orders: tuple[OrderRecord, ...] = ()
    second_plan: Plan | None = None
    dry_run: bool = True


def _value(field: Any) -> str:
    return str(getattr(field, "value", field))


def sleeve_book(ledger: Ledger, sleeve_id: int) -> Book:
    """Return the sleeve as the planner sees it (open buy reservations count as bought)."""
    sleeve = ledger.sleeve(sleeve_id)
    pending: dict[str, Decimal] = {}
    for r in ledger.reservations(sleeve_id, "open"):
        if _value(r.side) == "buy":
            pending[r.symbol] = pending.get(r.symbol, Decimal(0)) + r.qty - r.filled_qty
    return Book(
        cash=sleeve.cash,
        free_float=sleeve.free_float,
        held={p.symbol: p.qty for p in sleeve.positions},
        free={p.symbol: p.qty_free for p in sleeve.positions},
        pending_buy=pending,
    )


def latest_prices(uow: UnitOfWork, symbols: Sequence[str]) -> dict[str, Decimal]:
    """Return each symbol's latest stored close as a Decimal (six places)."""
    with uow:
        latest = uow.prices.latest(list(symbols))
    return {s: Decimal(str(round(p, 6))) for s, (_, p) in latest.items()}


def make_plan(
    ledger: Ledger,
    uow: UnitOfWork,
    strategy: Strategy,
    target_weights: TargetWeights,
    fee_buffer_bps: Decimal,
) -> tuple[Plan, dict[str, float]]:
    """Return (the plan moving the strategy's sleeve to its targets, the targets).

    Prices are checked before the scheme runs, so a symbol without one is named.
    """
    book = sleeve_book(ledger, strategy.sleeve_id)
    symbols = sorted(set(strategy.universe) | set(book.held) | set(book.pending_buy))
    prices = latest_prices(uow, symbols)
    check_prices(symbols, prices)
    targets = {s: float(w) for s, w in target_weights(strategy).items()}
    settings = order_settings(strategy.order, fee_buffer_bps)
    return plan_rebalance(book, targets, prices, settings), targets


def _place(
    desk: OrderDesk, strategy: Strategy, orders: Sequence[PlannedOrder]
) -> list[OrderRecord]:
    return [desk.place(strategy.sleeve_id, strategy.id, o) for o in orders]


def rebalance(
    desk: OrderDesk,
    uow: UnitOfWork,
    strategy: Strategy,
    target_weights: TargetWeights,
    *,
    dry_run: bool = False,
    fee_buffer_bps: Decimal = Decimal(10),
    wait_seconds: float = 10.0,
) -> RebalanceResult:
    """Plan (and unless `dry_run`, place) the orders rebalancing `strategy`'s sleeve."""
    if dry_run:
        plan, targets = make_plan(desk.ledger, uow, strategy, target_weights, fee_buffer_bps)
        return RebalanceResult(strategy, plan, targets)
    with desk.strategy_lock(strategy.id):  # plan and place one rebalance at a time
        plan, targets = make_plan(desk.ledger, uow, strategy, target_weights, fee_buffer_bps)
        return _execute(desk, uow, strategy, plan, targets, fee_buffer_bps, wait_seconds)


def _execute(
    desk: OrderDesk,
    uow: UnitOfWork,
    strategy: Strategy,
    plan: Plan,
    targets: dict[str, float],
    fee_buffer_bps: Decimal,
    wait_seconds: float,
) -> RebalanceResult:
    ledger = desk.ledger
    placed = _place(desk, strategy, plan.sells)
    placed = desk.wait(placed, wait_seconds) if placed else placed
    second: Plan | None = None
    if plan.deferred and not any(r.is_open for r in placed):
        # the sells have filled: plan again on the new book, same targets
        second, _ = make_plan(ledger, uow, strategy, lambda _: targets, fee_buffer_bps)
        placed += _place(desk, strategy, second.buys)
    else:
        placed += _place(desk, strategy, plan.buys)
    return RebalanceResult(strategy, plan, targets, tuple(placed), second, dry_run=False)


def planned_json(o: PlannedOrder) -> dict[str, Any]:
    """Return a planned order as a JSON-ready dict."""
    return {
        "symbol": o.symbol,
        "side": o.side.value,
        "qty": dec(o.qty),
        "type": o.type.value,
        "price": dec(o.price),
        "limit_price": dec(o.limit_price),
        "notional": dec(o.notional.quantize(Decimal("0.01"))),
        "expected_cost": dec(o.expected_cost),
        "wave": o.wave,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    """Return a plan as a JSON-ready dict."""
    return {
        "orders": [planned_json(o) for o in plan.orders],
        "deferred": [planned_json(o) for o in plan.deferred],
        "equity": dec(plan.equity.quantize(Decimal("0.01"))),
        "free_float": dec(plan.free_float),
        "cash_after": dec(plan.cash_after.quantize(Decimal("0.01"))),
        "expected_costs": dec(plan.expected_costs),
        "weights_before": {k: round(v, 6) for k, v in plan.weights_before.items()},
        "weights_after": {k: round(v, 6) for k, v in plan.weights_after.items()},
        "skipped": [{"symbol": s, "reason": r} for s, r in plan.skipped],
    }


def result_json(r: RebalanceResult) -> dict[str, Any]:
    """Return a rebalance result as a JSON-ready dict."""
    return {
        "strategy": {"id": r.strategy.id, "name": r.strategy.name},
        "dry_run": r.dry_run,
        "targets": {k: round(v, 6) for k, v in sorted(r.targets.items())},
        "plan": plan_json(r.plan),
        "second_wave": None if r.second_plan is None else plan_json(r.second_plan),
        "orders": [order_json(o) for o in r.orders],
    }
