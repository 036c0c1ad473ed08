"""The walk-forward's allocator: `allocate` at every rebalance, with the per-date work shared.

At one date every scheme of a walk sees the same return window and, with
the same estimator settings, the same ReturnModel. Bound to a walk's data
(`bind`), the allocator computes the returns once for the whole price
history, and the Estimate (clean window + ReturnModel) once per date for the
risk-based schemes and once for the others (one model when their clean
windows agree), then runs each scheme through `allocate_estimated`: the code
`allocate` itself runs, so a walk-forward decision equals the API's.
Max-Sharpe with the default bounds on historical estimates decides on the
lean path (allocation/lean_walk.py, the engine's numbers from arrays alone)
wherever the window is used whole; the walk holds BLAS to one thread
throughout (the bound allocator is the walk's context manager).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.allocation.api import Estimate, allocate, allocate_estimated, estimate
from pas.analytics.allocation.base import blas_threads
from pas.analytics.allocation.lean_walk import MOMENTS, LeanMaxSharpe, WholeWindows
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.evaluation import Decision, Target, on_columns, walk_columns

#: scheme parameters that change the window or the estimate: such schemes run `allocate` itself
ESTIMATE_KEYS = frozenset(
    {"prices", "returns", "lookback", "as_of", "risk_free", "expected_returns", "covariance",
     "factors"}
)  # fmt: skip


_NO_CASH = np.zeros(1)


class EngineAllocator:
    """An evaluation Allocator that runs the allocation engine (the API's and the updater's)."""

    def __init__(
        self,
        *,
        expected_returns: str | None = None,
        covariance: str = "ledoit_wolf",
        sectors: Mapping[str, str] | None = None,
        risk_free: float = 0.0,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        blenders: Sequence[str] = ("dynamic",),
    ) -> None:
        self.expected_returns = expected_returns
        self.covariance = covariance
        self.sectors = sectors
        self.risk_free = risk_free
        self.params = params or {}
        self.blenders = tuple(blenders)

    def extra(self, method: str, histories: pd.DataFrame | None) -> dict[str, Any]:
        """Return the scheme parameters of `method` (blenders also get the histories)."""
        extra = dict(self.params.get(method, {}))
        if method in self.blenders:
            extra.setdefault("histories", histories)
        return extra

    def __call__(
        self,
        method: str,
        prices: pd.DataFrame,
        factors: pd.DataFrame | None,
        current: pd.Series,
        histories: pd.DataFrame | None,
    ) -> Decision:
        """Return the decision of `allocate` on a price window (lookback + 1 rows)."""
        alloc = allocate(
            prices, method=method, risk_free=self.risk_free,
            expected_returns=self.expected_returns, covariance=self.covariance,
            sectors=self.sectors, factors=factors,
            current_weights=current[current != 0].to_dict(), **self.extra(method, histories),
        )  # fmt: skip
        return Decision(alloc.weights, alloc.fallback)

    def bind(
        self, prices: pd.DataFrame, factors: pd.DataFrame | None, lookback: int
    ) -> SharedEstimates:
        """Return this allocator bound to one walk's prices and factors."""
        return SharedEstimates(self, prices, factors, lookback)


