"""A running `pas serve` whose Redis is killed and started again empty: the shape of the
answers while it is down, and recovery without a restart.

tests/integration/test_ledger_redis_restart.py proves no acknowledged ledger write
is lost under eight writers; this test checks what each client is told: a 503
with Retry-After and the JSON error body, without the driver's text, `/ready`
naming Redis within its timeout, `/health` at once, paths that need only the
database unaffected, and one log line for the outage and one for its end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.fault_tools import (
    RedisServer,
    assert_unavailable,
    fail_database,
    ok_or_unavailable,
    pas_env,
    prepare,
    serve,
    timed,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.mysql, pytest.mark.redis]

REDIS_CODES = ("ledger_unavailable", "redis_unavailable", "ledger_rebuilding")
FIGURES: dict[str, float] = {}


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(6410, tmp_path)
    server.start()
    yield server
    server.kill()


def _reserve(http: httpx.Client, sleeve: int, client_id: str) -> httpx.Response:
    order = {"sleeve": sleeve, "client_id": client_id, "symbol": "AAA", "side": "buy"}
    return http.post("/api/v1/ledger/reservations", json={**order, "qty": 1, "limit_price": 10})


def test_redis_down_answers_503_and_the_service_recovers_when_it_is_back(
    mysql_server_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with fail_database(mysql_server_url) as db_url:
        key = prepare(db_url, tmp_path)
        env = pas_env(
            tmp_path,
            database__url=db_url,
            redis__url=redis_server.url,
            redis__prefix="faults",
            redis__timeout_seconds="1.5",
            redis__connect_timeout_seconds="1",
        )
        with (
            serve(env, 8113, log) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60
            ) as http,
        ):
            created = http.post("/api/v1/ledger/sleeves", json={"name": "r", "cash": "100000"})
            assert created.status_code == 201, created.text
            sleeve = int(created.json()["id"])
            acknowledged = {}
            for i in range(5):
                answer = _reserve(http, sleeve, f"r-{i}")
                assert answer.status_code == 201, answer.text
                acknowledged[f"r-{i}"] = int(answer.json()["id"])

            redis_server.kill()
            took, write = timed(lambda: _reserve(http, sleeve, "r-down"))
            assert_unavailable(write, *REDIS_CODES)
            assert took < 3.0, took
            FIGURES["redis down: time to 503 (s)"] = took
            assert_unavailable(http.get("/api/v1/ledger/reservations"), *REDIS_CODES)
            assert http.get("/api/v1/keys").status_code == 200  # the database alone still serves
            took, ready = timed(lambda: http.get("/ready"))
            assert ready.status_code == 503 and ready.json()["down"] == ["redis"], ready.text
            assert took < 2.5, took
            health = [timed(lambda: http.get("/health"))[0] for _ in range(20)]
            # nothing waits on Redis; a loaded machine may delay one answer
            assert sorted(health)[len(health) // 2] < 0.1 and max(health) < 0.5, health
            FIGURES["redis down: slowest /health of 20 (s)"] = max(health)

            redis_server.start()  # empty: the ledger rebuilds its projection from the journal
            started = time.monotonic()
            while not ok_or_unavailable(answer := _reserve(http, sleeve, "r-down"), *REDIS_CODES):
                assert time.monotonic() - started < 30, answer.text
                time.sleep(0.1)
            FIGURES["redis back: recovery of writes (s)"] = time.monotonic() - started
            acknowledged["r-down"] = int(answer.json()["id"])
            wait_for(lambda: http.get("/ready").status_code == 200, 10, "ready again")
            listed = http.get("/api/v1/ledger/reservations", params={"sleeve": sleeve})
            assert listed.status_code == 200, listed.text
            assert {r["client_id"]: r["id"] for r in listed.json()} == acknowledged
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    assert text.count("Redis is unavailable") == 1, text[-3000:]
    assert text.count("Redis is available again") == 1, text[-3000:]


def teardown_module() -> None:
    """Print the figures measured (run with -s to see them)."""
    for name, value in FIGURES.items():
        print(f"{name}: {value:.3f}")
