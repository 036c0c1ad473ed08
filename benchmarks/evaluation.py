"""Walk-forward evaluation speed: the full demo evaluation, a max-Sharpe walk vs skfolio, a daily update.

(a) `pas.evaluate` on the demo data (20 stocks, 1990-2022, monthly, all nine
    schemes, ff3 + Ledoit-Wolf defaults with factors), with the time per
    rebalance per scheme (from an instrumented second run).
(b) Max-Sharpe walk-forward, 252 training days, 21 test days, historical mean
    + sample covariance, long-only, r_f = 0, on the demo prices: skfolio's
    `cross_val_predict(MeanRisk(MAXIMIZE_RATIO), cv=WalkForward(252, 21))`, a
    PyPortfolioOpt loop and PAS's walk (`rebalance="every:21"`, lookback 252,
    through the walk-forward engine: the allocation pipeline per fold, each solve
    warm-started from the previous fold's active set), side by side, with PAS's
    solver alone in a plain loop for scale; weights per fold vs an exact
    Clarabel solve (PAS's conic max-Sharpe, polished to the exact face).
(c) A daily update: every scheme extended by one day from stored states
    (`walk_all` from the states), on a day without and a day with a rebalance.

    PYTHONPATH=src python benchmarks/evaluation.py [--skip-peers] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.allocation import AllocationSpec
from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.solvers import max_sharpe, max_sharpe_conic
from pas.analytics.allocation.walkforward import EngineAllocator, SharedEstimates
from pas.analytics.comparison import ALL_METHODS, evaluate, walk_all
from pas.analytics.evaluation import Target, WalkForwardConfig
from pas.analytics.walker import walk_scheme
from pas.data.demo import demo_factors, demo_prices

TRAIN, TEST = 252, 21


def demo() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Return (prices of the 20 demo stocks, daily factors, sectors)."""
    batch = demo_prices()
    wide = batch.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide = wide.drop(columns="SP500")
    wide.index = pd.DatetimeIndex(wide.index)
    sectors = {s.symbol: s.sector for s in batch.securities if s.symbol in wide.columns}
    return wide, demo_factors()[0].factors, sectors


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Return (median seconds, the last result) of `repeats` calls."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


class TimedEngine(EngineAllocator):
    """The engine allocator, timing the shared estimates and each scheme's decisions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def bind(self, prices: pd.DataFrame, factors: pd.DataFrame | None, lookback: int) -> Any:
        """Return the bound allocator, wrapped to time its parts."""
        shared = SharedEstimates(self, prices, factors, lookback)

        def decide(method: str, i: int, current: np.ndarray, hist: Any) -> Target:
            start = time.perf_counter()
            if shared.row != i:
                for kind in ("max_sharpe", "strategic"):  # a risk-based scheme and another
                    shared.estimate(i, shared.spec(kind))
                self.seconds["(shared estimate per date)"] += time.perf_counter() - start
                self.calls["(shared estimate per date)"] += 1
                start = time.perf_counter()
            out = shared(method, i, current, hist)
            self.seconds[method] += time.perf_counter() - start
            self.calls[method] += 1
            return out

        return decide


def full_evaluation(repeats: int) -> None:
    """(a) The full demo evaluation, then the time per rebalance per scheme."""
    prices, factors, sectors = demo()
    seconds, ev = timed(lambda: evaluate(prices, factors=factors, sectors=sectors), repeats)
    rebalances = sum(len(w) for w in ev.weights.values())
    print(
        f"\n(a) full demo evaluation: {prices.shape[1]} stocks, {len(prices)} days, monthly, "
        f"{len(ALL_METHODS)} schemes, ff3 + ledoit_wolf: {seconds:.2f} s "
        f"(median of {repeats}; {rebalances} decisions; target < 5 s)"
    )
    hist_s, _ = timed(lambda: evaluate(prices, sectors=sectors), repeats)
    print(f"    without factors (historical + ledoit_wolf): {hist_s:.2f} s")
    engine = TimedEngine(sectors=sectors)
    config = WalkForwardConfig("M", 756, 10.0)
    start = time.perf_counter()
    walk_all(prices, list(ALL_METHODS), engine, config, factors=factors)
    total = time.perf_counter() - start
    print(f"    instrumented run {total:.2f} s; time per rebalance:")
    print(f"    {'scheme':<28}{'rebalances':>11}{'ms each':>10}{'total s':>9}")
    for name, secs in sorted(engine.seconds.items(), key=lambda kv: -kv[1]):
        n = engine.calls[name]
        print(f"    {name:<28}{n:>11}{1000 * secs / n:>10.3f}{secs:>9.3f}")


def folds(n_rows: int) -> list[tuple[int, int]]:
    """Return skfolio WalkForward(252, 21) folds as (first training row, first test row) of X."""
    return [(s, s + TRAIN) for s in range(0, n_rows - TRAIN - TEST + 1, TEST)]


def moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (historical mean, sample covariance), annualised, of a training block."""
    return x.mean(axis=0) * 252, np.cov(x, rowvar=False, ddof=1) * 252


