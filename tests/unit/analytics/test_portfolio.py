"""Portfolio betas two ways (they must agree) and attribution that adds up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.analytics.factors import factor_model
from pas.analytics.portfolio import (
    attribution,
    portfolio_betas,
    portfolio_regression,
    portfolio_returns,
)
from pas.core.errors import DataError

WEIGHTS = pd.Series({"AAPL": 0.25, "KO": 0.2, "XOM": 0.3, "JPM": 0.15, "CASH": 0.1})


def test_weighted_betas_equal_the_portfolio_regression(demo_returns, demo_daily_factors) -> None:
    returns = demo_returns.loc["2012":"2021"]
    weighted = portfolio_betas(WEIGHTS, factor_model(returns, demo_daily_factors, model="ff4"))
    own = portfolio_regression(returns, WEIGHTS, demo_daily_factors, model="ff4")
    np.testing.assert_allclose(own.params.iloc[0].to_numpy(), weighted.to_numpy(), rtol=1e-10)
    assert own.params.index.tolist() == ["portfolio"]
    assert own.n_obs.iloc[0] == len(returns.index.intersection(demo_daily_factors.index))


def test_portfolio_regression_equals_statsmodels(demo_returns, demo_daily_factors) -> None:
    returns = demo_returns.loc["2020":"2022"]
    own = portfolio_regression(returns, WEIGHTS, demo_daily_factors, hac_lags=5)
    data = demo_daily_factors.loc["2020":"2021"]
    stocks = WEIGHTS.drop("CASH")
    port = returns.loc[data.index, stocks.index] @ stocks + WEIGHTS["CASH"] * data["rf"]
    fit = sm.OLS(port - data["rf"], sm.add_constant(data[["mkt_rf", "smb", "hml"]])).fit(
        cov_type="HAC", cov_kwds={"maxlags": 5}
    )
    np.testing.assert_allclose(own.params.iloc[0].to_numpy(), fit.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(own.tvalues.iloc[0].to_numpy(), fit.tvalues.to_numpy(), rtol=1e-9)
    assert "2022-12-28" in own.note  # the alignment note survives


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(10, 200), k=st.integers(1, 5))
def test_betas_agree_for_random_weights(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2018-01-01", periods=n)
    factors = pd.DataFrame(
        rng.normal(0, 0.01, (n, 4)), index=index, columns=["mkt_rf", "smb", "hml", "rf"]
    )
    returns = pd.DataFrame(rng.normal(0, 0.02, (n, k)), index=index, columns=list("ABCDE")[:k])
    weights = pd.Series(rng.uniform(-1, 1, k), index=returns.columns)
    weighted = portfolio_betas(weights, factor_model(returns, factors))
    own = portfolio_regression(returns, weights, factors).params.iloc[0]
    np.testing.assert_allclose(own.to_numpy(), weighted.to_numpy(), rtol=1e-8, atol=1e-13)


def test_attribution_adds_up(demo_returns, demo_daily_factors) -> None:
    returns = demo_returns.loc["2021"]
    out = attribution(returns, WEIGHTS, demo_daily_factors)
    data = demo_daily_factors.loc["2021"]
    port = portfolio_returns(returns, WEIGHTS, data["rf"])
    assert out.total_excess == pytest.approx(float((port - data["rf"]).sum()), rel=1e-12)
    assert out.alpha + out.contributions.sum() + out.residual == pytest.approx(
        out.total_excess, rel=1e-12
    )
    # betas from the same period: OLS with an intercept leaves a zero residual sum
    assert abs(out.residual) < 1e-12
    beta = out.coefficients["mkt_rf"]
    assert out.contributions["mkt_rf"] == pytest.approx(beta * data["mkt_rf"].sum(), rel=1e-12)
    assert out.n_obs == 252 and out.table.loc["total_excess", "contribution"] == out.total_excess


def test_attribution_with_ex_ante_coefficients(demo_returns, demo_daily_factors) -> None:
    before = portfolio_regression(demo_returns.loc["2018":"2020"], WEIGHTS, demo_daily_factors)
    coefficients = before.params.iloc[0]
    out = attribution(
        demo_returns.loc["2021"], WEIGHTS, demo_daily_factors, coefficients=coefficients
    )
    assert out.alpha == pytest.approx(coefficients["alpha"] * 252, rel=1e-12)
    assert abs(out.residual) > 1e-6  # an ex-ante model leaves a real residual
    parts = out.alpha + out.contributions.sum() + out.residual
    assert parts == pytest.approx(out.total_excess, rel=1e-12)
    np.testing.assert_allclose(out.daily.drop(columns="excess").sum(axis=1), out.daily["excess"])


def test_bad_weights() -> None:
    index = pd.bdate_range("2020-01-01", periods=30)
    returns = pd.DataFrame({"A": np.linspace(0, 0.01, 30)}, index=index)
    with pytest.raises(DataError, match="no returns for weighted symbols \\['ZZZ'\\]"):
        portfolio_returns(returns, pd.Series({"ZZZ": 1.0}), pd.Series(0.0, index=index))
    returns.iloc[3, 0] = np.nan
    with pytest.raises(DataError, match="missing returns for held assets"):
        portfolio_returns(returns, pd.Series({"A": 1.0}), pd.Series(0.0, index=index))
