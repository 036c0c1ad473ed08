"""Unit tests run on SQLite and in memory only; tests/integration repeats them on MariaDB/Redis."""

from __future__ import annotations

import pytest


@pytest.fixture
def any_db_url(sqlite_url: str) -> str:
    """Return a fresh SQLite database URL (tests/integration gives MariaDB)."""
    return sqlite_url


#: fixtures that reach the real servers: a test that uses one belongs in tests/integration
SERVICE_FIXTURES = frozenset({"mysql_url", "mysql_server_url", "redis_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse unit tests that need MariaDB or Redis (they run only in tests/integration)."""
    here = __file__.rsplit("/", 1)[0]
    for item in items:
        needs = SERVICE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if needs and str(item.path).startswith(here):
            raise pytest.UsageError(
                f"{item.nodeid} uses {sorted(needs)}: move it to tests/integration"
            )
