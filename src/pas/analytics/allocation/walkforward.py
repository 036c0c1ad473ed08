"""The walk-forward's allocator: the allocation pipeline at every rebalance, per-date work shared.

At one date every scheme of a walk sees the same return window and, with
the same estimator settings, the same Estimate. Bound to a walk's data
(`bind`), the allocator computes the returns once for the whole history,
one Window per date and one Estimate per date, settings and kind of scheme
(risk-based or not; one set of moments when their clean windows agree),
then runs each scheme through `decide`: the code `pas.allocate` runs, so a
walk-forward decision equals the API's. Each scheme starts its box-QP solve
from its previous decision's active set (the same answer, fewer pivots).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.allocation.api import allocate
from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.estimate import Estimate, estimate
from pas.analytics.allocation.pipeline import constraints_of, decide, needs_current
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.allocation.spec import AllocationSpec
from pas.analytics.allocation.window import MIN_OBS, WholeWindows, Window
from pas.analytics.evaluation import Decision, Target, walk_columns
from pas.core.errors import InsufficientData


class EngineAllocator:
    """An evaluation Allocator that runs the allocation pipeline (the API's and the updater's).

    `spec` holds the settings every scheme shares (estimators, risk-free
    rate, constraints); `params` per scheme override its fields or add the
    scheme's own parameters; the walk's lookback replaces `spec.lookback`.
    """

    def __init__(
        self,
        *,
        spec: AllocationSpec | None = None,
        sectors: Mapping[str, str] | None = None,
        params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.spec = spec or AllocationSpec()
        self.sectors = sectors
        self.params = params or {}

    def spec_of(self, method: str, lookback: int | None) -> AllocationSpec:
        """Return the spec `method` decides with in a walk of this lookback."""
        return AllocationSpec.of(
            self.spec, method=method, lookback=lookback, **self.params.get(method, {})
        )

    def __call__(
        self,
        method: str,
        prices: pd.DataFrame,
        factors: pd.DataFrame | None,
        current: pd.Series,
        histories: pd.DataFrame | None,
    ) -> Decision:
        """Return the decision of `pas.allocate` on a price window (lookback + 1 rows)."""
        spec = self.spec_of(method, len(prices) - 1)
        try:
            alloc = allocate(
                prices,
                spec=spec,
                factors=factors,
                sectors=self.sectors,
                current_weights=current[current != 0].to_dict(),
                **_given(spec, {"histories": histories} if get_scheme(method).blends else {}),
            )
        except InsufficientData as exc:
            weights = pd.Series(1.0 / prices.shape[1], index=[str(c) for c in prices.columns])
            return Decision(weights, no_data(method, str(exc)))
        return Decision(alloc.weights, alloc.fallback)

    def bind(
        self, prices: pd.DataFrame, factors: pd.DataFrame | None, lookback: int
    ) -> SharedEstimates:
        """Return this allocator bound to one walk's prices and factors."""
        return SharedEstimates(self, prices, factors, lookback)


def no_data(method: str, reason: str) -> str:
    """Return the fallback a walk records when a date has too little data for an estimate."""
    return f"{method} -> equal_weight: fewer than {MIN_OBS} usable observations ({reason})"


