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

A run can stop at any date and resume from its `SchemeState`: resuming gives
bit-for-bit the numbers of a full run, because every step depends only on the
state and the data up to that day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

CASH = "CASH"


@dataclass(frozen=True)
class Decision:
    """What an allocator returns at a rebalance: target weights (CASH included) and any fallback."""

    weights: pd.Series
    fallback: str | None = None


#: (method, prices up to t (lookback + 1 rows), factors up to t, current weights, histories) -> Decision
Allocator = Callable[
    [str, pd.DataFrame, "pd.DataFrame | None", pd.Series, "pd.DataFrame | None"], Decision
]
#: an Allocator bound to one walk's data: (method, row of t, current weights, histories) -> Decision
DateAllocator = Callable[[str, int, pd.Series, "pd.DataFrame | None"], Decision]


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


def rebalance_rule(rule: str) -> tuple[str, float]:
    """Return (kind, drift threshold or interval) of a rebalance rule; ValueError names the valid ones."""
    if rule in ("D", "W", "M", "Q"):
        return rule, 0.0
    if rule.startswith("drift:"):
        try:
            threshold = float(rule.split(":", 1)[1])
        except ValueError:
            threshold = -1.0
        if 0 < threshold < 1:
            return "drift", threshold
    if rule.startswith("every:"):
        days = rule.split(":", 1)[1]
        if days.isdigit() and int(days) >= 1:
            return "every", float(int(days))
    raise ValueError(
        "rebalance must be D, W, M, Q, drift:X with 0 < X < 1 or every:N (N >= 1 trading days), "
        f"got {rule!r}"
    )


def period_starts(index: pd.DatetimeIndex, kind: str) -> np.ndarray:
    """Return a boolean array: True where a date opens a new week, month or quarter."""
    if kind == "D":
        return np.ones(len(index), dtype=bool)
    if kind == "W":
        iso = index.isocalendar()
        key = (iso["year"].to_numpy() * 100 + iso["week"].to_numpy()).astype(np.int64)
    elif kind == "M":
        key = index.year.to_numpy() * 12 + index.month.to_numpy()
    elif kind == "Q":
        key = index.year.to_numpy() * 4 + index.quarter.to_numpy()
    else:
        return np.zeros(len(index), dtype=bool)
    out = np.ones(len(index), dtype=bool)
    out[1:] = key[1:] != key[:-1]
    return out


def bind(
    allocator: Allocator, prices: pd.DataFrame, factors: pd.DataFrame | None, lookback: int
) -> DateAllocator:
    """Return `allocator` bound to one walk's data: decisions asked by the row of the date.

    An allocator with a `bind(prices, factors, lookback)` method binds itself
    (and may share work between the schemes deciding on the same date); any
    other gets the last `lookback` + 1 price rows and the factors up to the date.
    """
    binder = getattr(allocator, "bind", None)
    if binder is not None:
        bound: DateAllocator = binder(prices, factors, lookback)
        return bound
    index = pd.DatetimeIndex(prices.index)

    def decide(method: str, i: int, current: pd.Series, histories: pd.DataFrame | None) -> Decision:
        window = prices.iloc[max(0, i - lookback) : i + 1]
        return allocator(method, window, _upto(factors, index[i]), current, histories)

    return decide


@dataclass(frozen=True, eq=False)
class WalkData:
    """What every scheme of one walk shares: dates, asset returns (+ a CASH column), schedule."""

    index: pd.DatetimeIndex
    columns: list[str]  # symbols + CASH
    returns: np.ndarray  # dates x columns, 0 where missing; the CASH column is 0
    growth: np.ndarray  # 1 + returns
    starts: np.ndarray  # True on scheduled rebalance dates (period rules)
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
        return cls(
            index, [*(str(c) for c in prices.columns), CASH], returns, 1.0 + returns,
            period_starts(index, kind),
            kind, threshold, config.cost_bps / 10_000.0, config.lookback,
            bind(allocator, prices, factors, config.lookback), on_rebalance,
        )  # fmt: skip


