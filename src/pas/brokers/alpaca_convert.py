"""Conversions between alpaca-py's models and PAS's order records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pas.core.orders import (
    BrokerOrder,
    BrokerPosition,
    OrderRequest,
    OrderSide,
    OrderType,
    map_status,
    quantize_limit,
)


def dec(value: Any) -> Decimal | None:
    """Return a string or float from the SDK as a Decimal (None stays None)."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _value(field: Any) -> str:
    return str(getattr(field, "value", field))


def to_order(raw: Any) -> BrokerOrder:
    """Return an SDK Order as a BrokerOrder (cumulative fill state as Decimals)."""
    filled = dec(raw.filled_qty) or Decimal(0)
    kind = _value(raw.type or raw.order_type) if (raw.type or raw.order_type) else "market"
    return BrokerOrder(
        id=str(raw.id),
        client_order_id=raw.client_order_id,
        symbol=raw.symbol or "",
        side=OrderSide(_value(raw.side)),
        type=OrderType.limit if kind == "limit" else OrderType.market,
        qty=dec(raw.qty) or Decimal(0),
        status=map_status(_value(raw.status), filled),
        filled_qty=filled,
        filled_avg_price=dec(raw.filled_avg_price),
        limit_price=dec(raw.limit_price),
        submitted_at=raw.submitted_at,
        updated_at=raw.updated_at,
        filled_at=raw.filled_at,
        canceled_at=raw.canceled_at,
    )


def to_position(raw: Any) -> BrokerPosition:
    """Return an SDK Position as a BrokerPosition (short positions negative)."""
    qty = dec(raw.qty) or Decimal(0)
    if _value(raw.side) == "short" and qty > 0:
        qty = -qty
    return BrokerPosition(raw.symbol, qty, dec(raw.avg_entry_price) or Decimal(0))


def to_sdk_request(request: OrderRequest) -> Any:
    """Return the SDK's Market/LimitOrderRequest for an OrderRequest (limit quantized, trap 7)."""
    from alpaca.trading.enums import OrderSide as SdkSide
    from alpaca.trading.enums import TimeInForce
    from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest

    common = {
        "symbol": request.symbol,
        "qty": float(request.qty),
        "side": SdkSide(request.side.value),
        "time_in_force": TimeInForce(request.time_in_force),
        "client_order_id": request.client_order_id,
    }
    if request.type is OrderType.limit and request.limit_price is not None:
        limit = quantize_limit(request.limit_price, request.side)
        return LimitOrderRequest(limit_price=float(limit), **common)
    return MarketOrderRequest(**common)
