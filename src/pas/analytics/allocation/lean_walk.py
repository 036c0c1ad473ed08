"""The walk-forward's lean decisions: arrays in, arrays out, the engine's numbers.

A walk-forward decision of max-Sharpe with the default bounds (long-only,
fully invested) on a clean window needs none of the engine's frames: the
window is a slice of the walk's return array, the historical mean and the
sample or Ledoit-Wolf covariance are computed with the estimators' formulas
on it, the exact solver runs warm-started from the previous decision's active
set (successive windows overlap, so that set is usually the answer or one
pivot away), and the weights are finished as the engine finishes them (its
`checked`, then the Allocation's normalisation). The numbers equal
`allocate_estimated`'s (tested to 1e-12). A window the lean path does not
cover (missing or constant returns, a covariance that is not positive
definite, no positive expected excess return, a solver that declines)
returns None, and the walk asks the engine itself, which records any fallback.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import get_lapack_funcs

from pas.analytics.allocation.api import MIN_OBS
from pas.analytics.allocation.boxqp import anti_cycling
from pas.analytics.estimators import TRADING_DAYS, ledoit_wolf

_potrf, _potrs = get_lapack_funcs(("potrf", "potrs"), dtype=np.float64)
_amax, _amin = np.maximum.reduce, np.minimum.reduce

#: daily returns (T x n) -> (annual mu (n,), annual cov (n, n))
Moments = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def historical_sample(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (historical mean, sample covariance (ddof=1)), annual, of daily returns (T x n).

    The arithmetic of `HistoricalMean` and `SampleCovariance` (estimators.py), step for step.
    """
    mean = values.mean(axis=0)
    centred = values - mean
    cov = centred.T @ centred
    cov *= 1.0 / (len(values) - 1)
    cov *= TRADING_DAYS
    return mean * TRADING_DAYS, cov


