"""Use cases: Fama–French regressions, rolling betas and factor premia over stored data.

Prices and factors come through the UnitOfWork port; the numerics are
pas.analytics. The demo prices run to 2022 while the daily factors end in
2021: every answer carries the alignment note saying what was dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from pas.analytics.factors import FactorModelResult, factor_model, factor_premia, rolling_betas
from pas.analytics.returns import simple_returns
from pas.core import limits
from pas.core.errors import DataError, InvalidInput
from pas.workflows.data import check_range, factor_table, price_matrix
from pas.workflows.ports import Progress, UnitOfWork, no_progress


def load_returns(
    uow: UnitOfWork,
    symbols: Sequence[str] | None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Return simple daily returns (dates x symbols) from stored adjusted closes."""
    prices = price_matrix(uow, symbols, start, end)
    if prices.empty:
        raise DataError("no prices stored for the request; load data first (pas data load-demo)")
    prices.index = pd.DatetimeIndex(prices.index)
    if len(prices) < 2:
        raise DataError(f"need at least 2 price dates, got {len(prices)}", n_obs=len(prices))
    return simple_returns(prices)


def load_factors(
    uow: UnitOfWork,
    frequency: str = "daily",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Return stored factors of one frequency; DataError when none are stored in the range."""
    factors = factor_table(uow, frequency, start, end)
    if factors.empty:
        raise DataError(
            f"no {frequency} factors stored for the range; import them first "
            "(pas data load-demo or pas data import-factors)",
            frequency=frequency,
        )
    return factors


def regression(
    uow: UnitOfWork,
    symbols: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    model: str = "ff3",
    hac_lags: int | None = None,
    frequency: str = "daily",
    progress: Progress = no_progress,
) -> FactorModelResult:
    """Return the factor regression of `symbols` (all stored when None) over [start, end]."""
    check_range(start, end)
    limits.check_hac_lags(hac_lags)
    if symbols:
        limits.check_symbols(len(symbols), "the regression")
    progress(0, 3, "factor regression")
    returns = load_returns(uow, symbols, start, end)
    progress(1, 3, "factor regression")
    factors = load_factors(uow, frequency, start, end)
    progress(2, 3, "factor regression")
    result = factor_model(returns, factors, model=model, hac_lags=hac_lags)
    progress(3, 3, "factor regression")
    return result


def rolling(
    uow: UnitOfWork,
    symbol: str,
    window: int = 252,
    *,
    step: int = 1,
    model: str = "ff3",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> tuple[pd.DataFrame, str]:
    """Return (rolling alphas and betas of one symbol as a tidy frame, the alignment note)."""
    if not symbol:
        raise InvalidInput("symbol is required")
    limits.check_lookback(window, "window")
    check_range(start, end)
    returns = load_returns(uow, [symbol], start, end)
    factors = load_factors(uow, "daily", start, end)
    frame = rolling_betas(returns, factors, window=window, step=step, model=model)
    covered = returns.index.intersection(factors.index)
    note = ""
    if len(covered) < len(returns):
        note = (
            f"returns {returns.index[0].date()} .. {returns.index[-1].date()}, factors "
            f"{factors.index[0].date()} .. {factors.index[-1].date()}: "
            f"{len(returns) - len(covered)} return dates without factors were dropped"
        )
    return frame, note


def premia(
    uow: UnitOfWork,
    start: dt.date | None = None,
    end: dt.date | None = None,
    frequency: str = "daily",
) -> pd.DataFrame:
    """Return the long-run factor premia (annual) over the stored factors in [start, end]."""
    factors = load_factors(uow, frequency, start, end)
    return factor_premia(factors)
