"""Expected-return and covariance estimators, producing a frozen ReturnModel.

Estimators follow the estimator contract (STYLE.md): `__init__` stores
parameters, `fit(returns, factors=None)` does the work and stores learned
state in attributes ending in `_`. Inputs are simple daily returns
(dates x symbols, no NaN); outputs are annualised (x 252).

Expected returns: `historical`, `ema` (here) and the factor models `capm`,
`ff3` (pas.analytics.factor_estimators). Covariances: `sample`,
`ledoit_wolf`, `ewma` (here) and `factor`. Optional learned `diagnostics_`
(a dict) end up in ReturnModel.diagnostics. Estimators that need returns
alone also take arrays (`estimate(values)`); `moments` is the one function
the allocation pipeline and `estimate_return_model` both call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def check_values(values: np.ndarray, labels: Sequence[str], min_obs: int = 2) -> np.ndarray:
    """Return `values` (T x n); DataError when there is no asset, too few rows or a NaN/inf."""
    if values.shape[1] == 0:
        raise DataError("no assets in the return window")
    finite = np.isfinite(values)
    if not finite.all():
        bad = [s for s, ok in zip(labels, finite.all(axis=0), strict=True) if not ok]
        raise DataError(f"returns contain NaN or infinite values for {bad}", symbols=bad)
    if len(values) < min_obs:
        raise DataError(
            f"need at least {min_obs} observations, got {len(values)}", n_obs=len(values)
        )
    return values


def _mean(values: np.ndarray) -> np.ndarray:
    """Return the column means of `values` (T x n)."""
    return np.asarray(values.sum(axis=0) / len(values))


def _check(returns: pd.DataFrame) -> np.ndarray:
    return check_values(returns.to_numpy(dtype=float), [str(c) for c in returns.columns])


class HistoricalMean:
    """Arithmetic mean of daily returns x 252."""

    name = "historical"

    def estimate(self, values: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Return the annual mean (n,) of daily returns (T x n, checked; `mean`: their daily mean)."""
        return np.asarray((_mean(values) if mean is None else mean) * TRADING_DAYS)

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> HistoricalMean:
        """Estimate; the result is in `mu_` (annual, Series by symbol)."""
        self.mu_ = pd.Series(self.estimate(_check(returns)), index=returns.columns)
        return self


class SampleCovariance:
    """Sample covariance (ddof=1) of daily returns x 252."""

    name = "sample"

    def estimate(self, values: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Return the annual sample covariance (n, n) of daily returns (T x n, checked)."""
        centred = values - (_mean(values) if mean is None else mean)
        cov = centred.T @ centred
        cov *= TRADING_DAYS / (len(values) - 1)
        return np.asarray(cov)

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> SampleCovariance:
        """Estimate; the result is in `cov_` (annual, DataFrame symbols x symbols)."""
        cov = self.estimate(_check(returns))
        self.cov_ = pd.DataFrame(cov, index=returns.columns, columns=returns.columns)
        return self


class LedoitWolf:
    """Ledoit–Wolf (2004) shrinkage of the (biased) sample covariance toward a scaled identity.

    The same estimator as scikit-learn's `ledoit_wolf` (data centred, 1/n
    normalisation), annualised x 252; the intensity is in `shrinkage_`.
    """

    name = "ledoit_wolf"

    def estimate(self, values: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Return the annual shrunk covariance (n, n) of daily returns (T x n, checked)."""
        cov, self.shrinkage_ = ledoit_wolf(values, mean)
        return np.asarray(cov * TRADING_DAYS)

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> LedoitWolf:
        """Estimate; results in `cov_` (annual) and `shrinkage_` (in [0, 1])."""
        cov = self.estimate(_check(returns))
        self.cov_ = pd.DataFrame(cov, index=returns.columns, columns=returns.columns)
        return self


