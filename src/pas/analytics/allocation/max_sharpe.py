"""Maximum Sharpe ratio: maximise (wᵀμ - r_f) / √(wᵀΣw) under the constraints.

Two exact solvers. The general one is the homogenised convex problem
(y = κw, κ > 0): minimise yᵀΣy subject to (μ - r_f)ᵀy - costsᵀt = 1 and every
constraint written homogeneously in (y, κ); then w = y/κ. The fast path,
for bounds-only problems, uses that the tangency portfolio solves the box QP
min ½wᵀΣw - τ(μ - r_f)ᵀw at τ* = wᵀΣw / (μ - r_f)ᵀw: inside one active set
w(τ) = a + τb is affine, so τ* is the root of a quadratic, and the active set
is re-checked at τ* until it holds (exact to rounding).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from pas.analytics.allocation.base import Degenerate, SchemeInput, timed
from pas.analytics.allocation.boxqp import _infeasible, clip_box, solve_box_qp, solve_fixed
from pas.analytics.allocation.conic import linear_system, polish, require_solved, solve_conic
from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import SchemeResult

NO_EXCESS = "no feasible portfolio has a positive expected excess return"
#: ndarray.all / any without their Python-level dispatch (the same ufunc reductions)
_all, _any = np.logical_and.reduce, np.logical_or.reduce


def max_box_excess(excess: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Return the largest (μ - r_f)ᵀw over lo <= w <= hi, 1ᵀw = 1 (greedy, exact)."""
    top = int(excess.argmax())
    if hi[top] >= 1.0 and not _any(lo):  # long-only: the greedy puts everything on the best
        return float(excess[top])
    w, room = lo.copy(), 1.0 - float(np.add.reduce(lo))
    for i in (-excess).argsort():
        step = min(hi[i] - lo[i], room)
        w[i] += step
        room -= step
        if room <= 0:
            break
    return float(excess @ w)


def _tau_star(cov: np.ndarray, excess: np.ndarray, a: np.ndarray, b: np.ndarray) -> float | None:
    """Return τ > 0 with τ·ret(a + τb) = var(a + τb), or None."""
    A0, A1, A2 = a @ cov @ a, a @ cov @ b, b @ cov @ b
    R0, R1 = excess @ a, excess @ b
    c2, c1, c0 = R1 - A2, R0 - 2.0 * A1, -A0
    if abs(c2) <= 1e-12 * (abs(c1) + abs(c0) + 1e-300):
        return -c0 / c1 if c1 > 0 else None
    disc = c1 * c1 - 4.0 * c2 * c0
    if disc < 0:
        return None
    roots = [(-c1 + s * np.sqrt(disc)) / (2.0 * c2) for s in (1.0, -1.0)]
    positive = [r for r in roots if r > 0 and excess @ (a + r * b) > 0]
    return min(positive) if positive else None


def _homogenised_long_only(cov: np.ndarray, excess: np.ndarray) -> tuple[np.ndarray, int] | None:
    """Return (w, pivots) of max Sharpe over w >= 0, 1ᵀw = 1 via min yᵀΣy, excessᵀy = 1, y >= 0."""
    zero, unbounded = np.zeros(len(excess)), np.empty(len(excess))
    unbounded.fill(np.inf)
    sol = solve_box_qp(cov, zero, zero, unbounded, 1.0, a=excess)
    total = np.add.reduce(sol.x)
    if not sol.ok or total <= 0:
        return None
    return sol.x / total, sol.iterations


