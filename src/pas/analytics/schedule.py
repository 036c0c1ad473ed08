"""Rebalance schedules of a walk-forward: the rules, their dates, how many rebalances they make."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pas.analytics.evaluation import WalkForwardConfig


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