def ledoit_wolf(values: np.ndarray, mean: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Return (shrunk daily covariance p x p, shrinkage) of observations `values` (n x p).

    `mean` is their column mean when the caller has it.
    """
    n, p = values.shape
    x = values - (_mean(values) if mean is None else mean)
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

    def estimate(self, values: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Return the annual exponentially weighted mean (n,) of daily returns (T x n)."""
        return np.asarray(ewm_weights(len(values), self.span) @ values * TRADING_DAYS)

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> EmaMean:
        """Estimate; the result is in `mu_` (annual, Series by symbol)."""
        self.mu_ = pd.Series(self.estimate(_check(returns)), index=returns.columns)
        return self


class EwmaCovariance:
    """Exponentially weighted covariance x 252 (pandas `ewm(span).cov(bias=True)` at the last date).

    The default span 32 is RiskMetrics' daily decay lambda = 0.94 (span = 2 / (1 - lambda) - 1).
    """

    name = "ewma"

    def __init__(self, span: float = 32.0) -> None:
        self.span = span

    def estimate(self, values: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
        """Return the annual exponentially weighted covariance (n, n), PSD, of daily returns."""
        w = ewm_weights(len(values), self.span)
        centred = values - w @ values
        cov = (centred * w[:, None]).T @ centred
        return np.asarray(0.5 * (cov + cov.T) * TRADING_DAYS)

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> EwmaCovariance:
        """Estimate; the result is in `cov_` (annual, DataFrame symbols x symbols), PSD."""
        cov = self.estimate(_check(returns))
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


@dataclass(frozen=True, eq=False)
class Moments:
    """Annual expected returns mu (n,) and covariance cov (n, n) of one return window."""

    mu: np.ndarray
    cov: np.ndarray
    expected_returns: str
    covariance: str
    diagnostics: dict[str, Any]


def _fitted(
    estimator: Any,
    values: np.ndarray,
    mean: Callable[[], np.ndarray],
    frame: Callable[[], pd.DataFrame],
    factors: Any,
    key: str,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Return an estimator's array result: `estimate` on arrays, else `fit` on the frame."""
    if hasattr(estimator, "estimate"):
        return estimator.estimate(values, mean()), {}
    returns = frame()
    fitted = getattr(estimator.fit(returns, factors), key)
    labels = returns.columns
    out = fitted.reindex(labels) if key == "mu_" else fitted.reindex(index=labels, columns=labels)
    return out.to_numpy(dtype=float), getattr(estimator, "diagnostics_", {})


def moments(
    values: np.ndarray,
    dates: pd.Index | Callable[[], pd.Index],
    labels: Sequence[str],
    factors: pd.DataFrame | None = None,
    *,
    expected_returns: str | None = None,
    covariance: str = "ledoit_wolf",
    expected_params: dict[str, Any] | None = None,
    covariance_params: dict[str, Any] | None = None,
    premia_factors: pd.DataFrame | None = None,
    finite: bool = False,
    mean: np.ndarray | None = None,
) -> Moments:
    """Return the annual Moments of daily returns `values` (T x n) dated `dates`, named `labels`.

    `expected_returns=None` means `ff3` when `factors` are given, else
    `historical`. Estimators on returns alone run on the arrays; factor
    models get a DataFrame (they align the returns with the factors by date;
    `dates` may be a function, called only then).
    `premia_factors` is the factor history for the long-run premia of
    `capm`/`ff3` (default: `factors`); either is cut at the last return date.
    `finite=True` says the caller has checked that every value is finite;
    `mean` gives the column means of `values` when the caller has them.
    """
    name = expected_returns or ("ff3" if factors is not None else "historical")
    if name not in EXPECTED_RETURNS:
        raise DataError(
            f"unknown expected-returns estimator {name!r}; known: {sorted(EXPECTED_RETURNS)}"
        )
    if covariance not in COVARIANCES:
        raise DataError(
            f"unknown covariance estimator {covariance!r}; known: {sorted(COVARIANCES)}"
        )
    if not finite:
        values = check_values(values, labels)
    mu_params = dict(expected_params or {})
    if name in USES_PREMIA and premia_factors is not None:
        mu_params.setdefault("premia_factors", premia_factors)
    cache: dict[str, Any] = {} if mean is None else {"mean": mean}

    def frame() -> pd.DataFrame:
        if "frame" not in cache:
            index = dates() if callable(dates) else dates
            cache["frame"] = pd.DataFrame(values, index=index, columns=list(labels))
        frame_: pd.DataFrame = cache["frame"]
        return frame_

    def column_mean() -> np.ndarray:
        if "mean" not in cache:
            cache["mean"] = _mean(values)
        mean_: np.ndarray = cache["mean"]
        return mean_

    mu_est = EXPECTED_RETURNS[name](**mu_params)
    cov_est = COVARIANCES[covariance](**(covariance_params or {}))
    mu, mu_diag = _fitted(mu_est, values, column_mean, frame, factors, "mu_")
    cov, cov_diag = _fitted(cov_est, values, column_mean, frame, factors, "cov_")
    diagnostics = {"expected_returns": mu_diag, "covariance": cov_diag}
    return Moments(mu, cov, name, covariance, diagnostics)


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
    """Return the ReturnModel of daily `returns` (dates x symbols) with the named estimators.

    The frame form of `moments`: the same estimators, results as a Series
    and a DataFrame labelled by symbol.
    """
    cols = returns.columns
    m = moments(
        returns.to_numpy(dtype=float),
        returns.index,
        [str(c) for c in cols],
        factors,
        expected_returns=expected_returns,
        covariance=covariance,
        expected_params=expected_params,
        covariance_params=covariance_params,
        premia_factors=premia_factors,
    )
    as_of = (
        returns.index[-1]
        if len(returns.index) and isinstance(returns.index, pd.DatetimeIndex)
        else None
    )
    return ReturnModel(
        mu=pd.Series(m.mu, index=cols),
        cov=pd.DataFrame(m.cov, index=cols, columns=cols),
        risk_free=risk_free,
        expected_returns=m.expected_returns,
        covariance=m.covariance,
        as_of=as_of,
        n_obs=len(returns),
        diagnostics=m.diagnostics,
    )
