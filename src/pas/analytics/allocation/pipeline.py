"""The one pipeline from an Estimate to a decision: constraints, the scheme, its fallbacks.

`pas.allocate`, the walk-forward and live rebalancing all decide here, on
arrays; `summary.build_allocation` turns an Outcome into the frozen
Allocation at the pandas edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pas.analytics.allocation.base import Panel, SchemeInput
from pas.analytics.allocation.constraints import Bounds, Constraints, build_constraints
from pas.analytics.allocation.engine import run_scheme
from pas.analytics.allocation.estimate import Estimate
from pas.analytics.allocation.registry import get_scheme
from pas.analytics.allocation.result import SchemeResult
from pas.analytics.allocation.spec import AllocationSpec
from pas.core.errors import InvalidInput


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a scheme decided on an Estimate: weights over the window's symbols, and why.

    `result` holds the risky weights over the Estimate's kept symbols and the
    cash weight; `method` is the scheme that answered, `chain` its fallback
    chain (None when the requested scheme answered).
    """

    estimate: Estimate
    spec: AllocationSpec
    result: SchemeResult
    method: str
    chain: str | None

    @cached_property
    def weights(self) -> np.ndarray:
        """Return the risky weights (n,) over every symbol of the window (0 where left out)."""
        w = np.zeros(len(self.estimate.window.labels))
        w[self.estimate.kept] = self.result.weights
        return w

    @property
    def cash(self) -> float:
        """Return the cash weight."""
        return float(self.result.cash)

    def normalised(self) -> np.ndarray:
        """Return the weights over the window's symbols then CASH (n + 1,), summing to 1.

        A cash weight of 1e-12 or less counts as none.
        """
        n = len(self.estimate.window.labels)
        out = np.zeros(n + 1)
        if len(self.estimate.kept) == n:
            out[:n] = self.result.weights
        else:
            out[self.estimate.kept] = self.result.weights
        cash = self.cash
        if cash > 1e-12:
            out[-1] = cash
        out /= out.sum()
        return out

    @property
    def fallback(self) -> str | None:
        """Return every fallback taken (data left out, estimators, schemes), or None."""
        chain = () if self.chain is None else (self.chain,)
        return "; ".join((*self.estimate.fallbacks, *chain)) or None

    @property
    def notes(self) -> tuple[str, ...]:
        """Return the scheme's notes, then what the decision rests on (the Estimate's notes)."""
        return (*self.result.notes, *self.estimate.notes)


def decide(
    est: Estimate,
    spec: AllocationSpec,
    *,
    current_weights: Mapping[str, float] | None = None,
    sectors: Mapping[str, str] | None = None,
    start: np.ndarray | None = None,
    constraints: Constraints | None = None,
) -> Outcome:
    """Return the Decision of `spec`'s scheme on `est` (an Estimate for that kind of scheme).

    `current_weights` (symbol -> weight, CASH included) feed turnover limits,
    costs and strategic bands; `start` is a box-QP active set to start from;
    `constraints` are those `constraints_of` gave for the same inputs, when
    the caller kept them. Infeasible constraints are raised
    (InfeasibleConstraints), never hidden.
    """
    scheme = get_scheme(spec.method)
    if scheme.risk_based != est.risk_based:
        kind = "risk-based" if est.risk_based else "non-risk-based"
        raise InvalidInput(f"{spec.method} cannot use an Estimate made for {kind} schemes")
    cons = (
        constraints
        if constraints is not None
        else constraints_of(est, spec, current_weights, sectors)
    )
    data = SchemeInput(
        est.labels,
        est.mu,
        est.cov,
        est.risk_free,
        cons,
        Panel(est.returns, lambda: est.dates),
        _prices(est),
        dict(sectors or {}),
        start,
    )
    result, used, chain = run_scheme(spec.method, data, dict(spec.params))
    return Outcome(est, spec, result, used, chain)


def needs_current(spec: AllocationSpec) -> bool:
    """Return True when `spec`'s decisions read today's weights (turnover, costs, bands)."""
    return (
        spec.max_turnover is not None
        or spec.costs is not None
        or get_scheme(spec.method).uses_current
    )


def constraints_of(
    est: Estimate,
    spec: AllocationSpec,
    current_weights: Mapping[str, float] | None,
    sectors: Mapping[str, str] | None,
) -> Constraints:
    """Return the checked Constraints of `spec` over the Estimate's kept symbols."""
    cons = build_constraints(
        est.labels,
        _kept_bounds(spec.bounds, est),
        sectors=sectors,
        sector_caps=spec.sector_caps,
        current_weights=current_weights,
        max_turnover=spec.max_turnover,
        costs=spec.costs,
        cash=spec.cash,
    )
    cons.check()
    return cons


def _prices(est: Estimate) -> Panel | None:
    """Return the price levels of the kept symbols (None when the window came from returns)."""
    window = est.window
    if window.levels is None:
        return None
    levels = window.levels
    if len(est.kept) != levels.shape[1]:
        levels = levels[:, est.kept]
    return Panel(levels, lambda: window.level_dates)


def _kept_bounds(
    bounds: Bounds | Mapping[str, Bounds], est: Estimate
) -> Bounds | Mapping[str, Bounds]:
    """Return the bounds of the kept symbols; InvalidInput names symbols not in the data."""
    if not isinstance(bounds, Mapping):
        return bounds
    unknown = sorted(set(bounds) - set(est.window.labels) - {"*"})
    if unknown:
        raise InvalidInput(f"bounds name unknown symbols {unknown}", symbols=unknown)
    kept = set(est.labels)
    return {k: v for k, v in bounds.items() if k in kept or k == "*"}
