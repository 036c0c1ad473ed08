"""Expected-return and covariance estimators, producing a frozen ReturnModel.

Estimators follow the estimator contract (STYLE.md): `__init__` stores
parameters, `fit(returns, factors=None)` does the work and stores learned
state in attributes ending in `_`. Inputs are simple daily returns
(dates x symbols, no NaN); outputs are annualised (x 252).

Expected returns: `historical`, `ema` (here) and the factor models `capm`,
`ff3` (pas.analytics.factor_estimators). Covariances: `sample`,
`ledoit_wolf`, `ewma` (here) and `factor`. Optional learned `diagnostics_`
(a dict) end up in ReturnModel.diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.factor_estimators import CapmReturns, FactorCovariance, FF3Returns
from pas.core.errors import DataError, InvalidInput

TRADING_DAYS = 252


@dataclass(frozen=True)
class ReturnModel:
    """Annualised expected returns `mu` (symbols) and covariance `cov` (symbols x symbols)."""

    mu: pd.Series
    cov: pd.DataFrame
    risk_free: float = 0.0
    expected_returns: str = "historical"
    covariance: str = "sample"
    as_of: pd.Timestamp | None = None
    n_obs: int = 0
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def symbols(self) -> list[str]:
        """Return the symbols, in the order of mu."""
        return list(self.mu.index)


def _check(returns: pd.DataFrame, min_obs: int = 2) -> np.ndarray:
    if returns.shape[1] == 0:
        raise DataError("no assets in the return window")
    values = returns.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        bad = returns.columns[~np.isfinite(values).all(axis=0)].tolist()
        raise DataError(f"returns contain NaN or infinite values for {bad}", symbols=bad)
    if len(values) < min_obs:
        raise DataError(
            f"need at least {min_obs} observations, got {len(values)}", n_obs=len(values)
        )
    return values


class HistoricalMean:
    """Arithmetic mean of daily returns x 252."""

    name = "historical"

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> HistoricalMean:
        """Estimate; the result is in `mu_` (annual, Series by symbol)."""
        values = _check(returns)
        self.mu_ = pd.Series(values.mean(axis=0) * TRADING_DAYS, index=returns.columns)
        return self


class SampleCovariance:
    """Sample covariance (ddof=1) of daily returns x 252."""

    name = "sample"

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> SampleCovariance:
        """Estimate; the result is in `cov_` (annual, DataFrame symbols x symbols)."""
        values = _check(returns)
        cov = sample_covariance(values, values.mean(axis=0))
        self.cov_ = pd.DataFrame(cov, index=returns.columns, columns=returns.columns)
        return self


def sample_covariance(values: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Return the annual sample covariance (ddof=1) of `values` around their column `mean`.

    np.cov's generality (weights, copies, checks) costs more than the product
    at small n; the scaling follows its order, so the bits are the same.
    """
    centred = values - mean
    cov = centred.T @ centred
    cov *= 1.0 / (len(values) - 1)
    cov *= TRADING_DAYS
    return cov


def _historical_sample(returns: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Return HistoricalMean's mu_ and SampleCovariance's cov_ from one check and one mean.

    A column sum is finite only when every value in it is, so a finite mean
    spares `_check` its pass over the data; otherwise `_check` decides.
    """
    values = returns.to_numpy(dtype=float)
    if values.shape[0] < 2 or values.shape[1] == 0:
        values = _check(returns)
    mean = values.mean(axis=0)
    if not np.isfinite(mean).all():
        values = _check(returns)  # raises for NaN/inf; lets finite overflow through as before
    cols = returns.columns
    return pd.Series(mean * TRADING_DAYS, index=cols), pd.DataFrame(
        sample_covariance(values, mean), index=cols, columns=cols
    )


class LedoitWolf:
    """Ledoit–Wolf (2004) shrinkage of the (biased) sample covariance toward a scaled identity.

    The same estimator as scikit-learn's `ledoit_wolf` (data centred, 1/n
    normalisation), annualised x 252; the intensity is in `shrinkage_`.
    """

    name = "ledoit_wolf"

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> LedoitWolf:
        """Estimate; results in `cov_` (annual) and `shrinkage_` (in [0, 1])."""
        values = _check(returns)
        cov, shrinkage = ledoit_wolf(values)
        self.shrinkage_ = shrinkage
        self.cov_ = pd.DataFrame(cov * TRADING_DAYS, index=returns.columns, columns=returns.columns)
        return self


def ledoit_wolf(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Return (shrunk daily covariance p x p, shrinkage) of observations `values` (n x p)."""
    n, p = values.shape
    x = values - values.mean(axis=0)
    sample = x.T @ x / n
    if p == 1:
        return sample, 0.0
    x2 = x**2
    trace_terms = x2.sum(axis=0) / n
    mu = trace_terms.sum() / p
    beta_ = float((x2.T @ x2).sum())
    delta_ = float(((x.T @ x) ** 2).sum()) / n**2
    beta = (beta_ / n - delta_) / (p * n)
    delta = (delta_ - 2.0 * mu * trace_terms.sum() + p * mu**2) / p
    beta = min(beta, delta)
    shrinkage = 0.0 if beta == 0 else beta / delta
    shrunk = (1.0 - shrinkage) * sample
    shrunk.flat[:: p + 1] += shrinkage * mu
    return shrunk, float(shrinkage)


