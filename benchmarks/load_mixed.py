"""Mixed load at a fixed arrival rate: dashboard reads and ledger writes, open loop.

    python benchmarks/load_mixed.py [--rate 200] [--seconds 60] [--json]

A real `pas serve` on the demo data (benchmarks/user_path_server.py's set-up) on
MariaDB (a database of its own, `t_ops_load_...`) and a redis-server of its own
(ports 6450-6459; HTTP on 8150-8159). Requests leave on schedule, `rate` per
second, whatever the answers (open loop); a request's latency counts from its
scheduled time, so queueing anywhere (client pool, server, database) shows.

Per 20 requests: 15 reads the dashboard makes (account, sleeves, open
reservations, allocations, evaluations, a scheme's returns and weights, metrics
summary and exposures, strategies, orders, securities, jobs, ledger events) and
5 ledger writes through /api/v1/ledger: 3 reservations, 1 fill of an open one
(admin, the limit price), 1 cancel of an open one (a reservation when none is
open). Afterwards every acknowledged write (2xx) must be in the journal exactly
once and in the ledger's state, and `pas ledger verify` must pass.

A request the server sheds (503 `overloaded`: `server.max_in_flight` were in
progress; nothing of it ran) counts as `shed`, not as a 5xx error; `served`
is the latency of the 2xx answers alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from user_path_server import RUN, Server, pas, process_cpu, quantile, verify_ledger

SRC = Path(__file__).resolve().parents[1] / "src"
HTTP_PORTS = range(8150, 8160)
REDIS_PORTS = range(6450, 6460)
READS = {
    "account": "/api/v1/ledger/account",
    "sleeves": "/api/v1/ledger/sleeves",
    "open reservations": "/api/v1/ledger/reservations?status=open",
    "allocations": "/api/v1/allocations?method=max_sharpe&limit=1",
    "evaluations": "/api/v1/evaluations",
    "returns": "/api/v1/evaluations/max_sharpe/returns",
    "weights": "/api/v1/evaluations/max_sharpe/weights",
    "metrics summary": "/api/v1/metrics/summary",
    "metrics exposures": "/api/v1/metrics/exposures",
    "strategies": "/api/v1/strategies",
    "orders": "/api/v1/orders?limit=500",
    "securities": "/api/v1/securities",
    "jobs": "/api/v1/jobs",
    "ledger events": "/api/v1/ledger/events?since=0&limit=100",
    "account ": "/api/v1/ledger/account",  # the header reads it on every page
}
#: one cycle of 20 requests; request i sends MIX[(i * 7) % 20] (7 is prime to 20: spread out)
MIX = [*READS, "reserve", "reserve", "reserve", "execute", "cancel"]
WRITES = ("reserve", "execute", "cancel")


def _free(ports: range) -> int:
    for port in ports:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"every port in {ports.start}-{ports.stop - 1} is taken")


@contextmanager
def redis_server() -> Iterator[str]:
    """Run a redis-server of our own (no persistence); yield its URL."""
    port = _free(REDIS_PORTS)
    folder = tempfile.mkdtemp(prefix="pas-load-redis-")
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"redis-server did not start on {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Tally:
    """What the load sent, what came back, and which writes were acknowledged."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    served: list[float] = field(default_factory=list)  # ms, 2xx answers only
    statuses: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    open: list[tuple[int, str]] = field(default_factory=list)  # (reservation id, qty)
    reserved: dict[str, int] = field(default_factory=dict)  # client id -> reservation id
    executed: set[int] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)
    send_lag: list[float] = field(default_factory=list)  # ms from due time to sending
    unanswered_writes: int = 0
    last_answer: float = 0.0


#: the status recorded for a 503 `overloaded` (load shed by `server.max_in_flight`)
SHED = "shed"


def _shed(answer: httpx.Response) -> bool:
    if answer.status_code != 503:
        return False
    try:
        return bool(answer.json()["error"]["code"] == "overloaded")
    except (ValueError, KeyError, TypeError):
        return False


