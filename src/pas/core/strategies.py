"""Strategies: a sleeve, a universe, an allocation scheme and how its orders trade."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from croniter import croniter

from pas.core.errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9.\-]{0,15}$")

#: keys a strategy's order settings may have, with their defaults
ORDER_DEFAULTS: dict[str, Any] = {
    "fractional": False,
    "lot": "1",
    "min_trade_value": "0",
    "min_trade_weight": "0",
    "cash_buffer": "0",
    "type": "market",
    "limit_offset_bps": "10",
    "market_buffer_bps": "50",
    "cost_bps": "5",
}


@dataclass(frozen=True)
class Strategy:
    """One strategy as stored; `order` holds its order settings (see ORDER_DEFAULTS)."""

    id: int
    name: str
    sleeve_id: int
    universe: tuple[str, ...]
    scheme: str
    params: dict[str, Any] = field(default_factory=dict)
    schedule: str | None = None
    order: dict[str, Any] = field(default_factory=dict)
    created_at: dt.datetime | None = None


def check_name(name: str) -> str:
    """Return a valid strategy name, or raise InvalidInput."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"strategy name must be 1-64 letters, digits, space, _ . - ; got {name!r}"
        )
    return name


def check_universe(symbols: Any) -> tuple[str, ...]:
    """Return the universe upper-cased and de-duplicated, or raise InvalidInput."""
    if not isinstance(symbols, list | tuple) or not symbols:
        raise InvalidInput("universe must be a non-empty list of symbols")
    out = tuple(dict.fromkeys(str(s).strip().upper() for s in symbols))
    bad = [s for s in out if not _SYMBOL.match(s)]
    if bad:
        raise InvalidInput(f"not a symbol: {', '.join(bad)}", symbols=bad)
    return out


def check_schedule(schedule: str | None) -> str | None:
    """Return a valid cron expression (or None), or raise InvalidInput."""
    if schedule is not None and not croniter.is_valid(schedule):
        raise InvalidInput(f"schedule is not a cron expression: {schedule!r}")
    return schedule


def check_order(order: Any) -> dict[str, Any]:
    """Return order settings with defaults filled in; unknown keys are refused."""
    if order is None:
        order = {}
    if not isinstance(order, dict):
        raise InvalidInput("order must be an object of order settings")
    unknown = sorted(set(order) - set(ORDER_DEFAULTS))
    if unknown:
        raise InvalidInput(f"unknown order setting(s) {unknown}; known: {sorted(ORDER_DEFAULTS)}")
    merged = {**ORDER_DEFAULTS, **order}
    if merged["type"] not in ("market", "limit"):
        raise InvalidInput(f"order type must be market or limit, got {merged['type']!r}")
    for key in ORDER_DEFAULTS:
        if key not in ("fractional", "type"):
            merged[key] = str(merged[key])
    merged["fractional"] = bool(merged["fractional"])
    return merged
