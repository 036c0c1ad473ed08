"""Order life on MariaDB, and on the Redis ledger (the unit suite of tests/unit, repeated)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pas.bootstrap import Container
from pas.core.orders import OrderStatus
from pas.workflows.rebalance import rebalance
from pas.workflows.reconcile import reconcile
from tests.conftest import make_settings
from tests.fakes.prices import store_prices
from tests.unit.workflows.test_order_flow import *  # noqa: F403
from tests.unit.workflows.test_order_flow import PRICES, positions, strategy


@pytest.fixture
def any_db_url(mysql_url: str) -> str:
    """Return a fresh MariaDB database URL."""
    return mysql_url


def test_round_trip_on_the_redis_ledger(mysql_url: str, redis_prefix: str, tmp_path: Path) -> None:
    from tests.conftest import REDIS_URL

    c = Container(
        make_settings(mysql_url, tmp_path, redis={"url": REDIS_URL, "prefix": redis_prefix})
    )
    try:
        c.init_schema()
        store_prices(c, PRICES)
        assert type(c.ledger).__name__ == "RedisLedger"
        s = strategy(c)
        result = rebalance(c.order_desk, c.uow(), s, c.target_weights)
        assert {o.status for o in result.orders} == {OrderStatus.filled}
        assert positions(c) == {p.symbol: p.qty for p in c.broker.positions()}
        assert reconcile(c.order_desk).ok and c.ledger.verify().ok
    finally:
        c.close()