def ewm_weights(n: int, span: float) -> np.ndarray:
    """Return normalised exponential weights of n rows, oldest first (alpha = 2 / (span + 1)).

    The weights of pandas' `ewm(span=span, adjust=True)` at the last row.
    """
    if not span >= 1:
        raise InvalidInput(f"span must be >= 1, got {span!r}")
    alpha = 2.0 / (span + 1.0)
    w = (1.0 - alpha) ** np.arange(n - 1, -1, -1, dtype=float)
    return np.asarray(w / w.sum())


class EmaMean:
    """Exponentially weighted mean of daily returns x 252 (pandas `ewm(span).mean()` at the last date)."""

    name = "ema"

    def __init__(self, span: float = 252.0) -> None:
        self.span = span

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> EmaMean:
        """Estimate; the result is in `mu_` (annual, Series by symbol)."""
        values = _check(returns)
        w = ewm_weights(len(values), self.span)
        self.mu_ = pd.Series(w @ values * TRADING_DAYS, index=returns.columns)
        return self


class EwmaCovariance:
    """Exponentially weighted covariance x 252 (pandas `ewm(span).cov(bias=True)` at the last date).

    The default span 32 is RiskMetrics' daily decay lambda = 0.94 (span = 2 / (1 - lambda) - 1).
    """

    name = "ewma"

    def __init__(self, span: float = 32.0) -> None:
        self.span = span

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> EwmaCovariance:
        """Estimate; the result is in `cov_` (annual, DataFrame symbols x symbols), PSD."""
        values = _check(returns)
        w = ewm_weights(len(values), self.span)
        centred = values - w @ values
        cov = (centred * w[:, None]).T @ centred
        cov = 0.5 * (cov + cov.T) * TRADING_DAYS
        self.cov_ = pd.DataFrame(cov, index=returns.columns, columns=returns.columns)
        return self


#: name -> estimator class; later estimators register here with one line.
EXPECTED_RETURNS: dict[str, Callable[..., Any]] = {
    "historical": HistoricalMean,
    "ema": EmaMean,
    "capm": CapmReturns,
    "ff3": FF3Returns,
}
COVARIANCES: dict[str, Callable[..., Any]] = {
    "sample": SampleCovariance,
    "ledoit_wolf": LedoitWolf,
    "ewma": EwmaCovariance,
    "factor": FactorCovariance,
}
#: estimators that take the long factor history for their premia
USES_PREMIA = ("capm", "ff3")


def estimate_return_model(
    returns: pd.DataFrame,
    factors: pd.DataFrame | None = None,
    *,
    expected_returns: str | None = None,
    covariance: str = "ledoit_wolf",
    risk_free: float = 0.0,
    expected_params: dict[str, Any] | None = None,
    covariance_params: dict[str, Any] | None = None,
    premia_factors: pd.DataFrame | None = None,
) -> ReturnModel:
    """Return the ReturnModel of daily `returns` with the named estimators.

    `expected_returns=None` means `ff3` when `factors` are given, else
    `historical`. `premia_factors` is the factor history for the long-run
    premia of `capm`/`ff3` (default: `factors`); either is cut at the
    as-of date (the last return date), so no later factor value is read.
    """
    if expected_returns is None:
        expected_returns = "ff3" if factors is not None else "historical"
    if expected_returns not in EXPECTED_RETURNS:
        raise DataError(
            f"unknown expected-returns estimator {expected_returns!r}; known: {sorted(EXPECTED_RETURNS)}"
        )
    if covariance not in COVARIANCES:
        raise DataError(
            f"unknown covariance estimator {covariance!r}; known: {sorted(COVARIANCES)}"
        )
    mu_params = dict(expected_params or {})
    if expected_returns in USES_PREMIA and premia_factors is not None:
        mu_params.setdefault("premia_factors", premia_factors)
    diagnostics: dict[str, Any] = {"expected_returns": {}, "covariance": {}}
    if (
        EXPECTED_RETURNS[expected_returns] is HistoricalMean
        and COVARIANCES[covariance] is SampleCovariance
        and not (mu_params or covariance_params)
    ):
        # the common pair shares its validation and mean (same numbers as the two estimators)
        mu, cov = _historical_sample(returns)
    else:
        mu_est = EXPECTED_RETURNS[expected_returns](**mu_params).fit(returns, factors)
        cov_est = COVARIANCES[covariance](**(covariance_params or {})).fit(returns, factors)
        mu, cov = mu_est.mu_, cov_est.cov_
        diagnostics = {
            "expected_returns": getattr(mu_est, "diagnostics_", {}),
            "covariance": getattr(cov_est, "diagnostics_", {}),
        }
    as_of = (
        returns.index[-1]
        if len(returns.index) and isinstance(returns.index, pd.DatetimeIndex)
        else None
    )
    return ReturnModel(
        mu=mu,
        cov=cov,
        risk_free=risk_free,
        expected_returns=expected_returns,
        covariance=covariance,
        as_of=as_of,
        n_obs=len(returns),
        diagnostics=diagnostics,
    )
