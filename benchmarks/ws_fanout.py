"""Benchmark: broadcast to 1,000 WebSocket clients of one `pas serve` process on loopback.

Run from the repository root (Redis on 127.0.0.1:6379, or PAS_BENCH_REDIS_URL):
    PYTHONPATH=src:. .venv/bin/python benchmarks/ws_fanout.py [--clients 1000] [--seconds 10]
        [--rates 10,20,50,100,200] [--workers 4]

One server process (`pas serve`, auth off, Redis hub) serves every client. The
benchmark process publishes `metrics` events into the hub's Redis stream as the
updater or another worker would (each event carries its publish time `ts`);
`--workers` client processes hold the connections and record, for every
message, receive time minus `ts` (one clock: same host). Per rate: delivered
messages per second over all clients, p50/p99/max publish-to-receive latency,
clients dropped (4408). The client processes share the 2 cores with the server:
the latencies include their own queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

REDIS_URL = os.environ.get("PAS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
TARGET_P99_MS = 100.0


def _client_worker(url: str, count: int, ready: Any, results: Any, received: Any) -> None:
    """Hold `count` connections; return per-rate latencies (ms), counts and drops."""
    asyncio.run(_clients(url, count, ready, results, received))


async def _clients(url: str, count: int, ready: Any, results: Any, received: Any) -> None:
    from websockets.asyncio.client import connect

    latencies: dict[str, list[float]] = {}
    dropped = 0
    counted = [0]

    async def report() -> None:  # the main process waits for every message of a rate
        while True:
            await asyncio.sleep(0.2)
            with received.get_lock():
                received.value += counted[0]
            counted[0] = 0

    async def one() -> None:
        nonlocal dropped
        async with connect(url, max_queue=None, ping_interval=None) as ws:
            await ws.send(json.dumps({"op": "subscribe", "topics": ["metrics"]}))
            while json.loads(await ws.recv()).get("op") != "subscribed":
                pass
            ready.put(1)
            try:
                async for raw in ws:
                    now = time.time()
                    message = json.loads(raw)
                    data = message.get("data")
                    if data is None:
                        continue
                    if data.get("done"):
                        return
                    latencies.setdefault(data["rate"], []).append((now - message["ts"]) * 1000)
                    counted[0] += 1
            except Exception:
                dropped += 1

    reporter = asyncio.create_task(report())
    await asyncio.gather(*(one() for _ in range(count)))
    reporter.cancel()
    results.put({"latencies": latencies, "dropped": dropped})


def _serve(tmp: Path, prefix: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
    env.update(
        PAS_DATABASE__URL=f"sqlite:///{tmp / 'pas.db'}",
        PAS_REDIS__URL=REDIS_URL,
        PAS_REDIS__PREFIX=prefix,
        PAS_AUTH__ENABLED="false",
        PAS_LOG_LEVEL="WARNING",
        PAS_VAR_DIR=str(tmp / "var"),
    )
    pas = [sys.executable, "-m", "pas"]
    subprocess.run([*pas, "init-db"], env=env, check=True, capture_output=True)
    log = open(tmp / "serve.log", "wb")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen([*pas, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)


def _wait_ready(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("pas serve did not become ready")


def _cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _publish(hub: Any, rate: float, seconds: float) -> float:
    """Publish at `rate` events/s for `seconds`; return the measured wall time."""
    n = int(rate * seconds)
    start = time.perf_counter()
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        hub.publish("metrics", {"rate": str(rate), "i": i})
    hub.flush()
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print one table row per rate."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rates", default="10,20,50,100,200")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]

    import redis
    from tests.live_server import free_port

    from pas.realtime.redis_hub import RedisHub

    prefix = f"pasbench:{uuid.uuid4().hex[:8]}"
    port = free_port()
    tmp = Path(tempfile.mkdtemp())
    server = _serve(tmp, prefix, port)
    client = redis.Redis.from_url(REDIS_URL)
    hub = RedisHub(client, prefix, 1000)
    try:
        _wait_ready(port)
        ready, results, received = mp.Queue(), mp.Queue(), mp.Value("q", 0)
        share = [
            args.clients // args.workers + (i < args.clients % args.workers)
            for i in range(args.workers)
        ]
        url = f"ws://127.0.0.1:{port}/ws"
        procs = [
            mp.Process(target=_client_worker, args=(url, n, ready, results, received))
            for n in share
        ]
        for p in procs:
            p.start()
        for _ in range(args.clients):
            ready.get(timeout=300)
        print(f"{args.clients} clients connected; load {os.getloadavg()[0]:.2f}", flush=True)
        walls, cpu = {}, {}
        for rate in rates:
            before = (_cpu_seconds(server.pid), sum(_cpu_seconds(p.pid) for p in procs))
            expected = received.value + int(rate * args.seconds) * args.clients
            walls[str(rate)] = _publish(hub, rate, args.seconds)
            deadline = time.monotonic() + 300
            while received.value < expected and time.monotonic() < deadline:
                time.sleep(0.1)  # every message of this rate delivered before the next
            after = (_cpu_seconds(server.pid), sum(_cpu_seconds(p.pid) for p in procs))
            cpu[str(rate)] = (after[0] - before[0], after[1] - before[1])
        hub.publish("metrics", {"done": True})
        hub.flush()
        merged: dict[str, list[float]] = {}
        dropped = 0
        for _ in procs:
            part = results.get(timeout=600)
            dropped += part["dropped"]
            for rate, values in part["latencies"].items():
                merged.setdefault(rate, []).extend(values)
        for p in procs:
            p.join(timeout=60)
        _report(rates, merged, walls, cpu, args, dropped)
    finally:
        hub.close()
        server.terminate()
        server.wait(30)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def _report(
    rates: list[float],
    merged: dict[str, list[float]],
    walls: dict[str, float],
    cpu: dict[str, tuple[float, float]],
    args: Any,
    dropped: int,
) -> None:
    print(
        "\n| events/s published | delivered msgs/s | p50 ms | p99 ms | max ms | delivered / expected | server CPU µs/msg | clients CPU µs/msg |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    best = None
    for rate in rates:
        values = np.asarray(merged.get(str(rate), []))
        expected = int(rate * args.seconds) * args.clients
        if not len(values):
            print(f"| {rate:g} | 0 | - | - | - | 0 / {expected} |")
            continue
        p50, p99 = np.percentile(values, [50, 99])
        delivered = len(values) / walls[str(rate)]
        per = [c / len(values) * 1e6 for c in cpu[str(rate)]]
        print(
            f"| {rate:g} | {delivered:,.0f} | {p50:.1f} | {p99:.1f} | {values.max():.1f} "
            f"| {len(values):,} / {expected:,} | {per[0]:.0f} | {per[1]:.0f} |"
        )
        if p99 < TARGET_P99_MS and len(values) == expected:
            best = rate
    print(f"\nclients dropped (4408 or error): {dropped}")
    print(
        f"highest rate measured with every message delivered and p99 < {TARGET_P99_MS:g} ms: {best}"
    )


if __name__ == "__main__":
    main()
