"""Returns, frequency detection and alignment: closed forms and the rule that nothing is filled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.analytics.returns import (
    align,
    check_observations,
    excess_returns,
    infer_frequency,
    simple_returns,
    to_monthly,
)
from pas.core.errors import DataError


def _prices() -> pd.DataFrame:
    index = pd.bdate_range("2021-01-01", periods=5)
    return pd.DataFrame({"A": [10.0, 11.0, np.nan, 12.1, 12.0], "B": [5, 5, 5, 5, 6]}, index=index)


def test_simple_returns_closed_form_and_no_fill() -> None:
    out = simple_returns(_prices())
    assert list(out.index) == list(_prices().index[1:])
    assert out["A"].iloc[0] == pytest.approx(0.1)
    # the missing price leaves both adjacent returns missing (no forward fill)
    assert out["A"].iloc[1:3].isna().all()
    assert out["A"].iloc[3] == pytest.approx(12.0 / 12.1 - 1)
    assert out["B"].iloc[-1] == pytest.approx(0.2)


def test_non_positive_price_is_a_data_error() -> None:
    prices = _prices()
    prices.iloc[2, 1] = 0.0
    with pytest.raises(DataError, match="non-positive prices for \\['B'\\]"):
        simple_returns(prices)


def test_excess_returns_subtract_rf_and_refuse_missing_dates() -> None:
    r = simple_returns(_prices())
    rf = pd.Series(0.001, index=r.index)
    np.testing.assert_allclose(excess_returns(r, rf).to_numpy(), r.to_numpy() - 0.001)
    with pytest.raises(DataError, match="no risk-free rate for 1 dates"):
        excess_returns(r, rf.iloc[1:])


def test_infer_frequency() -> None:
    assert infer_frequency(pd.bdate_range("2020-01-01", periods=30)) == "daily"
    assert infer_frequency(pd.date_range("2020-01-31", periods=30, freq="ME")) == "monthly"
    with pytest.raises(DataError, match="neither daily nor monthly"):
        infer_frequency(pd.date_range("2020-01-01", periods=30, freq="W"))
    with pytest.raises(DataError, match="strictly increasing"):
        infer_frequency(pd.DatetimeIndex(["2020-01-02", "2020-01-01", "2020-01-03"]))


def test_align_inner_joins_and_counts_dropped_dates(demo_returns, demo_daily_factors) -> None:
    aligned = align(demo_returns, demo_daily_factors)
    common = demo_returns.index.intersection(demo_daily_factors.index)
    assert aligned.n_obs == len(common)
    assert aligned.dropped_asset_dates == len(demo_returns) - len(common)
    assert aligned.dropped_factor_dates == len(demo_daily_factors) - len(common)
    # the demo prices run one year past the factors: 2022 is dropped, and the note says so
    assert aligned.returns.index[-1] == pd.Timestamp("2021-12-31")
    assert aligned.dropped_asset_dates == (demo_returns.index.year == 2022).sum()
    assert "2022-12-28" in aligned.note() and "dropped" in aligned.note()
    pd.testing.assert_frame_equal(aligned.factors, demo_daily_factors.loc[common], check_freq=False)


def test_to_monthly_compounds_and_never_fills(demo_returns) -> None:
    daily = demo_returns.loc["2005-01":"2005-03", ["AAPL", "KO"]].copy()
    daily.iloc[30, 1] = np.nan  # a day in February for KO
    monthly = to_monthly(daily)
    expected = (1 + daily.loc["2005-01"]).prod() - 1
    np.testing.assert_allclose(monthly.iloc[0].to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert np.isnan(monthly.loc["2005-02-28", "KO"])
    assert not np.isnan(monthly.loc["2005-02-28", "AAPL"])
    assert list(monthly.index) == list(pd.to_datetime(["2005-01-31", "2005-02-28", "2005-03-31"]))


def test_partial_edge_months_are_dropped(demo_returns) -> None:
    daily = demo_returns.loc["2005-01-20":"2005-03-31", ["AAPL"]]
    assert list(to_monthly(daily).index.month) == [2, 3]


def test_daily_returns_against_monthly_factors_are_compounded(
    demo_returns, demo_monthly_factors
) -> None:
    aligned = align(demo_returns.loc["2010":"2012"], demo_monthly_factors)
    assert aligned.frequency == "monthly" and aligned.compounded and aligned.n_obs == 36
    assert aligned.periods_per_year == 12
    with pytest.raises(DataError, match="mismatched frequencies"):
        align(demo_returns.loc["2010":"2012"], demo_monthly_factors, compound=False)


def test_monthly_returns_against_daily_factors_is_a_data_error(
    demo_returns, demo_daily_factors
) -> None:
    monthly = to_monthly(demo_returns.loc["2010":"2012"])
    with pytest.raises(DataError, match="returns are monthly, factors are daily"):
        align(monthly, demo_daily_factors)


def test_too_few_common_dates_is_a_data_error(demo_returns, demo_daily_factors) -> None:
    with pytest.raises(DataError, match="only 0 common dates") as info:
        align(demo_returns.loc["2022"], demo_daily_factors, min_obs=5)
    assert info.value.details["n_returns"] == (demo_returns.index.year == 2022).sum()


def test_check_observations_names_symbols_and_counts() -> None:
    valid = pd.DataFrame({"A": [True] * 5, "B": [True, False, False, True, False]})
    with pytest.raises(DataError, match=r"need at least 3, got B \(2\)") as info:
        check_observations(valid, 3)
    assert info.value.details["symbols"] == {"B": 2}


@settings(max_examples=30, deadline=None)
@given(
    n_r=st.integers(3, 60),
    n_f=st.integers(3, 60),
    offset=st.integers(-30, 30),
)
def test_align_counts_are_consistent(n_r: int, n_f: int, offset: int) -> None:
    r_index = pd.bdate_range("2020-01-01", periods=n_r)
    f_index = pd.bdate_range(r_index[0] + pd.offsets.BDay(offset), periods=n_f)
    returns = pd.DataFrame({"A": np.arange(n_r, dtype=float)}, index=r_index)
    factors = pd.DataFrame({"rf": np.arange(n_f, dtype=float)}, index=f_index)
    common = r_index.intersection(f_index)
    aligned = align(returns, factors, min_obs=0)
    assert aligned.n_obs == len(common)
    assert aligned.dropped_asset_dates + aligned.n_obs == n_r
    assert aligned.dropped_factor_dates + aligned.n_obs == n_f
    # rows stay matched: every kept factor row is the factor of the same date
    np.testing.assert_array_equal(
        aligned.factors["rf"].to_numpy(), factors.loc[common, "rf"].to_numpy()
    )
