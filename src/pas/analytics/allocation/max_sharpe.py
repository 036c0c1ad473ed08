"""Maximum Sharpe ratio: maximise (wᵀμ - r_f) / √(wᵀΣw) under the constraints.

Solved exactly as the homogenised convex problem (y = κw, κ > 0): minimise
yᵀΣy subject to (μ - r_f)ᵀy - costsᵀt = 1 and every constraint written
homogeneously in (y, κ); then w = y/κ (solvers.max_sharpe picks the box-QP
solver for long-only bounds, Clarabel otherwise).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pas.analytics.allocation.base import SchemeInput
from pas.analytics.allocation.result import SchemeResult
from pas.analytics.allocation.solvers import max_sharpe


class MaxSharpe:
    """The tangency portfolio: highest ex-ante Sharpe ratio (the default scheme)."""

    name: ClassVar[str] = "max_sharpe"
    fallback: ClassVar[str | None] = "min_variance"
    params: ClassVar[frozenset[str]] = frozenset({"solver"})
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = False
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = False
    uses_current: ClassVar[bool] = False

    def solve(self, data: SchemeInput, solver: str = "auto", **_: Any) -> SchemeResult:
        """Return the max-Sharpe weights; `solver` is auto, box_qp or clarabel."""
        excess = data.mu - data.risk_free
        sol = max_sharpe(data.cov, excess, data.constraints, solver=solver, start=data.start)
        return SchemeResult(sol.weights, sol.cash, sol.info, active=sol.active)
