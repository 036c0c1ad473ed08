"""Fama–French time-series regressions of many assets at once, and rolling betas.

`factor_model` regresses each asset's excess return (raw simple return minus
`rf`) on the model's factors with an intercept:

    r_it - rf_t = alpha_i + sum_j beta_ij f_jt + e_it

All assets share one design matrix, so one QR factorisation serves them all
(assets with missing rows are grouped by their pattern of valid rows, one
solve per group). Standard errors are OLS, or Newey–West exactly as
statsmodels' `cov_type="HAC", cov_kwds={"maxlags": L}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pas.analytics.ols import OlsArrays, ols_many, rolling_ols
from pas.analytics.returns import (
    PERIODS_PER_YEAR,
    Aligned,
    align,
    check_observations,
    infer_frequency,
)
from pas.core.errors import DataError, InvalidInput

#: model name -> factor columns (the intercept comes first, implicitly)
MODELS: dict[str, tuple[str, ...]] = {
    "capm": ("mkt_rf",),
    "ff3": ("mkt_rf", "smb", "hml"),
    "ff4": ("mkt_rf", "smb", "hml", "mom"),
    "carhart": ("mkt_rf", "smb", "hml", "mom"),
}
#: factor column -> the short name used in coefficient columns (beta_mkt, t_mkt, ...)
SHORT = {"mkt_rf": "mkt", "smb": "smb", "hml": "hml", "mom": "mom"}


def model_factors(model: str) -> tuple[str, ...]:
    """Return the factor columns of a model name (InvalidInput when unknown)."""
    try:
        return MODELS[model.lower()]
    except KeyError:
        raise InvalidInput(f"unknown factor model {model!r}; known: {sorted(MODELS)}") from None


@dataclass(frozen=True)
class FactorModelResult:
    """Per-asset regression results; coefficient frames are symbols x (alpha, factors...).

    `params` are per period (daily alpha for daily data); `periods_per_year`
    (252 or 12) annualises. `returns` are the aligned raw returns and
    `factor_values` the aligned factors (with rf) of the same dates;
    `resid` (dates x symbols, NaN where an asset had no observation) is
    computed from them on first use.
    """

    model: str
    factors: tuple[str, ...]
    params: pd.DataFrame
    bse: pd.DataFrame
    tvalues: pd.DataFrame
    rsquared: pd.Series
    rsquared_adj: pd.Series
    resid_vol: pd.Series
    n_obs: pd.Series
    returns: pd.DataFrame
    factor_values: pd.DataFrame
    periods_per_year: int
    cov_type: str
    hac_lags: int | None
    dropped_asset_dates: int = 0
    dropped_factor_dates: int = 0
    note: str = ""

    @cached_property
    def resid(self) -> pd.DataFrame:
        """Return the residuals r - rf - X b, dates x symbols (NaN where a return is missing)."""
        X = design(self.factor_values, self.factors)
        rf = self.factor_values["rf"].to_numpy(dtype=float)[:, None]
        fitted = X @ self.params[["alpha", *self.factors]].to_numpy().T
        values = self.returns.to_numpy(dtype=float) - rf - fitted
        return pd.DataFrame(values, index=self.returns.index, columns=self.returns.columns)

    @property
    def alpha(self) -> pd.Series:
        """Return the intercept per period (daily for daily data), by symbol."""
        return self.params["alpha"]

    @property
    def alpha_annual(self) -> pd.Series:
        """Return the intercept x periods per year (arithmetic), by symbol."""
        return self.params["alpha"] * self.periods_per_year

    @property
    def betas(self) -> pd.DataFrame:
        """Return the factor loadings, symbols x factor columns (mkt_rf, smb, ...)."""
        return self.params[list(self.factors)]

    @property
    def table(self) -> pd.DataFrame:
        """Return one row per symbol: alpha, betas, t-stats, R², residual vol, n_obs.

        Columns beta_smb/beta_hml/t_smb/t_hml are always present (NaN for
        CAPM); beta_mom/t_mom appear only when the model uses `mom`.
        """
        shown = list(MODELS["ff3"]) + (["mom"] if "mom" in self.factors else [])
        out = pd.DataFrame(index=self.params.index)
        out["alpha_annual"] = self.alpha_annual
        for f in shown:
            out[f"beta_{SHORT[f]}"] = self.params[f] if f in self.factors else np.nan
        out["t_alpha"] = self.tvalues["alpha"]
        for f in shown:
            out[f"t_{SHORT[f]}"] = self.tvalues[f] if f in self.factors else np.nan
        out["r2"] = self.rsquared
        out["adj_r2"] = self.rsquared_adj
        out["resid_vol_annual"] = self.resid_vol * np.sqrt(self.periods_per_year)
        out["n_obs"] = self.n_obs
        out["alpha"] = self.alpha
        out.index.name = "symbol"
        return out


def factor_model(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    model: str = "ff3",
    hac_lags: int | None = None,
) -> FactorModelResult:
    """Return the factor regression of every asset of `returns` (raw simple returns, dates x symbols).

    `factors` holds `mkt_rf, smb, hml, rf` (and `mom` for ff4/carhart) in
    decimals. Dates are inner-joined (daily returns are compounded to months
    against monthly factors); a factor NaN in the window, a constant factor,
    or an asset with fewer than parameters + 2 observations is a DataError.
    """
    names = model_factors(model)
    lags = _check_lags(hac_lags)
    aligned = prepare(returns, factors, names)
    X = design(aligned.factors, names)
    symbols = aligned.returns.columns
    fit = _fit(X, aligned, lags)
    coef_names = ["alpha", *names]

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values.T, index=symbols, columns=coef_names)

    n_obs = fit.n_obs
    return FactorModelResult(
        model=model.lower(),
        factors=names,
        params=frame(fit.coef),
        bse=frame(fit.bse),
        tvalues=frame(fit.coef / fit.bse),
        rsquared=pd.Series(fit.rsquared, index=symbols),
        rsquared_adj=pd.Series(fit.rsquared_adj, index=symbols),
        resid_vol=pd.Series(np.sqrt(fit.ssr / (n_obs - X.shape[1])), index=symbols),
        n_obs=pd.Series(n_obs, index=symbols),
        returns=aligned.returns,
        factor_values=aligned.factors,
        periods_per_year=aligned.periods_per_year,
        cov_type="nonrobust" if lags is None else "HAC",
        hac_lags=lags,
        dropped_asset_dates=aligned.dropped_asset_dates,
        dropped_factor_dates=aligned.dropped_factor_dates,
        note=aligned.note(),
    )


def excess_matrix(aligned: Aligned) -> np.ndarray:
    """Return the excess returns as a row-major T x N array (the kernels work in row blocks)."""
    returns = aligned.returns.to_numpy(dtype=float)
    out = np.empty(returns.shape)
    np.subtract(returns, aligned.factors["rf"].to_numpy(dtype=float)[:, None], out=out)
    return out


def _check_missing(Y: np.ndarray, valid: np.ndarray, symbols: pd.Index, need: int) -> None:
    """Raise DataError for infinite returns or assets with fewer than `need` valid rows."""
    infinite = np.isinf(Y).any(axis=0)
    if infinite.any():
        bad = symbols[infinite].tolist()
        raise DataError(f"infinite returns for {bad}", symbols=bad)
    check_observations(pd.Series(valid.sum(axis=0), index=symbols), need)


@dataclass(frozen=True)
class _Fits:
    coef: np.ndarray
    bse: np.ndarray
    ssr: np.ndarray
    rsquared: np.ndarray
    rsquared_adj: np.ndarray
    n_obs: np.ndarray


def _fit(X: np.ndarray, aligned: Aligned, lags: int | None) -> _Fits:
    """Return OLS of every asset's excess returns; assets with gaps use their own rows."""
    raw = aligned.returns.to_numpy(dtype=float)
    rf = aligned.factors["rf"].to_numpy(dtype=float)
    one = ols_many(X, raw, lags, offset=rf, keep_resid=False)
    # a missing or infinite return makes its asset's coefficients non-finite
    if np.isfinite(one.coef).all():
        n_obs = np.full(raw.shape[1], one.n_obs)
        return _Fits(one.coef, one.bse, one.ssr, one.rsquared, one.rsquared_adj, n_obs)
    Y = excess_matrix(aligned)
    valid = np.isfinite(Y)
    _check_missing(Y, valid, aligned.returns.columns, X.shape[1] + 2)
    return _fit_groups(X, Y, valid, lags)


