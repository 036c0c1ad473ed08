"""GET /api/v1/factors, and the factor analytics: regression, rolling betas, premia."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from pas.analytics.factors import FactorModelResult
from pas.service.deps import UowDep, Viewer
from pas.service.formats import Format, csv_response, records
from pas.service.routers.prices import parse_symbols
from pas.workflows import factors as wf
from pas.workflows.data import factor_table

router = APIRouter(prefix="/api/v1", tags=["factors"])

Frequency = Literal["daily", "monthly"]


@router.get("/factors", response_model=None)
def factors(
    uow: UowDep,
    _: Viewer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    frequency: Frequency = "daily",
    format: Format = "json",
) -> Response | dict[str, Any]:
    """Fama–French factor returns in decimals; monthly rows are dated at month end."""
    table = factor_table(uow, frequency, start, end).reset_index()
    if format == "csv":
        return csv_response(table, f"factors_{frequency}.csv")
    return {"frequency": frequency, "rows": records(table)}


def regression_json(result: FactorModelResult) -> dict[str, Any]:
    """Return a factor regression as the JSON answer (rows = the result's table)."""
    dates = result.returns.index
    return {
        "model": result.model,
        "factors": list(result.factors),
        "cov_type": result.cov_type,
        "hac_lags": result.hac_lags,
        "periods_per_year": result.periods_per_year,
        "start": dates[0].date().isoformat() if len(dates) else None,
        "end": dates[-1].date().isoformat() if len(dates) else None,
        "dropped_asset_dates": result.dropped_asset_dates,
        "dropped_factor_dates": result.dropped_factor_dates,
        "note": result.note,
        "rows": records(result.table.reset_index()),
    }


@router.get("/factors/regression", response_model=None)
def regression(
    uow: UowDep,
    _: Viewer,
    symbols: str | None = Query(None, description="comma-separated; all when omitted"),
    start: dt.date | None = None,
    end: dt.date | None = None,
    model: str = Query("ff3", description="capm, ff3, ff4 (= carhart, with mom)"),
    hac_lags: int | None = Query(
        None, ge=0, description="Newey–West lags; OLS errors when omitted"
    ),
    frequency: Frequency = "daily",
    format: Format = "json",
) -> Response | dict[str, Any]:
    """Per-symbol alpha, betas, t-statistics, R² and residual volatility (annualised)."""
    result = wf.regression(
        uow, parse_symbols(symbols), start, end, model=model, hac_lags=hac_lags, frequency=frequency
    )
    if format == "csv":
        return csv_response(result.table.reset_index(), f"factor_regression_{result.model}.csv")
    return regression_json(result)


@router.get("/factors/rolling", response_model=None)
def rolling(
    uow: UowDep,
    _: Viewer,
    symbol: str = Query(..., min_length=1),
    window: int = Query(252, ge=2, description="observations per window"),
    step: int = Query(1, ge=1, description="dates between window ends"),
    model: str = "ff3",
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
) -> Response | dict[str, Any]:
    """Rolling-window alpha and betas of one symbol, one row per window end date."""
    frame, note = wf.rolling(
        uow, symbol.strip().upper(), window, step=step, model=model, start=start, end=end
    )
    if format == "csv":
        return csv_response(frame, f"rolling_betas_{symbol.upper()}.csv")
    return {
        "symbol": symbol.upper(),
        "window": window,
        "step": step,
        "model": model.lower(),
        "note": note,
        "rows": records(frame),
    }


@router.get("/factors/premia", response_model=None)
def premia(
    uow: UowDep,
    _: Viewer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    frequency: Frequency = "daily",
    format: Format = "json",
) -> Response | dict[str, Any]:
    """Long-run factor premia: annual mean, volatility, t-statistic over the stored history."""
    table = wf.premia(uow, start, end, frequency).reset_index()
    if format == "csv":
        return csv_response(table, f"factor_premia_{frequency}.csv")
    return {"frequency": frequency, "rows": records(table)}
