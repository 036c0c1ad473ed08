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
A run can stop at any date and resume from its `SchemeState`: resuming gives
the numbers of a full run (to rounding, 1e-15: a segment restarts at the
resume date), because every step depends only on the state and the data up
to that day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# re-exported: the schedules lived here first
from pas.analytics.schedule import count_rebalances as count_rebalances
from pas.analytics.schedule import period_starts as period_starts
from pas.analytics.schedule import rebalance_rule as rebalance_rule

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
            index, walk_columns(prices), returns, 1.0 + returns, starts, np.flatnonzero(starts),
            kind, threshold, config.cost_bps / 10_000.0, config.lookback,
            bind(allocator, prices, factors, config.lookback), on_rebalance,
        )  # fmt: skip

    def session(self) -> AbstractContextManager[object]:
        """Return the context a walk runs in: the bound allocator when it is a context manager
        (it may hold resources for the whole walk), else a null context."""
        decide = self.decide
        return decide if isinstance(decide, AbstractContextManager) else nullcontext()


class SchemeWalker:
    """One scheme's walk: `step(i)` or `advance(stop)` from `begin` on, then `run()`.

    Every step depends only on the walker's state and the data up to row i,
    so walking schemes side by side (date by date) or one after the other
    gives the same numbers, and so does resuming from a SchemeState (to
    rounding: resuming starts a drift segment at the state's date). Rows are
    walked in order, each once; `advance` walks the days between rebalances
    of a calendar rule as one segment.
    """

    def __init__(self, method: str, data: WalkData, state: SchemeState | None = None) -> None:
        self.method, self.data = method, data
        index, columns = data.index, data.columns
        if state is None:
            self.first = self.begin = data.lookback
            self.w = _series({CASH: 1.0}, columns).to_numpy()
            self.target, self.pending = self.w.copy(), 0.0
            self.prior_rebalance = index[min(self.first, len(index) - 1)]  # until the first
        else:
            self.begin = int(index.searchsorted(state.date, side="right"))
            self.first = -1
            self.w = state.weights.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
            self.target = state.target.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
            self.pending, self.prior_rebalance = state.pending_cost, state.last_rebalance
        self.last_row: int | None = None  # row of the last rebalance of this walk
        self.end = self.begin  # the next row to walk
        # per row (NaN before `begin`): gross and net returns, turnover and cost on trade days
        n = len(index)
        self.gross, self.nets = np.full(n, np.nan), np.full(n, np.nan)
        self.turnover, self.cost = np.zeros(n), np.zeros(n)
        self.weights_rows: dict[int, np.ndarray] = {}
        self.fallbacks: list[tuple[int, str]] = []

    @property
    def empty(self) -> bool:
        """Return True when a fresh walk has no rebalance date (too short a history)."""
        return self.first >= len(self.data.index)

    @property
    def last_rebalance(self) -> pd.Timestamp:
        """Return the date of the last rebalance (of the stored state before any here)."""
        return self.prior_rebalance if self.last_row is None else self.data.index[self.last_row]

    def rebalanced_row(self) -> int:
        """Return the row of the last rebalance (a resumed walk's before its first: looked up)."""
        if self.last_row is not None:
            return self.last_row
        return int(self.data.index.searchsorted(self.prior_rebalance))

    @property
    def net(self) -> float:
        """Return the net return of the last row walked (NaN on the first rebalance)."""
        return float(self.nets[self.end - 1]) if self.end > self.begin else np.nan

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
        if i == self.first or self._due(i, w):
            w = self._rebalance(i, w, histories)
        self.w = w
        if i != self.first:
            self.gross[i], self.nets[i] = gross, net
        self.end = i + 1

    def _rebalance(
        self,
        i: int,
        w: np.ndarray,
        histories: Callable[[pd.Timestamp], pd.DataFrame | None] | None,
    ) -> np.ndarray:
        """Trade at row i's close from the drifted weights `w`; return the new weights."""
        data = self.data
        hist = None if histories is None else histories(data.index[i])
        decision = data.decide(self.method, i, w, hist)
        new = decision.values
        turnover = float(np.abs(new[:-1] - w[:-1]).sum())
        cost = data.cost_rate * turnover
        self.target, self.pending = new.copy(), cost
        self.turnover[i], self.cost[i] = turnover, cost
        self.last_row = i
        self.weights_rows[i] = new
        if decision.fallback:
            self.fallbacks.append((i, decision.fallback))
        if data.on_rebalance:
            data.on_rebalance()
        return new

    def advance(
        self, stop: int, histories: Callable[[pd.Timestamp], pd.DataFrame | None] | None = None
    ) -> None:
        """Walk every row before `stop`: `step` where a rebalance may be due, the days between
        as one drift segment (which may end past `stop`, at the next such row)."""
        while self.end < stop:
            due = self.next_due()
            self._drift(due)
            if due < stop:
                self.step(due, histories)

    def next_due(self) -> int:
        """Return the first row from `end` on where a rebalance may be due (len(index): none)."""
        data, i = self.data, self.end
        if i <= self.first or data.kind in ("drift", "D"):
            return max(i, self.first)
        if data.kind == "every":
            return min(max(i, self.rebalanced_row() + int(data.threshold)), len(data.index))
        k = int(data.start_rows.searchsorted(i))
        return int(data.start_rows[k]) if k < len(data.start_rows) else len(data.index)

    def _drift(self, stop: int) -> None:
        """Walk rows `end`..stop - 1, where no rebalance is due, in one pass over the segment.

        The holdings grow with the cumulated returns, h_t = w ∘ Π(1 + r), so
        the day's gross return is h_(t-1)ᵀr_t / 1ᵀh_(t-1) and the weights at
        the end are h / 1ᵀh: `step`'s numbers, to rounding.
        """
        lo = self.end
        if stop <= lo:
            return
        data, w = self.data, self.w
        held = np.empty((stop - lo + 1, len(w)))
        held[0] = w
        np.cumprod(data.growth[lo:stop], axis=0, out=held[1:])
        held[1:] *= w
        before = held[:-1]
        gross = np.einsum("ij,ij->i", before, data.returns[lo:stop]) / before.sum(axis=1)
        growth = 1.0 + gross
        growth[0] *= 1.0 - self.pending
        self.gross[lo:stop], self.nets[lo:stop] = gross, growth - 1.0
        last = held[-1]
        self.w, self.pending, self.end = last / last.sum(), 0.0, stop

    def _due(self, i: int, w: np.ndarray) -> bool:
        """Return True when row i is a rebalance date after the first (w: drifted weights)."""
        data = self.data
        if data.kind == "drift":
            return float(np.abs(w - self.target).max()) > data.threshold
        if data.kind == "every":
            return i - self.rebalanced_row() >= data.threshold
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
        rows = list(self.weights_rows)
        values = np.array([self.weights_rows[i] for i in rows]).reshape(len(rows), len(columns))
        dates = pd.DatetimeIndex(index[rows], name="date")
        weights = pd.DataFrame(values, index=dates, columns=columns)
        fallbacks = tuple((index[i], why) for i, why in self.fallbacks)
        lo, hi = self.begin, self.end
        daily = pd.DataFrame(
            {"gross": self.gross[lo:hi], "net": self.nets[lo:hi],
             "turnover": self.turnover[lo:hi], "cost": self.cost[lo:hi]},
            index=pd.DatetimeIndex(index[lo:hi], name="date", freq=None),  # as before: no freq
        )  # fmt: skip
        return SchemeRun(daily, weights, fallbacks, end)


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

    with data.session():
        walker.advance(len(data.index), before)
    return walker.run()


def on_columns(weights: pd.Series, columns: list[str]) -> np.ndarray:
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