def _fit_groups(X: np.ndarray, Y: np.ndarray, valid: np.ndarray, lags: int | None) -> _Fits:
    """Return OLS of every asset on its own valid rows, one solve per pattern of valid rows."""
    groups = valid_groups(valid)
    k, n_assets = X.shape[1], Y.shape[1]
    coef, bse = np.empty((k, n_assets)), np.empty((k, n_assets))
    r2, adj, ssr, n_obs = (np.empty(n_assets) for _ in range(4))
    for rows, cols in groups:
        fit: OlsArrays = ols_many(X[rows], Y[np.ix_(rows, cols)], lags, keep_resid=False)
        coef[:, cols], bse[:, cols] = fit.coef, fit.bse
        r2[cols], adj[cols], ssr[cols] = fit.rsquared, fit.rsquared_adj, fit.ssr
        n_obs[cols] = fit.n_obs
    return _Fits(coef, bse, ssr, r2, adj, n_obs.astype(int))


def _check_lags(hac_lags: int | None) -> int | None:
    if hac_lags is None:
        return None
    if isinstance(hac_lags, bool) or int(hac_lags) != hac_lags or hac_lags < 0:
        raise InvalidInput(f"hac_lags must be a non-negative integer, got {hac_lags!r}")
    return int(hac_lags)


