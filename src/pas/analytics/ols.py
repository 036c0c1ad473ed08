"""Array kernels: OLS of many assets on one design matrix, Newey–West HAC, rolling fits.

Shapes: X is (T, K) with the intercept in column 0, Y is (T, N), one column
per asset. Every kernel handles all N assets in one set of matrix products;
nothing loops over assets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import dgemm

from pas.core.errors import DataError

#: |R_kk| / max|R_jj| below this means the design matrix is rank deficient
RANK_TOL = 1e-10


@dataclass(frozen=True)
class OlsArrays:
    """Per-asset OLS results; K coefficients x N assets unless stated."""

    coef: np.ndarray  # (K, N)
    bse: np.ndarray  # (K, N)
    resid: np.ndarray | None  # (T, N); None unless asked for
    ssr: np.ndarray  # (N,)
    rsquared: np.ndarray  # (N,)
    rsquared_adj: np.ndarray  # (N,)
    n_obs: int


#: assets per block: one block of T returns stays in cache while the residuals
#: and every HAC lag are computed from it (much faster than full passes)
BLOCK_ASSETS = 32


def ols_many(
    X: np.ndarray,
    Y: np.ndarray,
    hac_lags: int | None = None,
    offset: np.ndarray | None = None,
    keep_resid: bool = True,
) -> OlsArrays:
    """Return OLS of every column of Y - offset on X (intercept in column 0), OLS or HAC errors.

    `offset` (T,) is subtracted from every column (e.g. rf, to regress excess
    returns without materialising them). Coefficients come from one QR
    factorisation of X shared by all assets, applied block by block of
    assets. With `hac_lags=L` the covariance is statsmodels'
    `cov_type="HAC"`, `maxlags=L`: (X'X)^-1 S (X'X)^-1 with
    S = sum_l w_l (G_l + G_l'), w_l = 1 - l/(L+1) (Bartlett) and no
    small-sample correction. Non-finite inputs give non-finite coefficients.
    `keep_resid=False` skips storing the T x N residuals (they can be
    recomputed from the coefficients).
    """
    T, K = X.shape
    q, r_inv = _qr(X)
    xtx_inv = r_inv @ r_inv.T
    pairs = _hac_pairs(X, xtx_inv, hac_lags) if hac_lags is not None else None
    n = Y.shape[1]
    coef, var, ssr, tss = np.empty((K, n)), np.empty((K, n)), np.empty(n), np.empty(n)
    resid = np.empty((T, n), order="F") if keep_resid else None
    # scratch blocks reused across blocks: fresh large temporaries cost page faults
    work, scratch = (np.empty((T, BLOCK_ASSETS), order="F") for _ in range(2))
    x_f = np.asfortranarray(X)
    for c0 in range(0, n, BLOCK_ASSETS):
        cols = slice(c0, min(c0 + BLOCK_ASSETS, n))
        e = resid[:, cols] if resid is not None else work[:, : cols.stop - c0]
        if offset is None:
            e[...] = Y[:, cols]
        else:
            np.subtract(Y[:, cols], offset[:, None], out=e)
        qty = q.T @ e
        coef[:, cols] = b = r_inv @ qty
        _subtract_fitted(x_f, b, e)  # e: y -> y - X b, in place
        if pairs is None:
            ssr[cols] = np.einsum("tn,tn->n", e, e)
        else:
            var[:, cols], ssr[cols] = _hac_block(e, pairs, scratch[:, : cols.stop - c0])
        # q[:, 0] is the normalised intercept column, so the explained sum of
        # squares around the mean is the sum of the other squared projections
        tss[cols] = ssr[cols] + np.einsum("kn,kn->n", qty[1:], qty[1:])
    df_resid = T - K
    if pairs is None:
        var = np.outer(np.diag(xtx_inv), ssr / df_resid)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - ssr / tss
    adj = 1.0 - (T - 1) / df_resid * (1.0 - r2)
    return OlsArrays(coef, np.sqrt(var), resid, ssr, r2, adj, T)


def _qr(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (Q, R^-1) of X = QR; DataError when X is rank deficient."""
    q, r = np.linalg.qr(X)
    diag = np.abs(np.diag(r))
    if diag.min() <= RANK_TOL * diag.max():
        raise DataError("the factor columns are collinear (the design matrix is rank deficient)")
    # np.linalg.solve: scipy's solve_triangular costs milliseconds per call here
    return q, np.linalg.solve(r, np.eye(X.shape[1]))


def _subtract_fitted(x_f: np.ndarray, b: np.ndarray, e: np.ndarray) -> None:
    """Set e (T x n, column-major) to e - X b with one BLAS call, without a temporary."""
    out = dgemm(-1.0, x_f, np.asfortranarray(b), 1.0, e, overwrite_c=True)
    if not np.shares_memory(out, e):
        e[...] = out


def _hac_pairs(X: np.ndarray, xtx_inv: np.ndarray, lags: int) -> list[np.ndarray]:
    """Return, per lag l, the weighted regressor products c_l g_t g_(t-l) (rows t >= l, K).

    Only the diagonal of each asset's Newey–West covariance is needed. With
    H = (X'X)^-1 and g_t = H x_t, entry i of diag(H S_n H) is
    sum_l c_l sum_t u_tn u_(t-l)n g_ti g_(t-l)i, with c_0 = 1 and
    c_l = 2 w_l (G_l and G_l' contribute equally to a diagonal). The lag-0
    products carry an extra column of ones, which yields the SSR for free.
    """
    T = X.shape[0]
    g = X @ xtx_inv
    pairs = [np.column_stack([g * g, np.ones(T)])]
    for lag in range(1, min(lags, T - 1) + 1):
        weight = 2.0 * (1.0 - lag / (lags + 1.0))
        pairs.append(weight * g[lag:] * g[: T - lag])
    return pairs


def _hac_block(
    e: np.ndarray, pairs: list[np.ndarray], scratch: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return ((K, n) HAC variances, (n,) SSR) of a block of residuals e (T x n)."""
    T = e.shape[0]
    u = np.multiply(e, e, out=scratch)
    first = u.T @ pairs[0]
    total = first[:, :-1]
    for lag in range(1, len(pairs)):
        u = np.multiply(e[lag:], e[: T - lag], out=scratch[: T - lag])
        total += u.T @ pairs[lag]
    return np.asarray(total.T), np.asarray(first[:, -1])


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
