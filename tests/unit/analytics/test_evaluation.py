"""The walk-forward engine: drift, costs, schedules, resumption and no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.analytics.evaluation import CASH, Decision, WalkData, WalkForwardConfig
from pas.analytics.schedule import period_starts, rebalance_rule
from pas.analytics.walker import SchemeWalker, walk_scheme


def prices_frame(n_days: int = 400, n_assets: int = 4, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2019-01-01", periods=n_days)
    levels = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, size=(n_days, n_assets)), axis=0))
    return pd.DataFrame(levels, index=index, columns=[f"A{i}" for i in range(n_assets)])


def equal(method, prices, factors, current, histories) -> Decision:  # type: ignore[no-untyped-def]
    return Decision(pd.Series(1.0 / prices.shape[1], index=prices.columns))


def momentum(method, prices, factors, current, histories) -> Decision:  # type: ignore[no-untyped-def]
    """A toy allocator that depends on the whole window: long the best trailing performers."""
    perf = prices.iloc[-1] / prices.iloc[0]
    w = perf.rank() / perf.rank().sum()
    return Decision(pd.concat([w * 0.9, pd.Series({CASH: 0.1})]))


def closed_form_equal_weight(prices: pd.DataFrame, lookback: int, cost_bps: float) -> pd.Series:
    """Equal weight, first trading day of each month, drift and costs, written independently."""
    r = prices.pct_change().to_numpy()
    dates = prices.index
    n = prices.shape[1]
    month = dates.year * 12 + dates.month
    holdings = None  # dollar amounts per asset
    nav_before = 1.0
    out = {}
    pending = 0.0
    for i in range(lookback, len(dates)):
        if holdings is not None:
            holdings = holdings * (1 + r[i])
            nav = holdings.sum()
            out[dates[i]] = nav * (1 - pending) / nav_before - 1
            holdings = holdings * (1 - pending)
            nav_before = holdings.sum()
            pending = 0.0
        if holdings is None or month[i] != month[i - 1]:
            nav = 1.0 if holdings is None else holdings.sum()
            current = np.zeros(n) if holdings is None else holdings / nav
            target = np.full(n, 1.0 / n)
            pending = cost_bps / 1e4 * np.abs(target - current).sum()
            holdings = target * nav
            nav_before = nav
    return pd.Series(out)


def test_equal_weight_monthly_matches_closed_form() -> None:
    prices = prices_frame()
    config = WalkForwardConfig("M", lookback=60, cost_bps=25)
    run = walk_scheme("equal_weight", prices, equal, config)
    ours = run.daily["net"].dropna()
    theirs = closed_form_equal_weight(prices, 60, 25)
    pd.testing.assert_index_equal(ours.index, theirs.index, check_names=False)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-12)
    assert ours.index[0] == prices.index[61]  # the day after the first rebalance


def test_zero_cost_daily_rebalance_is_weight_times_return() -> None:
    prices = prices_frame(200)
    run = walk_scheme("m", prices, momentum, WalkForwardConfig("D", lookback=20, cost_bps=0))
    r = prices.pct_change()
    w = run.weights.shift(1).iloc[1:]
    expected = (w.drop(columns=CASH) * r.loc[w.index]).sum(axis=1)
    np.testing.assert_allclose(
        run.daily["net"].dropna().to_numpy(), expected.to_numpy(), atol=1e-14
    )


def test_costs_are_charged_on_turnover() -> None:
    prices = prices_frame(150)
    free = walk_scheme("m", prices, momentum, WalkForwardConfig("M", 20, 0.0))
    paid = walk_scheme("m", prices, momentum, WalkForwardConfig("M", 20, 50.0))
    traded = paid.daily["turnover"]
    assert traded.iloc[0] == pytest.approx(0.9)  # buy-in from cash: the risky 90 %
    np.testing.assert_allclose(paid.daily["cost"], traded * 50 / 1e4)
    assert paid.daily["net"].sum() < free.daily["net"].sum()


def test_weights_drift_between_rebalances() -> None:
    prices = prices_frame(120)
    run = walk_scheme("e", prices, equal, WalkForwardConfig("Q", 20, 0.0))
    held = run.state.weights.drop(CASH)  # type: ignore[union-attr]
    assert not np.allclose(held, 0.25)  # drifted since the last quarterly trade
    assert held.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("rule", ["D", "W", "M", "Q", "drift:0.02"])
def test_resuming_equals_a_full_run(rule: str) -> None:
    prices = prices_frame(260)
    config = WalkForwardConfig(rule, 40, 10.0)
    full = walk_scheme("m", prices, momentum, config)
    cut = prices.index[150]
    first = walk_scheme("m", prices.loc[:cut], momentum, config)
    second = walk_scheme("m", prices, momentum, config, state=first.state)
    daily = pd.concat([first.daily, second.daily])
    pd.testing.assert_frame_equal(daily, full.daily)
    pd.testing.assert_frame_equal(pd.concat([first.weights, second.weights]), full.weights)
    assert second.state.pending_cost == full.state.pending_cost  # type: ignore[union-attr]


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(45, 190), bump=st.floats(0.5, 2.0))
def test_no_look_ahead(cut: int, bump: float) -> None:
    prices = prices_frame(200, seed=11)
    config = WalkForwardConfig("W", 40, 10.0)
    base = walk_scheme("m", prices, momentum, config)
    changed = prices.copy()
    changed.iloc[cut + 1 :] *= bump
    changed.iloc[cut + 1 :, 0] *= 1.3
    other = walk_scheme("m", changed, momentum, config)
    t = prices.index[cut]
    pd.testing.assert_frame_equal(base.daily.loc[:t], other.daily.loc[:t])
    pd.testing.assert_frame_equal(base.weights.loc[:t], other.weights.loc[:t])


def test_too_short_history_gives_an_empty_run() -> None:
    run = walk_scheme("e", prices_frame(30), equal, WalkForwardConfig("M", 40, 10.0))
    assert run.daily.empty and run.state is None


def test_schedules() -> None:
    index = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-04-01"])
    assert period_starts(index, "M").tolist() == [True, False, True, False, True]
    assert period_starts(index, "Q").tolist() == [True, False, False, False, True]
    assert rebalance_rule("drift:0.05") == ("drift", 0.05)
    for bad in ("Y", "drift:2", "drift:x"):
        with pytest.raises(ValueError, match="rebalance must be"):
            rebalance_rule(bad)


def test_every_n_days_rebalances_in_folds_and_resumes() -> None:
    prices = prices_frame(200)
    config = WalkForwardConfig("every:21", 40, 10.0)
    full = walk_scheme("m", prices, momentum, config)
    assert [prices.index.get_loc(d) for d in full.weights.index] == list(range(40, 200, 21))
    first = walk_scheme("m", prices.iloc[:100], momentum, config)
    second = walk_scheme("m", prices, momentum, config, state=first.state)
    pd.testing.assert_frame_equal(pd.concat([first.daily, second.daily]), full.daily)
    assert rebalance_rule("every:5") == ("every", 5.0)
    for bad in ("every:0", "every:x", "every:1.5"):
        with pytest.raises(ValueError, match="rebalance must be"):
            rebalance_rule(bad)


@pytest.mark.parametrize("rule", ["W", "M", "Q", "every:7", "drift:0.02"])
def test_drift_segments_equal_day_by_day_steps(rule: str) -> None:
    """The days between rebalances walked as one segment give the numbers of one step a day."""
    prices = prices_frame(300)
    config = WalkForwardConfig(rule, 40, 10.0)
    run = walk_scheme("m", prices, momentum, config)
    walker = SchemeWalker("m", WalkData.of(prices, momentum, config))
    for i in range(walker.begin, len(prices)):
        walker.step(i)
    ref = walker.run()
    pd.testing.assert_index_equal(run.daily.index, ref.daily.index)
    np.testing.assert_allclose(run.daily.to_numpy(), ref.daily.to_numpy(), rtol=0, atol=1e-15)
    pd.testing.assert_index_equal(run.weights.index, ref.weights.index)
    np.testing.assert_allclose(run.weights.to_numpy(), ref.weights.to_numpy(), rtol=0, atol=1e-15)
    assert run.state is not None and ref.state is not None
    np.testing.assert_allclose(run.state.weights, ref.state.weights, rtol=0, atol=1e-15)