def prepare(returns: pd.DataFrame, factors: pd.DataFrame, names: tuple[str, ...]) -> Aligned:
    """Return returns and the model's factor columns (+ rf) aligned; DataError on bad factors."""
    need = [*names, "rf"]
    missing = [c for c in need if c not in factors.columns]
    if missing:
        raise DataError(f"factors lack columns {missing}", missing=missing)
    aligned = align(returns, factors[need], min_obs=len(names) + 3)
    values = aligned.factors.to_numpy(dtype=float)
    nan_rows = ~np.isfinite(values).all(axis=1)
    if nan_rows.any():
        first = aligned.factors.index[nan_rows][0]
        raise DataError(
            f"factor values are missing on {int(nan_rows.sum())} dates of the window "
            f"(first {first.date()}); PAS never fills factor values",
            n_dates=int(nan_rows.sum()),
        )
    spread = values.max(axis=0) - values.min(axis=0)
    flat = [c for c, width in zip(need, spread, strict=True) if c != "rf" and width == 0]
    if flat:
        raise DataError(f"factor column(s) {flat} are constant over the window", columns=flat)
    return aligned


def design(factors: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """Return the design matrix [1, f_1, ..., f_k] (T x (k+1))."""
    values = factors[list(names)].to_numpy(dtype=float)
    return np.column_stack([np.ones(len(values)), values])


def valid_groups(valid: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (valid rows, asset columns) per distinct pattern of valid rows of `valid` (T x N)."""
    if valid.all():
        return [(np.arange(valid.shape[0]), np.arange(valid.shape[1]))]
    packed = np.packbits(valid, axis=0)
    _, inverse = np.unique(packed, axis=1, return_inverse=True)
    inverse = inverse.ravel()
    groups = []
    for g in np.unique(inverse):
        cols = np.flatnonzero(inverse == g)
        groups.append((np.flatnonzero(valid[:, cols[0]]), cols))
    return groups


def rolling_betas(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    window: int = 252,
    step: int = 1,
    model: str = "ff3",
) -> pd.DataFrame:
    """Return rolling-window alphas and betas as a tidy frame.

    Columns: date (last date of the window), symbol, alpha (per period),
    alpha_annual, beta_<factor>... One row per window end (every `step`
    dates) and symbol; a window in which the asset misses a return is NaN.
    O(T·N) via running sums of the cross-products, not a refit per window.
    """
    names = model_factors(model)
    if int(window) != window or window < len(names) + 3:
        raise InvalidInput(f"window must be an integer >= {len(names) + 3}, got {window!r}")
    if int(step) != step or step < 1:
        raise InvalidInput(f"step must be a positive integer, got {step!r}")
    aligned = prepare(returns, factors, names)
    if aligned.n_obs < window:
        raise DataError(
            f"window {window} is longer than the {aligned.n_obs} common observations",
            window=window,
            n_obs=aligned.n_obs,
        )
    X = design(aligned.factors, names)
    symbols = aligned.returns.columns
    Y = excess_matrix(aligned)
    infinite = np.isinf(Y).any(axis=0)
    if infinite.any():
        bad = symbols[infinite].tolist()
        raise DataError(f"infinite returns for {bad}", symbols=bad)
    fit = rolling_ols(X, Y, int(window), int(step))
    dates = aligned.returns.index[fit.ends - 1]
    return tidy_coefficients(fit.coef, dates, symbols, names, aligned.periods_per_year)


def tidy_coefficients(
    coef: np.ndarray,
    dates: pd.Index,
    symbols: pd.Index,
    names: tuple[str, ...],
    periods_per_year: int = 252,
) -> pd.DataFrame:
    """Return (W, K, N) coefficients as rows (date, symbol, alpha, alpha_annual, beta_...)."""
    w, _, n = coef.shape
    out = {
        "date": np.repeat(np.asarray(dates), n),
        "symbol": np.tile(np.asarray(symbols, dtype=object), w),
        "alpha": coef[:, 0, :].ravel(),
    }
    out["alpha_annual"] = out["alpha"] * periods_per_year
    for j, name in enumerate(names, start=1):
        out[f"beta_{SHORT[name]}"] = coef[:, j, :].ravel()
    return pd.DataFrame(out)


def factor_premia(
    factors: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    columns: tuple[str, ...] = ("mkt_rf", "smb", "hml", "mom", "rf"),
) -> pd.DataFrame:
    """Return long-run factor premia from every factor row dated on or before `as_of`.

    One row per factor present: premium_annual (arithmetic mean x periods
    per year), vol_annual, t_stat (mean / standard error), n_obs, first,
    last. Missing values of one factor (e.g. `mom` starting later) only
    shorten that factor's history; they are never filled. A factor with
    fewer than two values is left out.
    """
    history = factors if as_of is None else factors[factors.index <= as_of]
    present = [c for c in columns if c in history.columns and history[c].notna().sum() > 1]
    if not present:
        raise DataError(f"factors lack every premium column {list(columns)}")
    if len(history) < 2:
        raise DataError(f"need at least 2 factor rows up to {as_of}, got {len(history)}")
    ppy = PERIODS_PER_YEAR[infer_frequency(history.index, "factors")]
    rows = {}
    for col in present:
        series = history[col].dropna()
        n = len(series)
        mean, std = series.mean(), series.std(ddof=1)
        rows[col] = {
            "premium_annual": mean * ppy,
            "vol_annual": std * np.sqrt(ppy),
            "t_stat": mean / (std / np.sqrt(n)) if std > 0 else np.nan,
            "n_obs": n,
            "first": series.index[0],
            "last": series.index[-1],
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "factor"
    return out
