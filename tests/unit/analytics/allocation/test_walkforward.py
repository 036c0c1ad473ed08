"""The walk-forward's shared per-date work gives exactly what `allocate` per decision gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pas.analytics.allocation import AllocationSpec, allocate
from pas.analytics.allocation.api import parameter_record
from pas.analytics.allocation.estimate import estimate
from pas.analytics.allocation.pipeline import decide
from pas.analytics.allocation.summary import build_allocation
from pas.analytics.allocation.window import window_of
from pas.analytics.comparison import (
    ALL_METHODS,
    BLENDERS,
    allocation_allocator,
    evaluate,
    order_methods,
    walk_all,
)
from pas.analytics.evaluation import Decision, SchemeRun, WalkForwardConfig
from pas.analytics.walker import walk_scheme
from pas.core.errors import InvalidInput

SYMBOLS = ["AAPL", "MSFT", "JPM", "XOM", "PG", "JNJ", "KO", "WMT"]


@pytest.fixture(scope="module")
def cut(demo_batches):  # type: ignore[no-untyped-def]
    """Return (prices, factors, sectors): 8 demo stocks 2002-2005, one flat and one gappy."""
    prices_batch, factor_batches = demo_batches
    wide = prices_batch.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide.index = pd.DatetimeIndex(wide.index)
    symbols = [s for s in SYMBOLS if s in wide.columns][:8]
    prices = wide.loc["2002-01-01":"2005-12-31", symbols].astype(float).copy()
    # a suspended stock (constant price for more than a lookback: risk-based schemes drop
    # it, the others keep it) and a stock with missing days (excluded while too sparse)
    prices.iloc[300:700, 0] = prices.iloc[300, 0]
    prices.iloc[100:260, 1] = np.nan
    sectors = {s.symbol: s.sector for s in prices_batch.securities if s.symbol in symbols}
    return prices, factor_batches[0].factors, sectors


def per_call(engine):  # type: ignore[no-untyped-def]
    """Return the engine as a plain Allocator: `allocate` on each decision's price window."""

    def decide(method, prices, factors, current, histories) -> Decision:  # type: ignore[no-untyped-def]
        return engine(method, prices, factors, current, histories)

    return decide


def reference_runs(prices, factors, config, engine, methods) -> dict[str, SchemeRun]:  # type: ignore[no-untyped-def]
    """Walk scheme after scheme with `allocate` per decision (the engine before sharing)."""
    runs: dict[str, SchemeRun] = {}
    for method in order_methods(methods):
        hist = None
        if method in BLENDERS:
            hist = pd.DataFrame({k: r.daily["net"] for k, r in runs.items()})
        runs[method] = walk_scheme(
            method, prices, per_call(engine), config, factors=factors, histories=hist
        )
    return runs


@pytest.mark.parametrize(
    ("rule", "with_factors"),
    [("M", True), ("M", False), ("drift:0.05", False), ("every:15", True)],
)
def test_shared_walk_equals_allocate_per_decision(cut, rule: str, with_factors: bool) -> None:  # type: ignore[no-untyped-def]
    prices, factors, sectors = cut
    factors = factors if with_factors else None
    ev = evaluate(prices, rebalance=rule, lookback=252, factors=factors, sectors=sectors)
    config = WalkForwardConfig(rule, 252, 10.0)
    engine = allocation_allocator(sectors=sectors)
    ref = reference_runs(prices, factors, config, engine, ALL_METHODS)
    for method in ALL_METHODS:
        ours, theirs = ev.returns[method].dropna(), ref[method].daily["net"].dropna()
        pd.testing.assert_index_equal(ours.index, theirs.index, check_names=False)
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-10)
        w = ev.weights[method]
        w_ref = ref[method].weights.reindex(columns=w.columns)
        pd.testing.assert_index_equal(w.index, w_ref.index)
        np.testing.assert_allclose(w.to_numpy(), w_ref.to_numpy(), rtol=0, atol=1e-10)
        assert ev.fallbacks[method] == ref[method].fallbacks
    if rule == "M":  # the cut exercises both kinds of clean windows and the exclusions
        assert any("zero variance" in why for _, why in ev.fallbacks["max_sharpe"])
        assert any("missing" in why for _, why in ev.fallbacks["tactical"])


def test_walk_all_resumes_like_a_full_run(cut) -> None:  # type: ignore[no-untyped-def]
    prices, factors, sectors = cut
    config = WalkForwardConfig("M", 252, 10.0)
    engine = allocation_allocator(sectors=sectors)
    methods = ["max_sharpe", "tactical", "hrp", "dynamic"]
    full = walk_all(prices, methods, engine, config, factors=factors)
    stop = prices.index[700]
    first = walk_all(prices.loc[:stop], methods, engine, config, factors=factors)
    histories = pd.DataFrame({k: r.daily["net"] for k, r in first.items()})
    second = walk_all(
        prices,
        methods,
        engine,
        config,
        factors=factors,
        states={k: r.state for k, r in first.items()},
        histories=histories,
    )
    for method in order_methods(methods):
        daily = pd.concat([first[method].daily, second[method].daily])
        np.testing.assert_allclose(daily.to_numpy(), full[method].daily.to_numpy(), atol=1e-12)
        pd.testing.assert_index_equal(daily.index, full[method].daily.index)
        weights = pd.concat([first[method].weights, second[method].weights])
        np.testing.assert_allclose(weights.to_numpy(), full[method].weights.to_numpy(), atol=1e-12)


