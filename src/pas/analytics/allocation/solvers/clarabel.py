"""The general solver: allocation problems as conic programs for Clarabel.

Variables are z = [w (n), c (cash), t (n trade sizes, only with turnover or
costs)]. `linear_system` writes every constraint as A_eq z = b_eq and
A_le z <= b_le; the problem functions add their objective (and, for
max-Sharpe, the homogenising variable κ). `polish` moves Clarabel's
interior-point answer to the exact optimum of its active face, so both
solvers of the package report the same vertex-exact weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import clarabel
import numpy as np
import scipy.sparse as sp
from scipy.linalg import lstsq

from pas.analytics.allocation.constraints import Constraints
from pas.analytics.allocation.result import SolverInfo
from pas.core.errors import SolverFailed

ACCEPTED = ("Solved", "AlmostSolved")
INFEASIBLE = ("PrimalInfeasible", "AlmostPrimalInfeasible")


@dataclass(frozen=True, eq=False)
class LinearSystem:
    """A_eq z = b_eq and A_le z <= b_le over z = [w, c, t]; `nt` trade variables (0 or n)."""

    A_eq: sp.csr_matrix
    b_eq: np.ndarray
    A_le: sp.csr_matrix
    b_le: np.ndarray
    n: int
    nt: int

    @property
    def nz(self) -> int:
        """Return the number of variables."""
        return self.n + 1 + self.nt


class _Rows:
    """Sparse inequality rows collected as (row, column, value) triplets with their bounds."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []
        self.count = 0

    def add(self, row: Any, col: Any, val: Any, rhs: Any) -> None:
        """Add rows numbered 0..len(rhs)-1 locally (entries by triplet) with right-hand sides."""
        self.rows.append(np.asarray(row) + self.count)
        self.cols.append(np.asarray(col))
        self.vals.append(np.broadcast_to(np.asarray(val, dtype=float), np.shape(row)))
        self.rhs.append(np.asarray(rhs, dtype=float))
        self.count += len(rhs)

    def matrix(self, nz: int) -> tuple[sp.csr_matrix, np.ndarray]:
        """Return (A_le, b_le)."""
        A = sp.csr_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.count, nz),
        )
        return A, np.concatenate(self.rhs)


def linear_system(cons: Constraints) -> LinearSystem:
    """Return the constraint rows of `cons` over z = [w, c, t]."""
    n = cons.n
    nt = n if cons.trades else 0
    nz = n + 1 + nt
    i = np.arange(n)
    le = _Rows()
    le.add(i, i, -1.0, -cons.lower)
    le.add(i, i, 1.0, cons.upper)
    le.add(np.arange(2), np.array([n, n]), np.array([-1.0, 1.0]), [-cons.cash_min, cons.cash_max])
    names, member, smin, smax = cons.sectors
    if names:
        k, j = np.nonzero(member)
        le.add(k, j, -1.0, -smin)
        le.add(k, j, 1.0, smax)
    if nt:
        assert cons.current is not None
        for sign in (1.0, -1.0):  # ±(w - current) <= t
            le.add(
                np.concatenate([i, i]),
                np.concatenate([i, n + 1 + i]),
                np.concatenate([np.full(n, sign), np.full(n, -1.0)]),
                sign * cons.current,
            )
        if cons.max_turnover is not None:
            le.add(np.zeros(n, dtype=int), n + 1 + i, 1.0, [cons.max_turnover])
    A_le, b_le = le.matrix(nz)
    A_eq = sp.csr_matrix((np.ones(n + 1), (np.zeros(n + 1, dtype=int), np.arange(n + 1))), (1, nz))
    return LinearSystem(A_eq, np.array([1.0]), A_le, b_le, n, nt)


@lru_cache(maxsize=1)
def _settings() -> clarabel.DefaultSettings:
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = 1e-11
    settings.tol_feas = 1e-11
    settings.tol_ktratio = 1e-9
    settings.max_iter = 300
    return settings


@dataclass(frozen=True, eq=False)
class ConicSolution:
    """The primal solution z, the solver's report and whether the problem was infeasible."""

    z: np.ndarray
    info: SolverInfo
    infeasible: bool


