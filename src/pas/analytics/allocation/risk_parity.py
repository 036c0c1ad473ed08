"""Risk parity / risk budgeting: w_i(Σw)_i / wᵀΣw = b_i, long-only, fully invested.

Solved through Spinu's (2013) convex form: y minimises ½yᵀΣy - Σ b_i log y_i,
whose optimum has y_i(Σy)_i = b_i exactly, and w = y / 1ᵀy. Damped Newton
(Hessian Σ + diag(b/y²), always positive definite) converges quadratically;
it stops when every risk contribution is within 1e-14 of its budget. When
bounds or sector caps bind, the same objective is minimised by Clarabel over
the homogeneous constraints (lo·1ᵀy <= y <= hi·1ᵀy, caps likewise) with an
exponential cone for each log — the constrained risk-budgeting portfolio
(Richard & Roncalli, 2019); cash or turnover limits then project the result.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

import clarabel
import numpy as np
import scipy.sparse as sp
from scipy.linalg import get_lapack_funcs

from pas.analytics.allocation.base import SchemeInput, project, timed
from pas.analytics.allocation.conic import require_solved, solve_conic
from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import SchemeResult
from pas.core.errors import InvalidInput, SolverFailed

RC_TOL = 1e-14
_potrf, _potrs = get_lapack_funcs(("potrf", "potrs"), dtype=np.float64)
#: ndarray.max / all / any without their Python-level dispatch (the same ufunc reductions)
_amax, _all, _any = np.maximum.reduce, np.logical_and.reduce, np.logical_or.reduce
#: the risk contributions a converged solve must meet (relative to the total risk)
RC_ACCEPT = 1e-11


def risk_contributions(cov: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Return w_i(Σw)_i / wᵀΣw (n,), the fractions of portfolio variance per asset."""
    marginal = cov @ w
    total = float(w @ marginal)
    return w * marginal / total if total > 0 else np.zeros_like(w)


def _meets(cov: np.ndarray, y: np.ndarray, budgets: np.ndarray) -> bool:
    """Return True when y's risk contributions under the unscaled `cov` meet RC_ACCEPT."""
    w = y / y.sum()
    return bool(np.abs(risk_contributions(cov, w) - budgets).max() <= RC_ACCEPT)


def _newton_step(C: np.ndarray, curvature: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Return (C + diag(curvature))⁻¹ grad by Cholesky: the LAPACK calls of scipy's
    cho_factor/cho_solve (same numbers, same checks) without their per-call layers."""
    H = C.copy()
    H.flat[:: len(grad) + 1] += curvature
    if not (_all(np.isfinite(H), axis=None) and _all(np.isfinite(grad))):
        raise SolverFailed("risk parity Newton step failed: array must not contain infs or NaNs")
    factor, info = _potrf(H, lower=0, overwrite_a=1, clean=0)
    if info > 0:
        raise SolverFailed(
            f"risk parity Newton step failed: {info}-th leading minor of the array"
            " is not positive definite"
        )
    step, info = _potrs(factor, grad, lower=0)
    if info != 0:
        raise SolverFailed(f"risk parity Newton step failed: LAPACK info {info}")
    return np.asarray(step)


def risk_budget_newton(
    cov: np.ndarray, budgets: np.ndarray, max_iter: int = 100
) -> tuple[np.ndarray, int]:
    """Return (w, iterations) with risk contributions equal to `budgets` (summing to 1)."""
    C = cov / float(np.mean(np.diag(cov)))
    y = budgets / np.sqrt(np.diag(C))
    y *= np.sqrt(1.0 / float(y @ C @ y))
    best_dev, best_y = np.inf, y
    for it in range(1, max_iter + 1):
        Cy = C @ y
        dev = float(_amax(np.abs(y * Cy / float(y @ Cy) - budgets)))
        if dev < best_dev:
            best_dev, best_y = dev, y
        if _amax(np.abs(y * Cy - budgets)) <= RC_TOL:
            return y / np.add.reduce(y), it
        grad = Cy - budgets / y
        step = _newton_step(C, budgets / y**2, grad)
        decrement = float(np.sqrt(max(grad @ step, 0.0)))
        if decrement < 1e-10 and best_dev <= RC_ACCEPT and _meets(cov, best_y, budgets):
            # at machine precision: on ill-conditioned covariances the contributions
            # jitter around 1e-12 and RC_TOL is out of reach, more steps only add noise
            return best_y / best_y.sum(), it
        size = 1.0 if decrement < 0.25 else 1.0 / (1.0 + decrement)
        while _any(y - size * step <= 0):
            size *= 0.5
        y = y - size * step
    if best_dev <= RC_ACCEPT and _meets(cov, best_y, budgets):
        return best_y / best_y.sum(), max_iter
    raise SolverFailed(f"risk parity Newton did not converge in {max_iter} iterations")


def risk_budget_conic(
    cov: np.ndarray, budgets: np.ndarray, cons: Constraints
) -> tuple[np.ndarray, Any]:
    """Return (w, Clarabel's solution) of constrained risk budgeting (homogeneous constraints)."""
    n = cons.n
    C = cov / float(np.mean(np.diag(cov)))
    ones = np.ones((1, n))
    rows = [cons.lower[:, None] * ones - np.eye(n), np.eye(n) - cons.upper[:, None] * ones]
    names, member, smin, smax = cons.sectors
    if names:
        rows += [smin[:, None] * ones - member, member - smax[:, None] * ones]
    dense = np.vstack(rows)
    A_le = sp.hstack([sp.csr_matrix(dense), sp.csr_matrix((dense.shape[0], n))], format="csr")
    # (s_i, 1, y_i) in the exponential cone <=> s_i <= log y_i
    exp_rows = np.zeros((3 * n, 2 * n))
    exp_rows[0::3, n:] = -np.eye(n)
    exp_rows[2::3, :n] = -np.eye(n)
    exp_b = np.tile([0.0, 1.0, 0.0], n)
    P = sp.block_diag([sp.csc_matrix(C), sp.csc_matrix((n, n))], format="csc")
    q = np.concatenate([np.zeros(n), -budgets])
    extra = (sp.csr_matrix(exp_rows), exp_b, [clarabel.ExponentialConeT() for _ in range(n)])
    sol = solve_conic(
        P, q, sp.csr_matrix((0, 2 * n)), np.zeros(0), A_le, np.zeros(A_le.shape[0]), extra
    )
    z = require_solved(sol, "risk_parity")
    y = np.maximum(z[:n], 0.0)
    return y / y.sum(), sol


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

    def solve(
        self,
        data: SchemeInput,
        budgets: Mapping[str, float] | None = None,
        solver: str = "auto",
        **_: Any,
    ) -> SchemeResult:
        """Return the risk-budgeting weights; `solver` is auto, newton or clarabel."""
        b = budgets_of(data.symbols, budgets)
        cons = data.constraints
        start = time.perf_counter()
        if solver != "clarabel":
            w, iterations = risk_budget_newton(data.cov, b)
            if not cons.violations(w):
                return SchemeResult(w, 0.0, timed("newton", start, iterations))
        w, conic = risk_budget_conic(data.cov, b, cons)
        info = timed("clarabel", start, conic.info.iterations, conic.info.status)
        if cons.violations(w):
            projected = project(data, w)
            return SchemeResult(projected.weights, projected.cash, info, projected.notes)
        return SchemeResult(w, 0.0, info)
