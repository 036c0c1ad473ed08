"""The box-QP active-set solver against Clarabel, from cold and warm starts."""

from __future__ import annotations

import numpy as np
import pytest

from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.solvers import max_sharpe_conic, min_variance_conic
from pas.analytics.allocation.solvers.boxqp import AT_LOWER, FREE, solve_box_qp
from tests.unit.analytics.allocation.conftest import annual_moments


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n", [5, 41, 130])
@pytest.mark.parametrize("hi", [1.0, 0.08])
def test_min_variance_equals_clarabel(n: int, seed: int, hi: float) -> None:
    P, _ = annual_moments(n, 400 + 100 * seed, seed)
    upper = np.full(n, max(hi, 1.5 / n))
    sol = solve_box_qp(P, np.zeros(n), np.zeros(n), upper)
    assert sol.ok
    cons = build_constraints([f"S{i}" for i in range(n)], (0.0, float(upper[0])))
    np.testing.assert_allclose(sol.x, min_variance_conic(P, cons)[0], atol=1e-7)
    assert (sol.x >= 0).all() and (sol.x <= upper).all() and abs(sol.x.sum() - 1.0) < 1e-13


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n", [5, 60, 100])
def test_homogenised_max_sharpe_equals_clarabel(n: int, seed: int) -> None:
    P, mu = annual_moments(n, 1000, 20 + seed)
    excess = mu - np.median(mu) + 1e-3  # mixed signs, some positive
    sol = solve_box_qp(P, np.zeros(n), np.zeros(n), np.full(n, np.inf), a=excess)
    assert sol.ok
    w = sol.x / sol.x.sum()
    cons = build_constraints([f"S{i}" for i in range(n)])
    np.testing.assert_allclose(w, max_sharpe_conic(P, excess, cons)[0], atol=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_any_start_gives_the_same_answer(seed: int) -> None:
    """A warm start changes the pivots, never the answer: the last solve is on the same set."""
    n = 40
    P, _ = annual_moments(n, 500, seed)
    lo, hi = np.zeros(n), np.full(n, 0.1)
    cold = solve_box_qp(P, np.zeros(n), lo, hi)
    rng = np.random.default_rng(seed)
    for start in (cold.status, rng.integers(-1, 2, n), np.full(n, AT_LOWER)):
        warm = solve_box_qp(P, np.zeros(n), lo, hi, start=start)
        assert warm.ok
        np.testing.assert_array_equal(warm.status, cold.status)
        np.testing.assert_allclose(warm.x, cold.x, rtol=0, atol=1e-15)
    again = solve_box_qp(P, np.zeros(n), lo, hi, start=cold.status)
    assert again.iterations == 1


def test_fixed_weights_stay_at_their_bound() -> None:
    P, _ = annual_moments(10, 400, 1)
    lo, hi = np.zeros(10), np.ones(10)
    lo[3] = hi[3] = 0.2  # fixed
    sol = solve_box_qp(P, np.zeros(10), lo, hi, start=np.full(10, FREE))
    assert sol.ok and sol.x[3] == pytest.approx(0.2, abs=1e-15)
    assert abs(sol.x.sum() - 1.0) < 1e-13


def test_a_singular_free_block_declines() -> None:
    P, _ = annual_moments(50, 400, 3)
    P = np.block([[P, P[:, :1]], [P[:1, :], P[:1, :1]]])  # asset 50 duplicates asset 0
    sol = solve_box_qp(P, np.zeros(51), np.zeros(51), np.ones(51))
    assert sol.ok is False