def historical_ledoit_wolf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (historical mean, Ledoit-Wolf covariance), annual, of daily returns (T x n)."""
    return values.mean(axis=0) * TRADING_DAYS, ledoit_wolf(values)[0] * TRADING_DAYS


#: (expected returns, covariance) estimator names -> their lean form
MOMENTS: dict[tuple[str, str], Moments] = {
    ("historical", "sample"): historical_sample,
    ("historical", "ledoit_wolf"): historical_ledoit_wolf,
}


class WholeWindows:
    """Which windows of a return history (T x n) the engine uses whole, each answered in O(n).

    Whole: at least MIN_OBS rows, every value finite and no constant column:
    the windows the engine's `clean_window` keeps as they are for a
    risk-based scheme, without an exclusion note (but for a window of only
    constant columns, which it keeps too, with a zero covariance).
    """

    def __init__(self, returns: np.ndarray) -> None:
        rows = np.arange(len(returns), dtype=np.int32)[:, None]
        self.usable = returns.shape[1] > 0
        # rows with a missing value before each row, and per column how many of the
        # latest returns equal the one before them (a column is constant where all do)
        self.missing = np.concatenate(([0], np.cumsum(~np.isfinite(returns).all(axis=1))))
        same = np.zeros(returns.shape, dtype=bool)
        same[1:] = returns[1:] == returns[:-1]
        self.repeats = rows - np.maximum.accumulate(np.where(same, np.int32(0), rows), axis=0)

    def __call__(self, start: int, stop: int) -> bool:
        """Return True when the window of rows start..stop - 1 is used whole."""
        if stop - start < MIN_OBS or not self.usable or self.missing[stop] != self.missing[start]:
            return False
        return not bool((self.repeats[stop - 1] >= stop - 1 - start).any())


class LeanMaxSharpe:
    """Long-only, fully invested max-Sharpe decisions of one walk, each solve warm-started."""

    def __init__(self) -> None:
        self.free: np.ndarray | None = None  # the last solve's support (a mask)

    def __call__(self, mu: np.ndarray, cov: np.ndarray, risk_free: float) -> np.ndarray | None:
        """Return the weights (n,) the engine would give, or None to ask the engine.

        None where the engine would not simply take its fast path's answer: no
        positive excess return (for bounds [0, 1] `max_box_excess` is the
        largest excess), a covariance that is not positive definite, a
        solve that fails or a result `checked` would change.
        """
        n = len(mu)
        excess = mu - risk_free
        if not _amax(excess) > 0 or not positive_definite(cov):
            return None  # the engine's fallback chain answers (and records why)
        free = self.free if self.free is not None and len(self.free) == n else None
        solved = tangency(cov, excess, free)
        if solved is None:
            return None
        y, self.free = solved
        return finished(y / y.sum())


def tangency(
    cov: np.ndarray, excess: np.ndarray, free: np.ndarray | None = None, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (y (n,), its support) minimising yᵀΣy over y >= 0, excessᵀy = 1; None if it fails.

    The homogenised max-Sharpe problem of max_sharpe's fast path (weights
    y / 1ᵀy), solved the same way: block principal pivoting with Murty's
    rule as the anti-cycling backup and `solve_box_qp`'s tolerances, here
    from the support `free` (default: the assets with a positive excess)
    and with one Cholesky solve Σ_FF z = excess_F per pivot. On the support
    y = z / (excessᵀz); off it the gradient Σy - λ excess (λ = 1 / excessᵀz)
    must be >= 0. Σ must be positive definite: the minimiser is then unique.
    """
    positive = excess > 0
    # as solve_box_qp: a start holds no asset whose excess is not positive
    free = positive.copy() if free is None else free & positive
    best, backups = len(excess) + 1, 3
    for _ in range(max_iter):
        support = free.nonzero()[0]
        if not len(support):
            return None
        cols = cov.take(support, axis=1)
        block = cols.take(support, axis=0)
        # block is symmetric: its transpose is the Fortran-ordered matrix LAPACK wants
        chol, info = _potrf(block.T, lower=0, clean=0, overwrite_a=1)
        if info != 0:
            return None
        part = excess.take(support)
        z, info = _potrs(chol, part, lower=0)
        scale = float(part @ z)
        if info != 0 or not scale > 0:
            return None
        # in units of z = scale * y: the gradient scale * (Σy - λ excess), 0 on the support
        grad = cols @ z
        grad -= excess
        out = ~free
        low = float(_amin(z))
        if not (low > 0 and _amin(grad, where=out, initial=np.inf) >= 0):
            # solve_box_qp's tolerances (on y and on its gradient), in these units
            xtol = 1e-13 * (scale + max(float(_amax(z)), -low))
            gtol = 1e-12 * (scale + float(_amax(np.abs(grad))) + 1.0)
            entering = (grad < -gtol) & out
            if low < -xtol or entering.any():
                bad = np.concatenate((support[z < -xtol], entering.nonzero()[0]))
                bad, best, backups = anti_cycling(bad, best, backups)
                free[bad] = ~free[bad]
                continue
        y = np.zeros(len(excess))
        y[support] = np.maximum(z, 0.0)  # as solve_box_qp's final clip
        y /= scale
        return y, free
    return None


def positive_definite(cov: np.ndarray, rcond: float = 1e-12) -> bool:
    """Return True when `cov` is positive definite with room to spare.

    Every Cholesky pivot must exceed `rcond` times the largest variance: an
    asset that duplicates another (a singular Σ) can pass a plain
    factorisation on rounding alone, and then the minimiser is not unique.
    """
    chol, info = _potrf(cov, lower=0, clean=0)
    if info != 0:
        return False
    return bool(np.diagonal(chol).min() ** 2 > rcond * np.diagonal(cov).max())


def finished(w: np.ndarray) -> np.ndarray | None:
    """Return weights w = y / 1ᵀy (y >= 0) as the engine hands them out, or None if not finite.

    The steps of `engine.checked` for bounds [0, 1] without cash (rounding
    cleaned, clipped, scaled to sum to 1, checked against the bounds), then
    the Allocation's normalisation (`summary.weights_series`). On such w the
    clip changes nothing (0 <= w_i <= 1) and the checks cannot fail (the sum
    is 1 to a few ulps), so they are left out.
    """
    w = np.where(w < 1e-15, 0.0, w)
    total = float(w.sum())
    if not abs(total - 1.0) <= 1e-6:  # NaN included
        return None
    w /= total
    w /= w.sum()
    return w
