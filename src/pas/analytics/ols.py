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


#: rows per block of the residual pass: a block of residuals for 500 assets
#: stays in cache while every HAC lag reads it (a large speed-up over full passes)
BLOCK_ROWS = 128


def ols_many(X: np.ndarray, Y: np.ndarray, hac_lags: int | None = None) -> OlsArrays:
    """Return OLS of every column of Y on X (intercept in column 0), OLS or Newey–West errors.

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
    qty = q.T @ Y
    coef = r_inv @ qty
    xtx_inv = r_inv @ r_inv.T
    hac = _HacSums(X, hac_lags, Y.shape[1]) if hac_lags is not None else None
    resid, ssr, sum_sq = _residual_pass(X, Y, coef, hac)
    df_resid = T - K
    var = np.outer(np.diag(xtx_inv), ssr / df_resid) if hac is None else hac.variances(xtx_inv)
    # column 0 of X is the intercept, so r[0, 0] * q[:, 0] is the ones vector
    mean = r[0, 0] * qty[0] / T
    tss = sum_sq - T * mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ssr / tss
    adj = 1.0 - (T - 1) / df_resid * (1.0 - r2)
    return OlsArrays(coef, np.sqrt(var), resid, ssr, r2, adj, T)


def _residual_pass(
    X: np.ndarray, Y: np.ndarray, coef: np.ndarray, hac: _HacSums | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (residuals, SSR, sum of y²), feeding each block of residuals to the HAC sums."""
    T, N = Y.shape
    resid = np.empty_like(Y)
    ssr, sum_sq = np.zeros(N), np.zeros(N)
    for t0 in range(0, T, BLOCK_ROWS):
        t1 = min(t0 + BLOCK_ROWS, T)
        block, y = resid[t0:t1], Y[t0:t1]
        np.matmul(X[t0:t1], coef, out=block)
        np.subtract(y, block, out=block)
        ssr += np.einsum("tn,tn->n", block, block)
        sum_sq += np.einsum("tn,tn->n", y, y)
        if hac is not None:
            hac.add_block(resid, t0, t1)
    return resid, ssr, sum_sq


class _HacSums:
    """Accumulates the Newey–West middle matrix S of every asset, block by block.

    For asset n, S_n = sum_l w_l sum_t u_tn u_(t-l)n (x_t x_(t-l)' + x_(t-l) x_t'),
    the lag-0 term counted once. Only the K(K+1)/2 distinct entries of the
    symmetric S are formed: per lag, the residual products (rows x N) times
    the matching weighted regressor products (rows x K(K+1)/2).
    """

    def __init__(self, X: np.ndarray, lags: int, n_assets: int) -> None:
        T, K = X.shape
        self.K = K
        self.lags = min(lags, T - 1)
        self.ia, self.ib = np.triu_indices(K)
        ia, ib = self.ia, self.ib
        # pairs[l][i] belongs to time t = i + l
        self.pairs = [X[:, ia] * X[:, ib]]
        for lag in range(1, self.lags + 1):
            now, then = X[lag:], X[: T - lag]
            weight = 1.0 - lag / (lags + 1.0)
            self.pairs.append(weight * (now[:, ia] * then[:, ib] + then[:, ia] * now[:, ib]))
        self.s_flat = np.zeros((n_assets, len(ia)))
        self.buffer = np.empty((BLOCK_ROWS, n_assets))

    def add_block(self, resid: np.ndarray, t0: int, t1: int) -> None:
        """Add the terms of times t0..t1-1 (their residuals and every earlier one are final)."""
        for lag in range(self.lags + 1):
            a = max(t0, lag)
            if a >= t1:
                continue
            u = np.multiply(resid[a:t1], resid[a - lag : t1 - lag], out=self.buffer[: t1 - a])
            self.s_flat += u.T @ self.pairs[lag][a - lag : t1 - lag]

    def variances(self, xtx_inv: np.ndarray) -> np.ndarray:
        """Return the (K, N) diagonal of (X'X)^-1 S_n (X'X)^-1 for every asset n."""
        s = np.empty((self.s_flat.shape[0], self.K, self.K))
        s[:, self.ia, self.ib] = self.s_flat
        s[:, self.ib, self.ia] = self.s_flat
        return np.asarray(np.einsum("ij,njk,ki->in", xtx_inv, s, xtx_inv))


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
    A window in which an asset has a missing value gives NaN for that asset;
    a window whose factors are collinear (e.g. one is constant) gives NaN.
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
    a = xx[ends] - xx[starts]
    singular = _singular(a)
    a[singular] = np.eye(K)  # solved harmlessly, then blanked below
    coef = np.linalg.solve(a, xy[ends] - xy[starts])
    coef[:, 0, :] += y_mean - np.einsum("k,wkn->wn", x_mean[1:], coef[:, 1:, :])
    holes = _running(~valid)
    blank = ((holes[ends] - holes[starts]) > 0) | singular[:, None]
    coef[np.broadcast_to(blank[:, None, :], coef.shape)] = np.nan
    return RollingArrays(coef, ends)


def _singular(a: np.ndarray) -> np.ndarray:
    """Return which of the (W, K, K) symmetric matrices are numerically singular."""
    eig = np.linalg.eigvalsh(a)
    return np.asarray(eig[:, 0] <= RANK_TOL * np.maximum(eig[:, -1], np.finfo(float).tiny))


def _running(values: np.ndarray) -> np.ndarray:
    """Return cumulative sums along axis 0 with a leading zero row (float64)."""
    out = np.zeros((len(values) + 1, *values.shape[1:]))
    np.cumsum(values, axis=0, out=out[1:])
    return out
