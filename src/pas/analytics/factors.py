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

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from pas.analytics.ols import OlsArrays, ols_many, rolling_ols

# re-exported: the premia lived here first
from pas.analytics.premia import factor_premia as factor_premia
from pas.analytics.premia import premia_rows as premia_rows
from pas.analytics.returns import (
    Aligned,
    align,
    check_observations,
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


@dataclass(frozen=True)
class _Fits:
    coef: np.ndarray
    bse: np.ndarray
    ssr: np.ndarray
    rsquared: np.ndarray
    rsquared_adj: np.ndarray
    n_obs: np.ndarray


@dataclass(frozen=True)
class FactorFit:
    """A factor regression as arrays: coefficients (k+1) x N over the aligned data.

    What estimators need on their hot path; `factor_model` labels it.
    """

    model: str
    factors: tuple[str, ...]
    aligned: Aligned
    fits: _Fits
    design_columns: int
    hac_lags: int | None

    @property
    def symbols(self) -> pd.Index:
        """Return the symbols, in the order of the coefficient columns."""
        return self.aligned.returns.columns

    @property
    def betas(self) -> np.ndarray:
        """Return the factor loadings, N x k (one row per symbol)."""
        return self.fits.coef[1:].T


def factor_fit(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    model: str = "ff3",
    hac_lags: int | None = None,
) -> FactorFit:
    """Return the factor regression of every asset as arrays (see `factor_model`)."""
    names = model_factors(model)
    lags = _check_lags(hac_lags)
    aligned = prepare(returns, factors, names)
    X = design(aligned.factors, names)
    return FactorFit(model.lower(), names, aligned, _fit(X, aligned, lags), X.shape[1], lags)


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
    result = factor_fit(returns, factors, model=model, hac_lags=hac_lags)
    aligned, fit, names, lags = result.aligned, result.fits, result.factors, result.hac_lags
    symbols = aligned.returns.columns
    coef_names = ["alpha", *names]

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values.T, index=symbols, columns=coef_names)

    n_obs = fit.n_obs
    return FactorModelResult(
        model=result.model,
        factors=names,
        params=frame(fit.coef),
        bse=frame(fit.bse),
        tvalues=frame(fit.coef / fit.bse),
        rsquared=pd.Series(fit.rsquared, index=symbols),
        rsquared_adj=pd.Series(fit.rsquared_adj, index=symbols),
        resid_vol=pd.Series(np.sqrt(fit.ssr / (n_obs - result.design_columns)), index=symbols),
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
    # align first: selecting the columns of the (short) aligned rows is cheaper than of all rows
    aligned = align(returns, factors, min_obs=len(names) + 3)
    aligned = replace(aligned, factors=select(aligned.factors, need))
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


def select(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Return `frame[columns]`; numeric frames through numpy (pandas' column take costs ~0.1 ms)."""
    labels = frame.columns
    if labels.is_unique:
        lookup = {c: i for i, c in enumerate(labels.tolist())}
        if all(c in lookup for c in columns):
            values = frame.to_numpy()
            if values.dtype == np.float64:
                where = [lookup[c] for c in columns]
                return pd.DataFrame(
                    values[:, where], index=frame.index, columns=labels.take(where), copy=False
                )
    return frame[columns]


def design(factors: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """Return the design matrix [1, f_1, ..., f_k] (T x (k+1))."""
    values = select(factors, list(names)).to_numpy(dtype=float)
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
