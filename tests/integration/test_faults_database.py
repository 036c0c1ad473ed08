"""A running `pas serve` whose MariaDB fails: connections killed, the port closed, the
server hanging, and API keys kept for their grace while it is down. Real services only: a MariaDB database of the test's own, reached
directly or through a TCP proxy the test controls (tests/integration/tcp_proxy.py).

Every answer a client gets is a 2xx or a 503 with Retry-After and the JSON error
body (never a 500, never the driver's text), within the configured timeouts;
`/health` keeps answering at once and `/ready` within its own timeout; the
service recovers by itself; a write acknowledged is never lost and a write
repeated with its client id is applied once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.integration.fault_tools import (
    RedisServer,
    assert_unavailable,
    fail_database,
    ok_or_unavailable,
    outage_lines,
    pas_env,
    prepare,
    serve,
    through,
    timed,
    wait_for,
)
from tests.integration.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.mysql]

CONNECT_S, READ_S, READY_S = 1.0, 2.0, 2.0
#: the worst a request may take to fail: a pre-ping that reads nothing, then a
#: reconnect that is never greeted, then its statement (a little slack on a busy box)
BOUND_S = READ_S + CONNECT_S + READ_S + 1.5
DB_CODES = ("database_unavailable", "journal_unavailable")
FIGURES: dict[str, float] = {}


@pytest.fixture
def database(mysql_server_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Yield (URL, admin key) of a migrated database of this test's own."""
    with fail_database(mysql_server_url) as url:
        yield url, prepare(url, tmp_path)


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    return pas_env(
        tmp_path,
        database__url=db_url,
        database__connect_timeout_seconds=str(CONNECT_S),
        database__read_timeout_seconds=str(READ_S),
        database__write_timeout_seconds=str(READ_S),
        database__pool_timeout_seconds=str(READ_S),
        server__ready_timeout_seconds=str(READY_S),
        updater__in_serve="off",
    )


def _client(base: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)


def _reserve(http: httpx.Client, sleeve: int, client_id: str) -> httpx.Response:
    order = {"sleeve": sleeve, "client_id": client_id, "symbol": "AAA", "side": "buy"}
    return http.post("/api/v1/ledger/reservations", json={**order, "qty": 1, "limit_price": 10})


def _until_done(http: httpx.Client, sleeve: int, client_id: str) -> dict[str, Any]:
    """Repeat a reservation with its client id until it is answered 2xx."""
    deadline = time.monotonic() + 30
    while True:
        answer = _reserve(http, sleeve, client_id)
        if ok_or_unavailable(answer, *DB_CODES):
            return dict(answer.json())
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)


def _exactly_once(http: httpx.Client, sleeve: int, acknowledged: dict[str, int]) -> None:
    """Assert every acknowledged reservation is there, once, under its client id."""
    listed = http.get("/api/v1/ledger/reservations", params={"sleeve": sleeve})
    assert listed.status_code == 200, listed.text
    by_client = [r["client_id"] for r in listed.json()]
    assert sorted(by_client) == sorted(acknowledged), (by_client, acknowledged)
    assert {r["client_id"]: r["id"] for r in listed.json()} == acknowledged


