"""The return window of one decision, on arrays: cut from a frame at the edge, then cleaned.

`window_of` is where pandas meets the pipeline: a wide frame of prices or
returns (dates x symbols) becomes float64 arrays with their dates and
labels. `clean` decides which assets and dates a scheme can use and says
why in notes; it never changes a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from pas.core.errors import InvalidInput

#: the fewest usable return dates an estimate rests on
MIN_OBS = 3


@dataclass(frozen=True, eq=False)
class Window:
    """Daily returns (T, n) of the requested symbols, their labels (n,) and dates.

    `index` holds the dates of the history the window was cut from: the
    returns are dated index[first:first + T]. `levels` are the price levels
    the returns came from, up to the decision date (None when returns were
    given), dated from index[level_first]; `lookback` is the number of
    return dates asked for (None: all). Dates are looked up when read.
    """

    returns: np.ndarray
    index: pd.Index
    first: int
    labels: tuple[str, ...]
    levels: np.ndarray | None = None
    level_first: int = 0
    lookback: int | None = None
    #: known to hold only finite returns and no asset that never moves (nothing to clean)
    whole: bool = False

    @cached_property
    def dates(self) -> pd.Index:
        """Return the dates (T,) of the returns."""
        return self.index[self.first : self.first + len(self.returns)]

    @cached_property
    def level_dates(self) -> pd.Index | None:
        """Return the dates of the price levels (None without levels)."""
        if self.levels is None:
            return None
        return self.index[self.level_first : self.level_first + len(self.levels)]


@dataclass(frozen=True, eq=False)
class Clean:
    """The usable part of a Window: column positions kept, row positions kept, and why."""

    cols: np.ndarray  # kept column positions (ascending)
    rows: np.ndarray | None  # kept row positions (None: every row)
    values: np.ndarray  # the usable returns (rows x cols)
    notes: tuple[str, ...]
    mean: np.ndarray | None = None  # the column means of `values`, when cleaning computed them


def window_of(
    prices: pd.DataFrame | None,
    returns: pd.DataFrame | None,
    as_of: Any = None,
    lookback: int | None = None,
) -> Window:
    """Return the Window of exactly one of `prices` or `returns` up to `as_of`, last `lookback` returns."""
    if (prices is None) == (returns is None):
        raise InvalidInput(
            "give exactly one of prices or returns (a wide DataFrame, dates x symbols)"
        )
    frame = prices if prices is not None else returns
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise InvalidInput(
            "prices/returns must be a wide DataFrame with at least one symbol column"
        )
    if as_of is not None:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise InvalidInput("as_of needs a DatetimeIndex")
        frame = frame.loc[: pd.Timestamp(as_of)]
    labels = tuple(str(c) for c in frame.columns)
    values = frame.to_numpy(dtype=float)
    index = frame.index
    levels = values if prices is not None else None
    if levels is not None:
        tail = levels if lookback is None else levels[-(lookback + 1) :]
        values = tail[1:] / tail[:-1] - 1.0
    else:
        # a copy: the caller's later edits never reach the window an Allocation keeps
        values = (values if lookback is None else values[-lookback:]).copy()
    return Window(values, index, len(index) - len(values), labels, levels, 0, lookback)


def clean(window: Window, risk_based: bool) -> Clean:
    """Return the usable part of `window` for a risk-based scheme or another kind.

    An asset with finite returns on fewer than half the dates (at least
    MIN_OBS) is left out, then every date where a kept asset has no finite
    return; a risk-based scheme also leaves out assets whose returns never
    change (zero variance), unless every asset is such.
    """
    values = window.returns
    cols, rows = np.arange(values.shape[1]), None
    notes: list[str] = []
    if window.whole:
        return Clean(cols, rows, values, ())
    # a column's sum is finite only when every value in it is (an overflow is scanned too)
    sums = values.sum(axis=0)
    mean = sums / len(values) if len(values) and np.isfinite(sums).all() else None
    if mean is None and len(values):
        finite = np.isfinite(values)
        if not finite.all():
            cols, rows, values, notes = _complete(window, values, finite)
    if risk_based and len(values) >= 2:
        flat = _constant(values)
        if flat.any() and not flat.all():
            notes.append(
                f"excluded {', '.join(window.labels[cols[i]] for i in np.flatnonzero(flat))}: "
                "zero variance"
            )
            cols, values = cols[~flat], values[:, ~flat]
            mean = None if mean is None else mean[~flat]
    return Clean(cols, rows, values, tuple(notes), mean)


class WholeWindows:
    """Which windows of a return history (T x n) are whole, each answered in O(n).

    Whole: every return finite and every asset's return changing at least
    once inside the window: `clean` keeps such a window as it is.
    """

    def __init__(self, returns: np.ndarray) -> None:
        # rows with a non-finite value up to each row, and per asset the returns that
        # differ from the row before, up to each row
        self.missing = np.concatenate(([0], np.cumsum(~np.isfinite(returns).all(axis=1))))
        changes = np.zeros(returns.shape, dtype=np.int64)
        changes[1:] = returns[1:] != returns[:-1]
        self.changes = np.cumsum(changes, axis=0)

    def __call__(self, start: int, stop: int) -> bool:
        """Return True when rows start..stop - 1 form a whole window."""
        if stop - start < 2 or self.missing[stop] != self.missing[start]:
            return False
        return bool((self.changes[stop - 1] != self.changes[start]).all())


def _complete(
    window: Window, values: np.ndarray, finite: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Return (kept columns, kept rows, their values, notes) without missing returns."""
    notes = []
    enough = finite.sum(axis=0) >= max(MIN_OBS, len(values) // 2)
    if not enough.all():
        dropped = [window.labels[i] for i in np.flatnonzero(~enough)]
        notes.append(f"excluded {', '.join(dropped)}: missing or non-finite returns")
    cols = np.flatnonzero(enough)
    rows = np.flatnonzero(finite[:, cols].all(axis=1))
    if len(rows) < len(values):
        notes.append(f"dropped {len(values) - len(rows)} dates with missing returns")
    return cols, rows, values[np.ix_(rows, cols)], notes


def _constant(values: np.ndarray) -> np.ndarray:
    """Return a mask of the columns whose values never change (T >= 2)."""
    maybe = np.flatnonzero(values[1] == values[0])  # only these can be constant
    flat = np.zeros(values.shape[1], dtype=bool)
    if len(maybe):
        flat[maybe] = (values[:, maybe] == values[0, maybe]).all(axis=0)
    return flat
