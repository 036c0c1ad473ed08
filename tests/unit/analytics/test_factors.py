"""Factor regressions against statsmodels (OLS and HAC), rolling betas against a naive refit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.analytics.factors import MODELS, factor_model, factor_premia, rolling_betas
from pas.analytics.returns import to_monthly
from pas.core.errors import DataError, InvalidInput

RTOL = 1e-8


def close(ours: np.ndarray | float, theirs: np.ndarray | float, rtol: float = RTOL) -> None:
    """Assert relative agreement; the absolute floor is tiny next to the values' scale."""
    theirs = np.asarray(theirs, dtype=float)
    floor = 1e-13 * max(1.0, float(np.nanmax(np.abs(theirs)))) if theirs.size else 0.0
    np.testing.assert_allclose(np.asarray(ours, dtype=float), theirs, rtol=rtol, atol=floor)


def sm_fit(returns: pd.Series, factors: pd.DataFrame, names: tuple[str, ...], lags: int | None):  # type: ignore[no-untyped-def]
    """Return the statsmodels fit of one asset's excess returns (rows with NaN dropped)."""
    data = pd.concat([returns.rename("r"), factors], axis=1, join="inner").dropna(subset=["r"])
    y = data["r"] - data["rf"]
    X = sm.add_constant(data[list(names)], has_constant="add")
    model = sm.OLS(y.to_numpy(), X.to_numpy())
    if lags is None:
        return model.fit()
    return model.fit(cov_type="HAC", cov_kwds={"maxlags": lags})


def assert_equals_statsmodels(result, returns, factors, lags) -> None:  # type: ignore[no-untyped-def]
    for symbol in returns.columns:
        fit = sm_fit(returns[symbol], factors, result.factors, lags)
        close(result.params.loc[symbol].to_numpy(), fit.params)
        close(result.bse.loc[symbol].to_numpy(), fit.bse)
        close(result.tvalues.loc[symbol].to_numpy(), fit.tvalues)
        close(result.rsquared[symbol], fit.rsquared)
        close(result.rsquared_adj[symbol], fit.rsquared_adj)
        close(result.resid_vol[symbol], np.sqrt(fit.scale))
        assert result.n_obs[symbol] == fit.nobs
        row = result.table.loc[symbol]
        close(row["resid_vol_annual"], np.sqrt(fit.scale * result.periods_per_year))
        close(row["alpha_annual"], fit.params[0] * result.periods_per_year)
        close(row["t_alpha"], fit.tvalues[0])
        close(row["r2"], fit.rsquared)


@pytest.mark.parametrize(
    ("model", "lags"), [("ff3", None), ("ff3", 5), ("capm", 0), ("ff4", 10), ("capm", None)]
)
def test_demo_stocks_equal_statsmodels(demo_returns, demo_daily_factors, model, lags) -> None:
    returns = demo_returns.loc["2000":] if lags != 10 else demo_returns.loc["2015":]
    result = factor_model(returns, demo_daily_factors, model=model, hac_lags=lags)
    assert result.cov_type == ("nonrobust" if lags is None else "HAC")
    assert_equals_statsmodels(result, returns, demo_daily_factors, lags)


def test_demo_monthly_equals_statsmodels_on_compounded_returns(
    demo_returns, demo_monthly_factors
) -> None:
    result = factor_model(demo_returns.loc[:"2018"], demo_monthly_factors, hac_lags=3)
    assert result.periods_per_year == 12
    monthly = to_monthly(demo_returns.loc[:"2018"])
    monthly.index = monthly.index.to_period("M")
    factors = demo_monthly_factors.copy()
    factors.index = factors.index.to_period("M")
    for symbol in ("AAPL", "XOM", "SP500"):
        fit = sm_fit(monthly[symbol], factors, result.factors, 3)
        close(result.params.loc[symbol].to_numpy(), fit.params)
        close(result.tvalues.loc[symbol].to_numpy(), fit.tvalues)
        assert result.n_obs[symbol] == fit.nobs


