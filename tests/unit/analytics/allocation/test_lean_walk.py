"""The walk-forward's lean max-Sharpe decisions equal the engine's (allocation/lean_walk.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.analytics.allocation.api import allocate_estimated, clean_window, estimate
from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.lean_walk import (
    MOMENTS,
    LeanMaxSharpe,
    WholeWindows,
    historical_sample,
    tangency,
)
from pas.analytics.allocation.max_sharpe import max_sharpe_conic
from tests.unit.analytics.allocation.conftest import demo_wide


@pytest.fixture(scope="module")
def returns(demo_batches) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Return daily returns of the 20 demo stocks, 1990-2022."""
    return demo_wide(demo_batches).pct_change(fill_method=None).iloc[1:]


def engine_weights(window: pd.DataFrame, covariance: str) -> tuple[np.ndarray, str | None]:
    """Return the engine's max-Sharpe weights (risky, in column order) and fallback."""
    inputs = estimate(window, expected_returns="historical", covariance=covariance)
    alloc = allocate_estimated(inputs, method="max_sharpe")
    return alloc.weights.reindex(window.columns).to_numpy(), alloc.fallback


@pytest.mark.parametrize("covariance", ["sample", "ledoit_wolf"])
def test_lean_decisions_equal_the_engine_along_a_walk(returns, covariance: str) -> None:  # type: ignore[no-untyped-def]
    """Every 21 days over 1990-2022, warm-started from the decision before: the engine's weights."""
    lean, moments = LeanMaxSharpe(), MOMENTS[("historical", covariance)]
    values = returns.to_numpy()
    solved = 0
    for stop in range(252, len(returns) + 1, 21):
        window = returns.iloc[stop - 252 : stop]
        mu, cov = moments(values[stop - 252 : stop])
        ours = lean(mu, cov, 0.0)
        theirs, fallback = engine_weights(window, covariance)
        if ours is None:  # the engine answers: its fallback chain or its general solver
            continue
        assert fallback is None
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
        assert ours.sum() == pytest.approx(1.0, abs=1e-15) and (ours >= 0).all()
        solved += 1
    assert solved >= 380  # of 383: the lean path answers nearly every fold


def test_moments_equal_the_estimators(returns) -> None:  # type: ignore[no-untyped-def]
    window = returns.iloc[2000:2252]
    for (mu_name, cov_name), moments in MOMENTS.items():
        model = estimate(window, expected_returns=mu_name, covariance=cov_name).model
        assert model is not None
        mu, cov = moments(window.to_numpy())
        np.testing.assert_allclose(mu, model.mu.to_numpy(), rtol=1e-14, atol=0)
        np.testing.assert_allclose(cov, model.cov.to_numpy(), rtol=1e-14, atol=0)


def test_tangency_matches_an_exact_conic_solve_from_any_start(returns) -> None:  # type: ignore[no-untyped-def]
    """The support found from any starting support gives Clarabel's polished optimum."""
    rng = np.random.default_rng(5)
    cons = build_constraints([str(c) for c in returns.columns])
    for stop in range(400, len(returns), 997):
        mu, cov = historical_sample(returns.to_numpy()[stop - 252 : stop])
        exact = max_sharpe_conic(cov, mu, cons, exact=True)[0]
        for start in (None, rng.random(len(mu)) < 0.5, np.ones(len(mu), dtype=bool)):
            solved = tangency(cov, mu, start)
            assert solved is not None
            y, support = solved
            np.testing.assert_allclose(y / y.sum(), exact, rtol=0, atol=1e-9)
            assert (support == (y > 0)).all()


def test_lean_declines_what_the_engine_must_answer(returns) -> None:  # type: ignore[no-untyped-def]
    lean = LeanMaxSharpe()
    mu, cov = historical_sample(returns.to_numpy()[3000:3252])
    assert lean(-np.abs(mu) - 0.01, cov, 0.0) is None  # no positive excess: fallback chain
    assert lean(mu, cov, float(mu.max()) + 0.01) is None  # not above the risk-free rate
    best = returns.to_numpy()[3000:3252, int(np.argmax(mu))]
    mu2, cov2 = historical_sample(np.column_stack([returns.to_numpy()[3000:3252], best]))
    assert lean(mu2, cov2, 0.0) is None  # a duplicated asset: no unique optimum
    assert lean(mu, cov, 0.0) is not None


def kept_whole(window: pd.DataFrame) -> bool:
    """Return True when the engine's clean_window keeps a window of 3+ rows as it is (risk-based),
    and not every column is constant (the engine keeps such a window, with a zero covariance)."""
    clean, notes = clean_window(window, risk_based=True)
    flat = (window.nunique() == 1).all()
    return len(window) >= 3 and not notes and clean.shape == window.shape and not flat


def test_whole_windows_are_those_clean_window_keeps_whole() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(0, 0.01, size=(60, 4))
    values[0] = np.nan  # the first row of returns from prices
    values[20:26, 1] = 0.0  # a suspended stock
    values[30:45, 2] = 0.003  # a flat stretch longer than some windows
    values[50, 3] = np.nan  # one missing day
    values[52:55, 0] = np.inf
    whole = WholeWindows(values)
    frame = pd.DataFrame(values, columns=list("ABCD"))
    for start in range(60):
        for stop in range(start + 1, 61):
            window = frame.iloc[start:stop]
            assert whole(start, stop) == kept_whole(window), (start, stop)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), flat=st.integers(1, 12), gap=st.integers(0, 39))
def test_whole_windows_property(seed: int, flat: int, gap: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(0, 0.01, size=(40, 3)), 3)  # rounding makes repeats likely
    values[gap : gap + flat, seed % 3] = values[gap, seed % 3]
    values[(seed * 7) % 40, (seed + 1) % 3] = np.nan
    whole = WholeWindows(values)
    frame = pd.DataFrame(values, columns=["A", "B", "C"])
    for start in range(0, 40, 3):
        for stop in range(start + 3, 41, 2):
            assert whole(start, stop) == kept_whole(frame.iloc[start:stop])