def _sleeve(http: httpx.Client, name: str) -> int:
    created = http.post("/api/v1/ledger/sleeves", json={"name": name, "cash": "100000"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _kill_connections(server_url: str, database: str) -> int:
    """KILL every connection to `database` from a root connection; return how many."""
    admin = create_engine(server_url)
    try:
        with admin.connect() as conn:
            ids = conn.execute(
                text("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = :db"),
                {"db": database},
            ).scalars()
            killed = 0
            for conn_id in list(ids):
                conn.execute(text(f"KILL {int(conn_id)}"))
                killed += 1
        return killed
    finally:
        admin.dispose()


def test_killed_connections_answer_2xx_or_503_and_lose_nothing(
    database: tuple[str, str], mysql_server_url: str, tmp_path: Path
) -> None:
    db_url, key = database
    log = tmp_path / "serve.log"
    with serve(_env(tmp_path, db_url), 8110, log) as base, _client(base, key) as http:
        sleeve = _sleeve(http, "killed")
        acknowledged: dict[str, int] = {}
        unavailable = 0
        for round_ in range(3):
            assert _kill_connections(mysql_server_url, make_url(db_url).database or "") > 0
            for i in range(6):
                keys = http.get("/api/v1/keys")
                unavailable += not ok_or_unavailable(keys, "database_unavailable")
                client_id = f"k{round_}-{i}"
                first = _reserve(http, sleeve, client_id)
                unavailable += not ok_or_unavailable(first, *DB_CODES)
                acknowledged[client_id] = int(_until_done(http, sleeve, client_id)["id"])
        assert http.get("/api/v1/keys").status_code == 200
        _exactly_once(http, sleeve, acknowledged)
    FIGURES["killed: 503 answers of 36 requests"] = unavailable
    assert "Traceback" not in log.read_text(errors="replace")


def test_a_closed_port_answers_503_at_once_and_the_service_recovers(
    database: tuple[str, str], tmp_path: Path
) -> None:
    db_url, key = database
    server = make_url(db_url)
    log = tmp_path / "serve.log"
    with (
        TcpProxy(8115, (server.host or "127.0.0.1", server.port or 3306)) as proxy,
        serve(_env(tmp_path, through(db_url, 8115)), 8111, log) as base,
        _client(base, key) as http,
    ):
        sleeve = _sleeve(http, "closed")
        assert http.get("/api/v1/keys").status_code == 200
        proxy.close()
        took, answer = timed(lambda: http.get("/api/v1/keys"))
        assert_unavailable(answer, "database_unavailable")
        assert took < BOUND_S, took
        FIGURES["closed port: time to 503 (s)"] = took
        write = _reserve(http, sleeve, "c-1")
        assert_unavailable(write, *DB_CODES)
        time.sleep(5.5)  # the cached key verdict is stale now: the grace keeps it
        assert_unavailable(http.get("/api/v1/keys"), "database_unavailable")
        stranger = httpx.get(
            f"{base}/api/v1/keys", headers={"Authorization": "Bearer pas_not-a-key"}, timeout=30
        )
        assert_unavailable(stranger, "database_unavailable")  # unknown now, not 401
        took, ready = timed(lambda: http.get("/ready"))
        assert ready.status_code == 503 and ready.json()["down"] == ["database"], ready.text
        assert took < READY_S + 0.5, took
        proxy.open()
        recovered = wait_for(lambda: http.get("/api/v1/keys").status_code == 200, 30, "recovery")
        FIGURES["closed port: recovery after reopening (s)"] = recovered
        acknowledged = {"c-1": int(_until_done(http, sleeve, "c-1")["id"])}
        assert int(_until_done(http, sleeve, "c-1")["id"]) == acknowledged["c-1"]
        _exactly_once(http, sleeve, acknowledged)
        assert http.get("/ready").status_code == 200
    down, back = outage_lines(log, "the database")
    assert down == 1 and back >= 1, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text(errors="replace")


def test_a_hanging_database_answers_503_within_the_timeouts_and_health_stays_instant(
    database: tuple[str, str], tmp_path: Path
) -> None:
    db_url, key = database
    server = make_url(db_url)
    log = tmp_path / "serve.log"
    with (
        TcpProxy(8116, (server.host or "127.0.0.1", server.port or 3306)) as proxy,
        serve(_env(tmp_path, through(db_url, 8116)), 8112, log) as base,
        _client(base, key) as http,
    ):
        assert http.get("/api/v1/keys").status_code == 200  # the ledger is not built yet
        proxy.hang()
        stuck: list[tuple[float, httpx.Response]] = []
        lock = threading.Lock()

        def read(path: str) -> None:
            with _client(base, key) as mine:
                outcome = timed(lambda: mine.get(path))
            with lock:
                stuck.append(outcome)

        # half of them build the ledger (it replays the journal): off the event loop too
        paths = ["/api/v1/keys", "/api/v1/ledger/sleeves"] * 10
        readers = [threading.Thread(target=read, args=(path,)) for path in paths]
        for reader in readers:
            reader.start()
        time.sleep(1.0)  # the readers are all waiting on the database now
        health = [timed(lambda: http.get("/health"))[0] for _ in range(20)]
        took, ready = timed(lambda: http.get("/ready"))
        for reader in readers:
            reader.join(60)
        # the event loop never waits on the database; a loaded machine may delay one answer
        assert sorted(health)[len(health) // 2] < 0.1 and max(health) < 0.5, health
        assert ready.status_code == 503 and "database" in ready.json()["down"], ready.text
        assert took < READY_S + 0.5, took
        assert len(stuck) == len(paths)
        for took_read, answer in stuck:
            assert_unavailable(answer, *DB_CODES)
            assert took_read < BOUND_S, took_read
        FIGURES["hang: slowest of 20 reads to 503 (s)"] = max(t for t, _ in stuck)
        FIGURES["hang: slowest /health of 20 during it (s)"] = max(health)
        FIGURES["hang: /ready (s)"] = took
        proxy.resume()
        recovered = wait_for(lambda: http.get("/api/v1/keys").status_code == 200, 30, "recovery")
        FIGURES["hang: recovery after resuming (s)"] = recovered
        sleeve = _sleeve(http, "hang")
        acknowledged = {"h-1": int(_until_done(http, sleeve, "h-1")["id"])}
        assert int(_until_done(http, sleeve, "h-1")["id"]) == acknowledged["h-1"]
        _exactly_once(http, sleeve, acknowledged)
    down, back = outage_lines(log, "the database")
    assert down >= 1 and back >= 1, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text(errors="replace")


def teardown_module() -> None:
    """Print the figures measured (run with -s to see them)."""
    for name, value in FIGURES.items():
        print(f"{name}: {value:.3f}")


def test_cached_keys_keep_working_for_their_grace_while_the_database_is_down(
    database: tuple[str, str], tmp_path: Path
) -> None:
    db_url, key = database
    server = make_url(db_url)
    redis = RedisServer(6411, tmp_path)
    redis.start()
    env = _env(tmp_path, through(db_url, 8119))
    env.update(
        PAS_REDIS__URL=redis.url,
        PAS_SERVER__KEY_GRACE_SECONDS="4",
        PAS_AUTH__KEY_CACHE_SECONDS="1",
    )
    try:
        with (
            TcpProxy(8119, (server.host or "127.0.0.1", server.port or 3306)) as proxy,
            serve(env, 8110, tmp_path / "serve.log") as base,
            _client(base, key) as http,
        ):
            sleeve = _sleeve(http, "grace")
            made = _reserve(http, sleeve, "g-1")
            assert made.status_code == 201, made.text
            one = f"/api/v1/ledger/reservations/{made.json()['id']}"  # read from Redis alone
            assert http.get(one).status_code == 200
            verified = time.monotonic()  # the key's last confirmation by the database
            proxy.close()
            time.sleep(2.0)  # past the key cache's 1 s: the database is asked, and is down
            assert http.get(one).status_code == 200  # the grace keeps the key
            stranger = httpx.get(
                base + one, headers={"Authorization": "Bearer pas_not-a-key"}, timeout=30
            )
            assert_unavailable(stranger, "database_unavailable")  # unknown: 503, not 401
            time.sleep(max(0.0, verified + 1 + 4 + 0.5 - time.monotonic()))
            assert_unavailable(http.get(one), "database_unavailable")  # the grace is over
            proxy.open()
            wait_for(lambda: http.get(one).status_code == 200, 30, "the key confirmed again")
    finally:
        redis.kill()
