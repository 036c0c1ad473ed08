"""The general solver: allocation problems as conic programs for Clarabel.

Variables are z = [w (n), c (cash), t (n trade sizes, only with turnover or
costs)]. `linear_system` writes every constraint as A_eq z = b_eq and
A_le z <= b_le; the schemes add their objective (and, for max-Sharpe, the
homogenising variable κ). Clarabel is also the oracle the fast path is
tested against and the fallback when the fast path declines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

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


def _h(*parts: sp.spmatrix | np.ndarray) -> sp.csr_matrix:
    """Return the parts side by side as one sparse block (zero-width parts skipped)."""
    kept = [sp.csr_matrix(p) for p in parts if p.shape[1] > 0]
    return sp.hstack(kept, format="csr")


def linear_system(cons: Constraints) -> LinearSystem:
    """Return the constraint rows of `cons` over z = [w, c, t]."""
    n = cons.n
    nt = n if cons.trades else 0
    eye = sp.identity(n, format="csr")
    zero_c, zero_t = sp.csr_matrix((n, 1)), sp.csr_matrix((n, nt))
    eq = _h(np.ones((1, n)), np.ones((1, 1)), np.zeros((1, nt)))
    blocks = [
        _h(-eye, zero_c, zero_t),
        _h(eye, zero_c, zero_t),
        _h(np.zeros((2, n)), np.array([[-1.0], [1.0]]), np.zeros((2, nt))),
    ]
    rhs = [-cons.lower, cons.upper, np.array([-cons.cash_min, cons.cash_max])]
    names, member, smin, smax = cons.sectors
    if names:
        k = len(names)
        blocks += [_h(-member, np.zeros((k, 1 + nt))), _h(member, np.zeros((k, 1 + nt)))]
        rhs += [-smin, smax]
    if nt:
        assert cons.current is not None
        blocks += [_h(eye, zero_c, -eye), _h(-eye, zero_c, -eye)]
        rhs += [cons.current, -cons.current]
        if cons.max_turnover is not None:
            blocks.append(_h(np.zeros((1, n + 1)), np.ones((1, nt))))
            rhs.append(np.array([cons.max_turnover]))
    A_le = sp.vstack(blocks, format="csr")
    return LinearSystem(eq, np.array([1.0]), A_le, np.concatenate(rhs), n, nt)


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
    system gives the vertex-exact solution the fast path also finds. Several
    thresholds for "tight" are tried in turn; the first feasible, no-worse face wins.
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
        obj = _objective(P, q, cand)
        if feasible and obj <= limit:
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
        # QR with column pivoting: rank-revealing like SVD, several times faster
        sol = lstsq(kkt, np.concatenate([-q, b]), lapack_driver="gelsy", check_finite=False)[0]
    except (np.linalg.LinAlgError, ValueError):
        return None
    return np.asarray(sol[:nz]) if np.isfinite(sol).all() else None