class Load:
    """Sends the mixed load to one server and keeps the tally."""

    def __init__(self, client: httpx.AsyncClient, sleeve: int, admin: dict[str, str]) -> None:
        self.client, self.sleeve, self.admin = client, sleeve, admin
        self.tally = Tally()

    def _request(self, kind: str, i: int) -> tuple[str, Any, int | None]:
        """Return (the kind actually sent, the call, the reservation it uses)."""
        if kind in ("execute", "cancel") and self.tally.open:
            rid, qty = self.tally.open.pop()
            if kind == "execute":
                body = {"qty": qty, "price": "100", "fee": "0.05", "reason": "load test fill"}
                url = f"/api/v1/ledger/reservations/{rid}/executions"
                return kind, self.client.post(url, json=body, headers=self.admin), rid
            return kind, self.client.post(f"/api/v1/ledger/reservations/{rid}/cancel"), rid
        if kind in WRITES:
            order = {"sleeve": self.sleeve, "client_id": f"load-{RUN}-{i}", "symbol": "AAPL"}
            order.update(side="buy", qty=str(1 + i % 3), limit_price="100")
            return "reserve", self.client.post("/api/v1/ledger/reservations", json=order), None
        return kind, self.client.get(READS[kind]), None

    async def one(self, i: int, due: float) -> None:
        """Send request i (scheduled at `due`) and record what became of it."""
        self.tally.send_lag.append((time.perf_counter() - due) * 1000)  # this process late?
        kind, call, rid = self._request(MIX[(i * 7) % len(MIX)], i)
        try:
            answer = await call
            status = SHED if _shed(answer) else str(answer.status_code)
        except httpx.HTTPError as exc:
            answer, status = None, type(exc).__name__
        now = time.perf_counter()
        t = self.tally
        t.last_answer = max(t.last_answer, now)
        t.latencies.setdefault(kind.strip(), []).append((now - due) * 1000)
        t.statuses[status] += 1
        if status == SHED:
            return  # refused before it ran: nothing applied, the client may repeat it
        if answer is not None and answer.status_code < 300:
            t.served.append((now - due) * 1000)
        if answer is None or answer.status_code >= 400:
            text = answer.text[:100] if answer is not None else ""
            t.failures[f"{kind.strip()} {status} {text}"] += 1
            if kind in WRITES and (answer is None or answer.status_code >= 500):
                t.unanswered_writes += 1  # applied or not: the verdict was not a 2xx
            return
        if kind == "reserve":
            body = answer.json()
            t.reserved[body["client_id"]] = int(body["id"])
            t.open.append((int(body["id"]), body["qty"]))
        elif kind == "execute" and rid is not None:
            t.executed.add(rid)
        elif kind == "cancel" and rid is not None:
            t.cancelled.add(rid)

    async def run(self, rate: float, seconds: float) -> float:
        """Send rate x seconds requests on schedule; return when the last answer came."""
        n = int(rate * seconds)
        start = time.perf_counter() + 0.2
        tasks = []
        for i in range(n):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(self.one(i, due)))
        await asyncio.gather(*tasks)
        return self.tally.last_answer - start


async def _events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = await client.get(
            "/api/v1/ledger/events", params={"since": len(events), "limit": 10_000}
        )
        page.raise_for_status()
        if not page.json():
            return events
        events.extend(page.json())


async def lost_writes(client: httpx.AsyncClient, tally: Tally) -> dict[str, int]:
    """Count acknowledged writes missing from the journal or the ledger (or journaled twice)."""
    events = await _events(client)
    reserved = Counter(e["data"]["client_id"] for e in events if e["kind"] == "reserved")
    executed = Counter(int(e["data"]["reservation"]) for e in events if e["kind"] == "executed")
    cancelled = Counter(int(e["data"]["reservation"]) for e in events if e["kind"] == "cancelled")
    state = {r["id"]: r for r in (await client.get("/api/v1/ledger/reservations")).json()}
    return {
        "reserve": sum(
            reserved[cid] != 1 or state.get(rid, {}).get("client_id") != cid
            for cid, rid in tally.reserved.items()
        ),
        "execute": sum(
            executed[rid] != 1 or state[rid]["status"] != "filled" for rid in tally.executed
        ),
        "cancel": sum(
            cancelled[rid] != 1 or state[rid]["status"] != "cancelled" for rid in tally.cancelled
        ),
        "journaled twice": sum(v > 1 for v in reserved.values()),
    }


