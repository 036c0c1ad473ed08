"""Use cases: read the stored daily metrics (summary, daily series, exposures), cached.

The metrics job invalidates the `metrics` cache namespace after it stores new
rows, so a cached answer is never older than the last computation (or the
TTL, when the updater runs in another process without Redis).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from pas.core.errors import InvalidInput, NotFound
from pas.core.metrics import ACCOUNT, MetricsRow
from pas.workflows.data import check_range
from pas.workflows.freshness import Freshness
from pas.workflows.updater_ports import MetricsCache, MetricsStore

NAMESPACE = "metrics"

#: the scalar columns of a daily row, in the order of the CSV
COLUMNS = (
    "date",
    "equity",
    "cash",
    "flow",
    "daily_return",
    "cumulative_return",
    "gross_exposure",
    "net_exposure",
    "volatility_annual",
    "drawdown",
    "var_95",
    "stale",
)


def row_json(row: MetricsRow) -> dict[str, Any]:
    """Return a row's scalar columns as JSON (money as decimal strings)."""
    out: dict[str, Any] = {"sleeve_id": row.sleeve_id, "name": row.name}
    for column in COLUMNS:
        value = getattr(row, column)
        out[column] = value.isoformat() if column == "date" else value
    for column in ("equity", "cash", "flow"):
        out[column] = _money(getattr(row, column))
    return out


def _money(value: Any) -> str:
    text = format(value.quantize(value.__class__("0.01")), "f")
    return "0.00" if text == "-0.00" else text


def exposures_json(row: MetricsRow) -> dict[str, Any]:
    """Return a row's exposures: gross/net, cash weight, sectors, factor betas, positions."""
    net = row.net_exposure
    return {
        "sleeve": {"id": row.sleeve_id, "name": row.name},
        "date": row.date.isoformat(),
        "gross_exposure": row.gross_exposure,
        "net_exposure": net,
        "cash_weight": None if net is None else 1.0 - net,
        "sector_weights": row.sector_weights,
        "factor_betas": row.factor_betas,
        "weights": row.weights,
        "stale": row.stale,
    }


def cached(cache: MetricsCache | None, key: str, ttl: float, compute: Callable[[], Any]) -> str:
    """Return `compute()` as JSON text, from the cache when it holds it."""
    if cache is not None and ttl > 0:
        hit = cache.get(NAMESPACE, key)
        if hit is not None:
            return hit
    text = json.dumps(compute(), default=str)
    if cache is not None and ttl > 0:
        cache.put(NAMESPACE, key, text, ttl)
    return text


def summary(store: MetricsStore, fresh: Freshness) -> dict[str, Any]:
    """Return the newest metrics of the account and of each sleeve, and data freshness."""
    latest = store.latest()
    account = next((r for r in latest if r.sleeve_id == ACCOUNT), None)
    return {
        "as_of": account.date.isoformat() if account else None,
        "stale": fresh.stale or any(r.stale for r in latest),
        "data": fresh.as_json(),
        "account": row_json(account) if account else None,
        "sleeves": [row_json(r) for r in latest if r.sleeve_id != ACCOUNT],
    }


def resolve_sleeve(store: MetricsStore, sleeve: str | None) -> tuple[int, str]:
    """Return (id, name) of `sleeve` (an id, a name, or account when empty); NotFound otherwise."""
    names = store.names()
    text = (sleeve or "account").strip()
    if text.lower() == "account":
        return ACCOUNT, "account"
    if text.isdigit() and int(text) in names:
        return int(text), names[int(text)]
    for sid, name in names.items():
        if name == text and sid != ACCOUNT:
            return sid, name
    raise NotFound(f"no metrics for sleeve {text!r} (the metrics job has not seen it yet?)")


def daily_rows(
    store: MetricsStore, sleeve: str | None, start: dt.date | None, end: dt.date | None
) -> tuple[tuple[int, str], list[MetricsRow]]:
    """Return the sleeve and its daily rows from start to end."""
    check_range(start, end)
    resolved = resolve_sleeve(store, sleeve)
    return resolved, store.daily(resolved[0], start, end)


def daily_json(sleeve: tuple[int, str], rows: list[MetricsRow]) -> dict[str, Any]:
    """Return a daily series as the API's JSON."""
    return {
        "sleeve": {"id": sleeve[0], "name": sleeve[1]},
        "rows": [{k: v for k, v in row_json(r).items() if k in COLUMNS} for r in rows],
    }


def daily_frame(rows: list[MetricsRow]) -> pd.DataFrame:
    """Return a daily series as a frame with the CSV's columns."""
    data = [{k: v for k, v in row_json(r).items() if k in COLUMNS} for r in rows]
    return pd.DataFrame(data, columns=list(COLUMNS))


def exposures(store: MetricsStore, sleeve: str | None) -> dict[str, Any]:
    """Return the newest exposures of a sleeve (or of the account)."""
    sid, name = resolve_sleeve(store, sleeve)
    latest = next((r for r in store.latest() if r.sleeve_id == sid), None)
    if latest is None:
        raise NotFound(f"no metrics for sleeve {name!r}")
    return exposures_json(latest)


def parse_format(value: str) -> str:
    """Return csv or json; InvalidInput otherwise."""
    if value not in ("csv", "json"):
        raise InvalidInput(f"format must be csv or json, got {value!r}")
    return value
