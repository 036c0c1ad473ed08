"""The least-distance solve of small long-only QPs (ldp.py) against pivoting and Clarabel."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from pas.analytics.allocation import boxqp, ldp
from pas.analytics.allocation.base import blas_threads
from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.max_sharpe import max_sharpe_conic
from pas.analytics.allocation.min_variance import min_variance_conic
from tests.unit.analytics.allocation.conftest import annual_moments


def _pivoting(
    P: np.ndarray, a: np.ndarray | None, hi: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> np.ndarray:
    """Return solve_box_qp's answer by block pivoting alone (the least-distance step off)."""
    n = len(P)
    with monkeypatch.context() as m:
        m.setattr(boxqp, "LDP_UP_TO", 0)
        sol = boxqp.solve_box_qp(P, np.zeros(n), np.zeros(n), hi, 1.0, a=a)
    assert sol.ok
    return sol.x


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [2, 7, 20, 40])
def test_min_variance_equals_pivoting_and_clarabel(
    monkeypatch: pytest.MonkeyPatch, n: int, seed: int
) -> None:
    P, _ = annual_moments(n, 300 + 50 * seed, seed)
    found = ldp.simplex_qp(P, np.ones(n), np.ones(n), 1.0)
    assert found is not None
    x, nu, at_zero, optimal = found
    assert optimal
    np.testing.assert_allclose(x, _pivoting(P, None, np.ones(n), monkeypatch), atol=1e-13)
    w_clarabel = min_variance_conic(P, build_constraints([f"S{i}" for i in range(n)]))[0]
    np.testing.assert_allclose(x, w_clarabel, atol=1e-8)
    # the multiplier: the gradient P x + nu vanishes where x is free
    assert np.abs((P @ x + nu)[~at_zero]).max() < 1e-12 * (1 + abs(nu))
    assert (x[at_zero] == 0.0).all() and abs(x.sum() - 1.0) < 1e-14


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [3, 20, 40])
def test_homogenised_max_sharpe_equals_pivoting_and_clarabel(
    monkeypatch: pytest.MonkeyPatch, n: int, seed: int
) -> None:
    P, mu = annual_moments(n, 500, 10 + seed)
    excess = mu - np.median(mu) + 1e-3  # mixed signs, some positive
    hi = np.full(n, np.inf)
    found = ldp.simplex_qp(P, excess, hi, 1.0)
    assert found is not None and found[3]
    y = found[0]
    np.testing.assert_allclose(y, _pivoting(P, excess, hi, monkeypatch), rtol=1e-12, atol=1e-14)
    cons = build_constraints([f"S{i}" for i in range(n)])
    np.testing.assert_allclose(y / y.sum(), max_sharpe_conic(P, excess, cons)[0], atol=1e-8)


def test_binding_upper_bounds_leave_the_answer_to_pivoting(monkeypatch: pytest.MonkeyPatch) -> None:
    P, _ = annual_moments(20, 800, 3)
    hi = np.full(20, 0.08)  # the minimum-variance portfolio holds more than 8% somewhere
    found = ldp.simplex_qp(P, np.ones(20), hi, 1.0)
    assert found is not None and not found[3]
    sol = boxqp.solve_box_qp(P, np.zeros(20), np.zeros(20), hi, 1.0)
    assert sol.ok and sol.x.max() <= 0.08 + 1e-15
    np.testing.assert_allclose(sol.x, _pivoting(P, None, hi, monkeypatch), atol=1e-13)


def test_near_singular_covariance_is_only_a_guess() -> None:
    rng = np.random.default_rng(5)
    A = rng.normal(size=(6, 5))
    P = A @ A.T + 1e-10 * np.eye(6)
    found = ldp.least_distance(P, np.ones(6))
    assert found is not None and not found[2]
    simplex = ldp.simplex_qp(P, np.ones(6), np.ones(6), 1.0)
    assert simplex is not None and not simplex[3]


def test_no_answer_without_positive_excess_or_definiteness() -> None:
    P, _ = annual_moments(5, 300, 1)
    assert ldp.least_distance(P, -np.ones(5)) is None  # no x >= 0 with aᵀx >= 1
    assert ldp.least_distance(-P, np.ones(5)) is None  # not positive definite


def test_the_compiled_nnls_equals_scipy_public_nnls(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    E, f = rng.normal(size=(12, 12)), rng.normal(size=12)
    raw = ldp.non_negative_lsq(E, f, 200)
    monkeypatch.setattr(ldp, "_nnls_raw", None)
    public = ldp.non_negative_lsq(E, f, 200)
    assert raw is not None and public is not None
    np.testing.assert_array_equal(raw, public)
    assert (raw >= 0).all() and (raw == 0).any()


def _threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_blas_threads_limits_and_restores() -> None:
    before = _threads()
    with blas_threads(20, small=1000):
        assert set(_threads()) == {1}
        with blas_threads(500, small=1000):  # nested: the outer limit holds
            assert set(_threads()) == {1}
        assert set(_threads()) == {1}
    assert _threads() == before
    with blas_threads(2000, small=1000):  # large problems keep their threads
        assert _threads() == before


def test_blas_threads_single_anyway_sets_nothing_nested_either() -> None:
    before = _threads()
    with blas_threads(20, small=1000, single_anyway=True):
        assert _threads() == before
        with blas_threads(20, small=1000):
            assert _threads() == before
    with blas_threads(20, small=1000):  # the flag is cleared on exit
        assert set(_threads()) == {1}
    assert _threads() == before
