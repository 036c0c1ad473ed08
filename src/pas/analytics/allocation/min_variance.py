"""Minimum variance: minimise wᵀΣw (+ linear trading costs) under the constraints."""

from __future__ import annotations

from typing import Any, ClassVar

from pas.analytics.allocation.base import SchemeInput
from pas.analytics.allocation.result import SchemeResult
from pas.analytics.allocation.solvers import min_variance


class MinVariance:
    """The fully invested portfolio of least variance."""

    name: ClassVar[str] = "min_variance"
    fallback: ClassVar[str | None] = "inverse_volatility"
    params: ClassVar[frozenset[str]] = frozenset({"solver"})
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = False
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = False
    uses_current: ClassVar[bool] = False

    def solve(self, data: SchemeInput, solver: str = "auto", **_: Any) -> SchemeResult:
        """Return the minimum-variance weights; `solver` is auto, box_qp or clarabel."""
        sol = min_variance(data.cov, data.constraints, solver=solver, start=data.start)
        return SchemeResult(sol.weights, sol.cash, sol.info, active=sol.active)