def pas_walk(prices: pd.DataFrame) -> tuple[np.ndarray, list[tuple[pd.Timestamp, str]]]:
    """PAS: the max-Sharpe walk-forward (every 21 days, lookback 252); fold weights, fallbacks."""
    engine = EngineAllocator(
        spec=AllocationSpec(expected_returns="historical", covariance="sample")
    )
    config = WalkForwardConfig("every:21", TRAIN, 0.0)
    run = walk_scheme("max_sharpe", prices, engine, config)
    w = run.weights.reindex(columns=[str(c) for c in prices.columns]).fillna(0.0)
    return w.to_numpy(), list(run.fallbacks)


def skfolio_walk(x: pd.DataFrame) -> np.ndarray:
    """skfolio: cross_val_predict(MeanRisk(MAXIMIZE_RATIO), cv=WalkForward(252, 21))."""
    from skfolio.model_selection import WalkForward, cross_val_predict
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    model = MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_RATIO)
    pred = cross_val_predict(model, x, cv=WalkForward(train_size=TRAIN, test_size=TEST))
    return np.array([np.asarray(p.weights, dtype=float) for p in pred.portfolios])


def pypfopt_walk(x: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
    """PyPortfolioOpt: EfficientFrontier(mu, S).max_sharpe() per fold; NaN rows where it fails."""
    from pypfopt import EfficientFrontier

    values, out, failed = x.to_numpy(), [], []
    for k, (s, e) in enumerate(folds(len(x))):
        mu, cov = moments(values[s:e])
        try:
            w = EfficientFrontier(mu, cov).max_sharpe(risk_free_rate=0.0)
            out.append(np.array([w[i] for i in range(len(mu))], dtype=float))
        except Exception:  # a peer's failure is a result here
            out.append(np.full(len(mu), np.nan))
            failed.append(k)
    return np.array(out), failed


def exact_walk(x: pd.DataFrame) -> np.ndarray:
    """Clarabel on the homogenised max-Sharpe problem, polished to the exact face (NaN: degenerate)."""
    values = x.to_numpy()
    cons = build_constraints([str(c) for c in x.columns])
    out = []
    for s, e in folds(len(x)):
        mu, cov = moments(values[s:e])
        try:
            out.append(max_sharpe_conic(cov, mu, cons, exact=True)[0])
        except Exception:  # no positive excess return: no tangency
            out.append(np.full(len(mu), np.nan))
    return np.array(out)


def solver_loop(x: pd.DataFrame) -> np.ndarray:
    """PAS's max-Sharpe solver alone (cold), in a loop over the folds (moments included)."""
    values = x.to_numpy()
    cons = build_constraints([str(c) for c in x.columns])
    out = []
    for s, e in folds(len(x)):
        mu, cov = moments(values[s:e])
        try:
            out.append(max_sharpe(cov, mu, cons).weights)
        except Exception:  # no positive excess return: no tangency
            out.append(np.full(len(mu), np.nan))
    return np.array(out)


def walk_forward(repeats: int, peers: bool) -> None:
    """(b) Max-Sharpe walk-forward: PAS vs skfolio and PyPortfolioOpt, weights vs exact."""
    prices, _, _ = demo()
    x = prices.pct_change(fill_method=None).iloc[1:]
    n_folds = len(folds(len(x)))
    pas_s, (pas_w, fallbacks) = timed(lambda: pas_walk(prices), repeats)
    pas_w = pas_w[:n_folds]  # PAS also rebalances on the last, partial fold
    exact = exact_walk(x)
    ok = np.isfinite(exact).all(axis=1)
    print(
        f"\n(b) max-Sharpe walk-forward on the demo prices: {n_folds} folds of "
        f"{TRAIN} training / {TEST} test days, historical mean + sample covariance, long-only"
    )
    print(f"    {'library':<30}{'seconds':>9}{'x PAS':>8}  {'max|w - exact|':>15}  notes")
    dev = np.abs(pas_w[ok] - exact[ok]).max()
    note = f"{len(fallbacks)} fallbacks recorded" if fallbacks else "every fold solved"
    print(f"    {'PAS walk (every:21)':<30}{pas_s:>9.3f}{1.0:>8.1f}  {dev:>15.2e}  {note}")
    for when, why in fallbacks:
        print(f"      fallback {when.date()}: {why}")
    for label, loop, note in (
        ("PAS solver alone (a loop)", solver_loop, "moments + the box-QP solve, cold"),
    ):
        loop_s, loop_w = timed(partial(loop, x), repeats)
        loop_dev = np.nanmax(np.abs(loop_w[ok] - exact[ok]))
        print(f"    {label:<30}{loop_s:>9.3f}{loop_s / pas_s:>8.2f}  {loop_dev:>15.2e}  {note}")
    if not peers:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sk_s, sk_w = timed(lambda: skfolio_walk(x), 1)
            sk_dev = np.nanmax(np.abs(sk_w[ok] - exact[ok]))
            bad = int((~np.isfinite(sk_w).all(axis=1)).sum())
            agree = np.nanmax(np.abs(sk_w[ok] - pas_w[ok]))
            print(
                f"    {'skfolio cross_val_predict':<30}{sk_s:>9.3f}{sk_s / pas_s:>8.1f}  "
                f"{sk_dev:>15.2e}  max|w_pas - w_skfolio| {agree:.2e}; {bad} folds without weights"
            )
        except Exception as exc:
            print(f"    skfolio failed: {type(exc).__name__}: {exc}")
        py_s, (py_w, failed) = timed(lambda: pypfopt_walk(x), 1)
        py_dev = np.nanmax(np.abs(py_w[ok] - exact[ok]))
        dates = ", ".join(str(x.index[folds(len(x))[k][1] - 1].date()) for k in failed)
        print(
            f"    {'PyPortfolioOpt loop':<30}{py_s:>9.3f}{py_s / pas_s:>8.1f}  {py_dev:>15.2e}  "
            f"{len(failed)} folds failed{' (training ends ' + dates + ')' if failed else ''}"
        )
    print(f"    folds without a tangency portfolio (exact solve degenerate): {int((~ok).sum())}")


def daily_update(repeats: int) -> None:
    """(c) Every scheme extended by one new day from the stored states."""
    prices, factors, sectors = demo()
    engine = EngineAllocator(sectors=sectors)
    config = WalkForwardConfig("M", 756, 10.0)
    methods = list(ALL_METHODS)
    month = prices.index.year * 12 + prices.index.month
    starts = np.flatnonzero(np.diff(month) != 0) + 1
    print("\n(c) daily update: all nine schemes, one new day after a stored run")
    for label, stop in (("no rebalance", len(prices) - 1), ("a rebalance day", starts[-1])):
        stored = walk_all(prices.iloc[:stop], methods, engine, config, factors=factors)
        states = {k: r.state for k, r in stored.items()}
        histories = pd.DataFrame({k: r.daily["net"] for k, r in stored.items()})
        new = prices.iloc[: stop + 1]

        def update(new: pd.DataFrame = new, states: Any = states, hist: Any = histories) -> Any:
            return walk_all(
                new, methods, engine, config, factors=factors, states=states, histories=hist
            )

        seconds, runs = timed(update, repeats)
        made = sum(len(r.weights) for r in runs.values())
        print(
            f"    {prices.index[stop].date()} ({label}): {1000 * seconds:.1f} ms, "
            f"{made} rebalances (target < 1 s)"
        )


def main() -> None:
    """Run the three benchmarks and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    full_evaluation(args.repeats)
    walk_forward(args.repeats, not args.skip_peers)
    daily_update(args.repeats)


if __name__ == "__main__":
    main()
