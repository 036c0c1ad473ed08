"""Risk and performance metrics of daily return series (pure; no I/O).

Conventions: simple daily returns; annualise with 252; `max_drawdown`,
`var_95` and `cvar_95` are negative fractions (losses); Sharpe and Sortino
use excess returns over the daily risk-free rate on the dates where it is
known (never an invented rate); the probabilistic Sharpe ratio follows
Bailey & López de Prado (2012) against a zero benchmark Sharpe ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

TRADING_DAYS = 252

METRIC_COLUMNS = (
    "cagr",
    "volatility_annual",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "turnover_annual",
    "hit_rate",
    "beta_mkt",
    "alpha_ff3_annual",
    "t_alpha_ff3",
    "var_95",
    "cvar_95",
    "tracking_error",
    "information_ratio",
    "psr",
)


@dataclass(frozen=True)
class Drawdown:
    """The deepest drawdown: depth (negative), peak, trough and recovery dates (None if not yet)."""

    depth: float
    peak: pd.Timestamp | None
    trough: pd.Timestamp | None
    recovery: pd.Timestamp | None


def cagr(returns: pd.Series) -> float:
    """Return the compound annual growth rate of daily returns."""
    n = len(returns)
    if n == 0:
        return float("nan")
    growth = float(np.prod(1.0 + returns.to_numpy()))
    return growth ** (TRADING_DAYS / n) - 1.0 if growth > 0 else -1.0


def volatility(returns: pd.Series) -> float:
    """Return the annualised standard deviation (ddof=1)."""
    return float(returns.std(ddof=1) * np.sqrt(TRADING_DAYS))


def excess(returns: pd.Series, rf_daily: pd.Series | None) -> pd.Series:
    """Return returns minus the daily risk-free rate, on the dates where the rate is known."""
    if rf_daily is None:
        return returns
    rf = rf_daily.reindex(returns.index)
    known = rf.notna()
    return (returns[known] - rf[known]) if known.any() else returns


def sharpe(returns: pd.Series, rf_daily: pd.Series | None = None) -> float:
    """Return the annualised Sharpe ratio of excess returns."""
    ex = excess(returns, rf_daily)
    sd = ex.std(ddof=1)
    return float(ex.mean() / sd * np.sqrt(TRADING_DAYS)) if sd > 0 else float("nan")


def sortino(returns: pd.Series, rf_daily: pd.Series | None = None) -> float:
    """Return the annualised Sortino ratio (downside deviation below zero excess return)."""
    ex = excess(returns, rf_daily)
    downside = np.sqrt(np.mean(np.minimum(ex.to_numpy(), 0.0) ** 2))
    return float(ex.mean() / downside * np.sqrt(TRADING_DAYS)) if downside > 0 else float("nan")


def drawdown(returns: pd.Series) -> Drawdown:
    """Return the maximum drawdown of the wealth curve with its dates."""
    if returns.empty:
        return Drawdown(float("nan"), None, None, None)
    wealth = (1.0 + returns).cumprod()
    # the curve starts at 1 before the first return, so a first-day loss is a drawdown
    peak_curve = np.maximum.accumulate(np.maximum(wealth.to_numpy(), 1.0))
    dd = wealth.to_numpy() / peak_curve - 1.0
    trough_i = int(np.argmin(dd))
    depth = float(dd[trough_i])
    if depth >= 0:
        return Drawdown(0.0, None, None, None)
    peak_value = peak_curve[trough_i]
    before = wealth.to_numpy()[: trough_i + 1]
    at_peak = np.flatnonzero(before >= peak_value)
    peak = returns.index[at_peak[-1]] if len(at_peak) else None  # None: the peak is the start
    after = np.flatnonzero(wealth.to_numpy()[trough_i:] >= peak_value)
    recovery = returns.index[trough_i + after[0]] if len(after) else None
    return Drawdown(depth, peak, returns.index[trough_i], recovery)


def value_at_risk(returns: pd.Series, level: float = 0.95) -> float:
    """Return the historical VaR: the (1 - level) quantile of daily returns (negative = loss)."""
    return float(np.quantile(returns.to_numpy(), 1.0 - level))


def conditional_var(returns: pd.Series, level: float = 0.95) -> float:
    """Return the historical CVaR: the mean of returns at or below the VaR."""
    var = value_at_risk(returns, level)
    tail = returns[returns <= var]
    return float(tail.mean())


def tracking(returns: pd.Series, benchmark: pd.Series) -> tuple[float, float]:
    """Return (annual tracking error, information ratio) against a benchmark on common dates."""
    active = (returns - benchmark.reindex(returns.index)).dropna()
    te = float(active.std(ddof=1) * np.sqrt(TRADING_DAYS))
    ir = float(active.mean() * TRADING_DAYS / te) if te > 0 else float("nan")
    return te, ir


def probabilistic_sharpe(returns: pd.Series, benchmark_sr: float = 0.0) -> float:
    """Return the probability that the true (per-period) Sharpe ratio exceeds `benchmark_sr`."""
    x = returns.to_numpy()
    n = len(x)
    sd = x.std(ddof=1)
    if n < 3 or sd == 0:
        return float("nan")
    sr = x.mean() / sd
    skew = stats.skew(x, bias=True)
    kurt = stats.kurtosis(x, fisher=False, bias=True)
    denom = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr**2
    if denom <= 0:
        return float("nan")
    return float(stats.norm.cdf((sr - benchmark_sr) * np.sqrt(n - 1) / np.sqrt(denom)))


def hit_rate(returns: pd.Series) -> float:
    """Return the fraction of days with a positive return."""
    return float((returns > 0).mean()) if len(returns) else float("nan")
