"""Prices -> simple returns, excess returns, frequency detection and asset/factor alignment.

Conventions (DESIGN.md): simple returns, decimals, dates are trading dates.
Nothing here fills a missing value: a gap stays NaN and the caller decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pas.core.errors import DataError

TRADING_DAYS = 252
MONTHS = 12
#: periods per year of each frequency PAS knows
PERIODS_PER_YEAR = {"daily": TRADING_DAYS, "monthly": MONTHS}
#: a calendar month compounded from daily returns counts only with this many days
MIN_DAYS_PER_MONTH = 15


def simple_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """Return simple returns p_t / p_{t-1} - 1 (dates x symbols), first date dropped.

    Missing prices give missing returns (no forward fill); a non-positive
    price is a DataError naming the symbols.
    """
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise DataError("prices need a DatetimeIndex of trading dates")
    values = prices.to_numpy(dtype=float)
    bad = np.any(values <= 0, axis=0)
    if bad.any():
        symbols = prices.columns[bad].tolist()
        raise DataError(f"non-positive prices for {symbols}", symbols=symbols)
    out = prices.sort_index().astype(float).pct_change(fill_method=None)
    return out.iloc[1:]


def excess_returns(returns: pd.DataFrame, rf: pd.Series) -> pd.DataFrame:
    """Return `returns` minus the risk-free rate of the same period (dates must match)."""
    missing = returns.index.difference(rf.index)
    if len(missing):
        raise DataError(
            f"no risk-free rate for {len(missing)} dates (first {missing[0].date()})",
            missing=len(missing),
        )
    if rf.reindex(returns.index).isna().any():
        raise DataError("the risk-free rate has missing values in the window")
    return returns.sub(rf.reindex(returns.index), axis=0)


def infer_frequency(index: pd.Index, what: str = "data") -> str:
    """Return "daily" or "monthly" from the median spacing of a DatetimeIndex."""
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{what} need a DatetimeIndex")
    if len(index) < 2:
        raise DataError(f"{what} have {len(index)} dates; cannot tell the frequency")
    if not index.is_monotonic_increasing or index.has_duplicates:
        raise DataError(f"{what} dates must be strictly increasing")
    gap = float(np.median(np.diff(index.to_numpy()) / np.timedelta64(1, "D")))
    if gap <= 5:
        return "daily"
    if 25 <= gap <= 35:
        return "monthly"
    raise DataError(f"{what} are neither daily nor monthly (median gap {gap:.1f} days)")


def to_monthly(returns: pd.DataFrame) -> pd.DataFrame:
    """Return daily simple returns compounded per calendar month, dated at month end.

    A month with a missing day for an asset is missing for that asset; a
    month with fewer than MIN_DAYS_PER_MONTH rows (a partial edge month) is
    dropped for all assets.
    """
    months = returns.index.to_period("M")
    growth = np.log1p(returns.astype(float))
    # sum(min_count) keeps NaN when any day of the month is missing
    counts = returns.notna().groupby(months).sum()
    rows = returns.groupby(months).size()
    compounded = np.expm1(growth.groupby(months).sum(min_count=1))
    compounded = compounded.where(counts.eq(rows, axis=0))
    compounded = compounded[rows.to_numpy() >= MIN_DAYS_PER_MONTH]
    compounded.index = pd.DatetimeIndex(
        compounded.index.to_timestamp(how="end").normalize(), name=returns.index.name
    )
    return compounded


@dataclass(frozen=True)
class Aligned:
    """Returns and factors on their common dates, with what the inner join dropped."""

    returns: pd.DataFrame
    factors: pd.DataFrame
    dropped_asset_dates: int
    dropped_factor_dates: int
    frequency: str = "daily"
    compounded: bool = False
    returns_span: tuple[pd.Timestamp, pd.Timestamp] | None = None
    factors_span: tuple[pd.Timestamp, pd.Timestamp] | None = None

    @property
    def periods_per_year(self) -> int:
        """Return 252 for daily data, 12 for monthly."""
        return PERIODS_PER_YEAR[self.frequency]

    @property
    def n_obs(self) -> int:
        """Return the number of common dates."""
        return len(self.returns)

    def note(self) -> str:
        """Return one line saying what the alignment kept and dropped (empty when nothing dropped)."""
        if not (self.dropped_asset_dates or self.dropped_factor_dates or self.compounded):
            return ""
        spans = []
        for what, span in (("returns", self.returns_span), ("factors", self.factors_span)):
            if span is not None:
                spans.append(f"{what} {span[0].date()} .. {span[1].date()}")
        common = ""
        if self.n_obs:
            common = f" {self.returns.index[0].date()} .. {self.returns.index[-1].date()}"
        how = "daily returns compounded to months; " if self.compounded else ""
        return (
            f"{how}{', '.join(spans)}: aligned on {self.n_obs} common {self.frequency} dates"
            f"{common}, dropped {self.dropped_asset_dates} return dates without factors and "
            f"{self.dropped_factor_dates} factor dates without returns (no factor value is filled)"
        )


def align(
    returns: pd.DataFrame,
    factors: pd.DataFrame,
    *,
    min_obs: int = 1,
    compound: bool = True,
) -> Aligned:
    """Return returns and factors inner-joined on dates, never filling a factor value.

    Daily returns against monthly factors are compounded to calendar months
    when `compound` (else DataError); monthly returns against daily factors
    are a DataError. Fewer than `min_obs` common dates is a DataError.
    """
    if returns.shape[1] == 0:
        raise DataError("no assets to align")
    spans = (_span(returns.index), _span(factors.index))
    r_freq = infer_frequency(returns.index, "returns")
    f_freq = infer_frequency(factors.index, "factors")
    compounded = False
    if r_freq != f_freq:
        if not (r_freq == "daily" and f_freq == "monthly" and compound):
            raise DataError(
                f"mismatched frequencies: returns are {r_freq}, factors are {f_freq}",
                returns_frequency=r_freq,
                factors_frequency=f_freq,
            )
        returns, compounded = to_monthly(returns), True
    r_key, f_key = _keys(returns.index, f_freq), _keys(factors.index, f_freq)
    common = r_key.intersection(f_key)
    r_keep, f_keep = r_key.isin(common), f_key.isin(common)
    # slicing copies; skip it when every row is kept (large frames, same dates)
    out_r = returns if r_keep.all() else returns[r_keep]
    out_f = factors.copy() if f_keep.all() else factors[f_keep].copy()
    out_f.index = out_r.index
    if len(common) < min_obs:
        raise DataError(
            f"only {len(common)} common dates of returns and factors, need {min_obs}",
            n_common=len(common),
            n_returns=len(returns),
            n_factors=len(factors),
        )
    return Aligned(
        out_r,
        out_f,
        len(returns) - len(common),
        len(factors) - len(common),
        f_freq,
        compounded,
        *spans,
    )


def _span(index: pd.Index) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if len(index) == 0:
        return None
    return pd.Timestamp(index[0]), pd.Timestamp(index[-1])


def _keys(index: pd.Index, frequency: str) -> pd.Index:
    """Return the join key of each date: its calendar day, or its month for monthly data.

    Integer keys: pandas' hash joins on them are much faster than on dates.
    """
    unit = "datetime64[M]" if frequency == "monthly" else "datetime64[D]"
    return pd.Index(index.to_numpy().astype(unit).view("i8"))


def check_observations(
    valid: pd.Series | pd.DataFrame, need: int, what: str = "observations"
) -> None:
    """Raise DataError naming every symbol whose count of valid rows is below `need`."""
    counts = valid.sum() if isinstance(valid, pd.DataFrame) else valid
    short = counts[counts < need]
    if len(short):
        listed = ", ".join(f"{sym} ({int(n)})" for sym, n in short.items())
        raise DataError(
            f"too few {what}: need at least {need}, got {listed}",
            symbols={str(k): int(v) for k, v in short.items()},
            need=need,
        )
