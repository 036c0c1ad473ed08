"""The unit suites of the order book, the allocation history and the order flow, on MariaDB.

The tests are those of tests/unit (imported), with `any_db_url` a fresh
MariaDB database instead of SQLite.
"""

from __future__ import annotations

import pytest

from tests.unit.database.test_allocations_repository import *  # noqa: F403
from tests.unit.database.test_order_book import *  # noqa: F403


@pytest.fixture
def any_db_url(mysql_url: str) -> str:
    """Return a fresh MariaDB database URL."""
    return mysql_url
