"""Array kernels: OLS of many assets on one design matrix, Newey–West HAC, rolling fits.

Shapes: X is (T, K) with the intercept in column 0, Y is (T, N), one column
per asset. Every kernel handles all N assets in one set of matrix products;
nothing loops over assets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

from pas.core.errors import DataError

#: |R_kk| / max|R_jj| below this means the design matrix is rank deficient
RANK_TOL = 1e-10


@dataclass(frozen=True)
class OlsArrays:
    """Per-asset OLS results; K coefficients x N assets unless stated."""

    coef: np.ndarray  # (K, N)
    bse: np.ndarray  # (K, N)
    resid: np.ndarray  # (T, N)
    ssr: np.ndarray  # (N,)
    rsquared: np.ndarray  # (N,)
    rsquared_adj: np.ndarray  # (N,)
    n_obs: int


def ols_many(X: np.ndarray, Y: np.ndarray, hac_lags: int | None = None) -> OlsArrays:
    """Return OLS of every column of Y on X, with OLS or Newey–West standard errors.

    Coefficients come from one QR factorisation of X shared by all assets.
    With `hac_lags=L` the covariance is statsmodels' `cov_type="HAC"`,
    `maxlags=L`: (X'X)^-1 S (X'X)^-1 with S = sum_l w_l (G_l + G_l'),
    w_l = 1 - l/(L+1) (Bartlett) and no small-sample correction.
    """
    T, K = X.shape
    q, r = np.linalg.qr(X)
    diag = np.abs(np.diag(r))
    if diag.min() <= RANK_TOL * diag.max():
        raise DataError("the factor columns are collinear (the design matrix is rank deficient)")
    r_inv = solve_triangular(r, np.eye(K))
    coef = r_inv @ (q.T @ Y)
    resid = Y - X @ coef
    ssr = np.einsum("tn,tn->n", resid, resid)
    xtx_inv = r_inv @ r_inv.T
    df_resid = T - K
    if hac_lags is None:
        var = np.outer(np.diag(xtx_inv), ssr / df_resid)
    else:
        var = hac_variances(X, resid, xtx_inv, hac_lags)
    centred = Y - Y.mean(axis=0)
    tss = np.einsum("tn,tn->n", centred, centred)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ssr / tss
    adj = 1.0 - (T - 1) / df_resid * (1.0 - r2)
    return OlsArrays(coef, np.sqrt(var), resid, ssr, r2, adj, T)


def hac_variances(X: np.ndarray, resid: np.ndarray, xtx_inv: np.ndarray, lags: int) -> np.ndarray:
    """Return the (K, N) diagonal of the Newey–West covariance of each asset's coefficients."""
    T, K = X.shape
    # S_n[a, b] for all assets at once: weights of x_t x_{t-l}' are the products u_t u_{t-l}
    s = _lagged_cross(X, resid, 0).reshape(-1, K, K)
    for lag in range(1, min(lags, T - 1) + 1):
        g = _lagged_cross(X, resid, lag).reshape(-1, K, K)
        s += (1.0 - lag / (lags + 1.0)) * (g + g.transpose(0, 2, 1))
    cov = np.einsum("ij,njk,ki->in", xtx_inv, s, xtx_inv)
    return np.asarray(cov)


def _lagged_cross(X: np.ndarray, resid: np.ndarray, lag: int) -> np.ndarray:
    """Return sum_t u_t u_{t-lag} x_t x_{t-lag}' for every asset, flattened to (N, K*K)."""
    T, K = X.shape
    x_now, x_then = X[lag:], X[: T - lag]
    u = resid[lag:] * resid[: T - lag]
    pairs = (x_now[:, :, None] * x_then[:, None, :]).reshape(T - lag, K * K)
    return np.asarray(u.T @ pairs)


@dataclass(frozen=True)
class RollingArrays:
    """Coefficients of every window: (W, K, N); `ends` are the exclusive end rows."""

    coef: np.ndarray
    ends: np.ndarray


def rolling_ols(X: np.ndarray, Y: np.ndarray, window: int, step: int = 1) -> RollingArrays:
    """Return OLS coefficients of Y on X over rows [e - window, e) for e = window, window+step, ...

    O(T·N·K²) work and no refit: running sums of X'X and X'Y give each
    window's normal equations by one difference. Columns are centred on
    their full-sample means first so the running sums stay small (the
    differences keep their precision); the intercept is shifted back after.
    A window in which an asset has a missing value gives NaN for that asset.
    """
    T, K = X.shape
    ends = np.arange(window, T + 1, step)
    starts = ends - window
    valid = np.isfinite(Y)
    x_mean = np.where(np.arange(K) > 0, X.mean(axis=0), 0.0)
    y_mean = np.nanmean(np.where(valid, Y, np.nan), axis=0) if not valid.all() else Y.mean(axis=0)
    y_mean = np.nan_to_num(y_mean)
    Xc = X - x_mean
    Yc = np.where(valid, Y - y_mean, 0.0)
    xx = _running(Xc[:, :, None] * Xc[:, None, :])
    xy = _running(np.einsum("tk,tn->tkn", Xc, Yc))
    coef = np.linalg.solve(xx[ends] - xx[starts], xy[ends] - xy[starts])
    coef[:, 0, :] += y_mean - np.einsum("k,wkn->wn", x_mean[1:], coef[:, 1:, :])
    holes = _running(~valid)
    coef[np.broadcast_to(((holes[ends] - holes[starts]) > 0)[:, None, :], coef.shape)] = np.nan
    return RollingArrays(coef, ends)


def _running(values: np.ndarray) -> np.ndarray:
    """Return cumulative sums along axis 0 with a leading zero row (float64)."""
    out = np.zeros((len(values) + 1, *values.shape[1:]))
    np.cumsum(values, axis=0, out=out[1:])
    return out
