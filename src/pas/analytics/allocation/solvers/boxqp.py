"""The exact solver for box-constrained QPs with one equality: the long-only common case.

    minimise ½ xᵀPx + qᵀx   subject to   aᵀx = total,  lo <= x <= hi

(a = 1: full investment; a = μ - r_f: the homogenised max-Sharpe problem)

Block principal pivoting on the KKT conditions (Júdice & Pires, 1994) with
Murty's single-pivot rule as the anti-cycling backup. Each pivot solves the
equality-constrained problem on the free set (the bordered KKT system), so
the answer is exact to rounding once the active set is right. A caller may
start from a known active set (`start`, e.g. yesterday's): successive
windows of a walk-forward share most of it, and the final solve of the same
free set gives the same numbers whatever the start. A singular free block or
no convergence returns `ok=False`; the problem functions then ask Clarabel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AT_LOWER, FREE, AT_UPPER = -1, 0, 1
#: the largest element of an array (NaN propagates)
_amax = np.maximum.reduce


@dataclass(frozen=True, eq=False)
class BoxSolution:
    """x (n,), the multiplier nu of aᵀx = total, the active set (n,: -1/0/+1), pivots, success."""

    x: np.ndarray
    nu: float
    status: np.ndarray
    iterations: int
    ok: bool


def anti_cycling(bad: np.ndarray, best: int, backups: int) -> tuple[np.ndarray, int, int]:
    """Return (indices to swap, best count, backups left) for one active-set pivot.

    Every violator swaps while their number falls; after three rounds without
    a new low only the largest index swaps (Murty's rule), which ends cycling.
    Start with best = n + 1, backups = 3.
    """
    if len(bad) < best:
        return bad, len(bad), 3
    if backups > 0:
        return bad, best, backups - 1
    return bad[[int(np.argmax(bad))]], best, backups


def _free_solve(
    P: np.ndarray, a: np.ndarray, rhs: np.ndarray | None, free: np.ndarray, rest: float
) -> tuple[np.ndarray, float] | None:
    """Return (x on the free set, nu) of the KKT system on the free set, or None when singular.

    P_ff x_f + nu a_f = r_f and a_fᵀx_f = rest (r = -(q + P x_fixed), None when 0)
    by the Schur complement: P_ff [u v] = [r_f a_f], nu = (a_fᵀu - rest) / a_fᵀv,
    x_f = u - nu v. A nearly singular block is caught when the answer is
    accepted: the gradient on the free set is this system's residual.
    """
    P_ff = P.take(free, axis=0).take(free, axis=1)
    a_f = a.take(free)
    B = a_f if rhs is None else np.column_stack((rhs.take(free), a_f))
    try:
        sol = np.linalg.solve(P_ff, B)
    except np.linalg.LinAlgError:
        return None
    u, v = (None, sol) if rhs is None else (sol[:, 0], sol[:, 1])
    denom = float(a_f @ v)
    if not denom > 0:  # a_fᵀP_ff⁻¹a_f > 0 for a positive definite block and a_f != 0 (NaN: no)
        return None
    if u is None:
        return v * (rest / denom), -rest / denom
    nu = (float(a_f @ u) - rest) / denom
    return u - nu * v, nu


class _Box:
    """The bounds of one problem and what they let the pivots skip.

    `lo` None means every lower bound is 0, `hi` None no upper bound: then
    the fixed weights are all 0 and no weight can break an upper bound, and
    those steps are left out.
    """

    def __init__(self, lo: np.ndarray | None, hi: np.ndarray | None, a: np.ndarray) -> None:
        if lo is not None and not lo.any():
            lo = None
        if hi is not None and not np.isfinite(hi).any():
            hi = None
        self.lo, self.hi = lo, hi
        self.zeros = lo is None and hi is None
        movable = None if lo is None or hi is None else lo < hi
        self.movable = None if movable is None or movable.all() else movable
        # a weight whose coefficient in aᵀx is not positive cannot help reach `total` from 0
        free = a > 0 if lo is None else (a > 0) | (lo != 0)
        if self.movable is not None:
            free &= self.movable
        self.cold = np.zeros(len(a), dtype=np.int8)
        self.cold[~free] = AT_LOWER

    def start(self, hint: np.ndarray | None) -> np.ndarray:
        """Return the active set to start from: `hint` where a weight may be free, else cold."""
        if hint is None:
            return self.cold.copy()
        status = hint.astype(np.int8)  # a copy
        status[self.cold != FREE] = AT_LOWER
        return status if (status == FREE).any() else self.cold.copy()

    def fixed(self, status: np.ndarray, free: np.ndarray) -> np.ndarray:
        """Return x with every fixed weight at its bound and 0 on the free set."""
        if self.zeros:
            return np.zeros(len(status))
        lo = np.zeros(len(status)) if self.lo is None else self.lo
        x = lo.copy() if self.hi is None else np.where(status == AT_UPPER, self.hi, lo)
        x[free] = 0.0
        return x

    def violators(
        self, grad: np.ndarray, x: np.ndarray, nu: float, free: np.ndarray, status: np.ndarray
    ) -> np.ndarray:
        """Return the indices that break a KKT condition (fixed weights never do).

        A free weight (`free`: mask) must lie within its bounds; at its lower
        bound the gradient of the Lagrangian (`grad`) must be >= 0, at its
        upper bound <= 0.
        """
        xtol = 1e-13 * (1.0 + _amax(np.abs(x)))
        gtol = 1e-12 * (1.0 + _amax(np.abs(grad)) + abs(nu))
        outside = x < (-xtol if self.lo is None else self.lo - xtol)
        if self.hi is not None:
            outside |= x > self.hi + xtol
        bad = np.where(free, outside, status * grad > gtol)
        if self.movable is not None:
            bad &= self.movable
        return bad.nonzero()[0]

    def clip(self, x: np.ndarray) -> np.ndarray:
        """Return x clipped to the bounds (rounding at a bound)."""
        x = np.maximum(x, 0.0 if self.lo is None else self.lo)
        return x if self.hi is None else np.minimum(x, self.hi)


def solve_box_qp(
    P: np.ndarray,
    q: np.ndarray | None = None,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
    total: float = 1.0,
    *,
    a: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 500,
) -> BoxSolution:
    """Return the exact minimiser of the box QP (module docstring), from the active set `start`.

    `q` None is 0, `lo` None all zeros, `hi` None no upper bound, `a` None all ones.
    """
    n = len(P)
    a = np.ones(n) if a is None else a
    if q is not None and not q.any():
        q = None
    box = _Box(lo, hi, a)
    status = box.start(start)
    best, backups = n + 1, 3
    x, nu = np.zeros(n), 0.0
    for it in range(1, max_iter + 1):
        free_mask = status == FREE
        free = free_mask.nonzero()[0]
        if not len(free):
            return BoxSolution(x, nu, status, it, False)
        x = box.fixed(status, free)
        fixed = not box.zeros and x.any()
        rhs = -(P @ x if q is None else q + P @ x) if fixed else (None if q is None else -q)
        solved = _free_solve(P, a, rhs, free, total - float(a @ x) if fixed else total)
        if solved is None:
            return BoxSolution(x, nu, status, it, False)
        x[free], nu = solved
        grad = P @ x
        if q is not None:
            grad += q
        grad += nu * a
        bad = box.violators(grad, x, nu, free_mask, status)
        if not len(bad):
            # the gradient on the free set is the solve's residual: near-singular blocks fail here
            scale = 1.0 + _amax(np.abs(a)) + (0.0 if rhs is None else _amax(np.abs(rhs)))
            ok = bool(_amax(np.abs(grad.take(free))) <= 1e-9 * scale)
            return BoxSolution(box.clip(x) if ok else x, nu, status, it, ok)
        bad, best, backups = anti_cycling(bad, best, backups)
        leaving = bad[free_mask[bad]]
        status[bad] = FREE
        lower = x[leaving] < (0.0 if box.lo is None else box.lo[leaving])
        status[leaving] = np.where(lower, AT_LOWER, AT_UPPER)
    return BoxSolution(x, nu, status, max_iter, False)
