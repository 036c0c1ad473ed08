"""max_sharpe, min_variance, risk_parity and hrp against the peer libraries (the oracles)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pas.analytics.allocation import allocate
from pas.analytics.allocation.solvers import risk_contributions
from tests.unit.analytics.allocation.conftest import factor_model_returns

pypfopt = pytest.importorskip("pypfopt")
skfolio = pytest.importorskip("skfolio")


def _pypfopt(prices: pd.DataFrame, method: str, rf: float) -> pd.Series:
    from pypfopt import EfficientFrontier, expected_returns, risk_models

    mu = expected_returns.mean_historical_return(prices, compounding=False)
    cov = risk_models.sample_cov(prices)
    ef = EfficientFrontier(mu, cov)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = ef.max_sharpe(risk_free_rate=rf) if method == "max_sharpe" else ef.min_volatility()
    return pd.Series(dict(raw)).reindex(prices.columns)


def _ours(prices: pd.DataFrame, method: str, rf: float) -> pd.Series:
    a = allocate(
        prices, method=method, expected_returns="historical", covariance="sample", risk_free=rf
    )
    assert a.method == method and a.fallback is None
    return a.weights.reindex(prices.columns)


@pytest.mark.parametrize("method", ["max_sharpe", "min_variance"])
@pytest.mark.parametrize("rf", [0.0, 0.02])
def test_equals_pypfopt_on_demo(demo_prices_wide: pd.DataFrame, method: str, rf: float) -> None:
    ours, theirs = _ours(demo_prices_wide, method, rf), _pypfopt(demo_prices_wide, method, rf)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-5)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("method", ["max_sharpe", "min_variance"])
def test_equals_pypfopt_on_random(method: str, seed: int) -> None:
    returns = factor_model_returns(30, 756, seed)
    prices = (1.0 + returns).cumprod() * 100.0
    ours, theirs = _ours(prices, method, 0.01), _pypfopt(prices, method, 0.01)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-5)


def _skfolio_rb(returns: pd.DataFrame) -> np.ndarray:
    from skfolio.optimization import RiskBudgeting

    return np.asarray(RiskBudgeting().fit(returns).weights_, dtype=float)


def test_risk_parity_equals_skfolio_on_demo(demo_prices_wide: pd.DataFrame) -> None:
    returns = demo_prices_wide.pct_change().iloc[1:]
    a = allocate(returns=returns, method="risk_parity", covariance="sample")
    ours = a.weights.reindex(returns.columns).to_numpy()
    np.testing.assert_allclose(ours, _skfolio_rb(returns), atol=1e-5)
    rc = risk_contributions(returns.cov().to_numpy(), ours)
    assert np.abs(rc - 1.0 / len(rc)).max() < 1e-8
    assert np.abs(a.risk_contributions.to_numpy() - 1.0 / len(rc)).max() < 1e-8


@pytest.mark.parametrize("seed", [4, 5])
def test_risk_parity_equals_skfolio_on_random(seed: int) -> None:
    returns = factor_model_returns(40, 756, seed)
    a = allocate(returns=returns, method="risk_parity", covariance="sample")
    ours = a.weights.to_numpy()
    np.testing.assert_allclose(ours, _skfolio_rb(returns), atol=1e-5)
    rc = risk_contributions(returns.cov().to_numpy(), ours)
    assert np.abs(rc - 1.0 / 40).max() < 1e-8


def test_risk_budgets_are_met() -> None:
    returns = factor_model_returns(6, 500, 9)
    budgets = dict(zip(returns.columns, [0.3, 0.2, 0.2, 0.1, 0.1, 0.1], strict=True))
    a = allocate(returns=returns, method="risk_parity", covariance="sample", budgets=budgets)
    rc = risk_contributions(returns.cov().to_numpy(), a.weights.to_numpy())
    np.testing.assert_allclose(rc, list(budgets.values()), atol=1e-10)


def test_hrp_equals_pypfopt(demo_prices_wide: pd.DataFrame) -> None:
    from pypfopt import HRPOpt

    returns = demo_prices_wide.pct_change().iloc[1:]
    theirs = pd.Series(HRPOpt(returns).optimize(linkage_method="single"))
    a = allocate(returns=returns, method="hrp", covariance="sample")
    np.testing.assert_allclose(
        a.weights.reindex(returns.columns).to_numpy(),
        theirs.reindex(returns.columns).to_numpy(),
        atol=1e-10,
    )
