"""Estimators against independent oracles: scikit-learn, pandas, statsmodels, closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.covariance import ledoit_wolf as sk_ledoit_wolf

from pas.analytics.estimators import estimate_return_model, ledoit_wolf
from pas.core.errors import DataError, InvalidInput


def test_ledoit_wolf_equals_sklearn_on_demo(demo_batches) -> None:
    prices, _ = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close").drop(
        columns="SP500"
    )
    returns = wide.pct_change().iloc[1:].tail(756).to_numpy()
    ours, shrink = ledoit_wolf(returns)
    theirs, sk_shrink = sk_ledoit_wolf(returns)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-16)
    assert abs(shrink - sk_shrink) < 1e-12


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 80), p=st.integers(2, 12), seed=st.integers(0, 2**31))
def test_ledoit_wolf_equals_sklearn_random(n: int, p: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(0, 0.02, size=(n, p))
    ours, _ = ledoit_wolf(x)
    theirs, _ = sk_ledoit_wolf(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-18)


def test_return_model_annualises() -> None:
    rng = np.random.default_rng(1)
    returns = pd.DataFrame(rng.normal(0.0005, 0.01, size=(500, 3)), columns=list("ABC"))
    model = estimate_return_model(returns, expected_returns="historical", covariance="sample")
    np.testing.assert_allclose(model.mu.to_numpy(), returns.mean().to_numpy() * 252)
    np.testing.assert_allclose(model.cov.to_numpy(), returns.cov().to_numpy() * 252)
    assert model.n_obs == 500 and model.covariance == "sample"


# ---- ema / ewma against pandas ----


def _demo_window(demo_returns, start: str = "2019", end: str = "2021") -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return demo_returns.loc[start:end].drop(columns="SP500")


def test_ema_mean_equals_pandas_ewm(demo_returns) -> None:
    returns = _demo_window(demo_returns)
    model = estimate_return_model(
        returns, expected_returns="ema", covariance="sample", expected_params={"span": 60}
    )
    expected = returns.ewm(span=60, adjust=True).mean().iloc[-1] * 252
    np.testing.assert_allclose(model.mu.to_numpy(), expected.to_numpy(), rtol=1e-10)


def test_ewma_covariance_equals_pandas_ewm(demo_returns) -> None:
    returns = _demo_window(demo_returns, "2021", "2021").iloc[:, :6]
    model = estimate_return_model(
        returns, expected_returns="historical", covariance="ewma", covariance_params={"span": 32}
    )
    last = returns.ewm(span=32, adjust=True).cov(bias=True).loc[returns.index[-1]] * 252
    np.testing.assert_allclose(model.cov.to_numpy(), last.to_numpy(), rtol=1e-10)
    assert np.linalg.eigvalsh(model.cov.to_numpy()).min() > 0


def test_bad_span_is_invalid_input(demo_returns) -> None:
    with pytest.raises(InvalidInput, match="span"):
        estimate_return_model(
            _demo_window(demo_returns), expected_returns="ema", expected_params={"span": 0}
        )


# ---- factor expected returns ----


def _ols_betas(returns: pd.DataFrame, factors: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    data = factors.loc[returns.index.intersection(factors.index)]
    out = {}
    for symbol in returns.columns:
        y = returns.loc[data.index, symbol] - data["rf"]
        fit = sm.OLS(y, sm.add_constant(data[names])).fit()
        out[symbol] = fit.params[names]
    return pd.DataFrame(out).T


@pytest.mark.parametrize(
    ("name", "names"), [("ff3", ["mkt_rf", "smb", "hml"]), ("capm", ["mkt_rf"])]
)
def test_factor_expected_returns_closed_form(demo_returns, demo_daily_factors, name, names) -> None:
    returns = _demo_window(demo_returns, "2018", "2020")
    lookback = demo_daily_factors.loc["2018":"2020"]
    model = estimate_return_model(
        returns,
        lookback,
        expected_returns=name,
        covariance="sample",
        premia_factors=demo_daily_factors,
    )
    history = demo_daily_factors.loc[: returns.index[-1]]
    premia = history[names].mean() * 252
    rf = lookback["rf"].iloc[-1] * 252
    expected = rf + _ols_betas(returns, demo_daily_factors, names) @ premia
    np.testing.assert_allclose(
        model.mu.to_numpy(), expected.loc[model.mu.index].to_numpy(), rtol=1e-9
    )
    diag = model.diagnostics["expected_returns"]
    assert diag["premia_first"] == "1970-01-02" and diag["premia_last"] == "2020-12-31"
    assert model.expected_returns == name


def test_premia_read_no_factor_after_the_as_of_date(demo_returns, demo_daily_factors) -> None:
    returns = _demo_window(demo_returns, "2005", "2007")
    base = estimate_return_model(returns, demo_daily_factors, covariance="sample")
    future = demo_daily_factors.copy()
    future.loc["2008":, ["mkt_rf", "smb", "hml"]] *= -5  # tamper with everything after as-of
    again = estimate_return_model(returns, future, covariance="sample")
    pd.testing.assert_series_equal(base.mu, again.mu)


def test_mean_risk_free_option(demo_returns, demo_daily_factors) -> None:
    returns = _demo_window(demo_returns, "2018", "2020")
    latest = estimate_return_model(returns, demo_daily_factors, covariance="sample")
    mean = estimate_return_model(
        returns, demo_daily_factors, covariance="sample", expected_params={"risk_free": "mean"}
    )
    rf_mean = demo_daily_factors.loc["2018":"2020", "rf"].mean() * 252
    rf_last = demo_daily_factors.loc["2020", "rf"].iloc[-1] * 252
    np.testing.assert_allclose((mean.mu - latest.mu).to_numpy(), rf_mean - rf_last, rtol=1e-9)


def test_defaults_ff3_with_factors_historical_without(demo_returns, demo_daily_factors) -> None:
    returns = _demo_window(demo_returns, "2019", "2020")
    assert estimate_return_model(returns, demo_daily_factors).expected_returns == "ff3"
    plain = estimate_return_model(returns)
    assert plain.expected_returns == "historical" and plain.covariance == "ledoit_wolf"
    with pytest.raises(DataError, match="needs factor returns"):
        estimate_return_model(returns, expected_returns="ff3")
    with pytest.raises(DataError, match="unknown expected-returns estimator"):
        estimate_return_model(returns, expected_returns="magic")


# ---- factor covariance ----


def test_factor_covariance_closed_form(demo_returns, demo_daily_factors) -> None:
    returns = _demo_window(demo_returns, "2017", "2021")
    model = estimate_return_model(
        returns, demo_daily_factors, expected_returns="historical", covariance="factor"
    )
    names = ["mkt_rf", "smb", "hml"]
    data = demo_daily_factors.loc[returns.index]
    B = _ols_betas(returns, demo_daily_factors, names).loc[returns.columns].to_numpy()
    resid_var = []
    for symbol in returns.columns:
        fit = sm.OLS(returns[symbol] - data["rf"], sm.add_constant(data[names])).fit()
        resid_var.append(fit.scale)
    expected = B @ data[names].cov().to_numpy() @ B.T + np.diag(resid_var)
    np.testing.assert_allclose(model.cov.to_numpy(), expected * 252, rtol=1e-9)
    cov = model.cov.to_numpy()
    assert np.array_equal(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(8, 120), p=st.integers(1, 15))
def test_factor_covariance_is_symmetric_psd(seed: int, n: int, p: int) -> None:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2015-01-01", periods=n)
    factors = pd.DataFrame(
        rng.normal(0, 0.01, (n, 4)), index=index, columns=["mkt_rf", "smb", "hml", "rf"]
    )
    returns = pd.DataFrame(rng.normal(0, 0.02, (n, p)), index=index)
    returns.columns = [f"S{i}" for i in range(p)]
    cov = estimate_return_model(
        returns, factors, expected_returns="historical", covariance="factor"
    ).cov.to_numpy()
    assert np.array_equal(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() >= -1e-14 * np.abs(cov).max()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31), n=st.integers(2, 80), p=st.integers(1, 10), span=st.floats(1, 300)
)
def test_ewma_is_symmetric_psd(seed: int, n: int, p: int, span: float) -> None:
    x = pd.DataFrame(np.random.default_rng(seed).normal(0, 0.02, (n, p)))
    cov = estimate_return_model(
        x, covariance="ewma", covariance_params={"span": span}
    ).cov.to_numpy()
    assert np.array_equal(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() >= -1e-14 * max(np.abs(cov).max(), 1e-300)
