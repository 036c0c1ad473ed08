"""GET /api/v1/factors, and the factor analytics: regression, rolling betas, premia.

Every answer is built once per version of the data it rests on (cached, with
an ETag) and comes as rows, compact columns or CSV.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pas.analytics.factors import FactorModelResult
from pas.core import limits
from pas.service.answers import versioned_answer
from pas.service.deps import ContainerDep, Viewer
from pas.service.formats import Format, columns, csv_bytes, encode, media, records, shaped
from pas.service.params import StrictJsonRoute
from pas.service.routers.prices import parse_symbols
from pas.workflows import factors as wf
from pas.workflows.data import factor_table

router = APIRouter(prefix="/api/v1", tags=["factors"], route_class=StrictJsonRoute)

Frequency = Literal["daily", "monthly"]


@router.get("/factors", response_model=None)
def factors(
    request: Request,
    c: ContainerDep,
    _: Viewer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    frequency: Frequency = "daily",
    format: Format = "json",
) -> Response:
    """Fama–French factor returns in decimals; monthly rows are dated at month end."""

    limits.check_span(start, end)

    def build() -> bytes:
        table = factor_table(c.uow(), frequency, start, end).reset_index()
        return shaped(table, format, {"frequency": frequency})

    return versioned_answer(
        request, c, ("factors",), build, **media(format, f"factors_{frequency}.csv")
    )


def regression_json(result: FactorModelResult, as_columns: bool = False) -> dict[str, Any]:
    """Return a factor regression as the JSON answer (rows or columns = the result's table)."""
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
        **(
            {"columns": columns(result.table.reset_index())}
            if as_columns
            else {"rows": records(result.table.reset_index())}
        ),
    }


@router.get("/factors/regression", response_model=None)
def regression(
    request: Request,
    c: ContainerDep,
    _: Viewer,
    symbols: str | None = Query(None, description="comma-separated; all when omitted"),
    start: dt.date | None = None,
    end: dt.date | None = None,
    model: str = Query("ff3", description="capm, ff3, ff4 (= carhart, with mom)"),
    hac_lags: int | None = Query(
        None,
        ge=0,
        le=limits.MAX_HAC_LAGS,
        description="Newey–West lags; OLS errors when omitted",
    ),
    frequency: Frequency = "daily",
    format: Format = "json",
) -> Response:
    """Per-symbol alpha, betas, t-statistics, R² and residual volatility (annualised)."""

    limits.check_span(start, end)

    def build() -> bytes:
        result = wf.regression(
            c.uow(),
            parse_symbols(symbols),
            start,
            end,
            model=model,
            hac_lags=hac_lags,
            frequency=frequency,
        )
        if format == "csv":
            return csv_bytes(result.table.reset_index())
        return encode(regression_json(result, format == "columns"))

    return versioned_answer(
        request,
        c,
        ("prices", "factors"),
        build,
        **media(format, f"factor_regression_{model.lower()}.csv"),
    )


@router.get("/factors/rolling", response_model=None)
def rolling(
    request: Request,
    c: ContainerDep,
    _: Viewer,
    symbol: str = Query(..., min_length=1),
    window: int = Query(252, ge=2, le=limits.MAX_LOOKBACK, description="observations per window"),
    step: int = Query(1, ge=1, le=limits.MAX_RANGE_DAYS, description="dates between window ends"),
    model: str = "ff3",
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Format = "json",
) -> Response:
    """Rolling-window alpha and betas of one symbol, one row per window end date."""

    limits.check_span(start, end)

    def build() -> bytes:
        frame, note = wf.rolling(
            c.uow(), symbol.strip().upper(), window, step=step, model=model, start=start, end=end
        )
        envelope = {"symbol": symbol.upper(), "window": window, "step": step}
        return shaped(frame, format, {**envelope, "model": model.lower(), "note": note})

    return versioned_answer(
        request,
        c,
        ("prices", "factors"),
        build,
        **media(format, f"rolling_betas_{symbol.upper()}.csv"),
    )


@router.get("/factors/premia", response_model=None)
def premia(
    request: Request,
    c: ContainerDep,
    _: Viewer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    frequency: Frequency = "daily",
    format: Format = "json",
) -> Response:
    """Long-run factor premia: annual mean, volatility, t-statistic over the stored history."""

    limits.check_span(start, end)

    def build() -> bytes:
        table = wf.premia(c.uow(), start, end, frequency).reset_index()
        return shaped(table, format, {"frequency": frequency})

    return versioned_answer(
        request, c, ("factors",), build, **media(format, f"factor_premia_{frequency}.csv")
    )
