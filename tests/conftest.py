"""Shared fixtures: per-test SQLite, per-run MariaDB database and Redis prefix, app clients.

MariaDB and Redis default to 127.0.0.1 (override with PAS_TEST_MYSQL_URL and
PAS_TEST_REDIS_URL). When one is unreachable its tests skip, unless
PAS_REQUIRE_SERVICES=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pas.bootstrap import Container
from pas.config import Settings

MYSQL_URL = os.environ.get("PAS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("PAS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE = os.environ.get("PAS_REQUIRE_SERVICES") == "1"
RUN_ID = uuid.uuid4().hex[:8]


def unavailable(service: str, reason: str) -> None:
    """Skip (or, with PAS_REQUIRE_SERVICES=1, fail) a test whose service is down."""
    message = f"{service} unreachable: {reason}"
    if REQUIRE:
        pytest.fail(message + " (PAS_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def mysql_server_url() -> str:
    """Return the URL of the test MariaDB server (its `test` database)."""
    try:
        engine = create_engine(MYSQL_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        unavailable("MariaDB", f"{type(exc).__name__}: {exc}")
    return MYSQL_URL


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """Yield the URL of a new, empty MariaDB database `name`, dropped afterwards."""
    admin = create_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@pytest.fixture
def mysql_url(mysql_server_url: str) -> Iterator[str]:
    """Return the URL of a fresh, empty MariaDB database, dropped after the test."""
    with fresh_database(mysql_server_url, f"pas_t_{RUN_ID}_{uuid.uuid4().hex[:6]}") as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    """Return the URL of the test Redis server."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        unavailable("Redis", f"{type(exc).__name__}: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """Return a key prefix unique to this test; its keys are deleted afterwards."""
    import redis

    prefix = f"pastest:{RUN_ID}:{uuid.uuid4().hex[:6]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Return the URL of a fresh SQLite file database."""
    return f"sqlite:///{tmp_path / 'pas.db'}"


@pytest.fixture(params=["sqlite", "mysql"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Return a fresh database URL, once for SQLite and once for MariaDB."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("mysql_url"))


def make_settings(db_url: str, tmp_path: Path, **overrides: object) -> Settings:
    """Return settings on `db_url` with the var dir under tmp_path."""
    return Settings(database={"url": db_url}, var_dir=tmp_path / "var", **overrides)  # type: ignore[arg-type]


@pytest.fixture
def container(sqlite_url: str, tmp_path: Path) -> Iterator[Container]:
    """Return a container on a fresh, migrated SQLite database."""
    c = Container(make_settings(sqlite_url, tmp_path))
    c.init_schema()
    yield c
    c.close()


@pytest.fixture(scope="session")
def demo_batches():  # type: ignore[no-untyped-def]
    """Return the bundled demo (prices batch, factor batches), parsed once."""
    from pas.data.demo import demo_factors, demo_prices

    return demo_prices(), demo_factors()


@pytest.fixture
def demo_container(container: Container, demo_batches) -> Container:  # type: ignore[no-untyped-def]
    """Return a container whose SQLite database holds the demo data."""
    from pas.workflows.data import import_factors, import_prices

    prices, factors = demo_batches
    import_prices(container.uow(), prices)
    for fb in factors:
        import_factors(container.uow(), fb)
    return container


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep a developer's PAS_* variables and ./pas.yaml out of the tests."""
    for key in list(os.environ):
        if key.startswith("PAS_") and key not in (
            "PAS_REQUIRE_SERVICES",
            "PAS_TEST_MYSQL_URL",
            "PAS_TEST_REDIS_URL",
        ):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