async def _drive(server: Server, admin: str, rate: float, seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(
        base_url=server.base, headers=server.headers, limits=limits, timeout=30
    ) as client:
        made = await client.post(
            "/api/v1/ledger/sleeves", json={"name": f"load-{RUN}", "cash": "1000000"}
        )
        if made.status_code != 201:
            raise RuntimeError(f"cannot create the load's sleeve: {made.text}")
        load = Load(client, made.json()["id"], {"Authorization": f"Bearer {admin}"})
        for path in dict.fromkeys(READS.values()):  # warm: a dashboard has asked before
            await client.get(path)
        cpu_before = process_cpu(server.process.pid), process_cpu(os.getpid())
        elapsed = await load.run(rate, seconds)
        cpu = (
            process_cpu(server.process.pid) - cpu_before[0],
            process_cpu(os.getpid()) - cpu_before[1],
        )
        lost = await lost_writes(client, load.tally)
    return _report(load.tally, rate, seconds, elapsed, cpu, lost)


def _report(
    t: Tally,
    rate: float,
    seconds: float,
    elapsed: float,
    cpu: tuple[float, float],
    lost: dict[str, int],
) -> dict[str, Any]:
    every = [v for values in t.latencies.values() for v in values]
    answered = sum(n for s, n in t.statuses.items() if s.isdigit() or s == SHED)

    def stats(values: list[float]) -> dict[str, float]:
        return {
            "n": len(values),
            "p50_ms": round(quantile(values, 0.5), 2),
            "p99_ms": round(quantile(values, 0.99), 2),
            "max_ms": round(max(values), 2),
        }

    return {
        "rate": rate,
        "seconds": seconds,
        "sent": len(every),
        "answered": answered,
        "achieved_per_s": round(answered / elapsed, 1),
        "elapsed_s": round(elapsed, 2),
        "server_cpu_s": round(cpu[0], 1),
        "client_cpu_s": round(cpu[1], 1),
        "send_lag": stats(t.send_lag),
        "statuses": dict(sorted(t.statuses.items())),
        "errors": sum(n for s, n in t.statuses.items() if not s.startswith("2") and s != SHED),
        "server_errors_5xx": sum(n for s, n in t.statuses.items() if s.startswith("5")),
        "shed": t.statuses[SHED],
        "served_per_s": round(len(t.served) / elapsed, 1),
        "latency": stats(every),
        "latency_served": stats(t.served) if t.served else None,
        "by_kind": {k: stats(v) for k, v in sorted(t.latencies.items())},
        "acknowledged": {
            "reserve": len(t.reserved),
            "execute": len(t.executed),
            "cancel": len(t.cancelled),
        },
        "writes_without_a_2xx": t.unanswered_writes,
        "lost": lost,
        "failures": dict(t.failures.most_common(8)),
    }


def run(rate: float, seconds: float, src: Path = SRC) -> dict[str, Any]:
    """Start the services, send the load, verify the ledger; return the report."""
    load_before = os.getloadavg()
    with redis_server() as redis_url:
        server = Server(
            src,
            "mariadb+redis",
            port=_free(HTTP_PORTS),
            database_prefix="t_ops_load",
            redis_url=redis_url,
        )
        try:
            admin = json.loads(pas(server.env, "keys", "create", "--role", "admin", "--json"))
            pas(server.env, "updater", "--once", "metrics", "--json")  # what exposures read
            report = asyncio.run(_drive(server, admin["key"], rate, seconds))
            verify = verify_ledger(server.env)
        finally:
            server.close()
    report["verify_ok"] = verify.returncode == 0
    report["verify"] = verify.stdout[-400:] if verify.returncode else "ok"
    report["setup_s"] = round(server.setup_seconds, 1)
    report["load_average_before"] = [round(x, 2) for x in load_before]
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["cpus"] = os.cpu_count()
    return report


def _print(r: dict[str, Any]) -> None:
    lat = r["latency"]
    print(
        f"mixed load on MariaDB + Redis: {r['sent']} requests over {r['seconds']:.0f} s "
        f"offered at {r['rate']:.0f}/s; answered {r['answered']} at {r['achieved_per_s']}/s"
    )
    print(
        f"  all    p50 {lat['p50_ms']:8.2f} ms   p99 {lat['p99_ms']:8.2f} ms   "
        f"max {lat['max_ms']:8.2f} ms   errors {r['errors']} (5xx {r['server_errors_5xx']})"
    )
    served = r["latency_served"]
    if served:
        print(
            f"  served p50 {served['p50_ms']:8.2f} ms   p99 {served['p99_ms']:8.2f} ms   "
            f"{r['served_per_s']}/s 2xx; shed (503 overloaded) {r['shed']}"
        )
    for kind, s in r["by_kind"].items():
        print(f"  {kind:20s} n {s['n']:5d}   p50 {s['p50_ms']:8.2f} ms   p99 {s['p99_ms']:8.2f} ms")
    print(f"  statuses {r['statuses']}")
    print(f"  acknowledged writes {r['acknowledged']}; lost {r['lost']}")
    print(f"  writes answered 5xx or not at all: {r['writes_without_a_2xx']}")
    for what, n in r["failures"].items():
        print(f"  failure x{n}: {what}")
    lag = r["send_lag"]
    print(
        f"  CPU: server {r['server_cpu_s']} s, this client {r['client_cpu_s']} s, over "
        f"{r['elapsed_s']} s; the client sent late by p50 {lag['p50_ms']} ms, p99 {lag['p99_ms']} ms"
    )
    print(f"  pas ledger verify afterwards: {r['verify']}")
    print(
        f"  load average before {r['load_average_before']} after {r['load_average_after']} "
        f"on {r['cpus']} CPUs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to send")
    parser.add_argument("--src", type=Path, default=SRC, help="the src folder to run")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    report = run(args.rate, args.seconds, args.src)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    ok = (
        report["server_errors_5xx"] == 0
        and report["verify_ok"]
        and not any(report["lost"].values())
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