def _given(spec: AllocationSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options not already in the spec's scheme parameters."""
    return {k: v for k, v in options.items() if k not in spec.params}


class SharedEstimates:
    """An EngineAllocator bound to a walk: decisions by row, one Estimate per row and settings."""

    def __init__(
        self,
        engine: EngineAllocator,
        prices: pd.DataFrame,
        factors: pd.DataFrame | None,
        lookback: int,
    ) -> None:
        self.engine, self.factors, self.lookback = engine, factors, lookback
        self.index = pd.DatetimeIndex(prices.index)
        self.labels = tuple(str(c) for c in prices.columns)
        self.walk_columns = walk_columns(prices)  # symbols + CASH: what decisions are over
        self.levels = _frozen(prices.to_numpy(dtype=float))
        # one pass over the history equals one per window (returns are elementwise)
        returns = np.full_like(self.levels, np.nan)
        returns[1:] = self.levels[1:] / self.levels[:-1] - 1.0
        self.returns = _frozen(returns)
        self.whole = WholeWindows(self.returns)
        self.factor_ends = _factor_ends(factors, self.index)
        self.specs = {m: engine.spec_of(m, lookback) for m in engine.params}
        self.row = -1
        #: (lookback, expected returns, covariance, risk-free rate, risk-based) -> this row's
        self.estimates: dict[tuple[Any, ...], Estimate | InsufficientData] = {}
        self.starts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.kept_constraints: dict[tuple[str, tuple[str, ...]], Constraints] = {}

    def spec(self, method: str) -> AllocationSpec:
        """Return the spec of `method` in this walk (built once)."""
        if method not in self.specs:
            self.specs[method] = self.engine.spec_of(method, self.lookback)
        return self.specs[method]

    def __call__(
        self, method: str, i: int, current: np.ndarray, histories: pd.DataFrame | None
    ) -> Target:
        """Return `method`'s decision at row i for the current weights (over the walk's columns)."""
        spec = self.spec(method)
        found = self.estimate(i, spec)
        if isinstance(found, InsufficientData):
            n = len(self.labels)
            return Target(np.append(np.full(n, 1.0 / n), 0.0), no_data(method, str(found)))
        if get_scheme(method).blends:
            spec = AllocationSpec.of(spec, **_given(spec, {"histories": histories}))
        if needs_current(spec):
            held, cons = _held(self.walk_columns, current), None
        else:
            held, cons = None, self.constraints(method, spec, found)
        outcome = decide(
            found,
            spec,
            current_weights=held,
            sectors=self.engine.sectors,
            start=self._start(method, found),
            constraints=cons,
        )
        if outcome.method == method and outcome.result.active is not None:
            self.starts[method] = (found.kept, outcome.result.active)
        return Target(outcome.normalised(), outcome.fallback)

    def constraints(self, method: str, spec: AllocationSpec, est: Estimate) -> Constraints:
        """Return `method`'s constraints over the Estimate's kept symbols (built once per set;
        only for specs whose decisions do not read today's weights)."""
        key = (method, est.labels)
        if key not in self.kept_constraints:
            self.kept_constraints[key] = constraints_of(est, spec, None, self.engine.sectors)
        return self.kept_constraints[key]

    def _start(self, method: str, est: Estimate) -> np.ndarray | None:
        """Return `method`'s last active set when it was over the same assets."""
        last = self.starts.get(method)
        if last is None or len(last[0]) != len(est.kept) or (last[0] != est.kept).any():
            return None
        return last[1]

    def estimate(self, i: int, spec: AllocationSpec) -> Estimate | InsufficientData:
        """Return the Estimate at row i for `spec`'s settings and kind (each computed once)."""
        if i != self.row:
            self.row, self.estimates = i, {}
        risk_based = get_scheme(spec.method).risk_based
        settings = (spec.lookback, spec.expected_returns, spec.covariance, spec.risk_free)
        key = (*settings, risk_based)
        if key not in self.estimates:
            other = self.estimates.get((*settings, not risk_based))
            try:
                self.estimates[key] = estimate(
                    self.window(i, spec.lookback, other),
                    risk_based=risk_based,
                    factors=self.factors_upto(i),
                    expected_returns=spec.expected_returns,
                    covariance=spec.covariance,
                    risk_free=spec.risk_free,
                    reuse=other if isinstance(other, Estimate) else None,
                )
            except InsufficientData as exc:
                self.estimates[key] = exc
        return self.estimates[key]

    def window(self, i: int, lookback: int | None, other: Any) -> Window:
        """Return the Window at row i: the last `lookback` returns, the prices behind them."""
        if isinstance(other, Estimate):
            return other.window  # the same window: the other kind's moments may be reused
        start = 0 if lookback is None else max(0, i - lookback)
        return Window(
            self.returns[start + 1 : i + 1],
            self.index,
            start + 1,
            self.labels,
            self.levels[start : i + 1],
            start,
            lookback,
            self.whole(start + 1, i + 1),
        )

    def factors_upto(self, i: int) -> pd.DataFrame | None:
        """Return the factor rows dated on or before row i's date."""
        factors = self.factors
        if factors is None:
            return None
        if self.factor_ends is None:
            return factors.loc[factors.index <= self.index[i]]
        return factors.iloc[: self.factor_ends[i]]


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