def _random(
    seed: int, n: int, assets: int, with_mom: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2010-01-01", periods=n)
    cols = ["mkt_rf", "smb", "hml", "mom"] if with_mom else ["mkt_rf", "smb", "hml"]
    factors = pd.DataFrame(rng.normal(0.0003, 0.01, (n, len(cols))), index=index, columns=cols)
    factors["rf"] = rng.uniform(0, 0.0002, n)
    betas = rng.normal(1.0, 0.5, (len(cols), assets))
    noise = rng.standard_t(4, (n, assets)) * 0.01
    raw = factors[cols].to_numpy() @ betas + noise + factors[["rf"]].to_numpy()
    returns = pd.DataFrame(raw, index=index, columns=[f"S{i}" for i in range(assets)])
    return returns, factors


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(8, 300),
    assets=st.integers(1, 6),
    model=st.sampled_from(sorted(MODELS)),
    lags=st.one_of(st.none(), st.integers(0, 12)),
)
def test_random_data_equals_statsmodels(seed, n, assets, model, lags) -> None:
    returns, factors = _random(seed, n, assets)
    result = factor_model(returns, factors, model=model, hac_lags=lags)
    assert_equals_statsmodels(result, returns, factors, lags)


def test_assets_with_missing_rows_use_their_own_rows(demo_daily_factors) -> None:
    returns, factors = _random(7, 400, 5)
    returns.iloc[:120, 1] = np.nan  # listed later
    returns.iloc[200:210, 2] = np.nan  # a gap
    returns.iloc[:120, 3] = np.nan  # the same pattern as S1: one group
    result = factor_model(returns, factors, hac_lags=4)
    assert_equals_statsmodels(result, returns, factors, 4)
    assert list(result.n_obs) == [400, 280, 390, 280, 400]
    assert result.resid["S1"].iloc[:120].isna().all()


def test_table_columns_per_model(demo_returns, demo_daily_factors) -> None:
    returns = demo_returns.loc["2019":"2021", ["AAPL", "KO"]]
    base = [
        "alpha_annual", "beta_mkt", "beta_smb", "beta_hml", "t_alpha", "t_mkt", "t_smb", "t_hml",
        "r2", "resid_vol_annual", "n_obs",
    ]  # fmt: skip
    ff3 = factor_model(returns, demo_daily_factors).table
    assert set(base) <= set(ff3.columns) and "beta_mom" not in ff3.columns
    assert ff3.index.name == "symbol" and list(ff3.index) == ["AAPL", "KO"]
    capm = factor_model(returns, demo_daily_factors, model="capm").table
    assert capm[["beta_smb", "beta_hml", "t_smb", "t_hml"]].isna().all().all()
    assert capm["beta_mkt"].notna().all()
    ff4 = factor_model(returns, demo_daily_factors, model="carhart").table
    assert {"beta_mom", "t_mom"} <= set(ff4.columns) and ff4["beta_mom"].notna().all()


def test_demo_alignment_note_says_the_prices_run_past_the_factors(
    demo_returns, demo_daily_factors
) -> None:
    result = factor_model(demo_returns, demo_daily_factors)
    assert result.dropped_asset_dates == (demo_returns.index.year == 2022).sum() > 0
    assert result.resid.index[-1] == pd.Timestamp("2021-12-31")
    assert result.returns.index.equals(result.resid.index)
    assert "2022-12-28" in result.note and "2021-12-31" in result.note


# ---- bad input: typed errors with the reason ----


def test_nan_factor_row_is_a_data_error() -> None:
    returns, factors = _random(1, 60, 2)
    factors.iloc[10, 1] = np.nan
    with pytest.raises(DataError, match="factor values are missing on 1 dates"):
        factor_model(returns, factors)


def test_constant_factor_column_is_a_data_error() -> None:
    returns, factors = _random(2, 60, 2)
    factors["hml"] = 0.001
    with pytest.raises(DataError, match=r"factor column\(s\) \['hml'\] are constant"):
        factor_model(returns, factors)


def test_collinear_factors_are_a_data_error() -> None:
    returns, factors = _random(2, 60, 2)
    factors["hml"] = 2 * factors["smb"]
    with pytest.raises(DataError, match="collinear"):
        factor_model(returns, factors)