def fast_max_sharpe(
    cov: np.ndarray, excess: np.ndarray, lo: np.ndarray, hi: np.ndarray, max_rounds: int = 60
) -> tuple[np.ndarray, int] | None:
    """Return (tangency weights, pivots) on the box-simplex, or None when the fast path declines."""
    n = len(excess)
    start = _homogenised_long_only(cov, excess)
    if start is None:
        return None
    w, pivots = start
    if _all(w >= lo) and _all(w <= hi) and not _any(lo):
        return w, pivots
    tau = float(w @ cov @ w) / max(float(excess @ w), 1e-300)
    status: np.ndarray | None = np.where(w > 0, 0, -1).astype(np.int8)
    zero = np.zeros(n)
    for _ in range(max_rounds):
        sol = solve_box_qp(cov, -tau * excess, lo, hi, 1.0, status)
        pivots += sol.iterations
        if not sol.ok:
            return None
        status = sol.status
        if excess @ sol.x <= 0:
            tau *= 4.0
            continue
        fixed_a = solve_fixed(cov, zero, lo, hi, 1.0, status)
        fixed_b = solve_fixed(cov, -excess, zero, zero, 0.0, status)
        if fixed_a is None or fixed_b is None:
            return None
        (a, nu_a), (b, nu_b) = fixed_a, fixed_b
        new_tau = _tau_star(cov, excess, a, b)
        if new_tau is None:
            return None
        w = a + new_tau * b
        bad, _ = _infeasible(cov, -new_tau * excess, lo, hi, w, nu_a + new_tau * nu_b, status)
        if len(bad) == 0:
            return clip_box(w, lo, hi), pivots
        tau = new_tau
    return None


def max_sharpe_conic(
    cov: np.ndarray, excess: np.ndarray, cons: Constraints, *, exact: bool = True
) -> tuple[np.ndarray, float, Any]:
    """Return (w, cash, Clarabel's solution) of the homogenised max-Sharpe problem."""
    system = linear_system(cons)
    n, nz = system.n, system.nz
    kappa = sp.csr_matrix(np.eye(1, nz + 1, nz))
    ret_row = np.zeros(nz + 1)
    ret_row[:n] = excess
    if system.nt and cons.costs is not None:
        ret_row[n + 1 : nz] = -cons.costs
    cash_row = np.zeros(nz + 1)
    cash_row[n], cash_row[nz] = 1.0, -cons.cash_min
    A_eq = sp.vstack(
        [sp.hstack([system.A_eq, -system.b_eq[:, None]]), ret_row[None, :], cash_row[None, :]],
        format="csr",
    )
    b_eq = np.array([0.0, 1.0, 0.0])
    A_le = sp.vstack([sp.hstack([system.A_le, -system.b_le[:, None]]), -kappa], format="csr")
    b_le = np.zeros(A_le.shape[0])
    P = np.zeros((nz + 1, nz + 1))
    P[:n, :n] = cov
    q = np.zeros(nz + 1)
    sol = solve_conic(sp.csc_matrix(P), q, A_eq, b_eq, A_le, b_le)
    if sol.infeasible:
        raise Degenerate(NO_EXCESS)
    z = require_solved(sol, "max_sharpe")
    if exact:
        z = polish(P, q, A_eq, b_eq, A_le, b_le, z)
    k = z[nz]
    if not k > 0:
        raise Degenerate(NO_EXCESS)
    return z[:n] / k, float(z[n] / k), sol


class MaxSharpe:
    """The tangency portfolio: highest ex-ante Sharpe ratio (the default scheme)."""

    name: ClassVar[str] = "max_sharpe"
    fallback: ClassVar[str | None] = "min_variance"
    params: ClassVar[frozenset[str]] = frozenset({"solver"})

    def solve(self, data: SchemeInput, solver: str = "auto", **_: Any) -> SchemeResult:
        """Return the max-Sharpe weights; `solver` is auto, box_qp or clarabel."""
        cons = data.constraints
        excess = data.mu - data.risk_free
        start = time.perf_counter()
        if cons.is_box and solver != "clarabel":
            if max_box_excess(excess, cons.lower, cons.upper) <= 0:
                raise Degenerate(NO_EXCESS)
            fast = fast_max_sharpe(data.cov, excess, cons.lower, cons.upper)
            if fast is not None:
                return SchemeResult(fast[0], 0.0, timed("box_qp", start, fast[1]))
        w, cash, conic = max_sharpe_conic(data.cov, excess, cons)
        if excess @ w <= 0:
            raise Degenerate(NO_EXCESS)
        return SchemeResult(
            w, cash, timed("clarabel", start, conic.info.iterations, conic.info.status)
        )
