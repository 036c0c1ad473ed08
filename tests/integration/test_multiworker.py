"""`pas serve --workers 2` on MariaDB and a Redis of its own: two processes answer as one server.

Each worker names its pid in `X-PAS-Worker` (server.worker_header), so the
test knows where every connection landed and checks each behaviour across
the two processes: events, the ledger, revoked keys and cached reads.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import fresh_database
from tests.integration.processes import PAS, pas_env, run_pas, stop, wait_until
from tests.integration.test_realtime_cluster import admin_key

HTTP_PORTS = range(8140, 8150)
REDIS_PORTS = range(6440, 6450)
WORKERS = 2
HEADER = "x-pas-worker"


def own_port(ports: range) -> int:
    """Return the first port of `ports` nobody listens on."""
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"every port in {ports} is taken")


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Return the URL of a redis-server of this module's own (no persistence)."""
    tmp_path = tmp_path_factory.mktemp("redis")
    port = own_port(REDIS_PORTS)
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        wait_until(lambda: redis.Redis.from_url(url).ping(), 10, f"redis-server on {port}")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def deploy_db(mysql_server_url: str) -> Iterator[str]:
    """Return the URL of a fresh MariaDB database `t_deploy_...`, dropped afterwards."""
    with fresh_database(mysql_server_url, f"t_deploy_{uuid.uuid4().hex[:8]}") as url:
        yield url


@dataclass
class Server:
    url: str
    key: str
    env: dict[str, str]
    supervisor: int

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, deploy_db: str, own_redis: str
) -> Iterator[Server]:
    """Run `pas serve --workers 2` with an admin key; yield it once /ready answers.

    One server for the module (starting it costs most of the time); each test
    writes under names of its own.
    """
    tmp_path = tmp_path_factory.mktemp("serve")
    env = pas_env(
        tmp_path, database__url=deploy_db, redis__url=own_redis, server__worker_header="true"
    )
    key = admin_key(env, tmp_path)
    port = own_port(HTTP_PORTS)
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [*PAS, "serve", "--workers", str(WORKERS), "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: proc.poll() is None and httpx.get(f"{url}/ready").status_code == 200,
            120,
            f"pas serve --workers {WORKERS}",
        )
        yield Server(url, key, env, proc.pid)
    finally:
        stop(proc)
        assert proc.returncode == 0, log.read_text()[-3000:]


def per_worker(server: Server, key: str | None = None) -> dict[str, httpx.Client]:
    """Return one keep-alive client per worker: new connections until each pid answered."""
    found: dict[str, httpx.Client] = {}
    for _ in range(200):
        client = httpx.Client(base_url=server.url, headers=server.headers(key), timeout=60)
        pid = client.get("/health").headers[HEADER]
        if pid in found:
            client.close()
        else:
            found[pid] = client
        if len(found) == WORKERS:
            return found
    raise AssertionError(f"200 connections reached only the workers {sorted(found)}")


