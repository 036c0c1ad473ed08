"""The estimate every scheme of one date shares: the clean window and its annual moments.

One Estimate per date and kind of scheme (risk-based or not): `pas.allocate`
makes one, the walk-forward makes one per rebalance date and hands it to
every scheme deciding there. Its `notes` say what the numbers rest on: data
left out, the window's length against the lookback, factor coverage and
estimator fallbacks. Too little data is an InsufficientData error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from pas.analytics.allocation.window import MIN_OBS, Clean, Window, clean
from pas.analytics.estimators import Moments, moments
from pas.core.errors import DataError, InsufficientData

#: estimators that regress on the factors: their coverage of the window is noted
FACTOR_ESTIMATORS = ("capm", "ff3", "factor")


@dataclass(frozen=True, eq=False)
class Estimate:
    """The clean window of one decision and its annual moments.

    `kept` are the positions (in `window.labels`) of the assets the moments
    cover, `returns` (T', k) and `dates` (T',) the clean daily returns,
    `mu` (k,) and `cov` (k, k) their annual moments. `exclusions` name the
    assets and dates left out, `estimator_fallback` an estimator that could
    not run and what ran instead, `coverage` how far factors cover the window.
    """

    window: Window
    kept: np.ndarray
    rows: np.ndarray | None
    labels: tuple[str, ...]
    returns: np.ndarray
    mu: np.ndarray
    cov: np.ndarray
    expected_returns: str
    covariance: str
    risk_free: float
    risk_based: bool
    factors: pd.DataFrame | None
    exclusions: tuple[str, ...] = ()
    estimator_fallback: str | None = None
    coverage: tuple[str, ...] = ()

    @cached_property
    def dates(self) -> pd.Index:
        """Return the dates (T',) of the clean returns."""
        dates = self.window.dates
        return dates if self.rows is None else dates[self.rows]

    @property
    def last_date(self) -> pd.Timestamp | None:
        """Return the date of the last clean return (None without a DatetimeIndex)."""
        window = self.window
        if not isinstance(window.index, pd.DatetimeIndex) or not len(self.returns):
            return None
        last = window.first + (len(window.returns) if self.rows is None else self.rows[-1] + 1)
        return pd.Timestamp(window.index[last - 1])

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """Return what a decision reports as fallbacks: exclusions and an estimator fallback."""
        more = () if self.estimator_fallback is None else (self.estimator_fallback,)
        return (*self.exclusions, *more)

    @property
    def notes(self) -> tuple[str, ...]:
        """Return everything the numbers rest on: fallbacks, the window's length, coverage."""
        return (*self.fallbacks, *_length_note(self.window, len(self.returns)), *self.coverage)

    def reuses(self, other: Clean) -> bool:
        """Return True when `other`, cut from this window, holds exactly this clean data."""
        return (
            len(other.cols) == len(self.kept)
            and bool((other.cols == self.kept).all())
            and len(other.values) == len(self.returns)
        )


def estimate(
    window: Window,
    *,
    risk_based: bool = True,
    factors: pd.DataFrame | None = None,
    expected_returns: str | None = None,
    covariance: str = "ledoit_wolf",
    risk_free: float = 0.0,
    reuse: Estimate | None = None,
) -> Estimate:
    """Return the Estimate of `window` for a risk-based scheme or another kind.

    `factors` must end on or before the window's last date (the caller cuts
    them). `reuse` is an Estimate of the same window with the same settings
    for the other kind of scheme: its moments are taken when the clean data
    agree. InsufficientData when fewer than MIN_OBS usable dates are left.
    """
    cut = clean(window, risk_based)
    every = len(cut.cols) == len(window.labels)
    labels = window.labels if every else tuple(window.labels[i] for i in cut.cols)
    if len(cut.values) < MIN_OBS or not len(labels):
        detail = f" ({'; '.join(cut.notes)})" if cut.notes else ""
        usable = len(cut.values) if len(labels) else 0
        raise InsufficientData(
            f"need at least {MIN_OBS} usable return dates, got {usable}{detail}", n_obs=usable
        )
    if reuse is not None and reuse.window is window and reuse.reuses(cut):
        return replace(reuse, risk_based=risk_based, exclusions=cut.notes)

    def dates() -> pd.Index:
        return window.dates if cut.rows is None else window.dates[cut.rows]

    fit, fallback = _moments(cut, dates, labels, factors, expected_returns, covariance)

    return Estimate(
        window,
        cut.cols,
        cut.rows,
        labels,
        cut.values,
        fit.mu,
        fit.cov,
        fit.expected_returns,
        fit.covariance,
        risk_free,
        risk_based,
        factors,
        cut.notes,
        fallback,
        tuple(_coverage(fit, dates, factors)),
    )


def _moments(
    cut: Clean,
    dates: Callable[[], pd.Index],
    labels: tuple[str, ...],
    factors: pd.DataFrame | None,
    expected_returns: str | None,
    covariance: str,
) -> tuple[Moments, str | None]:
    """Return the Moments and any estimator fallback: a default ff3 that cannot run -> historical."""
    values = cut.values
    try:
        fit = moments(
            values,
            dates,
            labels,
            factors,
            expected_returns=expected_returns,
            covariance=covariance,
            finite=True,
            mean=cut.mean,
        )
    except DataError as exc:
        if expected_returns is not None or factors is None:
            raise
        fit = moments(
            values,
            dates,
            labels,
            expected_returns="historical",
            covariance=covariance,
            finite=True,
            mean=cut.mean,
        )
        return fit, f"expected returns ff3 -> historical: {exc}"
    return fit, None


def _day(value: object) -> str:
    return str(value.date()) if isinstance(value, pd.Timestamp) else str(value)


def _coverage(
    fit: Moments, window_dates: Callable[[], pd.Index], factors: pd.DataFrame | None
) -> list[str]:
    """Return a note per factor estimator whose factors miss some of the window's dates."""
    used = [n for n in (fit.expected_returns, fit.covariance) if n in FACTOR_ESTIMATORS]
    if not used or factors is None:
        return []
    dates = window_dates()
    if not len(dates):
        return []
    # the factor dates within the window's span (a binary search), then their overlap
    span = factors.index[factors.index.slice_indexer(dates[0], dates[-1])]
    covered = int(np.isin(dates.asi8, span.asi8).sum()) if len(span) else 0
    if covered == len(dates):
        return []
    span = f"{_day(factors.index[0])} .. {_day(factors.index[-1])}" if len(factors) else "none"
    return [
        f"{name} betas rest on {covered} of {len(dates)} return dates "
        f"({_day(dates[0])} .. {_day(dates[-1])}; factors {span})"
        for name in used
    ]


def _length_note(window: Window, usable: int) -> list[str]:
    """Return a note when the window holds fewer return dates than the lookback asked for."""
    if window.lookback is None or len(window.returns) >= window.lookback:
        return []
    return [
        f"{len(window.returns)} return dates in the window ({usable} usable), "
        f"fewer than the lookback of {window.lookback}"
    ]
