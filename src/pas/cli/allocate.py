"""`pas allocate`: compute an allocation from the database or from a wide CSV of prices.

Every option left out keeps the default of `AllocationSpec` (the same as
`pas.allocate` and `POST /api/v1/allocations`). Numerics, pandas and the
database are imported inside the command: `pas --help` loads none of them,
and `--prices` never touches the database.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pas.cli.output import JsonOpt, console, emit_json, fail, table

if TYPE_CHECKING:
    from pas.analytics.allocation import Allocation, AllocationSpec


def _spec(method: str | None, options: dict[str, Any]) -> AllocationSpec:
    """Return the spec of the options given (None: the spec's default)."""
    from pas.analytics.allocation import AllocationSpec

    given = {k: v for k, v in options.items() if v is not None}
    if method is not None:
        given["method"] = method
    return AllocationSpec.of(None, **given)


def _csv_allocation(
    path: Path, symbols: list[str] | None, spec: AllocationSpec, as_of: dt.date | None
) -> Allocation:
    """Return the allocation of a wide (or long) price CSV, without the database."""
    import pandas as pd

    from pas.analytics.allocation import allocate
    from pas.data.csv_prices import read_prices_csv

    batch = read_prices_csv(path)
    wide = batch.prices.pivot(index="date", columns="symbol", values="adj_close").sort_index()
    wide.index = pd.DatetimeIndex(wide.index)
    wide.columns.name = None
    if symbols:
        missing = sorted(set(symbols) - set(wide.columns))
        if missing:
            fail(f"{path}: no column for {', '.join(missing)}")
        wide = wide[symbols]
    return allocate(wide.astype(float), spec=spec, as_of=as_of)


def _db_allocation(
    spec: AllocationSpec, symbols: list[str] | None, as_of: dt.date | None, save: bool
) -> tuple[Allocation, int | None]:
    """Return the allocation over the stored data (and its id when saved)."""
    from pas.cli.output import container
    from pas.workflows.allocation import AllocationRequest, compute_allocation, save_allocation

    request = AllocationRequest(spec, tuple(symbols) if symbols else None, as_of)
    with container() as c:
        c.init_schema()
        alloc = compute_allocation(c.uow(), request)
        return alloc, save_allocation(c.uow(), alloc).id if save else None


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
    for note in alloc.notes:
        console.print(f"note: {note}", markup=False, soft_wrap=True)
    if allocation_id is not None:
        console.print(f"saved as allocation {allocation_id}")


Method = Annotated[
    str | None,
    typer.Option(
        "--method", "-m", help="Scheme name (default max_sharpe; see docs/allocation.md)."
    ),
]
Symbols = Annotated[
    str | None,
    typer.Option(help="Comma-separated symbols (default: every stored symbol with a sector)."),
]
Prices = Annotated[
    Path | None,
    typer.Option("--prices", help="Wide CSV (date + one adjusted close per symbol): no database."),
]
AsOf = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Decision date (default: the last price)."),
]
Lookback = Annotated[
    int | None, typer.Option(help="Trading days of returns the estimators see (default 756).")
]
ExpectedReturns = Annotated[
    str | None,
    typer.Option(
        "--expected-returns",
        help="historical, ema, capm, ff3 (default: ff3 with stored factors, else historical).",
    ),
]
Covariance = Annotated[
    str | None, typer.Option(help="sample, ledoit_wolf, ewma, factor (default ledoit_wolf).")
]
RiskFree = Annotated[
    float | None, typer.Option("--risk-free", help="Annual risk-free rate (0.04 = 4%; default 0).")
]
MaxWeight = Annotated[
    float | None, typer.Option("--max-weight", help="Upper bound of every weight (default 1).")
]
Save = Annotated[
    bool,
    typer.Option(
        "--save/--no-save", help="Store the result in the allocation history (database only)."
    ),
]


def allocate_command(
    method: Method = None,
    symbols: Symbols = None,
    prices: Prices = None,
    as_of: AsOf = None,
    lookback: Lookback = None,
    expected_returns: ExpectedReturns = None,
    covariance: Covariance = None,
    risk_free: RiskFree = None,
    max_weight: MaxWeight = None,
    save: Save = True,
    json_out: bool = JsonOpt,
) -> None:
    """Compute an allocation (max-Sharpe by default) and print its weights."""
    from pas.core.errors import ConfigError, PasError

    wanted = [s.strip().upper() for s in symbols.split(",") if s.strip()] if symbols else None
    day = as_of.date() if as_of else None
    options = {
        "lookback": lookback,
        "expected_returns": expected_returns,
        "covariance": covariance,
        "risk_free": risk_free,
        "max_weight": max_weight,
    }
    stored_id = None
    try:
        spec = _spec(method, options)
        if prices is not None:
            alloc = _csv_allocation(prices, wanted, spec, day)
    except ConfigError as exc:
        fail(str(exc), 2)
    except PasError as exc:
        fail(str(exc), 1)
    if prices is None:
        alloc, stored_id = _db_allocation(spec, wanted, day, save)
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