class SharedEstimates:
    """An EngineAllocator bound to a walk: decisions by row, one Estimate per row and scheme kind."""

    def __init__(
        self,
        engine: EngineAllocator,
        prices: pd.DataFrame,
        factors: pd.DataFrame | None,
        lookback: int,
    ) -> None:
        self.engine, self.prices, self.factors, self.lookback = engine, prices, factors, lookback
        self.index = pd.DatetimeIndex(prices.index)
        self.columns = pd.Index([str(c) for c in prices.columns])
        self.walk_columns = walk_columns(prices)  # symbols + CASH: what decisions are over
        self.labels = pd.Index(self.walk_columns)
        floats = prices.astype(float)
        self.levels = _frozen(floats.to_numpy())
        # pct_change is elementwise, so one pass over the history equals one per window
        self.returns = _frozen(floats.pct_change(fill_method=None).to_numpy())
        self.factor_ends = _factor_ends(factors, self.index)
        named = engine.expected_returns or ("ff3" if factors is not None else "historical")
        self.moments = MOMENTS.get((named, engine.covariance))
        self.lean_solver = LeanMaxSharpe()  # warm-started from one decision to the next
        self.whole: WholeWindows | None = None
        self.row = -1
        self.estimates: dict[bool, Estimate] = {}
        self.window: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None] | None = None

    def __enter__(self) -> SharedEstimates:
        """Hold BLAS to one thread for the whole walk (small problems, see `blas_threads`)."""
        self.session = ExitStack()
        self.session.enter_context(blas_threads(len(self.columns), small=1000))
        return self

    def __exit__(self, *exc: object) -> None:
        """Give BLAS its threads back."""
        self.session.close()

    def __call__(
        self, method: str, i: int, current: np.ndarray, histories: pd.DataFrame | None
    ) -> Target:
        """Return `method`'s decision at row i for the current weights (over the walk's columns)."""
        extra = self.engine.extra(method, histories)
        if ESTIMATE_KEYS & extra.keys():
            start = max(0, i - self.lookback)
            window = self.prices.iloc[start : i + 1]
            held = pd.Series(current, index=self.labels)
            decision = self.engine(method, window, self.factors_upto(i), held, histories)
            return Target(on_columns(decision.weights, self.walk_columns), decision.fallback)
        lean = self.lean(method, i, extra)
        if lean is not None:
            return lean
        with blas_threads(len(self.columns), small=1000):  # once, not per stage
            inputs = self.estimate(i, getattr(get_scheme(method), "risk_based", True))
            alloc = allocate_estimated(
                inputs, method=method, sectors=self.engine.sectors,
                current_weights=_held(self.walk_columns, current), **extra,
            )  # fmt: skip
        return Target(on_columns(alloc.weights, self.walk_columns), alloc.fallback)

    def lean(self, method: str, i: int, extra: dict[str, Any]) -> Target | None:
        """Return the lean decision at row i (allocation/lean_walk.py), or None: the engine decides.

        Max-Sharpe with the default bounds, no parameter but `solver` (not
        clarabel), estimators with a lean form and a window used whole.
        """
        if (
            method != "max_sharpe"
            or self.moments is None
            or extra.keys() - {"solver"}
            or extra.get("solver") == "clarabel"
        ):
            return None
        if self.whole is None:  # the first lean decision of the walk
            self.whole = WholeWindows(self.returns)
        start = max(0, i - self.lookback) + 1
        if not self.whole(start, i + 1):
            return None
        with blas_threads(len(self.columns), small=1000):
            mu, cov = self.moments(self.returns[start : i + 1])
            w = self.lean_solver(mu, cov, self.engine.risk_free)
        return None if w is None else Target(np.concatenate((w, _NO_CASH)))

    def factors_upto(self, i: int) -> pd.DataFrame | None:
        """Return the factor rows dated on or before row i's date."""
        factors = self.factors
        if factors is None:
            return None
        if self.factor_ends is None:
            return factors.loc[factors.index <= self.index[i]]
        return factors.iloc[: self.factor_ends[i]]

    def estimate(self, i: int, risk_based: bool) -> Estimate:
        """Return the Estimate at row i for risk-based schemes or the others (computed once)."""
        if i != self.row:
            self.row, self.estimates = i, {}
            start = max(0, i - self.lookback)
            window = pd.DataFrame(
                self.returns[start + 1 : i + 1], index=self.index[start + 1 : i + 1],
                columns=self.columns, copy=False,
            )  # fmt: skip
            levels = pd.DataFrame(
                self.levels[start : i + 1], index=self.index[start : i + 1],
                columns=self.columns, copy=False,
            )  # fmt: skip
            self.window = (window, levels, self.factors_upto(i))
        if risk_based not in self.estimates:
            assert self.window is not None
            window, levels, factors = self.window
            engine = self.engine
            self.estimates[risk_based] = estimate(
                window, levels, risk_based=risk_based, factors=factors,
                expected_returns=engine.expected_returns, covariance=engine.covariance,
                risk_free=engine.risk_free, reuse=self.estimates.get(not risk_based),
            )  # fmt: skip
        return self.estimates[risk_based]


def _held(columns: list[str], current: np.ndarray) -> dict[str, float]:
    """Return the non-zero weights over `columns` as a dict (the engine's current_weights)."""
    return {k: v for k, v in zip(columns, current.tolist(), strict=True) if v != 0}


def _frozen(values: np.ndarray) -> np.ndarray:
    """Return a read-only float64 copy: the windows handed to schemes are views of it."""
    out = np.array(values, dtype=float)
    out.flags.writeable = False
    return out


def _factor_ends(factors: pd.DataFrame | None, index: pd.DatetimeIndex) -> np.ndarray | None:
    """Return, per date of `index`, how many factor rows are dated on or before it (sorted factors)."""
    if factors is None or not isinstance(factors.index, pd.DatetimeIndex):
        return None
    if not factors.index.is_monotonic_increasing:
        return None
    return np.asarray(factors.index.searchsorted(index, side="right"))
