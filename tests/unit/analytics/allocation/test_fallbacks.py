"""Degenerate inputs never crash: the fallback chain runs and the result says why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pas.analytics.allocation import CASH, allocate
from pas.core.errors import InsufficientData, InvalidInput
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
    a = allocate(returns=returns, risk_free=0.9)
    assert a.method == "min_variance" and "max_sharpe -> min_variance" in a.fallback
    with pytest.raises(InvalidInput, match="annual decimal"):
        allocate(returns=returns, risk_free=5.0)  # 5%, written as 5: a unit error


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


def test_too_little_data_is_a_typed_error_not_nan() -> None:
    returns = pd.DataFrame(
        np.nan, index=pd.bdate_range("2020-01-01", periods=50), columns=list("ABC")
    )
    with pytest.raises(InsufficientData, match="need at least 3 usable return dates, got 0"):
        allocate(returns=returns, method="max_sharpe")
    prices = pd.DataFrame(
        {"A": [10.0, 10.5], "B": [20.0, 19.0]}, index=pd.bdate_range("2020-01-01", periods=2)
    )
    with pytest.raises(InsufficientData, match="got 1"):
        allocate(prices)  # two rows of prices: one return date


def test_notes_say_what_the_allocation_rests_on() -> None:
    returns = factor_model_returns(6, 400, 6)
    returns.iloc[:, 0] = np.nan
    returns.iloc[10:12, 2] = np.nan
    a = allocate(returns=returns, method="min_variance")
    assert "excluded S00: missing or non-finite returns" in a.notes
    assert "dropped 2 dates with missing returns" in a.notes
    assert "400 return dates in the window (398 usable), fewer than the lookback of 756" in a.notes
    assert a.spec is not None and a.spec.method == "min_variance" and a.spec.lookback == 756


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


def test_factor_coverage_is_noted(demo_batches) -> None:  # type: ignore[no-untyped-def]
    """Factors that end before the prices: the ff3 betas rest on the dates both cover."""
    from tests.unit.analytics.allocation.conftest import demo_wide

    prices = demo_wide(demo_batches).loc["2020-06-01":]
    factors = demo_batches[1][0].factors.loc[:"2021-12-31"]
    a = allocate(prices, factors=factors, lookback=599)
    assert a.return_estimator == "ff3"
    covered = int(prices.index[-599:].isin(factors.index).sum())
    note = next(n for n in a.notes if n.startswith("ff3 betas"))
    assert f"rest on {covered} of 599 return dates" in note and "2021-12-31" in note
    assert covered < 599


def test_pas_evaluate_is_exported() -> None:
    import pas
    from pas.analytics.comparison import evaluate

    assert pas.evaluate is evaluate and "evaluate" in pas.__all__
