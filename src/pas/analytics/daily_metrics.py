"""Daily metrics of a book (a sleeve or the account) from its end-of-day holdings.

Conventions: a day's flow (cash added to the book, negative when taken out)
arrives at the start of the day, so the day's return is
`equity_t / (equity_{t-1} + flow_t) - 1` and money moved in or out is never
counted as performance. Volatility is annualised with 252 over the trailing
63 returns; the 95% VaR is the 5% quantile of the trailing 252 daily returns
(negative = loss, as `metrics.value_at_risk`); drawdown is the fall from the
running peak of the compounded returns (negative or zero). Weights are
fractions of equity; cash is what they do not cover.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

TRADING_DAYS = 252
VOL_WINDOW = 63
VAR_WINDOW = 252
#: fewer returns than this give no volatility or VaR
MIN_OBS = 20
UNKNOWN_SECTOR = "Unknown"


@dataclass(frozen=True)
class Book:
    """End-of-day holdings of one book over `dates` (T days, N symbols).

    cash, flows: (T,) in currency units; qty: T x N shares held at each day's end.
    """

    dates: pd.DatetimeIndex
    cash: np.ndarray
    flows: np.ndarray
    qty: pd.DataFrame


@dataclass(frozen=True)
class BookMetrics:
    """What `book_metrics` computes: one row per day in each frame (index: dates)."""

    frame: (
        pd.DataFrame
    )  # equity, cash, flow, daily_return, cumulative_return, gross/net, vol, dd, var
    weights: pd.DataFrame  # T x N fractions of equity
    sectors: pd.DataFrame  # T x sectors
    betas: pd.DataFrame  # T x factors (NaN where a held symbol has no beta)


def book_metrics(
    book: Book,
    prices: pd.DataFrame,
    sectors: Mapping[str, str | None] | None = None,
    betas: Mapping[str, pd.DataFrame] | None = None,
) -> BookMetrics:
    """Return the daily metrics of `book` valued at `prices` (T x N closes, same index and columns).

    `betas` maps a factor name to a T x N frame of each symbol's beta on each
    day; the book's beta is the weighted sum, NaN when a held symbol lacks one.
    """
    qty = book.qty.reindex(index=book.dates, columns=prices.columns, fill_value=0.0)
    values = (qty.to_numpy(float) * prices.to_numpy(float)).copy()
    values[qty.to_numpy(float) == 0] = 0.0
    holdings = values.sum(axis=1)
    equity = book.cash + holdings
    returns = period_returns(equity, book.flows)
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = equity > 0
        weights = np.where(positive[:, None], values / equity[:, None], np.nan)
        gross = np.where(positive, np.abs(values).sum(axis=1) / equity, np.nan)
        net = np.where(positive, holdings / equity, np.nan)
    r = pd.Series(returns, index=book.dates)
    wealth = (1.0 + r.fillna(0.0)).cumprod()
    frame = pd.DataFrame(
        {
            "equity": equity,
            "cash": book.cash,
            "flow": book.flows,
            "daily_return": returns,
            "cumulative_return": wealth.to_numpy() - 1.0,
            "gross_exposure": gross,
            "net_exposure": net,
            "volatility_annual": r.rolling(VOL_WINDOW, min_periods=MIN_OBS).std().to_numpy()
            * np.sqrt(TRADING_DAYS),
            "drawdown": (wealth / wealth.cummax() - 1.0).to_numpy(),
            "var_95": r.rolling(VAR_WINDOW, min_periods=MIN_OBS).quantile(0.05).to_numpy(),
        },
        index=book.dates,
    )
    w = pd.DataFrame(weights, index=book.dates, columns=prices.columns)
    return BookMetrics(frame, w, sector_weights(w, sectors or {}), book_betas(w, betas or {}))


def period_returns(equity: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Return daily returns with flows at the start of the day (NaN when nothing was invested)."""
    before = np.concatenate([[0.0], equity[:-1]]) + flows
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(before > 0, equity / before - 1.0, np.nan)


def sector_weights(weights: pd.DataFrame, sectors: Mapping[str, str | None]) -> pd.DataFrame:
    """Return T x sectors: the weights summed by sector (unknown sectors as "Unknown")."""
    labels = [sectors.get(str(s)) or UNKNOWN_SECTOR for s in weights.columns]
    if weights.empty or not labels:
        return pd.DataFrame(index=weights.index)
    return weights.T.groupby(labels).sum(min_count=1).T


def book_betas(weights: pd.DataFrame, betas: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Return T x factors: the weighted sum of the symbols' betas (NaN if a held one lacks it)."""
    out = {}
    w = weights.to_numpy(float)
    held = np.nan_to_num(w) != 0
    undefined = np.isnan(w).any(axis=1)  # no equity to weigh against
    for factor, frame in betas.items():
        b = frame.reindex(index=weights.index, columns=weights.columns).to_numpy(float)
        missing = (held & np.isnan(b)).any(axis=1)
        total = np.where(held, np.nan_to_num(w) * np.nan_to_num(b), 0.0).sum(axis=1)
        out[factor] = np.where(missing | undefined, np.nan, total)
    return pd.DataFrame(out, index=weights.index)
