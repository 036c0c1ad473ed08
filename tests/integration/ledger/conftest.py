"""Ledger backends for the contract suite: embedded and Redis, journals on SQLite and MariaDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from pas.database.init_db import init_db
from pas.database.session import make_engine
from pas.ledger.embedded import EmbeddedLedger
from pas.ledger.redis_ledger import RedisLedger

BPS = Decimal("10")
ACCOUNT = Decimal("10000000")


def open_ledger(
    kind: str, db_url: str, redis_url: str | None, prefix: str
) -> tuple[Any, Engine, Any]:
    """Return (ledger, engine, redis client or None) for a backend kind on a migrated database."""
    engine = make_engine(db_url, pool_size=20)
    init_db(engine)
    if kind == "embedded":
        return EmbeddedLedger(engine, prefix, BPS), engine, None
    import redis

    client = redis.Redis.from_url(redis_url or "", socket_timeout=10)
    return RedisLedger(client, engine, prefix, BPS), engine, client


@pytest.fixture
def ledger_factory(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[str, str], Any]]:
    """Return open(kind, db) -> ledger; everything opened is closed after the test."""
    opened: list[tuple[Any, Engine, Any]] = []
    urls: dict[str, str] = {}

    def open_(kind: str, db: str) -> Any:
        if db not in urls:
            urls[db] = request.getfixturevalue("sqlite_url" if db == "sqlite" else "mysql_url")
        redis_url = prefix = None
        if kind == "redis":
            redis_url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix") if kind == "redis" else "acct"
        item = open_ledger(kind, urls[db], redis_url, prefix)
        opened.append(item)
        return item[0]

    yield open_
    for ledger, engine, client in reversed(opened):
        ledger.close()
        engine.dispose()
        if client is not None:
            client.close()


BACKENDS = ["embedded-sqlite", "redis-sqlite", "redis-mysql", "embedded-mysql"]


@pytest.fixture(params=BACKENDS)
def ledger(request: pytest.FixtureRequest, ledger_factory: Callable[[str, str], Any]) -> Any:
    """Return a fresh ledger, once per backend and journal database."""
    kind, db = request.param.split("-")
    return ledger_factory(kind, db)


def funded(ledger: Any, cash: str = "100000", name: str = "alpha") -> int:
    """Create a sleeve with `cash` and return its id."""
    return int(ledger.create_sleeve(name, cash, ACCOUNT).id)
