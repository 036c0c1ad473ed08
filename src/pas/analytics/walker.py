"""One scheme's walk forward: drift, costs and rebalances, row by row (see evaluation.py).

`SchemeWalker` walks one scheme over the shared `WalkData`; `walk_scheme`
walks one scheme alone. `pas.analytics.comparison.walk_all` walks several
side by side, date by date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from pas.analytics.evaluation import (
    CASH,
    Allocator,
    SchemeRun,
    SchemeState,
    WalkData,
    WalkForwardConfig,
)


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
            index[-1],
            pd.Series(self.w, index=columns),
            pd.Series(self.target, index=columns),
            self.pending,
            self.last_rebalance,
        )
        rows = list(self.weights_rows)
        values = np.array([self.weights_rows[i] for i in rows]).reshape(len(rows), len(columns))
        dates = pd.DatetimeIndex(index[rows], name="date")
        weights = pd.DataFrame(values, index=dates, columns=columns)
        fallbacks = tuple((index[i], why) for i, why in self.fallbacks)
        lo, hi = self.begin, self.end
        daily = pd.DataFrame(
            {
                "gross": self.gross[lo:hi],
                "net": self.nets[lo:hi],
                "turnover": self.turnover[lo:hi],
                "cost": self.cost[lo:hi],
            },
            index=pd.DatetimeIndex(index[lo:hi], name="date", freq=None),  # as before: no freq
        )
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


def _series(values: Mapping[str, float], columns: Sequence[str]) -> pd.Series:
    return pd.Series(values, dtype=float).reindex(columns, fill_value=0.0)


def _daily(rows: list[tuple[pd.Timestamp, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "gross", "net", "turnover", "cost"])
    frame.index = pd.DatetimeIndex(frame.pop("date"), name="date")
    return frame
