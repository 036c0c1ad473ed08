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
X (absolute) from its last target. The first rebalance is the first date with
`lookback` returns behind it.

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
    """Return (kind, drift threshold) of a rebalance rule; ValueError names the valid ones."""
    if rule in ("D", "W", "M", "Q"):
        return rule, 0.0
    if rule.startswith("drift:"):
        try:
            threshold = float(rule.split(":", 1)[1])
        except ValueError:
            threshold = -1.0
        if 0 < threshold < 1:
            return "drift", threshold
    raise ValueError(f"rebalance must be D, W, M, Q or drift:X with 0 < X < 1, got {rule!r}")


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
    config.check()
    kind, threshold = rebalance_rule(config.rebalance)
    index = pd.DatetimeIndex(prices.index)
    symbols = [str(c) for c in prices.columns]
    columns = [*symbols, CASH]
    asset_returns = prices.pct_change(fill_method=None).to_numpy(dtype=float)
    asset_returns = np.where(np.isfinite(asset_returns), asset_returns, 0.0)
    starts = period_starts(index, kind)
    if state is None:
        first = config.lookback
        if first >= len(index):
            return SchemeRun(_daily([]), pd.DataFrame(columns=columns), (), None)
        begin = first
        w = _series({CASH: 1.0}, columns).to_numpy()
        target, pending, last_reb = w.copy(), 0.0, index[first]
    else:
        begin = int(index.searchsorted(state.date, side="right"))
        first = -1
        w = state.weights.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
        target = state.target.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
        pending, last_reb = state.pending_cost, state.last_rebalance
    rows: list[tuple[pd.Timestamp, float, float, float, float]] = []
    weights_rows: dict[pd.Timestamp, np.ndarray] = {}
    fallbacks: list[tuple[pd.Timestamp, str]] = []
    for i in range(begin, len(index)):
        day = index[i]
        gross = 0.0
        if i != first:
            r = np.append(asset_returns[i], 0.0)
            gross = float(w @ r)
            w = w * (1.0 + r) / (1.0 + gross)
        net = (1.0 - pending) * (1.0 + gross) - 1.0
        pending = 0.0
        rebalance = i == first or (
            starts[i] if kind != "drift" else float(np.abs(w - target).max()) > threshold
        )
        turnover = cost = 0.0
        if rebalance:
            window = prices.iloc[max(0, i - config.lookback) : i + 1]
            hist = None if histories is None else histories.loc[histories.index < day]
            current = pd.Series(w, index=columns)
            decision = allocator(method, window, _upto(factors, day), current, hist)
            new = decision.weights.reindex(columns, fill_value=0.0).to_numpy(dtype=float)
            turnover = float(np.abs(new[:-1] - w[:-1]).sum())
            cost = config.cost_bps / 10_000.0 * turnover
            w, target, pending, last_reb = new, new.copy(), cost, day
            weights_rows[day] = new
            if decision.fallback:
                fallbacks.append((day, decision.fallback))
            if on_rebalance:
                on_rebalance()
        if i != first:
            rows.append((day, gross, net, turnover, cost))
        elif rebalance:
            rows.append((day, np.nan, np.nan, turnover, cost))
    end = SchemeState(
        index[-1], pd.Series(w, index=columns), pd.Series(target, index=columns), pending, last_reb
    )
    weights = pd.DataFrame.from_dict(weights_rows, orient="index", columns=columns)
    weights.index = pd.DatetimeIndex(weights.index, name="date")
    return SchemeRun(_daily(rows), weights, tuple(fallbacks), end)


def _series(values: Mapping[str, float], columns: Sequence[str]) -> pd.Series:
    return pd.Series(values, dtype=float).reindex(columns, fill_value=0.0)


def _upto(frame: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame | None:
    return None if frame is None else frame.loc[frame.index <= day]


def _daily(rows: list[tuple[pd.Timestamp, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "gross", "net", "turnover", "cost"])
    frame.index = pd.DatetimeIndex(frame.pop("date"), name="date")
    return frame


def count_rebalances(
    index: pd.DatetimeIndex, config: WalkForwardConfig, after: pd.Timestamp | None = None
) -> int:
    """Return how many scheduled rebalances a walk over `index` makes (drift rules: an upper bound)."""
    kind, _ = rebalance_rule(config.rebalance)
    if len(index) <= config.lookback:
        return 0
    starts = period_starts(index, kind if kind != "drift" else "D")
    starts[: config.lookback] = False
    if after is None:
        starts[config.lookback] = True
    else:
        starts[: index.searchsorted(after, side="right")] = False
    return int(starts.sum())
