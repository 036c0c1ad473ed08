"""The common case of `allocate` on arrays: the same numbers as the general path, less pandas.

The common case is a clean float64 window (every return finite, no asset
constant over its first two days), historical expected returns with a
sample or Ledoit-Wolf covariance, global (lo, hi) bounds and nothing else
(no factors, sectors, turnover, costs, cash or `as_of`), for max_sharpe,
min_variance or risk_parity. There the general path's window, cleaning,
ReturnModel and constraint building reduce to one conversion to an array,
one mean, one covariance and two bound arrays; the scheme, its fallback
chain and the engine's checks run unchanged, and the Allocation is built
by the same `build_allocation`. Anything else (or any doubt) returns None
and the general path answers, errors included. tests/unit/analytics/
allocation/test_lean.py keeps both paths equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics import estimators as est
from pas.analytics.allocation.base import SchemeInput, blas_threads
from pas.analytics.allocation.constraints import box_constraints
from pas.analytics.allocation.engine import run_scheme
from pas.analytics.allocation.result import Allocation
from pas.analytics.allocation.summary import build_allocation

#: schemes whose inputs are mu, cov and bounds alone (fallbacks included)
METHODS = frozenset({"max_sharpe", "min_variance", "risk_parity"})
COVARIANCES = frozenset({"sample", "ledoit_wolf"})
MIN_OBS = 3
#: below 32 assets and up to 5,000 rows OpenBLAS keeps every product of this path on the
#: calling thread (measured: no worker-thread CPU time over all three schemes and both
#: covariances; some at 40 assets): no thread limit is set there, it would only cost
SINGLE_BELOW, SINGLE_ROWS = 32, 5000
#: ndarray.all / any without their Python-level dispatch (the same ufunc reductions)
_all, _any = np.logical_and.reduce, np.logical_or.reduce


def lean_allocate(
    prices: pd.DataFrame | None,
    returns: pd.DataFrame | None,
    *,
    method: str,
    risk_free: float,
    expected_returns: str | None,
    covariance: str,
    bounds: Any,
    lookback: int | None,
    record: dict[str, Any],
    scheme_params: dict[str, Any],
) -> Allocation | None:
    """Return `allocate`'s Allocation for the common case, or None when the general path must run.

    `prices` or `returns` (exactly one) is the caller's wide frame, dates x
    symbols; `record` is the parameter record the general path would keep.
    """
    if (prices is None) == (returns is None):
        return None
    frame = returns if prices is None else prices
    rows, n = getattr(frame, "shape", (0, 0))
    with blas_threads(n, small=1000, single_anyway=n < SINGLE_BELOW and rows <= SINGLE_ROWS):
        return _allocate(
            frame, prices is not None, method, risk_free, expected_returns, covariance, bounds,
            lookback, record, scheme_params,
        )  # fmt: skip


def _allocate(
    frame: pd.DataFrame,
    from_prices: bool,
    method: str,
    risk_free: float,
    expected_returns: str | None,
    covariance: str,
    bounds: Any,
    lookback: int | None,
    record: dict[str, Any],
    scheme_params: dict[str, Any],
) -> Allocation | None:
    """Return `lean_allocate`'s answer for one frame of prices (`from_prices`) or returns."""
    cut = _window(frame, from_prices, lookback)
    if cut is None:
        return None
    window, values, prices = cut
    estimated = _estimate(values, covariance)
    if estimated is None:
        return None
    mu, cov = estimated
    kept = window.columns.tolist()
    cons = box_constraints(kept, bounds)
    data = SchemeInput(tuple(kept), mu, cov, risk_free, cons, window, prices, {})
    result, used, chain = run_scheme(method, data, scheme_params)
    return build_allocation(
        result, symbols=window.columns, kept=kept, mu=mu, cov=cov, risk_free=risk_free,
        method=used, requested=method, fallback=chain, returns=window, factors=None,
        sectors=None, estimators=(expected_returns or "historical", covariance), params=record,
    )  # fmt: skip


def eligible(method: str, expected_returns: str | None, covariance: str, bounds: Any) -> bool:
    """Return True when these arguments allow the common case (the caller checks the rest are unset)."""
    return (
        method in METHODS
        and (expected_returns is None or expected_returns == "historical")
        and covariance in COVARIANCES
        and not isinstance(bounds, Mapping)
    )


def _window(
    frame: Any, from_prices: bool, lookback: int | None
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame | None] | None:
    """Return (return window, its values (T, n), the price window or None), or None."""
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        return None
    if frame.columns.inferred_type != "string":
        return None
    if lookback is not None and not (isinstance(lookback, int | np.integer) and lookback >= 2):
        return None
    values = frame.to_numpy()
    if values.dtype != np.float64:
        return None
    # copy-on-write: the caller's later edits never reach the window kept in the result
    prices = frame.copy(deep=False) if from_prices else None
    if prices is not None:
        values = values[1:] / values[:-1] - 1.0  # pct_change(fill_method=None).iloc[1:]
        window = pd.DataFrame(values, index=frame.index[1:], columns=frame.columns, copy=False)
    else:
        window = frame.copy(deep=False)
    if lookback is not None and lookback < len(values):
        values, window = values[-lookback:], window.iloc[-lookback:]
    return window, values, prices


def _estimate(values: np.ndarray, covariance: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (annual mu, annual cov) of a clean window, or None when cleaning would change it.

    A column sum is finite only when every value in it is, so a finite mean
    means nothing to drop; a column can be constant only when its first two
    values agree, and any such column is left to the general path. The mean
    is ndarray.mean's own reduction and division, without its Python layer.
    """
    if len(values) < MIN_OBS or _any(values[1] == values[0]):
        return None
    mean = np.add.reduce(values, axis=0) / len(values)
    if not _all(np.isfinite(mean)):
        return None
    if covariance == "sample":
        cov = est.sample_covariance(values, mean)
    else:
        shrunk, _ = est.ledoit_wolf(values)
        cov = shrunk * est.TRADING_DAYS
    # the general path reads cov back from a DataFrame, in Fortran order: the same layout
    # (cov is symmetric, cov.T is the same matrix) keeps BLAS's summation order, hence the bits
    return mean * est.TRADING_DAYS, cov.T