def test_too_few_observations_names_symbol_and_counts() -> None:
    returns, factors = _random(3, 60, 3)
    returns.iloc[:55, 2] = np.nan  # S2 keeps 5 rows; FF3 has 4 parameters, needs 6
    with pytest.raises(DataError, match=r"need at least 6, got S2 \(5\)") as info:
        factor_model(returns, factors)
    assert info.value.details == {"symbols": {"S2": 5}, "need": 6}
    short_r, short_f = _random(3, 5, 1)
    with pytest.raises(DataError, match="only 5 common dates"):
        factor_model(short_r, short_f)


def test_mismatched_frequencies_are_a_data_error(demo_returns, demo_daily_factors) -> None:
    monthly = to_monthly(demo_returns.loc["2010":"2015"])
    with pytest.raises(DataError, match="mismatched frequencies"):
        factor_model(monthly, demo_daily_factors)


def test_bad_parameters_are_invalid_input() -> None:
    returns, factors = _random(4, 60, 2)
    with pytest.raises(InvalidInput, match="unknown factor model 'ff5'"):
        factor_model(returns, factors, model="ff5")
    with pytest.raises(InvalidInput, match="hac_lags"):
        factor_model(returns, factors, hac_lags=-1)
    with pytest.raises(DataError, match=r"factors lack columns \['mom'\]"):
        factor_model(returns, factors.drop(columns="mom"), model="ff4")


def test_infinite_returns_are_a_data_error() -> None:
    returns, factors = _random(5, 60, 2)
    returns.iloc[3, 0] = np.inf
    with pytest.raises(DataError, match="infinite returns for \\['S0'\\]"):
        factor_model(returns, factors)


# ---- properties ----


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(10, 200), shift=st.floats(-0.01, 0.01))
def test_exact_linear_returns_recover_their_coefficients(seed: int, n: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    _, factors = _random(seed, n, 1)
    coef = rng.normal(0, 1, 4)
    y = coef[0] + factors[["mkt_rf", "smb", "hml"]].to_numpy() @ coef[1:] + factors["rf"]
    returns = pd.DataFrame({"A": y, "B": y + shift}, index=factors.index)
    result = factor_model(returns, factors)
    np.testing.assert_allclose(result.params.loc["A"].to_numpy(), coef, atol=1e-10)
    # a constant added to the returns moves only the intercept
    np.testing.assert_allclose(
        (result.params.loc["B"] - result.params.loc["A"]).to_numpy(), [shift, 0, 0, 0], atol=1e-10
    )


# ---- rolling betas ----


def naive_rolling(returns: pd.DataFrame, factors: pd.DataFrame, names, window, step):  # type: ignore[no-untyped-def]
    """Refit every window with numpy lstsq: the oracle."""
    data = factors.loc[returns.index]
    X = np.column_stack([np.ones(len(data)), data[list(names)].to_numpy()])
    Y = returns.sub(data["rf"], axis=0).to_numpy()
    rows = []
    for end in range(window, len(X) + 1, step):
        xs, ys = X[end - window : end], Y[end - window : end]
        for j, symbol in enumerate(returns.columns):
            ok = np.isfinite(ys[:, j]).all()
            coef = (
                np.linalg.lstsq(xs, ys[:, j], rcond=None)[0] if ok else np.full(X.shape[1], np.nan)
            )
            rows.append((returns.index[end - 1], symbol, *coef))
    cols = ["date", "symbol", "alpha", *(f"beta_{n.split('_')[0]}" for n in names)]
    return pd.DataFrame(rows, columns=cols)


@pytest.mark.parametrize(
    ("model", "window", "step"), [("ff3", 252, 5), ("capm", 60, 1), ("ff4", 126, 21)]
)
def test_rolling_equals_naive_refit_on_demo(
    demo_returns, demo_daily_factors, model, window, step
) -> None:
    returns = demo_returns.loc["2016":"2021", ["AAPL", "JPM", "XOM", "SP500"]]
    ours = rolling_betas(returns, demo_daily_factors, window=window, step=step, model=model)
    theirs = naive_rolling(returns, demo_daily_factors, MODELS[model], window, step)
    assert list(ours["date"]) == list(theirs["date"]) and list(ours["symbol"]) == list(
        theirs["symbol"]
    )
    for col in theirs.columns[2:]:
        close(ours[col].to_numpy(), theirs[col].to_numpy(), rtol=1e-9)
    close(ours["alpha_annual"].to_numpy(), 252 * theirs["alpha"].to_numpy(), rtol=1e-9)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(30, 150),
    window=st.integers(7, 30),
    step=st.integers(1, 4),
    hole=st.integers(0, 29),
)
def test_rolling_equals_naive_refit_random_with_holes(seed, n, window, step, hole) -> None:
    returns, factors = _random(seed, n, 3)
    returns.iloc[hole, 1] = np.nan
    ours = rolling_betas(returns, factors, window=window, step=step)
    theirs = naive_rolling(returns, factors, MODELS["ff3"], window, step)
    for col in theirs.columns[2:]:
        close(ours[col].to_numpy(), theirs[col].to_numpy(), rtol=1e-9)
    holed = ours[ours.symbol == "S1"]
    # the naive refit is the oracle for which windows the hole spoils (maybe none, when
    # the stepped windows skip the hole's row)
    assert holed["beta_mkt"].isna().sum() == theirs[theirs.symbol == "S1"]["beta_mkt"].isna().sum()
    assert ours[ours.symbol != "S1"]["beta_mkt"].notna().all()


