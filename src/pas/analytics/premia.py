"""Long-run factor premia: the arithmetic mean of every factor row up to a date, annualised.

`factor_premia` shows them as a table; `premia_rows` is the same numbers as
a dict, the form the factor estimators use at every walk-forward date.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.returns import PERIODS_PER_YEAR, infer_frequency
from pas.core.errors import DataError


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
    out = pd.DataFrame.from_dict(premia_rows(factors, as_of=as_of, columns=columns), orient="index")
    out.index.name = "factor"
    return out


def premia_rows(
    factors: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    columns: tuple[str, ...] = ("mkt_rf", "smb", "hml", "mom", "rf"),
) -> dict[str, dict[str, Any]]:
    """Return factor -> the row `factor_premia` shows for it (numpy inside: estimators call it per date)."""
    history = factors if as_of is None else _upto(factors, as_of)
    dates = history.index
    present: dict[str, tuple[np.ndarray, int, int]] = {}
    for col in columns:
        if col not in history.columns:
            continue
        values = history[col].to_numpy(dtype=float)
        ok = ~np.isnan(values)
        if ok.all():
            series, first, last = values, 0, len(values) - 1
        else:
            where = np.flatnonzero(ok)
            series = values[where]
            first, last = (int(where[0]), int(where[-1])) if len(where) else (0, 0)
        if len(series) > 1:
            present[col] = series, first, last
    if not present:
        raise DataError(f"factors lack every premium column {list(columns)}")
    if len(history) < 2:
        raise DataError(f"need at least 2 factor rows up to {as_of}, got {len(history)}")
    ppy = PERIODS_PER_YEAR[infer_frequency(dates, "factors")]
    rows = {}
    for col, (series, first, last) in present.items():
        n = len(series)
        mean, std = series.mean(), series.std(ddof=1)
        rows[col] = {
            "premium_annual": mean * ppy,
            "vol_annual": std * np.sqrt(ppy),
            "t_stat": mean / (std / np.sqrt(n)) if std > 0 else np.nan,
            "n_obs": n,
            "first": dates[first],
            "last": dates[last],
        }
    return rows


def _upto(factors: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the rows dated on or before `as_of` (a binary search when the dates are sorted)."""
    index = factors.index
    if isinstance(index, pd.DatetimeIndex) and index.is_monotonic_increasing:
        return factors.iloc[: index.searchsorted(as_of, side="right")]
    return factors[index <= as_of]
