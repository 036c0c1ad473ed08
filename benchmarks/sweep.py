"""Sweep throughput (runs/s): the local executor, worker processes, Dask with 1 and 2 workers.

The sweep: the full demo evaluation (20 stocks, 1990-2022, every scheme,
ff3 + Ledoit-Wolf with factors and sectors) over a grid of lookback x cost x
rebalance rule (8 runs by default), through the Python API `pas.workflows.sweep.sweep`
(no database: the walks are what an executor spreads). Each executor's time
is the wall time of the whole sweep, start-up included: the process pool is
spawned inside it (each worker imports PAS and receives the panel once); the
Dask cluster (a LocalCluster, processes, one thread per worker) is started
before the clock and the panel scattered inside it. The executors take
turns in each of `--rounds` rounds (the order rotated), so the machine's
other load hits them alike; the table shows each one's median and every
round. Every executor's returns are checked against the first sweep's.

    PYTHONPATH=src python benchmarks/sweep.py [--runs 8] [--rounds 3] [--only local,processes,dask1,dask2]
        [--store sqlite] [--store mysql+pymysql://root@127.0.0.1:3306/t_dask_bench]

With `--store`, the sweep also runs through `run_sweep` (the path of `pas
evaluate --sweep`: the panel read from the database, every run stored) on
the local executor; "start-up s" is then the demo data's load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from pas.compute.dask_cluster import DaskExecutor
from pas.compute.processes import ProcessExecutor
from pas.data.demo import demo_factors, demo_prices
from pas.workflows.sweep import Executor, LocalExecutor, sweep
from pas.workflows.sweep_file import SweepFile, parse_sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluation import demo  # the same demo data as the evaluation benchmark

GRID = {
    "lookback": [252, 504],
    "cost_bps": [5, 20],
    "rebalance": ["M", "Q"],
    "covariance": ["ledoit_wolf", "sample"],
}


def plan(runs: int) -> SweepFile:
    """Return a sweep of the first `runs` points of the grid (at most 16)."""
    grid: dict[str, list[Any]] = {}
    size = 1
    for key, values in GRID.items():
        if size >= runs:
            break
        grid[key] = values
        size *= len(values)
    if size != runs:
        raise SystemExit(f"--runs must be one of 1, 2, 4, 8, 16 (got {runs})")
    return parse_sweep({"name": "bench", "runs": [{"name": "demo"}], "grid": grid})


def uptime() -> str:
    """Return the machine's load averages as `uptime` prints them."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def timed(run: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    """Return (wall seconds, result) of one call."""
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


def executors(only: list[str], stack: ExitStack) -> list[tuple[str, float, Executor]]:
    """Return (name, start-up s, executor) of each executor asked for; clusters stay up."""
    out: list[tuple[str, float, Executor]] = [
        ("local (in-process, sequential)", 0.0, LocalExecutor())
    ]
    if "processes" in only:
        out.append(("processes (2, spawned in each sweep)", 0.0, ProcessExecutor(2)))
    for workers in (1, 2):
        if f"dask{workers}" not in only:
            continue
        from distributed import LocalCluster

        start = time.perf_counter()
        cluster = stack.enter_context(
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
        )
        executor = stack.enter_context(DaskExecutor(cluster.scheduler_address))
        boot = time.perf_counter() - start
        out.append((f"dask LocalCluster, {workers} worker(s)", boot, executor))
    return out


def stored(url: str | None, sweep_plan: SweepFile, executor: Executor) -> tuple[float, float]:
    """Return (seconds to load the demo data, seconds of `run_sweep`) into a fresh database.

    `url` None: a temporary SQLite file; else a database URL whose database is emptied first.
    """
    import tempfile

    from pas.bootstrap import Container
    from pas.config import Settings
    from pas.workflows.data import import_factors, import_prices
    from pas.workflows.sweep import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        db = url or f"sqlite:///{tmp}/bench.db"
        c = Container(Settings(database={"url": db}, var_dir=tmp))  # type: ignore[arg-type]
        try:
            if url is not None:
                _recreate(c)
            c.init_schema()
            start = time.perf_counter()
            import_prices(c.uow(), demo_prices())
            for batch in demo_factors():
                import_factors(c.uow(), batch)
            load = time.perf_counter() - start
            seconds, _ = timed(lambda: run_sweep(c.uow(), sweep_plan, executor))
        finally:
            c.close()
    return load, seconds


def _recreate(c: Any) -> None:
    """Drop and create the container's (MariaDB) database."""
    from sqlalchemy import create_engine, text

    url = c.engine.url
    server = create_engine(url.set(database=""))
    with server.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{url.database}`"))
        conn.execute(text(f"CREATE DATABASE `{url.database}`"))
    server.dispose()
    c.engine.dispose()


def largest_difference(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Return the largest absolute difference between two sweeps' daily returns."""
    return max(
        float(np.nanmax(np.abs(a[k].returns.to_numpy() - b[k].returns.to_numpy()))) for k in a
    )


def main() -> None:
    """Print the sweep's throughput per executor, with ratios to the local executor."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--only", default="local,processes,dask1,dask2")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, executors interleaved")
    parser.add_argument(
        "--store",
        action="append",
        default=[],
        metavar="URL",
        help="also time `run_sweep` (the CLI's path: stored runs) on this database: "
        "'sqlite' for a temporary file, or a mysql+pymysql:// URL (its database is recreated)",
    )
    args = parser.parse_args()
    prices, factors, sectors = demo()
    sweep_plan = plan(args.runs)
    only = args.only.split(",")

    def call(executor: Executor) -> dict[str, Any]:
        return sweep(prices, sweep_plan, factors=factors, sectors=sectors, executor=executor)

    print(
        f"sweep of {args.runs} runs: demo data {prices.shape[1]} stocks x {len(prices)} days, every scheme"
    )
    print(f"before: {uptime()}")
    with ExitStack() as stack:
        chosen = executors(only, stack)
        seconds: dict[str, list[float]] = {name: [] for name, _, _ in chosen}
        reference: dict[str, Any] = {}
        diffs: dict[str, float] = {name: 0.0 for name, _, _ in chosen}
        for r in range(args.rounds):
            order = chosen[r % len(chosen) :] + chosen[: r % len(chosen)]  # rotate: drift hits all
            for name, _, executor in order:
                took, out = timed(lambda executor=executor: call(executor))
                seconds[name].append(took)
                reference = reference or out
                diffs[name] = max(diffs[name], largest_difference(out, reference))
            print(f"round {r + 1}: {uptime()}")
    rows = [
        (name, boot, statistics.median(seconds[name]), diffs[name], seconds[name])
        for name, boot, _ in chosen
    ]
    local_s = rows[0][2]
    for url in args.store:
        load, took = stored(None if url == "sqlite" else url, sweep_plan, LocalExecutor())
        where = "SQLite" if url == "sqlite" else "MariaDB"
        rows.append((f"local + stored ({where}, run_sweep)", load, took, float("nan"), [took]))
    print(f"after:  {uptime()}")
    print(
        f"\n{'executor':<38}{'start-up s':>11}{'median s':>9}{'runs/s':>8}{'vs local':>9}", end=""
    )
    print(f"{'max |Δr|':>10}  every round (s)")
    for name, boot, median, diff, every in rows:
        print(
            f"{name:<38}{boot:>11.2f}{median:>9.2f}{args.runs / median:>8.3f}"
            f"{local_s / median:>8.2f}x{diff:>10.1e}  {', '.join(f'{x:.1f}' for x in every)}"
        )


if __name__ == "__main__":
    main()
