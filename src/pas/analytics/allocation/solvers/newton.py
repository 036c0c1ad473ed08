"""Risk budgeting without binding constraints: damped Newton on Spinu's (2013) convex form.

y minimises ½yᵀCy - Σ b_i log y_i (C the covariance scaled to unit mean
variance), whose optimum has y_i(Cy)_i = b_i exactly, and w = y / 1ᵀy. The
Hessian C + diag(b/y²) is always positive definite, so each step is one
Cholesky solve and the iteration converges quadratically; it stops when
every risk contribution is within RC_TOL of its budget.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from pas.core.errors import SolverFailed

RC_TOL = 1e-14
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
    """Return (C + diag(curvature))⁻¹ grad; SolverFailed when the Hessian is not usable.

    The Hessian is positive definite (C is a covariance, the curvature b/y² > 0):
    a Cholesky solve, half the work of a general one on large problems.
    """
    H = C.copy()
    H.flat[:: len(grad) + 1] += curvature
    if not (np.isfinite(H).all() and np.isfinite(grad).all()):
        raise SolverFailed("risk parity Newton step failed: the Hessian is not finite")
    try:
        factor = cho_factor(H, overwrite_a=True, check_finite=False)
    except np.linalg.LinAlgError as exc:
        raise SolverFailed(f"risk parity Newton step failed: {exc}") from None
    return np.asarray(cho_solve(factor, grad, check_finite=False))


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
        dev = float(np.abs(y * Cy / float(y @ Cy) - budgets).max())
        if dev < best_dev:
            best_dev, best_y = dev, y
        if np.abs(y * Cy - budgets).max() <= RC_TOL:
            return y / y.sum(), it
        grad = Cy - budgets / y
        step = _newton_step(C, budgets / y**2, grad)
        decrement = float(np.sqrt(max(grad @ step, 0.0)))
        if decrement < 1e-10 and best_dev <= RC_ACCEPT and _meets(cov, best_y, budgets):
            # at machine precision: on ill-conditioned covariances the contributions
            # jitter around 1e-12 and RC_TOL is out of reach, more steps only add noise
            return best_y / best_y.sum(), it
        size = 1.0 if decrement < 0.25 else 1.0 / (1.0 + decrement)
        while (y - size * step <= 0).any():
            size *= 0.5
        y = y - size * step
    if best_dev <= RC_ACCEPT and _meets(cov, best_y, budgets):
        return best_y / best_y.sum(), max_iter
    raise SolverFailed(f"risk parity Newton did not converge in {max_iter} iterations")