class SchemeWalker:
    """One scheme's walk, one day at a time: `step(i)` for each row from `begin` on, then `run()`.

    Every step depends only on the walker's state and the data up to row i,
    so walking schemes side by side (date by date) or one after the other
    gives the same numbers, and so does resuming from a SchemeState.
    """

    def __init__(self, method: str, data: WalkData, state: SchemeState | None = None) -> None:
        self.method, self.data = method, data
        index, columns = data.index, data.columns
        if state is None:
            self.first = self.begin = data.lookback
            self.w = _series({CASH: 1.0}, columns).to_numpy()
            self.target, self.pending = self.w.copy(), 0.0
            self.last_rebalance = index[min(self.first, len(index) - 1)]
        else:
            self.begin = int(index.searchsorted(state.date, side="right"))
            self.first = -1
            self.w = state.weights.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
            self.target = state.target.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
            self.pending, self.last_rebalance = state.pending_cost, state.last_rebalance
        self.last_row: int | None = None  # row of last_rebalance, found when needed
        # rows are kept by position; dates are looked up once, in run()
        self.rows: list[tuple[int, float, float, float, float]] = []
        self.weights_rows: dict[int, np.ndarray] = {}
        self.fallbacks: list[tuple[int, str]] = []
        self.net = np.nan  # the net return of the last step (NaN on the first rebalance)

    @property
    def empty(self) -> bool:
        """Return True when a fresh walk has no rebalance date (too short a history)."""
        return self.first >= len(self.data.index)

    def step(
        self, i: int, histories: Callable[[pd.Timestamp], pd.DataFrame | None] | None = None
    ) -> None:
        """Walk row i: drift with the day's returns, charge pending costs, rebalance when due."""
        data = self.data
        gross = 0.0
        w = self.w
        if i != self.first:
            gross = float(w @ data.returns[i])
            w = w * data.growth[i] / (1.0 + gross)
        net = (1.0 - self.pending) * (1.0 + gross) - 1.0
        self.pending = 0.0
        rebalance = i == self.first or self._due(i, w)
        turnover = cost = 0.0
        if rebalance:
            day = data.index[i]
            hist = None if histories is None else histories(day)
            current = pd.Series(w, index=data.columns)
            decision = data.decide(self.method, i, current, hist)
            new = _on_columns(decision.weights, data.columns)
            turnover = float(np.abs(new[:-1] - w[:-1]).sum())
            cost = data.cost_rate * turnover
            w, self.target, self.pending, self.last_rebalance = new, new.copy(), cost, day
            self.last_row = i
            self.weights_rows[i] = new
            if decision.fallback:
                self.fallbacks.append((i, decision.fallback))
            if data.on_rebalance:
                data.on_rebalance()
        self.w = w
        if i != self.first:
            self.rows.append((i, gross, net, turnover, cost))
            self.net = net
        else:
            self.rows.append((i, np.nan, np.nan, turnover, cost))
            self.net = np.nan

    def _due(self, i: int, w: np.ndarray) -> bool:
        """Return True when row i is a rebalance date after the first (w: drifted weights)."""
        data = self.data
        if data.kind == "drift":
            return float(np.abs(w - self.target).max()) > data.threshold
        if data.kind == "every":
            if self.last_row is None:
                self.last_row = int(data.index.searchsorted(self.last_rebalance))
            return i - self.last_row >= data.threshold
        return bool(data.starts[i])

    def run(self) -> SchemeRun:
        """Return the SchemeRun of the rows walked so far."""
        data = self.data
        if self.empty:
            return SchemeRun(_daily([]), pd.DataFrame(columns=data.columns), (), None)
        index, columns = data.index, data.columns
        end = SchemeState(
            index[-1], pd.Series(self.w, index=columns),
            pd.Series(self.target, index=columns), self.pending, self.last_rebalance,
        )  # fmt: skip
        weights = pd.DataFrame.from_dict(
            {index[i]: w for i, w in self.weights_rows.items()}, orient="index", columns=columns
        )
        weights.index = pd.DatetimeIndex(weights.index, name="date")
        fallbacks = tuple((index[i], why) for i, why in self.fallbacks)
        return SchemeRun(_daily_at(index, self.rows), weights, fallbacks, end)


def walk_scheme(
    method: str,
    prices: pd.DataFrame,
    allocator: Allocator,
    config: WalkForwardConfig,
    *,
    factors: pd.DataFrame | None = None,
    histories: pd.DataFrame | None = None,
    state: SchemeState | None = None,
    on_rebalance: Callable[[], None] | None = None,
) -> SchemeRun:
    """Walk one scheme over `prices` (dates x symbols), from the start or from `state`."""
    data = WalkData.of(prices, allocator, config, factors, on_rebalance)
    walker = SchemeWalker(method, data, state)
    if walker.empty:
        return walker.run()

    def before(day: pd.Timestamp) -> pd.DataFrame | None:
        return None if histories is None else histories.loc[histories.index < day]

    for i in range(walker.begin, len(data.index)):
        walker.step(i, before)
    return walker.run()


def _on_columns(weights: pd.Series, columns: list[str]) -> np.ndarray:
    """Return `weights` over `columns` (symbols + CASH), 0 where absent."""
    labels = weights.index.tolist()
    values = weights.to_numpy(dtype=float)
    if labels == columns:
        return values.copy()
    if labels == columns[:-1]:
        return np.append(values, 0.0)
    return weights.reindex(columns, fill_value=0.0).to_numpy(dtype=float)


def _series(values: Mapping[str, float], columns: Sequence[str]) -> pd.Series:
    return pd.Series(values, dtype=float).reindex(columns, fill_value=0.0)


def _upto(frame: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame | None:
    return None if frame is None else frame.loc[frame.index <= day]


def _daily(rows: list[tuple[pd.Timestamp, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "gross", "net", "turnover", "cost"])
    frame.index = pd.DatetimeIndex(frame.pop("date"), name="date")
    return frame


def _daily_at(
    index: pd.DatetimeIndex, rows: list[tuple[int, float, float, float, float]]
) -> pd.DataFrame:
    """Return the daily frame of rows given by position in `index`."""
    values = np.array([row[1:] for row in rows], dtype=float).reshape(len(rows), 4)
    dates = pd.DatetimeIndex(index[[row[0] for row in rows]], name="date")
    return pd.DataFrame(values, index=dates, columns=["gross", "net", "turnover", "cost"])


def count_rebalances(
    index: pd.DatetimeIndex, config: WalkForwardConfig, after: pd.Timestamp | None = None
) -> int:
    """Return how many scheduled rebalances a walk over `index` makes (drift rules: an upper bound)."""
    kind, interval = rebalance_rule(config.rebalance)
    if len(index) <= config.lookback:
        return 0
    if kind == "every":
        starts = np.zeros(len(index), dtype=bool)
        starts[config.lookback :: int(interval)] = True
    else:
        starts = period_starts(index, kind if kind != "drift" else "D")
    starts[: config.lookback] = False
    if after is None:
        starts[config.lookback] = True
    else:
        starts[: index.searchsorted(after, side="right")] = False
    return int(starts.sum())