def solve_conic(
    P: sp.spmatrix | np.ndarray,
    q: np.ndarray,
    A_eq: sp.spmatrix,
    b_eq: np.ndarray,
    A_le: sp.spmatrix,
    b_le: np.ndarray,
    extra: tuple[sp.spmatrix, np.ndarray, list[object]] | None = None,
) -> ConicSolution:
    """Return Clarabel's solution of min ½zᵀPz + qᵀz s.t. equalities, inequalities, extra cones."""
    start = time.perf_counter()
    A_parts, b_parts = [A_eq, A_le], [b_eq, b_le]
    cones: list[object] = [
        clarabel.ZeroConeT(A_eq.shape[0]),
        clarabel.NonnegativeConeT(A_le.shape[0]),
    ]
    if extra is not None:
        A_parts.append(extra[0])
        b_parts.append(extra[1])
        cones += extra[2]
    P_up = sp.triu(sp.csc_matrix(P), format="csc")
    A = sp.vstack(A_parts, format="csc")
    solver = clarabel.DefaultSolver(P_up, q, A, np.concatenate(b_parts), cones, _settings())
    sol = solver.solve()
    status = str(sol.status)
    info = SolverInfo("clarabel", status, int(sol.iterations), time.perf_counter() - start)
    return ConicSolution(np.asarray(sol.x, dtype=float), info, status in INFEASIBLE)


def require_solved(sol: ConicSolution, what: str) -> np.ndarray:
    """Return z of an accepted solution; raise SolverFailed otherwise."""
    if sol.info.status not in ACCEPTED or not np.isfinite(sol.z).all():
        raise SolverFailed(f"{what}: Clarabel ended with status {sol.info.status}")
    return sol.z


def polish(
    P: np.ndarray,
    q: np.ndarray,
    A_eq: sp.spmatrix,
    b_eq: np.ndarray,
    A_le: sp.spmatrix,
    b_le: np.ndarray,
    z: np.ndarray,
    tols: tuple[float, ...] = (1e-7, 1e-9, 1e-5),
) -> np.ndarray:
    """Return z moved to the exact optimum of its active face when that is feasible and no worse.

    The interior-point answer is accurate to about its tolerance; fixing the
    inequalities it leaves (nearly) tight as equalities and solving the KKT
    system gives the vertex-exact solution the box-QP solver also finds.
    Several thresholds for "tight" are tried in turn; the first feasible,
    no-worse face wins.
    """
    Ale, Aeq = A_le.toarray(), A_eq.toarray()
    slack = b_le - Ale @ z
    start = _objective(P, q, z)
    limit = start + 1e-12 * (1.0 + abs(start))
    for tol in tols:
        active = slack <= tol * (1.0 + np.abs(b_le))
        cand = _face_optimum(
            P, q, np.vstack([Aeq, Ale[active]]), np.concatenate([b_eq, b_le[active]])
        )
        if cand is None:
            continue
        feasible = (Ale @ cand <= b_le + 1e-12 * (1 + np.abs(b_le))).all() and np.allclose(
            Aeq @ cand, b_eq, rtol=0, atol=1e-12
        )
        if feasible and _objective(P, q, cand) <= limit:
            return np.asarray(cand)  # the first exact face that holds is the optimum
    return z


def _objective(P: np.ndarray, q: np.ndarray, z: np.ndarray) -> float:
    return float(0.5 * z @ P @ z + q @ z)


def _face_optimum(P: np.ndarray, q: np.ndarray, A: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Return the minimiser of ½zᵀPz + qᵀz on A z = b (least-squares KKT), or None."""
    nz, m = P.shape[0], A.shape[0]
    if nz + m > 2500:
        return None
    kkt = np.block([[P, A.T], [A, np.zeros((m, m))]])
    try:
        # QR with column pivoting: rank-revealing (a face may repeat a constraint)
        sol = lstsq(kkt, np.concatenate([-q, b]), lapack_driver="gelsy", check_finite=False)[0]
    except (np.linalg.LinAlgError, ValueError):
        return None
    return np.asarray(sol[:nz]) if np.isfinite(sol).all() else None
