"""Dependency outages answer 503 with Retry-After and the JSON error body, without the
driver's text, logged once per outage; /health touches nothing; /ready is bounded."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pymysql
import pytest
from fastapi.testclient import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc

from pas.bootstrap import Container
from pas.database.outage import database_outage, is_outage
from pas.realtime.redis_client import redis_outage
from pas.service.app import create_app
from pas.service.probes import Probe, run
from pas.service.routers.health import health
from tests.conftest import make_settings

DRIVER_TEXT = "Can't connect to MySQL server on 'db.internal'"


def _lost() -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT 1", {}, pymysql.err.OperationalError(2003, DRIVER_TEXT))


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> TestClient:
    """An app (auth off) with routes that fail the way a dependency outage does."""
    c = Container(make_settings(sqlite_url, tmp_path, auth={"enabled": False}))
    c.init_schema()
    app = create_app(c)

    @app.get("/boom/database")
    def database() -> None:
        raise _lost()

    @app.get("/boom/redis")
    def redis() -> None:
        raise RedisConnectionError("Error 111 connecting to 10.1.2.3:6379. Connection refused.")

    @app.get("/boom/integrity")
    def integrity() -> None:
        raise sa_exc.IntegrityError("INSERT", {}, pymysql.err.IntegrityError(1062, "Duplicate"))

    database_outage().ok()
    redis_outage().ok()
    return TestClient(app, raise_server_exceptions=False)


def test_a_database_outage_is_a_503_with_retry_after_and_no_driver_text(
    client: TestClient,
) -> None:
    answer = client.get("/boom/database")
    assert answer.status_code == 503 and int(answer.headers["retry-after"]) >= 1
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert "db.internal" not in answer.text and "2003" not in answer.text


def test_a_redis_outage_is_a_503_with_retry_after_and_no_driver_text(client: TestClient) -> None:
    answer = client.get("/boom/redis")
    assert answer.status_code == 503 and int(answer.headers["retry-after"]) >= 1
    assert answer.json()["error"]["code"] == "redis_unavailable"
    assert "10.1.2.3" not in answer.text


def test_a_database_error_that_is_not_an_outage_stays_a_500(client: TestClient) -> None:
    answer = client.get("/boom/integrity")
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal_error"
    assert "Duplicate" not in answer.text


def test_an_outage_is_logged_once_and_its_end_once(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            client.get("/boom/database")
        database_outage().ok()
        database_outage().ok()
    lines = [r.getMessage() for r in caplog.records]
    assert lines.count("the database is unavailable: OperationalError") == 1, lines
    assert lines.count("the database is available again") == 1, lines
    assert not any(r.exc_info for r in caplog.records)  # no traceback per request


def test_health_is_a_coroutine_that_touches_nothing() -> None:
    assert inspect.iscoroutinefunction(health)  # runs on the event loop, not the thread pool


def test_ready_names_what_is_down(client: TestClient) -> None:
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["down"] == []


def test_ready_answers_within_its_timeout_and_never_piles_up_checks() -> None:
    started, release, calls = threading.Event(), threading.Event(), []

    def hang() -> None:
        calls.append(1)
        started.set()
        release.wait(10)

    probe = Probe("database", hang)
    for _ in range(3):
        began = time.monotonic()
        assert asyncio.run(run([probe], 0.2)) == {"database": "timeout"}
        assert time.monotonic() - began < 1.0
    release.set()
    probe.start().result(5)
    assert len(calls) == 1  # the later probes waited on the check under way
    probe.close()


def test_what_counts_as_a_database_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(sa_exc.OperationalError) as missing, engine.connect() as conn:
        conn.execute(text("SELECT * FROM nowhere"))
    assert not is_outage(missing.value)  # a wrong statement, not an outage
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5  # type: ignore[attr-defined]
    assert is_outage(sa_exc.OperationalError("INSERT", {}, locked))
    assert is_outage(_lost())
    assert is_outage(sa_exc.TimeoutError("QueuePool limit reached"))
    assert not is_outage(ValueError("x"))
    engine.dispose()
