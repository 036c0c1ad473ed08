"""Benchmark: the rebalance planner's scaling, and submit latency of the two brokers.

Run from the repository root:
    PYTHONPATH=src:. python benchmarks/orders.py [--orders 200] [--repeat 3]

1. plan_rebalance on books of 20 / 500 / 2,000 symbols (half held, random
   targets), best of `--repeat`: time per symbol should not grow with the book.
2. `--orders` market orders submitted one by one to the paper broker (SQLite
   file, fills included) and through alpaca-py's real TradingClient to the
   loopback fake (HTTP, JSON, pydantic validation), per-order latency and ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from tests.fakes.alpaca_server import KEY_ID, SECRET, serve

from pas.analytics.rebalance import Book, OrderSettings, plan_rebalance
from pas.brokers.alpaca import AlpacaBroker, make_trading_client
from pas.brokers.paper import PaperBroker
from pas.core.orders import OrderRequest, OrderSide
from pas.database.init_db import init_db
from pas.database.repositories.paper_broker import SqlPaperStore
from pas.database.session import make_engine

D = Decimal


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """Return the best wall seconds of `repeat` calls."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def book(n: int, seed: int = 0) -> tuple[Book, dict[str, float], dict[str, Decimal]]:
    """Return a book of `n` symbols (half held), random targets and prices."""
    rng = np.random.default_rng(seed)
    symbols = [f"S{i:04d}" for i in range(n)]
    prices = {
        s: D(str(round(float(p), 2))) for s, p in zip(symbols, rng.uniform(5, 500, n), strict=True)
    }
    held = {
        s: D(int(q)) for s, q in zip(symbols[: n // 2], rng.integers(1, 200, n // 2), strict=True)
    }
    weights = rng.dirichlet(np.ones(n)) * 0.97
    targets = {s: float(w) for s, w in zip(symbols, weights, strict=True)}
    return Book(D("1000000"), D("1000000"), held), targets, prices


def planner(repeat: int) -> None:
    """Print planner timings by book size (cost per symbol should stay flat)."""
    print("planner: one plan_rebalance call per book size")
    print(f"{'symbols':>8} {'ms':>9} {'us/symbol':>10} {'orders':>7} {'deferred':>9}")
    settings = OrderSettings()
    for n in (20, 500, 2000):
        b, targets, prices = book(n)
        plan = plan_rebalance(b, targets, prices, settings)
        took = best_of(lambda b=b, t=targets, p=prices: plan_rebalance(b, t, p, settings), repeat)
        print(
            f"{n:>8} {took * 1e3:>9.2f} {took / n * 1e6:>10.1f} "
            f"{len(plan.orders):>7} {len(plan.deferred):>9}"
        )


def submit_latency(broker: Any, n: int, prefix: str) -> list[float]:
    """Return per-order submit latencies (seconds)."""
    out = []
    for i in range(n):
        request = OrderRequest(f"{prefix}-{i}", "AAA", OrderSide.buy, D(1))
        t0 = time.perf_counter()
        broker.submit(request)
        out.append(time.perf_counter() - t0)
    return out


def brokers(n: int) -> None:
    """Print submit latency of the paper broker and the Alpaca adapter on loopback."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'paper.db'}")
        init_db(engine)
        paper = PaperBroker(SqlPaperStore(engine), lambda s: {"AAA": D("50")}, D("1e9"))
        paper_lat = submit_latency(paper, n, "p")
        engine.dispose()
    with serve() as fake:
        fake.trading.auto_fill["AAA"] = D("50")
        client = make_trading_client(KEY_ID, SECRET, paper=True, url_override=fake.url, timeout=5)
        alpaca_lat = submit_latency(AlpacaBroker(client), n, "a")
    print(f"\nsubmit latency over {n} market orders (filled at once), ms")
    print(f"{'broker':>22} {'median':>8} {'p95':>8}")
    for name, lat in (("paper (SQLite)", paper_lat), ("alpaca-py -> loopback", alpaca_lat)):
        p95 = sorted(lat)[int(0.95 * len(lat)) - 1]
        print(f"{name:>22} {statistics.median(lat) * 1e3:>8.2f} {p95 * 1e3:>8.2f}")
    ratio = statistics.median(alpaca_lat) / statistics.median(paper_lat)
    print(f"alpaca loopback / paper (median): {ratio:.2f}")


def main() -> None:
    """Run both benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    planner(args.repeat)
    brokers(args.orders)


if __name__ == "__main__":
    main()
