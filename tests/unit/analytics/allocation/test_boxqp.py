"""The long-only pivoting loop of boxqp.py (q = 0, no binding upper bound) against the general
loop and Clarabel."""

from __future__ import annotations

import numpy as np
import pytest

from pas.analytics.allocation import boxqp
from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.max_sharpe import max_sharpe_conic
from pas.analytics.allocation.min_variance import min_variance_conic
from tests.unit.analytics.allocation.conftest import annual_moments


def _solve(
    P: np.ndarray, a: np.ndarray | None, hi: np.ndarray, general: bool, mp: pytest.MonkeyPatch
) -> boxqp.BoxSolution:
    """Return solve_box_qp's answer by pivoting alone, by the general loop when `general`."""
    n = len(P)
    calls: list[int] = []
    quick = boxqp._nonnegative_pivots
    with mp.context() as m:
        m.setattr(boxqp, "LDP_UP_TO", 0)
        m.setattr(boxqp, "_nonnegative_pivots", lambda *args: calls.append(1) or quick(*args))
        if general:
            m.setattr(boxqp, "_upper_slack", lambda *args: False)
        sol = boxqp.solve_box_qp(P, np.zeros(n), np.zeros(n), hi, 1.0, a=a)
    assert bool(calls) is not general  # the loop under test ran (or did not)
    return sol


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [5, 41, 100, 130])
def test_min_variance_equals_the_general_loop_and_clarabel(
    monkeypatch: pytest.MonkeyPatch, n: int, seed: int
) -> None:
    P, _ = annual_moments(n, 400 + 100 * seed, seed)
    quick = _solve(P, None, np.ones(n), False, monkeypatch)
    general = _solve(P, None, np.ones(n), True, monkeypatch)
    assert quick.ok and general.ok
    np.testing.assert_allclose(quick.x, general.x, atol=1e-13)
    assert quick.nu == pytest.approx(general.nu, rel=1e-10)
    np.testing.assert_array_equal(quick.status, general.status)
    w = min_variance_conic(P, build_constraints([f"S{i}" for i in range(n)]))[0]
    np.testing.assert_allclose(quick.x, w, atol=1e-7)
    assert (quick.x >= 0).all() and abs(quick.x.sum() - 1.0) < 1e-13


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [5, 60, 100])
def test_homogenised_max_sharpe_equals_the_general_loop_and_clarabel(
    monkeypatch: pytest.MonkeyPatch, n: int, seed: int
) -> None:
    P, mu = annual_moments(n, 1000, 20 + seed)
    excess = mu - np.median(mu) + 1e-3  # mixed signs, some positive
    hi = np.full(n, np.inf)
    quick = _solve(P, excess, hi, False, monkeypatch)
    general = _solve(P, excess, hi, True, monkeypatch)
    assert quick.ok and general.ok
    np.testing.assert_allclose(quick.x, general.x, atol=1e-13)
    w = quick.x / quick.x.sum()
    cons = build_constraints([f"S{i}" for i in range(n)])
    np.testing.assert_allclose(w, max_sharpe_conic(P, excess, cons)[0], atol=1e-7)


def test_binding_upper_bounds_take_the_general_loop() -> None:
    assert not boxqp._upper_slack(np.full(5, 0.3), 1.0, None)
    assert boxqp._upper_slack(np.ones(5), 1.0, None)
    assert not boxqp._upper_slack(np.full(5, 1e9), 1.0, np.ones(5))
    assert boxqp._upper_slack(np.full(5, np.inf), 1.0, np.ones(5))
    assert not boxqp._upper_slack(np.array([np.nan, 1.0]), 1.0, None)


def test_a_singular_free_block_declines_like_the_general_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    P, _ = annual_moments(50, 400, 3)
    P = np.block([[P, P[:, :1]], [P[:1, :], P[:1, :1]]])  # asset 50 duplicates asset 0
    quick = _solve(P, None, np.ones(51), False, monkeypatch)
    general = _solve(P, None, np.ones(51), True, monkeypatch)
    assert quick.ok is general.ok is False
