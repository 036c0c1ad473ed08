"""Tactical asset allocation (TAA): the strategic policy tilted by momentum, trend-filtered.

Signals from month-end prices p (the latest close counts as the current month):
12-1 momentum m_i = p[-1-skip] / p[-1-lookback] - 1 and the trend filter
p[-1] >= mean(p[-ma_months:]). Momentum ranks give centred scores
s_i in [-1, 1] (sum 0); the tilted weights are the feasible weights closest to
policy + tilt * s, with |w_i - p_i| <= tilt and |Σ_sector (w - p)| <= sector_tilt
(and the allocation constraints). Assets failing the trend filter then hand
their weight to CASH (filtered_to="cash") or, pro rata, to the assets that pass
(filtered_to="redistribute"; CASH when none pass).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from pas.analytics.allocation.base import Degenerate, Panel, SchemeInput, project, timed
from pas.analytics.allocation.result import SchemeResult
from pas.analytics.allocation.strategic import policy_weights
from pas.core.errors import InvalidInput

MONTH = 21  # trading days per month when the index carries no dates


def month_ends(data: SchemeInput) -> np.ndarray:
    """Return month-end price levels (months x symbols; the last row is the latest close).

    A month's level is its last price (its last non-missing one per symbol);
    without dates, every MONTH-th row counting back from the latest.
    """
    prices = data.prices
    if prices is None:
        if data.returns is None:
            raise Degenerate("tactical signals need prices or returns")
        prices = Panel(np.cumprod(1.0 + data.returns.values, axis=0), data.returns.dates)
    values, index = prices.values, prices.dates
    if not isinstance(index, pd.DatetimeIndex):
        return values[np.arange(len(values) - 1, -1, -MONTH)[::-1]]
    key = index.year.to_numpy() * 12 + index.month.to_numpy()
    if len(key) and (np.diff(key) >= 0).all() and not np.isnan(values).any():
        return values[np.flatnonzero(np.append(key[1:] != key[:-1], True))]
    frame = pd.DataFrame(values, index=index)
    return frame.groupby(index.to_period("M")).last().to_numpy(dtype=float)


def signals(
    monthly: np.ndarray, lookback: int, skip: int, ma_months: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return (momentum (n,), passes-trend mask (n,)) from month-end prices."""
    need = max(lookback + 1, ma_months)
    if len(monthly) < need:
        raise Degenerate(f"tactical signals need {need} month-ends of prices, got {len(monthly)}")
    p = monthly
    momentum = p[-1 - skip] / p[-1 - lookback] - 1.0
    trend = p[-1] >= p[-ma_months:].mean(axis=0)
    if not (np.isfinite(momentum).all() and np.isfinite(p[-ma_months:]).all()):
        raise Degenerate("tactical signals are not finite (missing prices)")
    return momentum, trend


def centred_scores(momentum: np.ndarray) -> np.ndarray:
    """Return rank scores in [-1, 1] summing to zero (ties share their rank)."""
    n = len(momentum)
    if n == 1:
        return np.zeros(1)
    return 2.0 * (rankdata(momentum) - 1.0) / (n - 1) - 1.0


def tilt_limits(
    data: SchemeInput, target: np.ndarray, tilt: float, sector_tilt: float | None
) -> SchemeInput:
    """Return data whose constraints also bound each tilt and each sector's summed tilt."""
    cons = data.constraints
    lower = np.maximum(cons.lower, target - tilt)
    upper = np.minimum(cons.upper, target + tilt)
    caps = dict(cons.sector_caps or {})
    if sector_tilt is not None:
        for sector in {s for s in cons.sector_of if s is not None}:
            inside = np.array([s == sector for s in cons.sector_of])
            base = float(target[inside].sum())
            lo, hi = caps.get(sector, (0.0, 1.0))
            caps[sector] = (max(lo, base - sector_tilt), min(hi, base + sector_tilt))
    return replace(
        data, constraints=replace(cons, lower=lower, upper=upper, sector_caps=caps or None)
    )


def apply_trend(
    w: np.ndarray, cash: float, passes: np.ndarray, filtered_to: str
) -> tuple[np.ndarray, float]:
    """Return (weights, cash) after moving the weight of failing assets."""
    freed = float(w[~passes].sum())
    out = np.where(passes, w, 0.0)
    if filtered_to == "redistribute" and out.sum() > 0:
        return out * (1.0 + freed / out.sum()), cash
    return out, cash + freed


class Tactical:
    """The strategic policy tilted toward 12-1 momentum, with a 10-month trend filter."""

    name: ClassVar[str] = "tactical"
    fallback: ClassVar[str | None] = "strategic"
    params: ClassVar[frozenset[str]] = frozenset(
        {
            "policy",
            "within",
            "tilt",
            "sector_tilt",
            "momentum_months",
            "skip_months",
            "ma_months",
            "trend_filter",
            "filtered_to",
        }
    )
    risk_based: ClassVar[bool] = False
    holds_cash: ClassVar[bool] = True
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = False
    uses_current: ClassVar[bool] = True

    def solve(
        self,
        data: SchemeInput,
        policy: Mapping[str, float] | None = None,
        within: str = "equal",
        tilt: float = 0.05,
        sector_tilt: float | None = 0.10,
        momentum_months: int = 12,
        skip_months: int = 1,
        ma_months: int = 10,
        trend_filter: bool = True,
        filtered_to: str = "cash",
        **_: Any,
    ) -> SchemeResult:
        """Return the tilted, trend-filtered policy weights (CASH holds what the filter removes)."""
        if filtered_to not in ("cash", "redistribute"):
            raise InvalidInput(f"filtered_to must be cash or redistribute, got {filtered_to!r}")
        if tilt < 0 or (sector_tilt is not None and sector_tilt < 0):
            raise InvalidInput("tilt limits must be >= 0")
        start = time.perf_counter()
        target, cash = policy_weights(data, policy, within)
        momentum, passes = signals(month_ends(data), momentum_months, skip_months, ma_months)
        wanted = target + tilt * centred_scores(momentum)
        tilted = project(tilt_limits(data, target, tilt, sector_tilt), wanted, cash)
        w, cash = tilted.weights, tilted.cash
        notes = [f"momentum tilt up to {tilt} per asset"]
        if trend_filter and not passes.all():
            w, cash = apply_trend(w, cash, passes, filtered_to)
            below = [s for s, ok in zip(data.symbols, passes, strict=True) if not ok]
            notes.append(
                f"below their {ma_months}-month average ({filtered_to}): {', '.join(below)}"
            )
        return SchemeResult(w, cash, timed("signals", start), tuple(notes))
