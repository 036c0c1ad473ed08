"""Jobs on the demo data: scheduled rebalances publish orders, metrics publish a summary."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pas.bootstrap import Container
from pas.core.events import Event
from pas.tasks.jobs import daily_metrics, rebalance_due, refresh_factors, refresh_prices, stale_data
from pas.workflows.strategies import StrategySpec, create_strategy

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ken_french"


@pytest.fixture
def events(demo_container: Container) -> list[Event]:
    seen: list[Event] = []
    demo_container.hub.add_listener(seen.append)
    return seen


def _strategy(c: Container, schedule: str | None) -> None:
    spec = StrategySpec(
        name="every-minute", universe=["AAPL", "JPM", "XOM", "PG"], scheme="min_variance",
        schedule=schedule, order={"min_trade_value": "100"}, cash="100000",
    )  # fmt: skip
    create_strategy(c.order_book, c.ledger, c.broker, spec, c.schemes())


def test_a_due_strategy_rebalances_once_per_slot_and_its_orders_are_published(
    demo_container: Container, events: list[Event]
) -> None:
    _strategy(demo_container, "* * * * *")
    # early in a minute, so that 5 s later is still the same slot
    now = dt.datetime.now(dt.UTC).replace(second=10, microsecond=0)
    outcome = rebalance_due(demo_container, now)
    fired = outcome.result["fired"]
    assert len(fired) == 1 and fired[0]["orders"] >= 3
    orders = [e.data for e in events if e.topic == "orders"]
    assert {o["event"] for o in orders} >= {"created", "fill"}
    assert {o["order"]["symbol"] for o in orders} <= {"AAPL", "JPM", "XOM", "PG"}
    ledger = [e.data for e in events if e.topic == "ledger"]
    assert [d["kind"] for d in ledger].count("executed") >= 3
    assert all(isinstance(d["seq"], int) for d in ledger)
    # the same slot again (a second updater, a rerun after a crash): nothing more
    assert rebalance_due(demo_container, now + dt.timedelta(seconds=5)).result["fired"] == []


def test_metrics_job_stores_and_publishes_the_summary(
    demo_container: Container, events: list[Event]
) -> None:
    _strategy(demo_container, None)
    outcome = daily_metrics(demo_container)
    assert outcome.status == "done" and outcome.result["sleeves"] == 2
    published = [e.data for e in events if e.topic == "metrics"]
    assert len(published) == 1 and published[0]["account"]["equity"] == "100000.00"
    assert published[0]["stale"] is True
    assert demo_container.metrics_store.latest()[0].sleeve_id == 0


def test_stale_data_warns(demo_container: Container, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"):
        outcome = stale_data(demo_container)
    assert outcome.result["stale"] is True
    assert any("stale data: prices end 2022-12-28" in r.getMessage() for r in caplog.records)


def test_prices_without_alpaca_is_nothing_to_do(container: Container) -> None:
    outcome = refresh_prices(container)
    assert outcome.status == "skipped" and "Alpaca is not configured" in outcome.message


@pytest.fixture
def factor_server() -> Iterator[str]:
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as z:
        z.writestr(
            "F-F_Research_Data_Factors_daily.CSV",
            (FIXTURES / "F-F_Research_Data_Factors_daily.CSV").read_bytes(),
        )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.endswith(".zip"):
                self.send_error(404)
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body.getvalue())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_factors_are_downloaded_and_upserted_idempotently(
    container: Container, factor_server: str
) -> None:
    container.settings.updater.factors_url = (
        f"{factor_server}/F-F_Research_Data_Factors_daily_CSV.zip"
    )
    first = refresh_factors(container)
    again = refresh_factors(container)
    assert first.status == again.status == "done" and first.result == again.result
    with container.uow() as uow:
        assert len(uow.factors.load("daily")) == first.result["rows"]
    container.settings.updater.factors_url = f"{factor_server}/missing"
    from pas.core.errors import DataError

    with pytest.raises(DataError, match="cannot download the factors"):
        refresh_factors(container)
