"""One function per problem class; each picks the exact box-QP solver or Clarabel.

The box-QP solver (boxqp.py) answers the common long-only case exactly:
min-variance and the projection under bounds alone, and max-Sharpe when only
w >= 0 (with upper bounds that cannot bind) constrains it, through the
homogenised problem min yᵀΣy over y >= 0, (μ - r_f)ᵀy = 1, w = y / 1ᵀy.
Everything else (sector caps, turnover, costs, cash, binding upper bounds
for max-Sharpe) goes to Clarabel, polished to the exact face. Risk budgeting
runs Newton (newton.py) and takes Clarabel's exponential-cone form only when
bounds or caps bind. A box-QP solve that declines (singular block) falls
through to Clarabel too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import clarabel
import numpy as np
import scipy.sparse as sp

from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import Degenerate, SolverInfo
from pas.analytics.allocation.solvers.boxqp import solve_box_qp
from pas.analytics.allocation.solvers.clarabel import (
    linear_system,
    polish,
    require_solved,
    solve_conic,
)
from pas.analytics.allocation.solvers.newton import risk_budget_newton
from pas.core.errors import InvalidInput

NO_EXCESS = "no feasible portfolio has a positive expected excess return"
SOLVERS = ("auto", "box_qp", "clarabel")


@dataclass(frozen=True, eq=False)
class Solution:
    """Risky weights (n,), cash, how they were solved, and the box-QP active set (warm start)."""

    weights: np.ndarray
    cash: float
    info: SolverInfo
    active: np.ndarray | None = None


def _check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        raise InvalidInput(f"solver must be one of {list(SOLVERS)}, got {solver!r}")


def _since(start: float, name: str, iterations: int, status: str = "optimal") -> SolverInfo:
    return SolverInfo(name, status, iterations, time.perf_counter() - start)


def min_variance(
    cov: np.ndarray, cons: Constraints, *, solver: str = "auto", start: np.ndarray | None = None
) -> Solution:
    """Return the minimum-variance weights (+ linear costs of trading) under `cons`."""
    _check_solver(solver)
    began = time.perf_counter()
    if cons.is_box and solver != "clarabel":
        sol = solve_box_qp(cov, None, cons.lower, cons.upper, start=start)
        if sol.ok:
            return Solution(sol.x, 0.0, _since(began, "box_qp", sol.iterations), sol.status)
    w, cash, info = min_variance_conic(cov, cons)
    return Solution(w, cash, _since(began, "clarabel", info.iterations, info.status))


def min_variance_conic(
    cov: np.ndarray, cons: Constraints, *, exact: bool = True
) -> tuple[np.ndarray, float, SolverInfo]:
    """Return (w, cash, Clarabel's report) of min wᵀΣw + costsᵀ|w - current|."""
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
    return z[:n], float(z[n]), sol.info


def max_sharpe(
    cov: np.ndarray,
    excess: np.ndarray,
    cons: Constraints,
    *,
    solver: str = "auto",
    start: np.ndarray | None = None,
) -> Solution:
    """Return the weights of the highest (μ - r_f)ᵀw / √(wᵀΣw); Degenerate when no excess."""
    _check_solver(solver)
    began = time.perf_counter()
    if cons.long_only and solver != "clarabel":
        if not excess.max() > 0:
            raise Degenerate(NO_EXCESS)
        sol = solve_box_qp(cov, a=excess, start=start)
        total = sol.x.sum()
        if sol.ok and total > 0:
            info = _since(began, "box_qp", sol.iterations)
            return Solution(sol.x / total, 0.0, info, sol.status)
    w, cash, info = max_sharpe_conic(cov, excess, cons)
    if not excess @ w > 0:
        raise Degenerate(NO_EXCESS)
    return Solution(w, cash, _since(began, "clarabel", info.iterations, info.status))


def max_sharpe_conic(
    cov: np.ndarray, excess: np.ndarray, cons: Constraints, *, exact: bool = True
) -> tuple[np.ndarray, float, SolverInfo]:
    """Return (w, cash, Clarabel's report) of the homogenised max-Sharpe problem.

    min yᵀΣy over (y, c, t, κ) with excessᵀy - costsᵀt = 1, every constraint
    written homogeneously (right-hand sides times κ), κ >= 0 and the cash at
    its minimum (cash earns r_f: more of it never raises the ratio); w = y / κ.
    """
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
    return z[:n] / k, float(z[n] / k), sol.info


def risk_budget(
    cov: np.ndarray, budgets: np.ndarray, cons: Constraints, *, solver: str = "auto"
) -> Solution:
    """Return weights whose risk contributions equal `budgets`, within the bounds and caps.

    Newton answers when its weights meet `cons`; otherwise the constrained
    risk-budgeting portfolio (Richard & Roncalli, 2019) comes from Clarabel.
    Cash and turnover limits are left to the caller (a projection).
    """
    if solver not in ("auto", "newton", "clarabel"):
        raise InvalidInput(f"solver must be auto, newton or clarabel, got {solver!r}")
    began = time.perf_counter()
    if solver != "clarabel":
        w, iterations = risk_budget_newton(cov, budgets)
        if not cons.violations(w):
            return Solution(w, 0.0, _since(began, "newton", iterations))
    w, info = risk_budget_conic(cov, budgets, cons)
    return Solution(w, 0.0, _since(began, "clarabel", info.iterations, info.status))


def risk_budget_conic(
    cov: np.ndarray, budgets: np.ndarray, cons: Constraints
) -> tuple[np.ndarray, SolverInfo]:
    """Return (w, Clarabel's report) of risk budgeting under homogeneous bounds and caps.

    min ½yᵀCy - Σ b_i s_i with (s_i, 1, y_i) in the exponential cone
    (s_i <= log y_i) and lo·1ᵀy <= y <= hi·1ᵀy (caps likewise); w = y / 1ᵀy.
    """
    n = cons.n
    C = cov / float(np.mean(np.diag(cov)))
    ones = np.ones((1, n))
    rows = [cons.lower[:, None] * ones - np.eye(n), np.eye(n) - cons.upper[:, None] * ones]
    names, member, smin, smax = cons.sectors
    if names:
        rows += [smin[:, None] * ones - member, member - smax[:, None] * ones]
    dense = np.vstack(rows)
    A_le = sp.hstack([sp.csr_matrix(dense), sp.csr_matrix((dense.shape[0], n))], format="csr")
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
    return y / y.sum(), sol.info


def nearest(target: np.ndarray, cash: float, cons: Constraints) -> Solution:
    """Return the feasible (weights, cash) closest (Euclidean) to `target` and `cash`."""
    began = time.perf_counter()
    if not cons.violations(target, cash):
        return Solution(target, cash, _since(began, "closed_form", 0))
    if cons.is_box:
        sol = solve_box_qp(np.eye(cons.n), -target, cons.lower, cons.upper)
        if sol.ok:
            return Solution(sol.x, 0.0, _since(began, "box_qp", sol.iterations), sol.status)
    system = linear_system(cons)
    P = np.eye(system.nz)
    P[system.n + 1 :, system.n + 1 :] = 0.0
    q = np.zeros(system.nz)
    q[: system.n], q[system.n] = -target, -cash
    sol_c = solve_conic(P, q, system.A_eq, system.b_eq, system.A_le, system.b_le)
    z = require_solved(sol_c, "projection onto the constraints")
    z = polish(P, q, system.A_eq, system.b_eq, system.A_le, system.b_le, z)
    info = sol_c.info
    return Solution(z[: system.n], float(z[system.n]), _since(began, "clarabel", info.iterations))
