"""Minimum variance: minimise wᵀΣw (+ linear trading costs) under the constraints."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from pas.analytics.allocation.base import SchemeInput, timed
from pas.analytics.allocation.boxqp import solve_box_qp
from pas.analytics.allocation.conic import (
    ConicSolution,
    linear_system,
    polish,
    require_solved,
    solve_conic,
)
from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import SchemeResult


def min_variance_conic(
    cov: np.ndarray, cons: Constraints, *, exact: bool = True
) -> tuple[np.ndarray, float, ConicSolution]:
    """Return (w, cash, Clarabel's solution) of min wᵀΣw + costsᵀ|w - current|."""
    system = linear_system(cons)
    n, nz = system.n, system.nz
    P = np.zeros((nz, nz))
    P[:n, :n] = 2.0 * cov
    q = np.zeros(nz)
    if system.nt and cons.costs is not None:
        q[n + 1 :] = cons.costs
    sol = solve_conic(sp.csc_matrix(P), q, system.A_eq, system.b_eq, system.A_le, system.b_le)
    z = require_solved(sol, "min_variance")
    if exact:
        z = polish(P, q, system.A_eq, system.b_eq, system.A_le, system.b_le, z)
    return z[:n], float(z[n]), sol


class MinVariance:
    """The fully invested portfolio of least variance (fast box path, else Clarabel)."""

    name: ClassVar[str] = "min_variance"
    fallback: ClassVar[str | None] = "inverse_volatility"
    params: ClassVar[frozenset[str]] = frozenset({"solver"})

    def solve(self, data: SchemeInput, solver: str = "auto", **_: Any) -> SchemeResult:
        """Return the minimum-variance weights; `solver` is auto, box_qp or clarabel."""
        cons = data.constraints
        start = time.perf_counter()
        if cons.is_box and solver != "clarabel":
            sol = solve_box_qp(data.cov, np.zeros(data.n), cons.lower, cons.upper, 1.0)
            if sol.ok:
                return SchemeResult(sol.x, 0.0, timed("box_qp", start, sol.iterations))
        w, cash, conic = min_variance_conic(data.cov, cons)
        return SchemeResult(
            w, cash, timed("clarabel", start, conic.info.iterations, conic.info.status)
        )
