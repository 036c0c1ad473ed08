"""Ledger speed on the real Redis and MariaDB, side by side with the physical limits.

    PYTHONPATH=src python benchmarks/ledger.py [--quick]

(a) limits: redis-benchmark's EVALSHA rate for a reservation-like Lua script
    (read a hash, compare, two HINCRBYFLOAT, one XADD) and MariaDB's rate of
    single-row INSERT + COMMIT from one client;
(b) PAS durable reservations/s through the Python API (RedisLedger, journal on
    MariaDB) with 1 and 8 concurrent clients; target: 8 clients >= 3x (a)'s
    single-row commit rate, which only group commit can reach;
(c) p50/p99 latency of POST /api/v1/ledger/reservations at 200 requests/s
    (open loop, latency counted from the scheduled send time) against a real
    uvicorn server; target p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import create_engine, text

from pas.database.init_db import init_db
from pas.database.session import make_engine
from pas.ledger.lua import BENCH
from pas.ledger.redis_ledger import RedisLedger

MYSQL = os.environ.get("PAS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS = os.environ.get("PAS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN = uuid.uuid4().hex[:6]


def redis_evalsha_rate(requests: int) -> float:
    """Return redis-benchmark's EVALSHA requests/s for the reservation-like script."""
    client = redis.Redis.from_url(REDIS)
    keys = [f"pasbench:{RUN}:sleeve", f"pasbench:{RUN}:account", f"pasbench:{RUN}:events"]
    client.hset(keys[0], mapping={"cash": "1e15", "reserved": "0"})
    sha = client.script_load(BENCH)
    out = subprocess.run(
        ["redis-benchmark", "-n", str(requests), "-c", "50", "-q", "EVALSHA", sha, "3", *keys, "100.1"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    client.delete(*keys)
    client.close()
    found = re.findall(r"([\d.]+) requests per second", out)
    return float(found[-1])


def mysql_commit_rate(rows: int) -> float:
    """Return single-row INSERT + COMMIT per second from one MariaDB client."""
    name = f"pas_bench_{RUN}"
    admin = create_engine(MYSQL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    try:
        engine = create_engine(MYSQL.rsplit("/", 1)[0] + f"/{name}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (id BIGINT PRIMARY KEY, data TEXT) ENGINE=InnoDB"))
        raw = engine.raw_connection()  # the bare DBAPI: the physical limit, no ORM in the way
        cursor = raw.cursor()
        start = time.perf_counter()
        for i in range(rows):
            cursor.execute("INSERT INTO t VALUES (%s, %s)", (i, '{"amount":"100.1"}'))
            raw.commit()
        elapsed = time.perf_counter() - start
        raw.close()
        engine.dispose()
        return rows / elapsed
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE `{name}`"))
        admin.dispose()


def fresh_mysql() -> tuple[str, str]:
    """Return (database name, URL) of a new empty MariaDB database."""
    name = f"pas_bench_{RUN}_{uuid.uuid4().hex[:4]}"
    admin = create_engine(MYSQL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    admin.dispose()
    return name, MYSQL.rsplit("/", 1)[0] + f"/{name}"


def drop_mysql(name: str) -> None:
    admin = create_engine(MYSQL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    admin.dispose()


def drop_prefix(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"{prefix}:*", count=1000):
        client.delete(key)
    client.close()


def server_ticks() -> dict[str, int]:
    """Return CPU clock ticks (user + system) used so far by the local redis-server and mariadbd."""
    ticks = {}
    for name in ("redis-server", "mariadbd"):
        try:
            pid = subprocess.run(
                ["pidof", "-s", name], capture_output=True, text=True
            ).stdout.split()
            fields = Path(f"/proc/{pid[0]}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not on this machine (a remote server): nothing to count
        ticks[name] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def durable_rate(
    clients: int, total: int, ready: Any = None
) -> tuple[float, float, float, dict[str, float]]:
    """Return (durable reservations/s, reservations per commit, CPU µs per reservation in this
    process, CPU µs per reservation of the local servers by name). `ready()`, when given, runs
    between the set-up and the timed part (processes measured together wait there)."""
    name, url = fresh_mysql()
    prefix = f"pasbench:{RUN}:{clients}"
    engine = make_engine(url, pool_size=4)
    init_db(engine)
    client = redis.Redis.from_url(REDIS, socket_timeout=10)
    ledger = RedisLedger(client, engine, prefix, Decimal(10))
    try:
        sid = ledger.create_sleeve("bench", "1000000000", Decimal(10**10)).id
        per = total // clients

        def work(c: int) -> None:
            for i in range(per):
                ledger.reserve(sid, f"{c}-{i}", "AAPL", "buy", "1", "100")

        if ready is not None:
            ready()
        batches = ledger._committer.batches
        servers = server_ticks()
        start, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(work, range(clients)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        used = {k: v - servers[k] for k, v in server_ticks().items() if k in servers}
        commits = ledger._committer.batches - batches
        assert ledger.verify().ok
        n = per * clients
        tick = os.sysconf("SC_CLK_TCK")
        server_cpu = {k: v / tick / n * 1e6 for k, v in used.items()}
        return n / elapsed, n / max(commits, 1), cpu / n * 1e6, server_cpu
    finally:
        ledger.close()
        engine.dispose()
        client.close()
        drop_prefix(prefix)
        drop_mysql(name)


def _separate(clients: int, total: int, out: Any, start: Any) -> None:
    # a spawned process imports this module afresh: its RUN, hence its prefix and database,
    # are its own
    out.put(durable_rate(clients, total, start.wait)[0])


def separate_ledgers(processes: int, clients: int, total: int) -> float:
    """Return the summed durable reservations/s of `processes` independent ledgers (own prefix,
    own database) with `clients` threads each, run at the same time: what this machine gives
    when nothing at all is shared between the writers."""
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(processes)
    procs = [
        ctx.Process(target=_separate, args=(clients, total // processes, out, start))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    rates = [out.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    return sum(rates)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_latency(
    rate: float, seconds: float, workers: int = 1, auth: bool = True
) -> tuple[float, float, float, int]:
    """Return (p50 ms, p99 ms, max ms, errors) of POST /reservations at `rate` requests/s."""
    name, url = fresh_mysql()
    prefix = f"pasbench:{RUN}:http"
    port = free_port()
    env = {**os.environ, "PAS_DATABASE__URL": url, "PAS_REDIS__URL": REDIS, "PAS_REDIS__PREFIX": prefix,
           "PAS_SERVER__PORT": str(port), "PAS_LOG_LEVEL": "WARNING", "PAS_CONFIG": "",
           "PAS_AUTH__ENABLED": "true" if auth else "false"}  # fmt: skip
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    py = sys.executable
    subprocess.run([py, "-m", "pas", "init-db"], env=env, check=True, capture_output=True)
    # reservations name stored securities only: store the one the benchmark trades
    csv = Path(tempfile.mkdtemp()) / "aapl.csv"
    csv.write_text("date,AAPL\n2024-01-02,100\n")
    subprocess.run(
        [py, "-m", "pas", "data", "import-prices", str(csv)],
        env=env,
        check=True,
        capture_output=True,
    )
    key = subprocess.run([py, "-m", "pas", "keys", "create", "--role", "trader", "--json"],
                         env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip
    token = re.search(r'"key": "([^"]+)"', key).group(1)  # type: ignore[union-attr]
    server = subprocess.Popen(
        [py, "-m", "pas", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        return asyncio.run(_load(f"http://127.0.0.1:{port}", token, rate, seconds))
    finally:
        server.terminate()
        server.wait(10)
        drop_prefix(prefix)
        drop_mysql(name)


async def _load(
    base: str, token: str, rate: float, seconds: float
) -> tuple[float, float, float, int]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=10
    ) as client:
        for _ in range(100):
            try:
                if (await client.get("/api/v1/health")).status_code < 500:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        sleeve = await client.post(
            "/api/v1/ledger/sleeves", json={"name": "bench", "cash": "9000000"}
        )
        sid = sleeve.json()["id"]
        body = {"sleeve": sid, "symbol": "AAPL", "side": "buy", "qty": "1", "limit_price": "100"}
        for i in range(50):  # warm-up
            await client.post("/api/v1/ledger/reservations", json={**body, "client_id": f"w{i}"})
        latencies: list[float] = []
        errors = 0

        async def one(i: int, due: float) -> None:
            nonlocal errors
            answer = await client.post(
                "/api/v1/ledger/reservations", json={**body, "client_id": f"r{i}"}
            )
            latencies.append((time.perf_counter() - due) * 1000)
            errors += answer.status_code != 201

        n = int(rate * seconds)
        start = time.perf_counter()
        tasks = []
        for i in range(n):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
    q = statistics.quantiles(latencies, n=100)
    return q[49], q[98], max(latencies), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes for (c)")
    parser.add_argument("--rates", default="100,200", help="request rates for (c), comma-separated")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0
    evalsha = redis_evalsha_rate(int(200_000 * scale))
    commit = mysql_commit_rate(int(2_000 * scale))
    one, per_commit_1, cpu_1, _ = durable_rate(1, int(2_000 * scale))
    eight, per_commit_8, cpu_8, servers_8 = durable_rate(8, int(8_000 * scale))
    apart = separate_ledgers(2, 4, int(8_000 * scale))
    rates = [float(r) for r in args.rates.split(",")]
    latency = {
        (auth, r): http_latency(r, 15 * scale, args.workers, auth)
        for auth in (True, False)
        for r in rates
    }
    print("\n(a) physical limits")
    print(f"  redis-benchmark EVALSHA (reservation-like Lua, 50 conns) {evalsha:12,.0f} /s")
    print(f"  MariaDB single-row INSERT+COMMIT, one client            {commit:12,.0f} /s")
    print("\n(b) PAS durable reservations (Redis Lua + MariaDB journal, group commit)")
    print(
        f"  1 client   {one:10,.0f} /s   {one / commit:5.2f}x MariaDB commit rate   {per_commit_1:5.1f} per commit"
        f"   {cpu_1:5.0f} µs CPU each"
    )
    print(
        f"  8 clients  {eight:10,.0f} /s   {eight / commit:5.2f}x MariaDB commit rate   {per_commit_8:5.1f} per commit"
        f"   {cpu_8:5.0f} µs CPU each   (target >= 3x)"
    )
    print(f"  8 clients use {eight / evalsha:6.1%} of Redis' EVALSHA rate")
    if servers_8:
        total_cpu = cpu_8 + sum(servers_8.values())
        parts = ", ".join(f"{k} {v:.0f} µs" for k, v in servers_8.items())
        cpus = os.cpu_count() or 1
        print(
            f"  CPU per durable reservation (8 clients): PAS {cpu_8:.0f} µs, {parts}: {total_cpu:.0f} µs"
            f" -> at most {cpus / total_cpu * 1e6:,.0f} /s on {cpus} CPUs, all busy"
        )
    print(
        f"  2 separate ledgers x 4 clients, in 2 processes (nothing shared): {apart:,.0f} /s"
        f"   {apart / commit:5.2f}x"
    )
    print(
        f"\n(c) POST /api/v1/ledger/reservations, open loop (uvicorn x{args.workers}, Redis + MariaDB)"
    )
    for (auth, rate), (p50, p99, worst, errors) in latency.items():
        print(
            f"  auth {'on ' if auth else 'off'} {rate:5.0f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms"
            f"   max {worst:7.2f} ms   non-201 {errors}   (target at 200/s: p99 < 20 ms)"
        )
    print(f"\nload average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
