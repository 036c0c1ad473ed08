"""`pas allocate`: compute an allocation from the database or from a wide CSV of prices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from pas.analytics.allocation import Allocation, allocate
from pas.cli.output import JsonOpt, console, container, emit_json, fail, table
from pas.core.errors import ConfigError, PasError
from pas.data.csv_prices import read_prices_csv
from pas.workflows.allocation import AllocationRequest, compute_allocation, save_allocation


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Print a domain error on one line and exit (1; 2 for settings)."""
    try:
        yield
    except ConfigError as exc:
        fail(str(exc), 2)
    except PasError as exc:
        fail(str(exc), 1)


def _csv_allocation(
    path: Path, symbols: list[str] | None, request: AllocationRequest
) -> Allocation:
    """Return the allocation of a wide (or long) price CSV, without the database."""
    batch = read_prices_csv(path)
    wide = batch.prices.pivot(index="date", columns="symbol", values="adj_close").sort_index()
    wide.index = pd.DatetimeIndex(wide.index)
    wide.columns.name = None
    if symbols:
        missing = sorted(set(symbols) - set(wide.columns))
        if missing:
            fail(f"{path}: no column for {', '.join(missing)}")
        wide = wide[symbols]
    return allocate(
        wide.astype(float),
        method=request.method,
        risk_free=request.risk_free,
        expected_returns=request.expected_returns,
        covariance=request.covariance,
        bounds=(0.0, request.max_weight or 1.0),
        lookback=request.lookback,
        as_of=None if request.as_of is None else pd.Timestamp(request.as_of),
    )


def _show(alloc: Allocation, allocation_id: int | None) -> None:
    rc = alloc.risk_contributions
    rows = [
        [sym, f"{w:.4f}", "" if sym not in rc.index else f"{rc[sym]:.4f}"]
        for sym, w in alloc.weights.items()
        if abs(w) > 5e-5
    ]
    title = f"{alloc.method} as of {alloc.as_of.date() if alloc.as_of is not None else '-'}"
    table(title, ["symbol", "weight", "risk share"], rows)
    sharpe = "n/a" if alloc.sharpe is None else f"{alloc.sharpe:.3f}"
    console.print(
        f"expected return {alloc.expected_return:.2%}, volatility {alloc.volatility:.2%}, "
        f"Sharpe {sharpe} ({alloc.return_estimator} / {alloc.covariance_estimator}, "
        f"{alloc.solver.name}, {alloc.solver.time * 1e3:.1f} ms)",
        markup=False,
    )
    if alloc.fallback:
        console.print(f"fallback: {alloc.fallback}", markup=False)
    if allocation_id is not None:
        console.print(f"saved as allocation {allocation_id}")


def allocate_command(
    method: str = typer.Option(
        "max_sharpe", "--method", "-m", help="Scheme name (see docs/allocation.md)."
    ),
    symbols: str | None = typer.Option(
        None, help="Comma-separated symbols (default: every stored symbol with a sector)."
    ),
    prices: Path | None = typer.Option(
        None,
        "--prices",
        help="Wide CSV (date + one adjusted close per symbol): no database needed.",
    ),
    as_of: dt.datetime | None = typer.Option(
        None, "--as-of", formats=["%Y-%m-%d"], help="Decision date (default: the last price)."
    ),
    lookback: int = typer.Option(756, help="Trading days of returns the estimators see."),
    expected_returns: str | None = typer.Option(
        None,
        "--expected-returns",
        help="historical, ema, capm, ff3 (default: ff3 with stored factors).",
    ),
    covariance: str = typer.Option("ledoit_wolf", help="sample, ledoit_wolf, ewma, factor."),
    risk_free: float = typer.Option(0.0, "--risk-free", help="Annual risk-free rate (0.04 = 4%)."),
    max_weight: float | None = typer.Option(
        None, "--max-weight", help="Upper bound of every weight."
    ),
    save: bool = typer.Option(
        True, "--save/--no-save", help="Store the result in the allocation history (database only)."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Compute an allocation (max-Sharpe by default) and print its weights."""
    wanted = [s.strip().upper() for s in symbols.split(",") if s.strip()] if symbols else None
    with _domain_errors():
        request = AllocationRequest(
            method=method, symbols=tuple(wanted) if wanted else None,
            as_of=as_of.date() if as_of else None, lookback=lookback,
            expected_returns=expected_returns, covariance=covariance, risk_free=risk_free,
            max_weight=max_weight,
        )  # fmt: skip
        if prices is not None:
            alloc, stored_id = _csv_allocation(prices, wanted, request), None
    if prices is None:
        with container() as c:
            c.init_schema()
            alloc = compute_allocation(c.uow(), request)
            stored_id = save_allocation(c.uow(), alloc).id if save else None
    if json_out:
        payload: dict[str, Any] = alloc.to_dict()
        if stored_id is not None:
            payload["id"] = stored_id
        emit_json(payload)
    else:
        _show(alloc, stored_id)


def register(app: typer.Typer) -> None:
    """Add `pas allocate` to `app`."""
    app.command("allocate")(allocate_command)
