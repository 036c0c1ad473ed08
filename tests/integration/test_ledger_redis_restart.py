"""A running `pas serve` whose Redis is killed and restarted empty, twice, under 8 writers.

Real services only: a `redis-server` of the test's own on a port of its own, a
fresh MariaDB database as the journal, the service as a process. Every write
answered 2xx must be in the journal and in the state afterwards; a write
answered 5xx (or not answered) is repeated with the same client id and ends
applied exactly once; `pas ledger verify` passes and a rebuild by a fresh
process gives the same state.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from pas.bootstrap import Container
from tests.conftest import make_settings
from tests.fakes.prices import store_prices

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.mysql]

PAS = str(Path(sys.executable).with_name("pas"))
PRICES = {"AAA": 50.0, "BBB": 20.0, "CCC": 125.0}
RUN_S = 24.0
KILLS_AT = (6.0, 14.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A redis-server of this test's own, killable with SIGKILL, started again empty."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, 10)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


def _wait_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@dataclass
class Outcomes:
    """What the writers were told, and how often they had to repeat themselves."""

    reserved: dict[str, int] = field(default_factory=dict)  # client id -> reservation id
    cancelled: set[int] = field(default_factory=set)
    filled_orders: list[dict[str, Any]] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _until_answered(
    call: Callable[[], httpx.Response], out: Outcomes, what: str, deadline: float
) -> httpx.Response:
    """Repeat `call` (the same request) while it answers 5xx or not at all."""
    while True:
        try:
            answer = call()
            if answer.status_code < 500:
                return answer
            reason = str(answer.status_code)
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        with out.lock:
            out.retries[f"{what} {reason}"] += 1
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never answered: {reason}")
        time.sleep(0.1)


def _reserver(base: str, sleeve: int, n: int, out: Outcomes, stop: float) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        i = 0
        while time.monotonic() < stop:
            i += 1
            cid = f"w{n}-{i}"
            order = {
                "sleeve": sleeve,
                "client_id": cid,
                "symbol": "AAA",
                "side": "buy",
                "qty": "1",
                "limit_price": "10",
            }
            answer = _until_answered(
                lambda o=order: http.post("/api/v1/ledger/reservations", json=o),
                out,
                "reserve",
                stop + 60,
            )
            assert answer.status_code in (200, 201), answer.text
            rid = int(answer.json()["id"])
            with out.lock:
                out.reserved[cid] = rid
            if i % 3 == 0:
                done = _until_answered(
                    lambda r=rid: http.post(f"/api/v1/ledger/reservations/{r}/cancel"),
                    out,
                    "cancel",
                    stop + 60,
                )
                # 409 reservation_closed: an earlier try was applied and its answer lost
                assert done.status_code in (200, 409), done.text
                with out.lock:
                    out.cancelled.add(rid)


def _trader(base: str, strategy: int, sleeve: int, out: Outcomes, stop: float) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        while time.monotonic() < stop:
            money = {"to_sleeve": sleeve, "amount": "500"}
            with_cash = http.post("/api/v1/ledger/transfers", json=money)
            if with_cash.status_code >= 500:
                with out.lock:
                    out.retries["transfer (not repeated)"] += 1
            answer = _until_answered(
                lambda: http.post(f"/api/v1/strategies/{strategy}/rebalance"),
                out,
                "rebalance",
                stop + 60,
            )
            if answer.status_code == 200:
                filled = [o for o in answer.json()["orders"] if o["status"] == "filled"]
                with out.lock:
                    out.filled_orders.extend(filled)
            time.sleep(0.2)


@pytest.fixture
def service(tmp_path: Path, mysql_url: str) -> Iterator[tuple[str, RedisServer, dict[str, str]]]:
    redis = RedisServer(tmp_path)
    redis.start()
    env = {
        **os.environ,
        "PAS_DATABASE__URL": mysql_url,
        "PAS_REDIS__URL": f"redis://127.0.0.1:{redis.port}/0",
        "PAS_REDIS__PREFIX": "chaos",
        "PAS_AUTH__ENABLED": "false",
        "PAS_VAR_DIR": str(tmp_path / "var"),
        "PAS_LOG_LEVEL": "WARNING",
    }
    container = Container(make_settings(mysql_url, tmp_path))
    container.init_schema()
    store_prices(container, PRICES)
    container.close()
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([PAS, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_port(port, 60)
        yield base, redis, env
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
        if redis.proc is not None and redis.proc.poll() is None:
            redis.kill()


def test_acknowledged_writes_survive_redis_restarting_empty_twice(
    service: tuple[str, RedisServer, dict[str, str]], tmp_path: Path
) -> None:
    base, redis, env = service
    http = httpx.Client(base_url=base, timeout=30)
    chaos = http.post("/api/v1/ledger/sleeves", json={"name": "chaos", "cash": "1000000"})
    assert chaos.status_code == 201, chaos.text
    strategies = []
    for name in ("s1", "s2"):
        created = http.post(
            "/api/v1/strategies",
            json={
                "name": name,
                "universe": list(PRICES),
                "scheme": "equal_weight",
                "cash": "20000",
            },
        )
        assert created.status_code == 201, created.text
        strategies.append((created.json()["id"], created.json()["sleeve_id"]))
    out = Outcomes()
    stop = time.monotonic() + RUN_S
    threads = [
        threading.Thread(target=_reserver, args=(base, chaos.json()["id"], n, out, stop))
        for n in range(6)
    ] + [threading.Thread(target=_trader, args=(base, s, sl, out, stop)) for s, sl in strategies]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for at in KILLS_AT:
        time.sleep(max(0.0, started + at - time.monotonic()))
        redis.kill()  # SIGKILL: everything in Redis is gone
        time.sleep(0.5)
        redis.start()  # empty
    for thread in threads:
        thread.join(RUN_S + 120)
        assert not thread.is_alive()
    assert any(k.startswith("reserve ") for k in out.retries), out.retries  # the chaos was felt
    # a fill the broker made while Redis was down is in the order book, not yet in the
    # ledger: reconciliation applies it; afterwards ledger and broker agree, cash included
    recon = http.post("/api/v1/reconciliation/run")
    assert recon.status_code == 200
    left = [  # the writers' own reservations have no broker order, by design
        d
        for d in recon.json()["differences"]
        if not (d["kind"] == "reservation_without_order" and d["detail"].startswith("w"))
    ]
    assert left == [], left

    events = _all_events(http)
    reserved = Counter(e["data"]["client_id"] for e in events if e["kind"] == "reserved")
    assert all(reserved[cid] == 1 for cid in out.reserved), "an acknowledged reservation is lost"
    assert max(reserved.values()) == 1  # and none twice
    by_id = {r["id"]: r for r in http.get("/api/v1/ledger/reservations").json()}
    for cid, rid in out.reserved.items():
        assert by_id[rid]["client_id"] == cid
    cancels = Counter(int(e["data"]["reservation"]) for e in events if e["kind"] == "cancelled")
    assert all(cancels[rid] == 1 and by_id[rid]["status"] == "cancelled" for rid in out.cancelled)
    executed = {int(e["data"]["reservation"]) for e in events if e["kind"] == "executed"}
    assert out.filled_orders and {o["reservation_id"] for o in out.filled_orders} <= executed
    assert {e["actor"] for e in events if e["kind"] == "executed"} == {"broker:paper"}
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert sum(e["kind"] == "rebuilt" for e in events) >= 2

    verify = subprocess.run([PAS, "ledger", "verify", "--json"], env=env, capture_output=True)
    assert verify.returncode == 0, verify.stdout.decode() + verify.stderr.decode()
    before = _state(http)
    rebuilt = subprocess.run([PAS, "ledger", "rebuild", "--json"], env=env, capture_output=True)
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()
    assert _state(http) == before  # a fresh process's rebuild: the same state
    http.close()


def _all_events(http: httpx.Client) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = http.get("/api/v1/ledger/events", params={"since": len(events), "limit": 10_000})
        assert page.status_code == 200, page.text
        if not page.json():
            return events
        events.extend(page.json())


def _state(http: httpx.Client) -> Any:
    sleeves = http.get("/api/v1/ledger/sleeves").json()
    for s in sleeves:
        for p in s["positions"]:  # valued at prices, which do not move here
            p.pop("price", None)
    return sleeves, http.get("/api/v1/ledger/reservations").json()
