"""Walk-forward evaluation of allocation schemes: drift, costs, no look-ahead (pure).

For each scheme, at each rebalance date t the allocator sees prices up to and
including t's close only (the last `lookback` returns), the portfolio trades
at that close, and between rebalances the weights drift with prices. Costs are
`cost_bps` of the traded value (sum of |Δw| over risky assets, as a fraction of
NAV), paid out of NAV at the trade, so the next day's net return is
(1 - cost)(1 + gross) - 1. Returns start the day after the first rebalance.

Rebalance rules: "D" every day; "W", "M", "Q" the first trading day of each
week, month or quarter (known on the day itself, so an incremental run never
needs tomorrow's calendar); "drift:X" whenever a weight has drifted more than
X (absolute) from its last target; "every:N" N trading days after the last
rebalance (walk-forward folds of N test days). The first rebalance is the
first date with `lookback` returns behind it.

Between two rebalances of a calendar rule the days are walked as one segment
(holdings grow with the cumulated returns); a drift rule checks every day.
`walker.SchemeWalker` walks one scheme, `walker.walk_scheme` walks it alone.
A run can stop at any date and resume from its `SchemeState`: resuming gives
the numbers of a full run (to rounding, 1e-15: a segment restarts at the
resume date), because every step depends only on the state and the data up
to that day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.schedule import period_starts, rebalance_rule

CASH = "CASH"


@dataclass(frozen=True)
class Decision:
    """What an allocator returns at a rebalance: target weights (CASH included) and any fallback."""

    weights: pd.Series
    fallback: str | None = None


@dataclass(frozen=True, eq=False)
class Target:
    """A bound allocator's decision: weights over the walk's columns (symbols + CASH), any fallback."""

    values: np.ndarray
    fallback: str | None = None


#: (method, prices up to t (lookback + 1 rows), factors up to t, current weights, histories) -> Decision
Allocator = Callable[
    [str, pd.DataFrame, "pd.DataFrame | None", pd.Series, "pd.DataFrame | None"], Decision
]
#: an Allocator bound to one walk's data, in arrays over the walk's columns (symbols + CASH):
#: (method, row of t, current weights, histories) -> Target
DateAllocator = Callable[[str, int, np.ndarray, "pd.DataFrame | None"], Target]


@dataclass(frozen=True)
class SchemeState:
    """Where a scheme's walk stands after the close of `date`."""

    date: pd.Timestamp
    weights: pd.Series  # after any trade at `date`, CASH included
    target: pd.Series  # the last rebalance target
    pending_cost: float  # cost of a trade at `date`, charged in the next day's return
    last_rebalance: pd.Timestamp


@dataclass(frozen=True)
class SchemeRun:
    """One scheme's walk: daily returns, rebalance weights, fallbacks and the end state."""

    daily: pd.DataFrame  # index dates; gross, net, turnover, cost (turnover/cost on trade days)
    weights: pd.DataFrame  # rebalance dates x symbols (+ CASH)
    fallbacks: tuple[tuple[pd.Timestamp, str], ...]
    state: SchemeState | None


@dataclass(frozen=True)
class WalkForwardConfig:
    """Parameters of a walk-forward run; their hash names the run."""

    rebalance: str = "M"
    lookback: int = 756
    cost_bps: float = 10.0
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def check(self) -> None:
        """Raise ValueError when a parameter is out of range."""
        rebalance_rule(self.rebalance)
        if self.lookback < 2:
            raise ValueError(f"lookback must be >= 2 days, got {self.lookback}")
        if not (0 <= self.cost_bps < 10_000) or not np.isfinite(self.cost_bps):
            raise ValueError(f"cost_bps must be in [0, 10000), got {self.cost_bps}")


def bind(
    allocator: Allocator, prices: pd.DataFrame, factors: pd.DataFrame | None, lookback: int
) -> DateAllocator:
    """Return `allocator` bound to one walk's data: decisions asked by the row of the date.

    An allocator with a `bind(prices, factors, lookback)` method binds itself
    (and may share work between the schemes deciding on the same date); any
    other gets the last `lookback` + 1 price rows, the factors up to the date
    and the current weights as a Series.
    """
    binder = getattr(allocator, "bind", None)
    if binder is not None:
        bound: DateAllocator = binder(prices, factors, lookback)
        return bound
    index = pd.DatetimeIndex(prices.index)
    columns = walk_columns(prices)
    labels = pd.Index(columns)

    def decide(method: str, i: int, current: np.ndarray, histories: pd.DataFrame | None) -> Target:
        window = prices.iloc[max(0, i - lookback) : i + 1]
        held = pd.Series(current, index=labels)
        decision = allocator(method, window, _upto(factors, index[i]), held, histories)
        return Target(on_columns(decision.weights, columns), decision.fallback)

    return decide


def walk_columns(prices: pd.DataFrame) -> list[str]:
    """Return the columns a walk over `prices` holds: the symbols as strings, then CASH."""
    return [*(str(c) for c in prices.columns), CASH]


@dataclass(frozen=True, eq=False)
class WalkData:
    """What every scheme of one walk shares: dates, asset returns (+ a CASH column), schedule."""

    index: pd.DatetimeIndex
    columns: list[str]  # symbols + CASH
    returns: np.ndarray  # dates x columns, 0 where missing; the CASH column is 0
    growth: np.ndarray  # 1 + returns
    starts: np.ndarray  # True on scheduled rebalance dates (period rules)
    start_rows: np.ndarray  # the rows where `starts` is True, ascending
    kind: str
    threshold: float
    cost_rate: float
    lookback: int
    decide: DateAllocator
    on_rebalance: Callable[[], None] | None = None

    @classmethod
    def of(
        cls,
        prices: pd.DataFrame,
        allocator: Allocator,
        config: WalkForwardConfig,
        factors: pd.DataFrame | None = None,
        on_rebalance: Callable[[], None] | None = None,
    ) -> WalkData:
        """Return the shared data of a walk over `prices` (dates x symbols)."""
        config.check()
        kind, threshold = rebalance_rule(config.rebalance)
        index = pd.DatetimeIndex(prices.index)
        values = prices.pct_change(fill_method=None).to_numpy(dtype=float)
        returns = np.zeros((len(index), values.shape[1] + 1))
        returns[:, :-1] = np.where(np.isfinite(values), values, 0.0)
        starts = period_starts(index, kind)
        return cls(
            index,
            walk_columns(prices),
            returns,
            1.0 + returns,
            starts,
            np.flatnonzero(starts),
            kind,
            threshold,
            config.cost_bps / 10_000.0,
            config.lookback,
            bind(allocator, prices, factors, config.lookback),
            on_rebalance,
        )

    def session(self) -> AbstractContextManager[object]:
        """Return the context a walk runs in: the bound allocator when it is a context manager
        (it may hold resources for the whole walk), else a null context."""
        decide = self.decide
        return decide if isinstance(decide, AbstractContextManager) else nullcontext()


def on_columns(weights: pd.Series, columns: list[str]) -> np.ndarray:
    """Return `weights` over `columns` (symbols + CASH), 0 where absent."""
    labels = weights.index.tolist()
    values = weights.to_numpy(dtype=float)
    if labels == columns:
        return values.copy()
    if labels == columns[:-1]:
        return np.append(values, 0.0)
    return weights.reindex(columns, fill_value=0.0).to_numpy(dtype=float)


def _upto(frame: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame | None:
    return None if frame is None else frame.loc[frame.index <= day]
