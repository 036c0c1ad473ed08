"""Small long-only QPs in one compiled step: min xᵀPx over x >= 0, aᵀx = total, as an LDP.

With P = UᵀU (Cholesky) and z = Ux, minimising xᵀPx over x >= 0, aᵀx >= 1
is the least-distance problem min ||z|| over Gz >= h with G = [U⁻¹; aᵀU⁻¹]
and h = (0, ..., 0, 1) (Lawson & Hanson, Solving Least Squares Problems,
ch. 23). Its solution comes from one non-negative least-squares problem,
min ||Eu - f|| over u >= 0 with E = [Gᵀ; hᵀ] and f = (0, ..., 0, 1): for
r = Eu - f, z = -r[:n] / r[n], and u_i > 0 marks the bounds x_i >= 0 that
hold. aᵀx >= 1 binds at the optimum (scaling x down lowers xᵀPx), so x is
the minimiser with aᵀx = 1. The NNLS is SciPy's compiled Lawson-Hanson
routine: for up to a few dozen assets this is cheaper than block pivoting,
whose every pivot is a dozen small numpy calls. The answer is accepted
only when it meets the box QP's own KKT tests; otherwise its support is a
first guess for the pivoting (boxqp.py), which stays the exact reference.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import get_lapack_funcs
from scipy.optimize import nnls

try:  # the compiled routine behind scipy.optimize.nnls, without its argument checks
    from scipy.optimize._slsqplib import nnls as _nnls_raw
except ImportError:  # pragma: no cover - other SciPy layouts use the public function
    _nnls_raw = None

_potrf, _trtri = get_lapack_funcs(("potrf", "trtri"), dtype=np.float64)
#: ndarray.max / min / any without their Python-level dispatch (the same ufunc reductions)
_amax, _amin, _any = np.maximum.reduce, np.minimum.reduce, np.logical_or.reduce
#: largest ratio of Cholesky diagonal entries (about √cond(P)) for which the answer is taken
#: as is; nearer singular, pivoting settles the weights (the two differ by up to 1e-8 there)
CONDITIONED = 1e3
#: smallest -r[n] (see least_distance) taken as a feasible least-distance problem
NOISE = 1e-12


def non_negative_lsq(E: np.ndarray, f: np.ndarray, maxiter: int) -> np.ndarray | None:
    """Return u >= 0 minimising ||Eu - f|| (scipy.optimize.nnls), or None when it does not finish."""
    if _nnls_raw is not None:
        u, _, mode = _nnls_raw(E, f, maxiter)
        return u if mode == 1 else None
    try:
        return nnls(E, f, maxiter=maxiter)[0]
    except RuntimeError:
        return None


def least_distance(P: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """Return (x, at_zero, conditioned) minimising xᵀPx over x >= 0, aᵀx >= 1, or None.

    None when P is not positive definite, the NNLS does not finish or no
    x >= 0 has aᵀx > 0 (or the best has aᵀx / √(xᵀPx) below 1e-6: rounding
    noise). `at_zero` (bool, n) marks the bounds that hold;
    `conditioned` is False when the Cholesky diagonal spans more than
    CONDITIONED (P near singular: x is then only good as a guess).
    """
    n = len(a)
    U, info = _potrf(P, lower=0)
    if info != 0:
        return None
    diagonal = U.diagonal()
    conditioned = bool(_amax(diagonal) <= CONDITIONED * _amin(diagonal))
    inverse, info = _trtri(U, lower=0)
    if info != 0:
        return None
    E = np.zeros((n + 1, n + 1), order="F")
    E[:n, :n] = inverse.T
    E[:n, n] = a @ inverse
    E[n, n] = 1.0
    f = np.zeros(n + 1)
    f[n] = 1.0
    u = non_negative_lsq(E, f, 10 * (n + 1))
    if u is None:
        return None
    r = E @ u
    r -= f
    # -r[n] = s²/(1 + s²), s the best aᵀx per unit of √(xᵀPx): zero when no x >= 0 has aᵀx > 0,
    # where the NNLS fits f exactly up to rounding (SciPy 1.17 leaves r[n] = -1.1e-16 there);
    # below NOISE (s < 1e-6) the answer would be rounding noise, and pivoting decides instead
    if not r[n] < -NOISE:  # NaN: no answer either
        return None
    at_zero = u[:n] > 0.0
    x = inverse @ (r[:n] / -r[n])
    x[at_zero] = 0.0
    return x, at_zero, conditioned


def simplex_qp(
    P: np.ndarray, a: np.ndarray, hi: np.ndarray, total: float
) -> tuple[np.ndarray, float, np.ndarray, bool] | None:
    """Return (x, nu, at_zero, optimal) for min ½xᵀPx over 0 <= x <= hi, aᵀx = total > 0.

    `nu` is the multiplier of aᵀx = total (the gradient P x + nu a vanishes
    where x is free). `optimal` is True when x meets the box QP's KKT tests
    (free gradients within 1e-12 relative, bounds within 1e-13, gradients at
    zero pointing inwards) and P is not near singular; otherwise `at_zero`
    is only a guess of the active set. None when the least-distance problem has no answer.
    """
    found = least_distance(P, a)
    if found is None:
        return None
    y, at_zero, conditioned = found
    scale = float(a @ y)
    if not scale > 0.0:
        return None
    x = y * (total / scale)
    grad = P @ x
    nu = -float(x @ grad) / total
    grad += nu * a
    # x >= 0 holds exactly (zeros are set, the rest is checked); the gradient must vanish
    # where x is free and point inwards (>= 0) where x = 0, within the pivoting's tolerances
    xtol = 1e-13 * (1.0 + float(_amax(x)))
    low, high = float(_amin(grad)), float(_amax(grad, where=~at_zero, initial=-np.inf))
    gtol = 1e-12 * (1.0 + max(-low, float(_amax(grad))) + abs(nu))
    optimal = (
        conditioned
        and low >= -gtol  # nowhere downhill: at zero the gradient points inwards
        and high <= gtol  # and where x is free it vanishes
        and float(_amin(x)) >= -xtol
        and float(_amax(x - hi)) <= xtol
    )
    return x, nu, at_zero, optimal