def test_several_workers_are_refused_on_sqlite_or_without_redis(tmp_path: Path) -> None:
    sqlite = pas_env(tmp_path, database__url=f"sqlite:///{tmp_path / 'pas.db'}")
    done = subprocess.run(
        [*PAS, "serve", "--workers", "2"], env=sqlite, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: 2 API workers need MariaDB")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.mysql
def test_several_workers_are_refused_without_redis(tmp_path: Path, deploy_db: str) -> None:
    env = pas_env(tmp_path, database__url=deploy_db)
    done = subprocess.run(
        [*PAS, "serve", "--workers", "3"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: 3 API workers need Redis")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.mysql
@pytest.mark.slow
def test_the_workers_are_separate_processes_of_one_server(server: Server) -> None:
    clients = per_worker(server)
    pids = {int(pid) for pid in clients}
    assert server.supervisor not in pids
    for client in clients.values():
        ready = client.get("/ready")
        assert ready.json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok"},
            "down": [],
        }
        client.close()


@pytest.mark.mysql
@pytest.mark.slow
def test_the_ledger_is_one_across_workers(server: Server, tmp_path: Path) -> None:
    # a reservation's symbol must be a known security
    prices = _prices_csv(tmp_path / "w.csv", [100.0], symbol="DEPLOYW")
    run_pas(server.env, tmp_path, "data", "import-prices", str(prices))
    clients = per_worker(server)
    sleeves = {}
    for pid, client in clients.items():
        made = client.post("/api/v1/ledger/sleeves", json={"name": f"w{pid}", "cash": "1000"})
        assert made.status_code == 201, made.text
        sleeves[pid] = made.json()["id"]
    reservation = {
        "sleeve": next(iter(sleeves.values())),
        "client_id": "deploy-1",
        "symbol": "DEPLOYW",
        "side": "buy",
        "qty": "2",
        "limit_price": "100",
    }
    answers = [c.post("/api/v1/ledger/reservations", json=reservation) for c in clients.values()]
    # the same client_id through the other worker is the same reservation, not a second one
    assert [a.status_code for a in answers] == [201, 200]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    views = [c.get("/api/v1/ledger/sleeves").json() for c in clients.values()]
    assert views[0] == views[1]
    assert {f"w{pid}" for pid in clients} <= {s["name"] for s in views[0]}
    for client in clients.values():
        client.close()


async def subscribed_per_worker(server: Server) -> dict[str, ClientConnection]:
    """Return one WebSocket per worker, authenticated and subscribed to `ledger`."""
    found: dict[str, ClientConnection] = {}
    for _ in range(200):
        ws = await connect(server.url.replace("http", "ws") + "/ws")
        pid = ws.response.headers[HEADER] if ws.response else ""
        if pid in found:
            await ws.close()
            continue
        await ws.send(json.dumps({"op": "auth", "token": server.key}))
        await ws.send(json.dumps({"op": "subscribe", "topics": ["ledger"]}))
        while json.loads(await asyncio.wait_for(ws.recv(), 30))["op"] != "subscribed":
            pass
        found[pid] = ws
        if len(found) == WORKERS:
            return found
    raise AssertionError(f"200 WebSocket connections reached only the workers {sorted(found)}")


async def sleeve_event(ws: ClientConnection, name: str) -> dict[str, Any]:
    """Return the ledger event of the sleeve `name` (fail after 30 s)."""

    async def read() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            data = message.get("data") or {}
            if message.get("topic") == "ledger" and data.get("data", {}).get("name") == name:
                return message

    return await asyncio.wait_for(read(), 30)


@pytest.mark.mysql
@pytest.mark.slow
def test_events_of_a_write_on_one_worker_reach_clients_of_every_worker(server: Server) -> None:
    clients = per_worker(server)

    async def scenario() -> None:
        sockets = await subscribed_per_worker(server)
        assert set(sockets) == set(clients)
        for writer, client in clients.items():
            made = await asyncio.to_thread(
                client.post, "/api/v1/ledger/sleeves", json={"name": f"by{writer}"}
            )
            assert made.status_code == 201 and made.headers[HEADER] == writer
            for ws in sockets.values():
                event = await sleeve_event(ws, f"by{writer}")
                assert event["data"]["kind"] == "sleeve_created"
        for ws in sockets.values():
            await ws.close()

    asyncio.run(scenario())
    for client in clients.values():
        client.close()


@pytest.mark.mysql
@pytest.mark.slow
def test_a_revoked_key_is_refused_by_every_worker_within_a_second(server: Server) -> None:
    admins = per_worker(server)
    made = next(iter(admins.values())).post("/api/v1/keys", json={"role": "viewer"}).json()
    viewers = per_worker(server, made["key"])
    for client in viewers.values():  # each worker now holds the key in its cache
        assert client.get("/api/v1/ledger/sleeves").status_code == 200
    revoker, revoking = next(iter(admins.items()))
    assert revoking.delete(f"/api/v1/keys/{made['id']}").status_code == 200
    revoked = time.monotonic()
    refused_after: dict[str, float] = {}
    while len(refused_after) < WORKERS and time.monotonic() - revoked < 5:
        for pid, client in viewers.items():
            if pid in refused_after:
                continue
            answer = client.get("/api/v1/ledger/sleeves")
            if answer.status_code == 401:
                refused_after[pid] = time.monotonic() - revoked
                assert answer.json()["error"]["code"]
            else:
                assert answer.status_code == 200, answer.text
        time.sleep(0.02)
    assert set(refused_after) == set(viewers)
    assert refused_after[revoker] < 0.5  # the revoking worker clears its cache at once
    assert max(refused_after.values()) < 1.0, refused_after
    for _ in range(10):  # and on any connection from then on
        with httpx.Client(base_url=server.url, headers=server.headers(made["key"])) as fresh:
            assert fresh.get("/api/v1/ledger/sleeves").status_code == 401
    for client in [*admins.values(), *viewers.values()]:
        client.close()


def _prices_csv(path: Path, closes: list[float], symbol: str = "DEPLOYX") -> Path:
    days = ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"][: len(closes)]
    path.write_text(
        f"date,{symbol}\n" + "".join(f"{d},{c}\n" for d, c in zip(days, closes, strict=True))
    )
    return path


@pytest.mark.mysql
@pytest.mark.slow
def test_cached_reads_change_on_every_worker_after_a_write(server: Server, tmp_path: Path) -> None:
    run_pas(
        server.env,
        tmp_path,
        "data",
        "import-prices",
        str(_prices_csv(tmp_path / "a.csv", [10, 11, 12])),
    )
    clients = per_worker(server)
    query = "/api/v1/prices?symbols=DEPLOYX"
    before = {}
    for pid, client in clients.items():
        first, again = client.get(query), client.get(query)
        assert first.status_code == again.status_code == 200
        assert first.headers["etag"] == again.headers["etag"]
        assert len(first.json()["rows"]) == 3
        before[pid] = first.headers["etag"]
    assert len(set(before.values())) == 1  # one answer, whichever worker built it
    # a write by another process (as the updater loads prices)
    run_pas(
        server.env,
        tmp_path,
        "data",
        "import-prices",
        str(_prices_csv(tmp_path / "b.csv", [10, 11, 12, 13])),
    )
    for pid, client in clients.items():
        after = client.get(query, headers={"If-None-Match": before[pid]})
        assert after.status_code == 200 and after.headers["etag"] != before[pid]
        assert [r["close"] for r in after.json()["rows"]][-1] == 13
        client.close()


@pytest.mark.mysql
@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_the_other_keeps_serving(server: Server) -> None:
    before = per_worker(server)
    victim, survivor = list(before)
    os.kill(int(victim), signal.SIGKILL)
    assert before[survivor].get("/api/v1/ledger/sleeves").status_code == 200

    def replaced() -> bool:
        clients = per_worker(server)  # fails while only the survivor answers
        for client in clients.values():
            client.close()
        return victim not in clients and survivor in clients

    wait_until(replaced, 60, "a new worker in place of the killed one")
    for client in per_worker(server).values():
        assert client.get("/api/v1/ledger/sleeves").status_code == 200
        client.close()