def test_full_window_rolling_equals_factor_model() -> None:
    returns, factors = _random(11, 200, 4)
    roll = rolling_betas(returns, factors, window=200).set_index("symbol")
    full = factor_model(returns, factors)
    close(roll["beta_hml"].to_numpy(), full.params["hml"].to_numpy(), rtol=1e-9)
    close(roll["alpha"].to_numpy(), full.params["alpha"].to_numpy(), rtol=1e-9)


def test_rolling_bad_window() -> None:
    returns, factors = _random(12, 50, 1)
    with pytest.raises(InvalidInput, match="window must be an integer >= 6"):
        rolling_betas(returns, factors, window=5)
    with pytest.raises(DataError, match="window 60 is longer than the 50 common observations"):
        rolling_betas(returns, factors, window=60)
    with pytest.raises(InvalidInput, match="step"):
        rolling_betas(returns, factors, window=20, step=0)


# ---- premia ----


def test_factor_premia_closed_form_and_as_of(demo_daily_factors) -> None:
    premia = factor_premia(demo_daily_factors, as_of=pd.Timestamp("2000-12-31"))
    history = demo_daily_factors.loc[:"2000-12-31"]
    close(premia.loc["mkt_rf", "premium_annual"], history["mkt_rf"].mean() * 252)
    close(premia.loc["hml", "vol_annual"], history["hml"].std() * np.sqrt(252))
    se = history["smb"].std() / np.sqrt(len(history))
    close(premia.loc["smb", "t_stat"], history["smb"].mean() / se)
    assert premia.loc["rf", "n_obs"] == len(history)
    assert premia["last"].max() <= pd.Timestamp("2000-12-31")


def test_rolling_window_with_a_constant_factor_is_nan() -> None:
    returns, factors = _random(13, 80, 2)
    factors.iloc[:20, factors.columns.get_loc("hml")] = 0.0  # constant in the first windows only
    out = rolling_betas(returns, factors, window=15)
    first = out[out["date"] <= factors.index[19]]
    assert first["beta_hml"].isna().all() and out["beta_hml"].iloc[-1] == out["beta_hml"].iloc[-1]
    later = out[out["date"] > factors.index[40]]
    assert later["beta_mkt"].notna().all()


def test_residuals_equal_statsmodels(demo_returns, demo_daily_factors) -> None:
    returns = demo_returns.loc["2019":"2021", ["AAPL", "KO"]].copy()
    returns.iloc[:30, 1] = np.nan
    result = factor_model(returns, demo_daily_factors)
    for symbol in returns.columns:
        fit = sm_fit(returns[symbol], demo_daily_factors, result.factors, None)
        ours = result.resid[symbol].dropna().to_numpy()
        close(ours, fit.resid)
    assert result.resid["KO"].iloc[:30].isna().all()
