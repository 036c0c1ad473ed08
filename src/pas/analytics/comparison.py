"""`pas.evaluate`: every scheme walked forward on the same data, compared side by side (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics import metrics as m
from pas.analytics.allocation.registry import BENCHMARK, all_schemes, blenders
from pas.analytics.allocation.spec import DEFAULT_LOOKBACK, AllocationSpec
from pas.analytics.evaluation import (
    CASH,
    Allocator,
    SchemeRun,
    SchemeState,
    WalkData,
    WalkForwardConfig,
)
from pas.analytics.schedule import count_rebalances
from pas.analytics.walker import SchemeWalker
from pas.core.errors import DataError, InvalidInput

#: every scheme, seed schemes first (derived from the registry)
ALL_METHODS = all_schemes()
#: schemes whose decisions read the other schemes' histories run after them
BLENDERS = blenders()


@dataclass(frozen=True)
class Evaluation:
    """Walk-forward results of several schemes on one dataset."""

    returns: pd.DataFrame  # dates x schemes, net of costs, from the day after the first rebalance
    gross: pd.DataFrame
    turnover: pd.DataFrame  # dates x schemes, traded fraction of NAV on rebalance days
    weights: dict[str, pd.DataFrame]  # scheme -> rebalance dates x symbols (+ CASH when held)
    metrics: pd.DataFrame  # schemes x metrics.METRIC_COLUMNS
    fallbacks: dict[str, tuple[tuple[pd.Timestamp, str], ...]]
    states: dict[str, SchemeState | None]
    config: WalkForwardConfig


def allocation_allocator(
    *,
    spec: AllocationSpec | None = None,
    sectors: Mapping[str, str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> Allocator:
    """Return an allocator that runs the allocation pipeline (the API's and the updater's).

    `spec` holds the settings every scheme shares (default: `AllocationSpec()`),
    `params` each scheme's own. Bound to a walk, it estimates once per date
    for all schemes.
    """
    from pas.analytics.allocation.walkforward import EngineAllocator

    return EngineAllocator(spec=spec, sectors=sectors, params=params)


def order_methods(methods: Sequence[str]) -> list[str]:
    """Return methods with the equal-weight benchmark added and blenders last."""
    ordered = list(dict.fromkeys([*methods, BENCHMARK]))
    return [x for x in ordered if x not in BLENDERS] + [x for x in ordered if x in BLENDERS]


def walk_all(
    prices: pd.DataFrame,
    methods: Sequence[str],
    allocator: Allocator,
    config: WalkForwardConfig,
    *,
    factors: pd.DataFrame | None = None,
    states: Mapping[str, SchemeState | None] | None = None,
    histories: pd.DataFrame | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> dict[str, SchemeRun]:
    """Walk every method (blenders after the others, seeing their net returns); return the runs.

    The walk goes date by date, every scheme in turn, so the allocator can
    share each date's work between the schemes; each scheme's numbers are
    those of `walk_scheme` on its own (blenders read the others' net returns
    before the decision date, as if those had been walked first).
    """
    order = order_methods(methods)
    states = states or {}
    index = pd.DatetimeIndex(prices.index)
    total = sum(
        count_rebalances(index, config, getattr(states.get(x), "date", None)) for x in order
    )
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], total, "rebalances")

    data = WalkData.of(prices, allocator, config, factors, tick)
    walkers = [SchemeWalker(method, data, states.get(method)) for method in order]
    live = [(k, w) for k, w in enumerate(walkers) if not w.empty]
    feeds = {k: _history_feed(k, walkers, index, histories) for k, _ in live}
    with data.session():
        _walk_dates(live, order, feeds, len(index))
    return {method: walker.run() for method, walker in zip(order, walkers, strict=True)}


def _walk_dates(
    live: Sequence[tuple[int, SchemeWalker]],
    order: Sequence[str],
    feeds: Mapping[int, Callable[[pd.Timestamp], pd.DataFrame]],
    n: int,
) -> None:
    """Walk the live walkers to row n: date by date where one may trade, in segments between."""
    while live:
        # the next row where some scheme may trade: every scheme walks the rows before it
        # (and on to its own next such row), then the schemes due there trade in order
        row = min(w.next_due() for _, w in live)
        for _, walker in live:
            walker.advance(row)
        if row >= n:
            break
        for k, walker in live:
            if walker.end == row:
                walker.step(row, feeds[k] if order[k] in BLENDERS else None)


def _history_feed(
    k: int,
    walkers: Sequence[SchemeWalker],
    index: pd.DatetimeIndex,
    histories: pd.DataFrame | None,
) -> Callable[[pd.Timestamp], pd.DataFrame]:
    """Return day -> the net returns before `day` of the schemes walked before the k-th."""
    names = [w.method for w in walkers[:k]]
    begins = [w.begin for w in walkers[:k] if not w.empty]
    first = min(begins, default=len(index))

    def before(day: pd.Timestamp) -> pd.DataFrame:
        stop = int(index.searchsorted(day, side="left"))
        lo = min(first, stop)
        net = np.array([w.nets[lo:stop] for w in walkers[:k]]).reshape(k, stop - lo).T
        fresh = pd.DataFrame(net, index=index[lo:stop], columns=names)
        if histories is None:
            return fresh
        hist = pd.concat([histories, fresh]).sort_index()
        hist = hist[~hist.index.duplicated(keep="last")]
        return hist.loc[hist.index < day]

    return before


def evaluate(
    prices: pd.DataFrame,
    methods: Sequence[str] | None = None,
    rebalance: str = "M",
    lookback: int = DEFAULT_LOOKBACK,
    cost_bps: float = 10.0,
    expected_returns: str | None = None,
    covariance: str | None = None,
    factors: pd.DataFrame | None = None,
    sectors: Mapping[str, str] | None = None,
    *,
    spec: AllocationSpec | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
) -> Evaluation:
    """Return the walk-forward Evaluation of `methods` (all when None) on daily prices (dates x symbols).

    Every scheme decides with `spec` (default `AllocationSpec()`; its
    lookback is the walk's), `expected_returns` and `covariance` override its
    estimators, `params` give a scheme its own parameters.
    """
    methods = list(methods or ALL_METHODS)
    check_methods(methods)
    prices = check_prices(prices, lookback)
    config = WalkForwardConfig(rebalance, lookback, float(cost_bps), dict(params or {}))
    try:
        config.check()
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    overrides = {"expected_returns": expected_returns} if expected_returns else {}
    if covariance is not None:
        overrides["covariance"] = covariance
    shared = AllocationSpec.of(spec, **overrides)
    allocator = allocation_allocator(spec=shared, sectors=sectors, params=params)
    runs = walk_all(prices, methods, allocator, config, factors=factors, progress=progress)
    return assemble(runs, methods, factors, config)


def check_methods(methods: Sequence[str]) -> None:
    """Raise InvalidInput for an unknown method name."""
    unknown = sorted(set(methods) - set(ALL_METHODS))
    if unknown or not methods:
        raise InvalidInput(f"unknown method(s) {unknown}; known: {list(ALL_METHODS)}")


def check_prices(prices: pd.DataFrame, lookback: int) -> pd.DataFrame:
    """Return prices as floats on a sorted DatetimeIndex; DataError when too short or malformed."""
    if not isinstance(prices, pd.DataFrame) or prices.shape[1] == 0:
        raise DataError("prices must be a wide DataFrame (dates x symbols)")
    frame = prices.astype(float).sort_index()
    frame.index = pd.DatetimeIndex(frame.index)
    if frame.index.has_duplicates:
        raise DataError("prices have duplicate dates")
    if len(frame) <= lookback + 1:
        raise DataError(
            f"need more than lookback + 1 = {lookback + 1} price dates, got {len(frame)}"
        )
    return frame


def assemble(
    runs: Mapping[str, SchemeRun],
    methods: Sequence[str],
    factors: pd.DataFrame | None,
    config: WalkForwardConfig,
) -> Evaluation:
    """Return the Evaluation of finished runs (metrics computed from the net returns)."""
    net = pd.DataFrame({k: r.daily["net"] for k, r in runs.items()}).dropna(how="all")
    gross = pd.DataFrame({k: r.daily["gross"] for k, r in runs.items()}).reindex(net.index)
    turnover = pd.DataFrame({k: r.daily["turnover"] for k, r in runs.items()})
    shown = [x for x in methods]
    years = len(net) / m.TRADING_DAYS if len(net) else float("nan")
    table = metrics_table(net, turnover.sum() / years, factors, benchmark=net.get(BENCHMARK))
    weights = {k: _drop_empty_cash(runs[k].weights) for k in shown}
    return Evaluation(
        returns=net[shown],
        gross=gross[shown],
        turnover=turnover[shown],
        weights=weights,
        metrics=table.loc[shown],
        fallbacks={k: runs[k].fallbacks for k in shown},
        states={k: runs[k].state for k in runs},
        config=config,
    )


def _drop_empty_cash(weights: pd.DataFrame) -> pd.DataFrame:
    if CASH in weights and not (weights[CASH].abs() > 0).any():
        return weights.drop(columns=CASH)
    return weights


def metrics_table(
    returns: pd.DataFrame,
    turnover_annual: pd.Series,
    factors: pd.DataFrame | None,
    benchmark: pd.Series | None = None,
) -> pd.DataFrame:
    """Return schemes x METRIC_COLUMNS for daily net returns (dates x schemes)."""
    rf = factors["rf"] if factors is not None and "rf" in factors else None
    regress = _factor_stats(returns, factors)
    rows = {}
    for name in returns.columns:
        r = returns[name].dropna()
        dd = m.drawdown(r)
        growth = m.cagr(r)
        te, ir = (
            m.tracking(r, benchmark)
            if benchmark is not None and name != BENCHMARK
            else (0.0, np.nan)
        )
        rows[name] = {
            "cagr": growth,
            "volatility_annual": m.volatility(r),
            "sharpe": m.sharpe(r, rf),
            "sortino": m.sortino(r, rf),
            "max_drawdown": dd.depth,
            "calmar": growth / abs(dd.depth) if dd.depth < 0 else np.nan,
            "turnover_annual": float(turnover_annual.get(name, np.nan)),
            "hit_rate": m.hit_rate(r),
            **regress.get(name, {}),
            "var_95": m.value_at_risk(r),
            "cvar_95": m.conditional_var(r),
            "tracking_error": te,
            "information_ratio": ir,
            "psr": m.probabilistic_sharpe(r),
        }
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(m.METRIC_COLUMNS))


def _factor_stats(
    returns: pd.DataFrame, factors: pd.DataFrame | None
) -> dict[str, dict[str, float]]:
    """Return scheme -> beta_mkt (CAPM) and FF3 alpha/t on the dates shared with the factors."""
    empty = {"beta_mkt": np.nan, "alpha_ff3_annual": np.nan, "t_alpha_ff3": np.nan}
    if factors is None or returns.empty:
        return {k: dict(empty) for k in returns.columns}
    from pas.analytics.factors import factor_model

    try:
        capm = factor_model(returns, factors, model="capm").table
        ff3 = factor_model(returns, factors, model="ff3").table
    except DataError:  # too few dates shared with the factors
        return {k: dict(empty) for k in returns.columns}
    return {
        k: {
            "beta_mkt": float(capm.loc[k, "beta_mkt"]),
            "alpha_ff3_annual": float(ff3.loc[k, "alpha_annual"]),
            "t_alpha_ff3": float(ff3.loc[k, "t_alpha"]),
        }
        for k in returns.columns
    }
