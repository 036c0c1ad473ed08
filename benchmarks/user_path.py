"""Speed where users wait: whole processes and HTTP requests as the dashboard makes them.

    PYTHONPATH=src python benchmarks/user_path.py [--only cli,http,load] [--quick] [--src DIR]

(a) cli:  whole processes, paired in one run (A, B, C, A, B, C ...): `pas --help`, and
          `pas allocate --prices F.csv` (max-Sharpe, historical mean, sample covariance, 756
          days) against a PyPortfolioOpt script and a skfolio script doing the same estimate
          and solve on the same file. Target: PAS >= 5x faster than the faster script.
(b) http: p50 and p95 of every read the dashboard makes and of POST /allocations (20 stocks),
          each beside /health in the same rounds, on a real `pas serve` over the demo data,
          on SQLite and on MariaDB + Redis. Target: reads p50 < 20 ms and p95 < 100 ms,
          POST /allocations p50 < 50 ms.
(c) load: 60 s at 200 requests/s, open loop (latency counted from the scheduled send time),
          on MariaDB + Redis: dashboard reads with 5% GET /evaluations, 5% POST /allocations
          and 10% ledger reservations; target 0 errors and p99 < 100 ms; then
          `pas ledger verify` must pass.

`--src DIR` runs the servers and the CLI from another checkout's `src` (for before/after
figures with the same interpreter and packages).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import pandas as pd

from user_path_server import RUN, Server, env_for, process_cpu, quantile, verify_ledger

SRC = Path(__file__).resolve().parents[1] / "src"
#: the universe of POST /allocations and of the CSV: the 20 demo stocks (the index left out)
STOCKS = sorted(
    pd.read_csv(SRC / "pas" / "data" / "demo" / "securities.csv").dropna(subset=["sector"])[
        "symbol"
    ]
)
#: name -> path of every read the dashboard makes (and a few more it may)
READS = {
    "health": "/health",
    "accounts": "/api/v1/ledger/account",
    "sleeves": "/api/v1/ledger/sleeves",
    "strategies": "/api/v1/strategies",
    "evaluations": "/api/v1/evaluations",
    "returns": "/api/v1/evaluations/max_sharpe/returns",
    "returns (columns)": "/api/v1/evaluations/max_sharpe/returns?format=columns",
    "weights": "/api/v1/evaluations/max_sharpe/weights",
    "allocations": "/api/v1/allocations?limit=50",
    "factors daily": "/api/v1/factors?frequency=daily",
    "factors daily (columns)": "/api/v1/factors?frequency=daily&format=columns",
    "metrics": "/api/v1/metrics",
    "orders": "/api/v1/orders",
    "securities": "/api/v1/securities",
    "prices AAPL": "/api/v1/prices?symbols=AAPL",
}
PYPFOPT = """
import json, sys
import pandas as pd
from pypfopt import EfficientFrontier, expected_returns, risk_models
prices = pd.read_csv(sys.argv[1], index_col=0, parse_dates=True).iloc[-757:]
mu = expected_returns.mean_historical_return(prices, compounding=False)
cov = risk_models.sample_cov(prices)
ef = EfficientFrontier(mu, cov)
ef.max_sharpe(risk_free_rate=0.0)
print(json.dumps(dict(ef.clean_weights(rounding=None))))
"""
SKFOLIO = """
import json, sys
import pandas as pd
from skfolio.optimization import MeanRisk, ObjectiveFunction
from skfolio.preprocessing import prices_to_returns
prices = pd.read_csv(sys.argv[1], index_col=0, parse_dates=True).iloc[-757:]
returns = prices_to_returns(prices)
model = MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_RATIO).fit(returns)
print(json.dumps(dict(zip(returns.columns, model.weights_.tolist()))))
"""


# (a) whole processes ---------------------------------------------------------------------


def cli(src: Path, rounds: int) -> None:
    """Print the paired process timings and the weights' agreement."""
    tmp = Path(tempfile.mkdtemp(prefix="pas-bench-"))
    from pas.data.demo import demo_prices

    wide = demo_prices().prices.pivot(index="date", columns="symbol", values="adj_close")
    path = tmp / "prices.csv"
    wide[STOCKS].dropna().to_csv(path)
    (tmp / "pypfopt_script.py").write_text(PYPFOPT)
    (tmp / "skfolio_script.py").write_text(SKFOLIO)
    env = env_for(src, PAS_VAR_DIR=str(tmp / "var"))
    flags = ["--method", "max_sharpe", "--expected-returns", "historical"]
    flags += ["--covariance", "sample", "--lookback", "756", "--json"]
    commands = {
        "pas --help": [sys.executable, "-m", "pas", "--help"],
        "pas allocate --prices": [
            sys.executable,
            "-m",
            "pas",
            "allocate",
            "--prices",
            str(path),
            *flags,
        ],
        "PyPortfolioOpt script": [sys.executable, str(tmp / "pypfopt_script.py"), str(path)],
        "skfolio script": [sys.executable, str(tmp / "skfolio_script.py"), str(path)],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    outputs: dict[str, str] = {}
    for _ in range(rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            times[name].append(time.perf_counter() - start)
            outputs[name] = done.stdout
    print(f"\n(a) whole processes, {rounds} paired rounds, {len(STOCKS)} stocks x 757 prices")
    for name, values in times.items():
        print(f"  {name:24s} median {statistics.median(values):6.3f} s   min {min(values):6.3f} s")
    pas_t = statistics.median(times["pas allocate --prices"])
    peer = min(statistics.median(times[k]) for k in ("PyPortfolioOpt script", "skfolio script"))
    print(f"  pas allocate vs the faster script: {peer / pas_t:.1f}x   (target >= 5x)")
    mine = json.loads(outputs["pas allocate --prices"])["weights"]
    for name in ("PyPortfolioOpt script", "skfolio script"):
        theirs = json.loads(outputs[name])
        gap = max(abs(float(mine.get(s, 0.0)) - float(theirs.get(s, 0.0))) for s in STOCKS)
        print(f"  weights vs {name}: max |difference| {gap:.2e}")


# (b) HTTP, one request at a time ---------------------------------------------------------


ALLOCATION = {"method": "max_sharpe", "universe": STOCKS}


def http(src: Path, rounds: int) -> None:
    """Print p50/p95 of every dashboard read and of POST /allocations on both backends."""
    for backend in ("sqlite", "mariadb+redis"):
        server = Server(src, backend)
        try:
            table = _rounds(server, rounds)
        finally:
            server.close()
        print(
            f"\n(b) HTTP on {backend}, {rounds} rounds, one request at a time, warm, gzip "
            f"accepted (set-up: {server.setup_seconds:.0f} s)"
        )
        print(
            f"  {'read':26s} {'p50 ms':>8s} {'p95 ms':>8s} {'KB sent':>8s} {'CPU ms':>7s}  status"
        )
        for name, (p50, p95, size, status, cpu) in table.items():
            print(f"  {name:26s} {p50:8.2f} {p95:8.2f} {size / 1024:8.1f} {cpu:7.2f}  {status}")
        print("  (CPU ms: the server process's CPU time per request, /proc, 20 in a row:")
        print("   what the request costs whatever the machine's load)")
        print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def _rounds(server: Server, rounds: int) -> dict[str, tuple[float, float, int, int, float]]:
    samples: dict[str, list[float]] = {name: [] for name in [*READS, "POST /allocations"]}
    last: dict[str, httpx.Response] = {}
    cpu: dict[str, float] = {}
    with httpx.Client(base_url=server.base, headers=server.headers, timeout=60) as client:

        def send(name: str) -> httpx.Response:
            if name == "POST /allocations":
                return client.post("/api/v1/allocations", json=ALLOCATION)
            return client.get(READS[name])

        for k in range(rounds + 3):  # three warm-up rounds
            for name in samples:
                start = time.perf_counter()
                last[name] = send(name)
                if k >= 3:
                    samples[name].append((time.perf_counter() - start) * 1000)
        for name in samples:
            before = process_cpu(server.process.pid)
            for _ in range(20):
                send(name)
            cpu[name] = (process_cpu(server.process.pid) - before) / 20 * 1000
    return {
        name: (
            quantile(v, 0.5),
            quantile(v, 0.95),
            last[name].num_bytes_downloaded,
            last[name].status_code,
            cpu[name],
        )
        for name, v in samples.items()
    }


# (c) mixed load ----------------------------------------------------------------------------

#: per 100 requests: what the mixed load sends
MIX = (
    ["evaluations"] * 5
    + ["POST /allocations"] * 5
    + ["reserve"] * 10
    + [
        "accounts",
        "sleeves",
        "strategies",
        "returns (columns)",
        "weights",
        "allocations",
        "factors daily (columns)",
        "orders",
        "securities",
        "health",
    ]
    * 8
)


def load(src: Path, rate: float, seconds: float) -> None:
    """Print the mixed load's latencies and errors, then verify the ledger."""
    server = Server(src, "mariadb+redis")
    try:
        result = asyncio.run(_load(server, rate, seconds))
        verify = verify_ledger(server.env)
    finally:
        server.close()
    total, errors, latencies, kinds = result
    print(
        f"\n(c) mixed load on MariaDB + Redis: {total} requests in {seconds:.0f} s at {rate:.0f}/s"
    )
    print(
        f"  all    p50 {quantile(latencies, 0.5):8.2f} ms   p99 {quantile(latencies, 0.99):8.2f} ms"
        f"   max {max(latencies):8.2f} ms   errors {len(errors)}   (target: 0 errors, p99 < 100 ms)"
    )
    for kind, values in sorted(kinds.items()):
        print(
            f"  {kind:26s} n {len(values):5d}   p50 {quantile(values, 0.5):8.2f} ms"
            f"   p99 {quantile(values, 0.99):8.2f} ms"
        )
    for what, count in Counter(errors).most_common(5):
        print(f"  error x{count}: {what}")
    state = "passes" if verify.returncode == 0 else f"FAILS: {verify.stdout[-300:]}"
    print(f"  pas ledger verify afterwards: {state}")
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


async def _load(
    server: Server, rate: float, seconds: float
) -> tuple[int, list[str], list[float], dict[str, list[float]]]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=server.base, headers=server.headers, limits=limits, timeout=30
    ) as client:
        sleeve = await client.post(
            "/api/v1/ledger/sleeves", json={"name": f"load-{RUN}", "cash": "2000000"}
        )
        sleeve.raise_for_status()
        body = {
            "sleeve": sleeve.json()["id"],
            "symbol": "AAPL",
            "side": "buy",
            "qty": "1",
            "limit_price": "100",
        }
        for kind in dict.fromkeys(MIX):  # warm: a dashboard's server has answered these before
            for _ in range(3):
                if kind == "POST /allocations":
                    await client.post("/api/v1/allocations", json=ALLOCATION)
                elif kind != "reserve":
                    await client.get(READS[kind])
        latencies: list[float] = []
        kinds: dict[str, list[float]] = {}
        errors: list[str] = []

        async def one(i: int, due: float) -> None:
            kind = MIX[(i * 37) % len(MIX)]
            if kind == "reserve":
                call = client.post(
                    "/api/v1/ledger/reservations", json={**body, "client_id": f"{RUN}-{i}"}
                )
            elif kind == "POST /allocations":
                call = client.post("/api/v1/allocations", json=ALLOCATION)
            else:
                call = client.get(READS[kind])
            try:
                answer = await call
                failed = answer.status_code >= 400
                what = f"{kind}: {answer.status_code} {answer.text[:120]}"
            except httpx.HTTPError as exc:
                failed, what = True, f"{kind}: {type(exc).__name__}"
            elapsed = (time.perf_counter() - due) * 1000
            latencies.append(elapsed)
            kinds.setdefault(kind, []).append(elapsed)
            if failed:
                errors.append(what)

        n = int(rate * seconds)
        start = time.perf_counter() + 0.5
        tasks = []
        for i in range(n):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
    return n, errors, latencies, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="cli,http,load", help="sections, comma-separated")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, 10 s of load")
    parser.add_argument("--src", type=Path, default=SRC, help="the src folder to measure")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s of the load")
    args = parser.parse_args()
    sections = set(args.only.split(","))
    print(
        f"load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; src {args.src}"
    )
    if "cli" in sections:
        cli(args.src, 3 if args.quick else 7)
    if "http" in sections:
        http(args.src, 15 if args.quick else 60)
    if "load" in sections:
        load(args.src, args.rate, 10 if args.quick else 60)


if __name__ == "__main__":
    main()
