"""Portfolio factor exposures and return attribution.

A portfolio here has constant weights, rebalanced daily: its return is
r_p = sum_i w_i r_i + (1 - sum_i w_i) rf, so a `CASH` line (or whatever the
weights leave over) earns the risk-free rate and its excess return is zero.
Its excess return is then sum_i w_i (r_i - rf), linear in the assets' excess
returns; OLS is linear in the regressand, so the regression of the
portfolio's own returns gives exactly the weighted asset betas when all
assets share the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pas.analytics.factors import FactorModelResult, design, factor_model, model_factors, prepare
from pas.core.errors import DataError

CASH = "CASH"


def _stock_weights(weights: pd.Series, symbols: pd.Index) -> pd.Series:
    """Return weights without CASH; DataError names symbols the returns do not have."""
    stocks = weights.drop(CASH, errors="ignore").astype(float)
    if not np.isfinite(stocks.to_numpy()).all():
        raise DataError("portfolio weights contain NaN or infinite values")
    unknown = sorted(set(stocks.index) - set(symbols))
    if unknown:
        raise DataError(f"no returns for weighted symbols {unknown}", symbols=unknown)
    return stocks


def portfolio_betas(weights: pd.Series, result: FactorModelResult) -> pd.Series:
    """Return the weighted asset coefficients sum_i w_i (alpha_i, beta_i...) (alpha per period).

    CASH (and any weight left over) has zero alpha and zero betas.
    """
    stocks = _stock_weights(weights, result.params.index)
    return result.params.loc[stocks.index].T @ stocks


def portfolio_returns(returns: pd.DataFrame, weights: pd.Series, rf: pd.Series) -> pd.Series:
    """Return the daily-rebalanced portfolio's simple returns; the rest of the weight earns rf.

    A missing return of a held asset is a DataError (it is never filled).
    """
    stocks = _stock_weights(weights, returns.columns)
    held = returns[stocks.index]
    if held.isna().to_numpy().any():
        bad = held.columns[held.isna().any()].tolist()
        raise DataError(f"missing returns for held assets {bad}", symbols=bad)
    rf_aligned = rf.reindex(held.index)
    if rf_aligned.isna().any():
        raise DataError("the risk-free rate is missing on some portfolio dates")
    cash = 1.0 - float(stocks.sum())
    return (held @ stocks + cash * rf_aligned).rename("portfolio")


def portfolio_regression(
    returns: pd.DataFrame,
    weights: pd.Series,
    factors: pd.DataFrame,
    *,
    model: str = "ff3",
    hac_lags: int | None = None,
) -> FactorModelResult:
    """Return the factor regression of the portfolio's own returns (one row, `portfolio`).

    Dates are aligned first (as factor_model does), so against monthly
    factors the portfolio is rebalanced monthly instead of daily.
    """
    aligned = prepare(returns, factors, model_factors(model))
    port = portfolio_returns(aligned.returns, weights, aligned.factors["rf"])
    result = factor_model(port.to_frame(), aligned.factors, model=model, hac_lags=hac_lags)
    return replace(
        result,
        dropped_asset_dates=aligned.dropped_asset_dates,
        dropped_factor_dates=aligned.dropped_factor_dates,
        note=aligned.note(),
    )


@dataclass(frozen=True)
class Attribution:
    """Sum of the portfolio's daily excess returns split into alpha + factors + residual.

    total_excess = alpha + contributions.sum() + residual, exactly.
    Amounts are sums of daily returns (arithmetic, not compounded).
    """

    total_excess: float
    alpha: float
    contributions: pd.Series
    residual: float
    coefficients: pd.Series
    n_obs: int
    start: pd.Timestamp
    end: pd.Timestamp
    daily: pd.DataFrame

    @property
    def table(self) -> pd.DataFrame:
        """Return one row per component (factors, alpha, residual, total) with its amount."""
        parts = {**self.contributions.to_dict(), "alpha": self.alpha, "residual": self.residual}
        out = pd.Series(parts, name="contribution").to_frame()
        out.loc["total_excess", "contribution"] = self.total_excess
        out.index.name = "component"
        return out


def attribution(
    returns: pd.DataFrame,
    weights: pd.Series,
    factors: pd.DataFrame,
    *,
    model: str = "ff3",
    coefficients: pd.Series | None = None,
) -> Attribution:
    """Return the attribution of the portfolio's excess return over the dates of `returns`.

    `coefficients` (alpha per period + betas, e.g. from an earlier window)
    default to the portfolio's own regression over the same dates; then the
    residual sums to zero up to rounding, as OLS with an intercept makes it.
    """
    names = model_factors(model)
    aligned = prepare(returns, factors, names)
    port = portfolio_returns(aligned.returns, weights, aligned.factors["rf"])
    excess = port - aligned.factors["rf"]
    if coefficients is None:
        own = factor_model(port.to_frame(), aligned.factors, model=model)
        coefficients = own.params.iloc[0]
    missing = [c for c in ("alpha", *names) if c not in coefficients.index]
    if missing:
        raise DataError(f"coefficients lack {missing}", missing=missing)
    X = design(aligned.factors, names)
    b = coefficients[["alpha", *names]].to_numpy(dtype=float)
    parts = X * b
    daily = pd.DataFrame(parts, index=excess.index, columns=["alpha", *names])
    daily["residual"] = excess.to_numpy() - parts.sum(axis=1)
    daily["excess"] = excess
    sums = daily.sum()
    return Attribution(
        total_excess=float(sums["excess"]),
        alpha=float(sums["alpha"]),
        contributions=sums[list(names)].astype(float),
        residual=float(sums["residual"]),
        coefficients=coefficients[["alpha", *names]].astype(float),
        n_obs=len(daily),
        start=daily.index[0],
        end=daily.index[-1],
        daily=daily,
    )