def test_estimate_is_for_one_kind_of_scheme(cut) -> None:  # type: ignore[no-untyped-def]
    prices, factors, sectors = cut
    cut_prices = prices.iloc[400:653]
    window = window_of(cut_prices, None, lookback=252)
    risk = estimate(window, risk_based=True, factors=factors)
    other = estimate(window, risk_based=False, factors=factors, reuse=risk)
    assert len(risk.labels) == len(other.labels) - 1  # the flat stock
    assert other.mu is not risk.mu
    same = estimate(window, risk_based=True, factors=factors, reuse=risk)
    assert same.mu is risk.mu and same.cov is risk.cov
    with pytest.raises(InvalidInput, match="risk-based"):
        decide(other, AllocationSpec(method="max_sharpe"))
    for method, inputs in (("max_sharpe", risk), ("tactical", other)):
        spec = AllocationSpec(method=method, lookback=252)
        outcome = decide(inputs, spec, sectors=sectors)
        record = parameter_record(spec, sectors, None, None, factors)
        shared = build_allocation(outcome, cut_prices.columns, record=record, sectors=sectors)
        direct = allocate(cut_prices, spec=spec, factors=factors, sectors=sectors)
        pd.testing.assert_series_equal(shared.weights, direct.weights, rtol=0, atol=1e-15)
        assert shared.inputs_hash == direct.inputs_hash


@pytest.mark.parametrize(
    ("rule", "covariance"),
    [("every:21", "sample"), ("M", "sample"), ("W", "sample"), ("M", "ledoit_wolf")],
)
def test_warm_started_walk_equals_allocate_per_decision(cut, rule: str, covariance: str) -> None:  # type: ignore[no-untyped-def]
    """Each scheme starts from its last active set in a walk: the same decisions as cold."""
    prices, _, sectors = cut
    config = WalkForwardConfig(rule, 252, 10.0)
    spec = AllocationSpec(expected_returns="historical", covariance=covariance)
    engine = allocation_allocator(spec=spec, sectors=sectors)
    methods = ["max_sharpe", "min_variance", "dynamic"]
    ours = walk_all(prices, methods, engine, config)
    ref = reference_runs(prices, None, config, engine, methods)
    for method in order_methods(methods):
        daily, daily_ref = ours[method].daily, ref[method].daily
        pd.testing.assert_index_equal(daily.index, daily_ref.index)
        np.testing.assert_allclose(daily.to_numpy(), daily_ref.to_numpy(), rtol=0, atol=1e-12)
        w, w_ref = (
            ours[method].weights,
            ref[method].weights.reindex(columns=ours[method].weights.columns),
        )
        pd.testing.assert_index_equal(w.index, w_ref.index)
        np.testing.assert_allclose(w.to_numpy(), w_ref.to_numpy(), rtol=0, atol=1e-12)
        assert ours[method].fallbacks == ref[method].fallbacks
    assert any("zero variance" in why for _, why in ours["max_sharpe"].fallbacks)


def test_max_sharpe_walk_resumes_like_a_full_run_and_reads_no_later_price(cut) -> None:  # type: ignore[no-untyped-def]
    prices = cut[0].iloc[:, 2:]  # without the flat and the gappy stock: every window whole
    spec = AllocationSpec(expected_returns="historical", covariance="sample")
    engine = allocation_allocator(spec=spec)
    config = WalkForwardConfig("every:21", 252, 10.0)
    full = walk_scheme("max_sharpe", prices, engine, config)
    stop = prices.index[700]
    first = walk_scheme("max_sharpe", prices.loc[:stop], engine, config)
    second = walk_scheme("max_sharpe", prices, engine, config, state=first.state)
    daily = pd.concat([first.daily, second.daily])
    np.testing.assert_allclose(daily.to_numpy(), full.daily.to_numpy(), rtol=0, atol=1e-12)
    weights = pd.concat([first.weights, second.weights])
    np.testing.assert_allclose(weights.to_numpy(), full.weights.to_numpy(), rtol=0, atol=1e-12)
    changed = prices.copy()
    changed.iloc[701:] *= np.linspace(0.5, 2.0, changed.shape[1])
    other = walk_scheme("max_sharpe", changed, engine, config)
    pd.testing.assert_frame_equal(other.daily.loc[:stop], full.daily.loc[:stop])
    pd.testing.assert_frame_equal(other.weights.loc[:stop], full.weights.loc[:stop])


def test_whole_windows_are_the_windows_clean_keeps_as_they_are(cut) -> None:  # type: ignore[no-untyped-def]
    """The walk's O(n) test agrees with `clean` on every window of a gappy, flat history."""
    from pas.analytics.allocation.window import WholeWindows, Window, clean

    prices = cut[0]
    values = prices.to_numpy(dtype=float)
    returns = np.full_like(values, np.nan)
    returns[1:] = values[1:] / values[:-1] - 1.0
    whole = WholeWindows(returns)
    labels = tuple(prices.columns)
    answers = []
    for start in range(1, len(returns) - 60, 7):
        for stop in (start + 3, start + 60, min(len(returns), start + 400)):
            w = Window(returns[start:stop], prices.index, start, labels)
            found = clean(w, True)
            kept = found.rows is None and len(found.cols) == len(labels) and not found.notes
            # (a window where every asset is flat is kept too, but is not called whole:
            # there is none here)
            assert whole(start, stop) == kept, (start, stop)
            answers.append(kept)
    assert any(answers) and not all(answers)
