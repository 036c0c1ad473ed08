"""A running `pas serve` routing orders to a loopback Alpaca that times out, drops its
answers and fails with 5xx while four strategies rebalance at once: no order is placed
twice, every answer is a 2xx or a 503 with Retry-After (no driver text), and after
reconciliation the ledger holds exactly what the broker holds. Real MariaDB.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.alpaca_server import KEY_ID, SECRET, FakeAlpaca
from tests.fakes.alpaca_server import serve as serve_alpaca
from tests.integration.fault_tools import (
    PRICES,
    assert_unavailable,
    fail_database,
    ok_or_unavailable,
    pas_env,
    prepare,
    serve,
    timed,
)

pytestmark = [pytest.mark.slow, pytest.mark.mysql]

#: consumed one per order sent: "none" answers normally; three 500s in a row exhaust
#: the broker's attempts, so that order's outcome is unknown to the request
FAULTS = ["500", "500", "500", "hang", "drop", "502html", "none", "500", "hang", "drop"] * 2
STRATEGIES = 4


@pytest.fixture
def alpaca() -> Iterator[FakeAlpaca]:
    with serve_alpaca(port=8117) as fake:
        fake.trading.cash = Decimal("10000000")
        fake.trading.auto_fill.update({s: Decimal(str(p)) for s, p in PRICES.items()})
        fake.trading.hang_seconds = 1.5
        yield fake


def _until_ok(call: Any, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + 45
    while True:
        answer = call()
        if ok_or_unavailable(answer, "broker_unavailable", "database_unavailable"):
            return dict(answer.json())
        assert time.monotonic() < deadline, f"{what}: {answer.text}"
        time.sleep(0.2)


def _positions(http: httpx.Client, sleeve: int) -> dict[str, Decimal]:
    got = http.get(f"/api/v1/ledger/sleeves/{sleeve}")
    assert got.status_code == 200, got.text
    return {p["symbol"]: Decimal(p["qty"]) for p in got.json()["positions"] if Decimal(p["qty"])}


def test_broker_timeouts_and_5xx_under_load_place_no_order_twice(
    mysql_server_url: str, alpaca: FakeAlpaca, tmp_path: Path
) -> None:
    with fail_database(mysql_server_url) as db_url:
        key = prepare(db_url, tmp_path)
        env = pas_env(
            tmp_path,
            database__url=db_url,
            broker__kind="alpaca",
            alpaca__key_id=KEY_ID,
            alpaca__secret_key=SECRET,
            alpaca__url_override=alpaca.url,
            alpaca__timeout_seconds="1",
            updater__in_serve="off",
        )
        headers = {"Authorization": f"Bearer {key}"}
        with (
            serve(env, 8114, tmp_path / "serve.log") as base,
            httpx.Client(base_url=base, headers=headers, timeout=60) as http,
        ):
            strategies = []
            for n in range(STRATEGIES):
                spec = {"name": f"s{n}", "universe": list(PRICES), "scheme": "equal_weight"}
                made = http.post("/api/v1/strategies", json={**spec, "cash": "30000"})
                assert made.status_code == 201, made.text
                strategies.append((int(made.json()["id"]), int(made.json()["sleeve_id"])))
            alpaca.trading.faults.extend(FAULTS)

            def trade(strategy: int) -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=60) as mine:
                    for _ in range(2):  # the second finds the sleeve at (or on its way to) target
                        _until_ok(
                            lambda: mine.post(f"/api/v1/strategies/{strategy}/rebalance"),
                            f"rebalance {strategy}",
                        )

            traders = [threading.Thread(target=trade, args=(s,)) for s, _ in strategies]
            for trader in traders:
                trader.start()
            for trader in traders:
                trader.join(120)
            assert not alpaca.trading.faults, alpaca.trading.faults  # every fault was met
            _until_ok(lambda: http.post("/api/v1/reconciliation/run"), "reconcile")
            for strategy, _ in strategies:  # what an unknown outcome left undone
                _until_ok(lambda s=strategy: http.post(f"/api/v1/strategies/{s}/rebalance"), "")
            orders = list(alpaca.trading.orders.values())
            per_intent = Counter(
                (o["client_order_id"].split("-")[1], o["symbol"], o["side"]) for o in orders
            )
            assert max(per_intent.values()) == 1, per_intent  # no order placed twice
            broker: Counter[str] = Counter()
            for order in orders:
                broker[order["symbol"]] += Decimal(order["filled_qty"])
            ledger: Counter[str] = Counter()
            for _, sleeve in strategies:
                ledger.update(_positions(http, sleeve))
            assert ledger == broker and sum(broker.values()) > 0
            report = http.post("/api/v1/reconciliation/run")
            assert report.status_code == 200 and report.json()["differences"] == [], report.text


def test_an_unreachable_broker_answers_503_without_the_drivers_text(
    mysql_server_url: str, tmp_path: Path
) -> None:
    with fail_database(mysql_server_url) as db_url:
        key = prepare(db_url, tmp_path)
        env = pas_env(
            tmp_path,
            database__url=db_url,
            broker__kind="alpaca",
            alpaca__key_id=KEY_ID,
            alpaca__secret_key=SECRET,
            alpaca__url_override="http://127.0.0.1:8118",  # nothing listens there
            alpaca__timeout_seconds="1",
            updater__in_serve="off",
        )
        headers = {"Authorization": f"Bearer {key}"}
        with (
            serve(env, 8114, tmp_path / "serve.log") as base,
            httpx.Client(base_url=base, headers=headers, timeout=60) as http,
        ):
            took, answer = timed(lambda: http.get("/api/v1/ledger/account"))
            assert_unavailable(answer, "broker_unavailable")
            assert took < 5, took
            assert http.get("/ready").status_code == 200  # the broker is not the service's
