"""Risk parity / risk budgeting: w_i(Σw)_i / wᵀΣw = b_i, long-only, fully invested.

Without binding bounds Newton on Spinu's convex form gives the exact answer;
when bounds or sector caps bind, the constrained risk-budgeting portfolio
(Richard & Roncalli, 2019) comes from Clarabel (solvers.risk_budget); cash or
turnover limits then project the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from pas.analytics.allocation.base import SchemeInput, project
from pas.analytics.allocation.result import SchemeResult
from pas.analytics.allocation.solvers import risk_budget
from pas.core.errors import InvalidInput


def budgets_of(symbols: tuple[str, ...], budgets: Mapping[str, float] | None) -> np.ndarray:
    """Return risk budgets (n,) summing to 1 (equal when None)."""
    if budgets is None:
        return np.full(len(symbols), 1.0 / len(symbols))
    b = np.array([float(budgets.get(s, 0.0)) for s in symbols])
    if (b <= 0).any() or not np.isfinite(b).all():
        missing = [s for s, v in zip(symbols, b, strict=True) if not v > 0]
        raise InvalidInput(f"risk budgets must be > 0 for every symbol; not for {missing}")
    return b / b.sum()


class RiskParity:
    """Equal risk contributions, or contributions equal to given risk budgets."""

    name: ClassVar[str] = "risk_parity"
    fallback: ClassVar[str | None] = "inverse_volatility"
    params: ClassVar[frozenset[str]] = frozenset({"budgets", "solver"})
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = False
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = False
    uses_current: ClassVar[bool] = False

    def solve(
        self,
        data: SchemeInput,
        budgets: Mapping[str, float] | None = None,
        solver: str = "auto",
        **_: Any,
    ) -> SchemeResult:
        """Return the risk-budgeting weights; `solver` is auto, newton or clarabel."""
        cons = data.constraints
        sol = risk_budget(data.cov, budgets_of(data.symbols, budgets), cons, solver=solver)
        if cons.violations(sol.weights):
            projected = project(data, sol.weights)
            return SchemeResult(projected.weights, projected.cash, sol.info, projected.notes)
        return SchemeResult(sol.weights, 0.0, sol.info)
