"""Degenerate inputs never crash: the fallback chain runs and the result says why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pas.analytics.allocation import CASH, allocate
from pas.core.errors import InvalidInput
from tests.unit.analytics.allocation.conftest import factor_model_returns


def _valid(a) -> None:  # type: ignore[no-untyped-def]
    assert abs(a.weights.sum() - 1.0) < 1e-12
    assert (a.weights >= -1e-12).all()


def test_no_positive_excess_return_falls_back_to_min_variance() -> None:
    returns = factor_model_returns(8, 500, 3) - 0.01  # every asset loses 1% a day
    a = allocate(returns=returns, method="max_sharpe", covariance="sample")
    assert a.method == "min_variance" and a.requested_method == "max_sharpe"
    assert "max_sharpe -> min_variance" in a.fallback and "positive expected excess" in a.fallback
    mv = allocate(returns=returns, method="min_variance", covariance="sample")
    np.testing.assert_allclose(a.weights.to_numpy(), mv.weights.to_numpy(), atol=1e-12)
    _valid(a)


def test_high_risk_free_rate_falls_back() -> None:
    returns = factor_model_returns(5, 300, 4)
    a = allocate(returns=returns, risk_free=5.0)
    assert a.method == "min_variance" and "max_sharpe -> min_variance" in a.fallback


def test_zero_variance_asset_is_excluded_with_a_reason() -> None:
    returns = factor_model_returns(6, 400, 5)
    returns["FLAT"] = 0.0
    for method in ("max_sharpe", "min_variance", "risk_parity", "hrp", "inverse_volatility"):
        a = allocate(returns=returns, method=method, covariance="sample")
        assert a.weights["FLAT"] == 0.0 and "FLAT: zero variance" in a.fallback
        assert a.method == method
        _valid(a)


def test_nan_columns_and_rows_are_handled() -> None:
    returns = factor_model_returns(6, 400, 6)
    returns.iloc[:, 0] = np.nan
    returns.iloc[10:12, 2] = np.nan
    a = allocate(returns=returns, method="max_sharpe")
    assert a.weights.iloc[0] == 0.0
    assert "missing or non-finite" in a.fallback and "dropped 2 dates" in a.fallback
    _valid(a)


def test_all_nan_gives_equal_weight() -> None:
    returns = pd.DataFrame(
        np.nan, index=pd.bdate_range("2020-01-01", periods=50), columns=list("ABC")
    )
    a = allocate(returns=returns, method="max_sharpe")
    assert a.method == "equal_weight" and "fewer than" in a.fallback
    np.testing.assert_allclose(a.weights.to_numpy(), 1 / 3)
    assert a.to_dict()["volatility"] is None


def test_singular_covariance_with_more_assets_than_days() -> None:
    returns = factor_model_returns(30, 12, 7)
    for method in ("max_sharpe", "min_variance", "risk_parity"):
        a = allocate(returns=returns, method=method, covariance="sample")
        _valid(a)
        assert a.method in (method, "min_variance", "inverse_volatility", "equal_weight")


def test_duplicate_asset_makes_the_covariance_singular() -> None:
    returns = factor_model_returns(5, 300, 8)
    returns["COPY"] = returns.iloc[:, 0]
    for method in ("max_sharpe", "min_variance", "risk_parity", "hrp"):
        a = allocate(returns=returns, method=method, covariance="sample")
        _valid(a)


def test_unknown_method_and_parameters_are_invalid_input() -> None:
    returns = factor_model_returns(3, 100, 9)
    with pytest.raises(InvalidInput, match="unknown allocation method"):
        allocate(returns=returns, method="nope")
    with pytest.raises(InvalidInput, match="does not take"):
        allocate(returns=returns, method="min_variance", budgets={"S00": 1.0})
    with pytest.raises(InvalidInput, match="unknown covariance"):
        allocate(returns=returns, covariance="nope")


def test_default_ff3_without_factor_overlap_falls_back_to_historical() -> None:
    returns = factor_model_returns(4, 200, 10)
    factors = pd.DataFrame(
        {"mkt_rf": 0.001, "smb": 0.0, "hml": 0.0, "rf": 0.0},
        index=pd.bdate_range("1990-01-01", periods=50),
    )
    a = allocate(returns=returns, factors=factors)
    assert a.return_estimator == "historical"
    assert "ff3 -> historical" in (a.fallback or "")


def test_cash_is_only_listed_when_held() -> None:
    returns = factor_model_returns(4, 300, 11)
    assert CASH not in allocate(returns=returns).weights.index
