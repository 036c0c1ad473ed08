"""The paper broker's unit suite (tests/unit/brokers/test_paper.py) on a MariaDB store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.brokers.test_paper import *  # noqa: F403
from tests.unit.brokers.test_paper import sql_store


@pytest.fixture
def store_factory(mysql_url: str) -> Iterator[Any]:
    """Return a function that opens the same MariaDB store again (a restart)."""
    yield from sql_store(mysql_url)
