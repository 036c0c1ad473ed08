"""Use cases: create, list, show and delete strategies (each trades one ledger sleeve)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pas.analytics.rebalance import OrderSettings
from pas.core.errors import Conflict, InvalidInput
from pas.core.orders import OrderType
from pas.core.ports import Broker, Ledger
from pas.core.strategies import (
    Strategy,
    check_name,
    check_order,
    check_schedule,
    check_universe,
)
from pas.workflows.order_ports import OrderBook
from pas.workflows.orders import OrderDesk


@dataclass(frozen=True)
class StrategySpec:
    """What `create_strategy` needs: either `sleeve_id` or `cash` (a new sleeve)."""

    name: str
    universe: tuple[str, ...] | list[str]
    scheme: str
    params: Mapping[str, Any] = field(default_factory=dict)
    schedule: str | None = None
    order: Mapping[str, Any] = field(default_factory=dict)
    sleeve_id: int | None = None
    cash: str | None = None


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{what} is not a number: {value!r}") from None
    if not number.is_finite():
        raise InvalidInput(f"{what} must be finite, got {value!r}")
    return number


def order_settings(order: Mapping[str, Any], fee_buffer_bps: Decimal) -> OrderSettings:
    """Return a strategy's order settings as the planner's OrderSettings."""
    merged = check_order(dict(order))
    return OrderSettings(
        fractional=merged["fractional"],
        lot=_decimal(merged["lot"], "order.lot"),
        min_trade_value=_decimal(merged["min_trade_value"], "order.min_trade_value"),
        min_trade_weight=_decimal(merged["min_trade_weight"], "order.min_trade_weight"),
        cash_buffer=_decimal(merged["cash_buffer"], "order.cash_buffer"),
        order_type=OrderType(merged["type"]),
        limit_offset_bps=_decimal(merged["limit_offset_bps"], "order.limit_offset_bps"),
        market_buffer_bps=_decimal(merged["market_buffer_bps"], "order.market_buffer_bps"),
        cost_bps=_decimal(merged["cost_bps"], "order.cost_bps"),
        fee_buffer_bps=fee_buffer_bps,
    )


def create_strategy(
    book: OrderBook,
    ledger: Ledger,
    broker: Broker,
    spec: StrategySpec,
    schemes: Collection[str],
) -> Strategy:
    """Validate and store a strategy; with `cash`, create and fund its sleeve first."""
    name = check_name(spec.name)
    universe = check_universe(list(spec.universe))
    if spec.scheme not in schemes:
        raise InvalidInput(f"unknown scheme {spec.scheme!r}; known: {sorted(schemes)}")
    if not isinstance(spec.params, Mapping):
        raise InvalidInput("params must be an object")
    from pas.analytics.allocation import AllocationSpec  # numerics: loaded when used

    AllocationSpec.of(None, method=spec.scheme, **dict(spec.params))  # refuse bad params now
    order = check_order(dict(spec.order))
    order_settings(order, Decimal(0))  # refuse bad numbers now, not at the first rebalance
    schedule = check_schedule(spec.schedule)
    if (spec.sleeve_id is None) == (spec.cash is None):
        raise InvalidInput("give exactly one of sleeve_id (an existing sleeve) or cash")
    if book.strategy_by_name(name) is not None:
        raise Conflict(f"a strategy named {name!r} exists already", name=name)
    if spec.cash is not None:
        sleeve = ledger.create_sleeve(name, str(_decimal(spec.cash, "cash")), broker.cash())
    else:
        sleeve = ledger.sleeve(int(spec.sleeve_id))  # type: ignore[arg-type]
    draft = Strategy(0, name, sleeve.id, universe, spec.scheme, dict(spec.params), schedule, order)
    return book.add_strategy(draft)


def delete_strategy(desk: OrderDesk, ref: int | str, *, cancel_orders: bool = False) -> Strategy:
    """Delete a strategy by id or name; return it. Its sleeve and order history stay.

    A strategy with open orders is not deleted (Conflict naming them) unless
    `cancel_orders`: then each is cancelled first, which releases what its
    reservation holds, and the strategy goes only once none is open.
    """
    book = desk.book
    strategy = find_strategy(book, ref)
    with desk.strategy_lock(strategy.id):  # no rebalance places new orders meanwhile
        open_orders = book.orders(strategy_id=strategy.id, status="open")
        if open_orders and cancel_orders:
            for order in open_orders:
                desk.cancel(order.id)
            open_orders = book.orders(strategy_id=strategy.id, status="open")
        if open_orders:
            ids = [o.id for o in open_orders]
            what = "still open after cancelling" if cancel_orders else "open"
            raise Conflict(
                f"strategy {strategy.name!r} has {len(ids)} {what} order(s) {ids}: "
                "cancel them first, or delete with cancel_orders",
                orders=[
                    {"id": o.id, "symbol": o.symbol, "side": _value(o.side)} for o in open_orders
                ],
            )
        return book.delete_strategy(strategy.id)


def _value(field: Any) -> str:
    return str(getattr(field, "value", field))


def find_strategy(book: OrderBook, ref: int | str) -> Strategy:
    """Return a strategy by id or by name; NotFound when there is none."""
    if isinstance(ref, int) or str(ref).isdigit():
        return book.strategy(int(ref))
    found = book.strategy_by_name(str(ref))
    if found is None:
        from pas.core.errors import NotFound

        raise NotFound(f"no strategy named {ref!r}", name=str(ref))
    return found


def strategy_json(s: Strategy) -> dict[str, Any]:
    """Return a strategy as a JSON-ready dict."""
    return {
        "id": s.id,
        "name": s.name,
        "sleeve_id": s.sleeve_id,
        "universe": list(s.universe),
        "scheme": s.scheme,
        "params": s.params,
        "schedule": s.schedule,
        "order": s.order,
        "created_at": s.created_at.isoformat() if s.created_at else None,
    }
