"""HTTP: /api/v1/ledger on the embedded backend (demo prices) and on the real Redis."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from tests.unit.service.conftest import auth

URL = "/api/v1/ledger"


@pytest.fixture
def trader(keys: dict[str, str]) -> dict[str, str]:
    return auth(keys["trader"])


@pytest.fixture
def admin(keys: dict[str, str]) -> dict[str, str]:
    return auth(keys["admin"])


def _fill(qty: str, price: str, **over: str) -> dict[str, str]:
    return {"qty": qty, "price": price, "reason": "filled by phone with the desk", **over}


def _sleeve(
    client: TestClient, headers: dict[str, str], name: str = "alpha", cash: str = "100000"
) -> dict[str, Any]:
    answer = client.post(f"{URL}/sleeves", json={"name": name, "cash": cash}, headers=headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _order(sleeve: int, client_id: str = "o-1", **over: Any) -> dict[str, Any]:
    return {"sleeve": sleeve, "client_id": client_id, "symbol": "AAPL", "side": "buy", "qty": "10",
            "limit_price": "130", **over}  # fmt: skip


def test_roles_viewer_reads_trader_writes(client: TestClient, keys: dict[str, str]) -> None:
    body = {"name": "x", "cash": "1"}
    assert client.post(f"{URL}/sleeves", json=body).status_code == 401
    assert client.post(f"{URL}/sleeves", json=body, headers=auth(keys["viewer"])).status_code == 403
    assert client.post(f"{URL}/sleeves", json=body, headers=auth(keys["trader"])).status_code == 201
    listed = client.get(f"{URL}/sleeves", headers=auth(keys["viewer"]))
    assert listed.status_code == 200 and [s["name"] for s in listed.json()] == ["x"]


def test_create_sleeve_answers_its_state(client: TestClient, trader: dict[str, str]) -> None:
    s = _sleeve(client, trader, cash="2500.50")
    assert s == {"id": 1, "name": "alpha", "cash": "2500.5", "reserved": "0", "free_float": "2500.5",
                 "realized_pnl": "0", "positions": []}  # fmt: skip
    dup = client.post(f"{URL}/sleeves", json={"name": "alpha", "cash": "1"}, headers=trader)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_sleeve"
    too_much = client.post(f"{URL}/sleeves", json={"name": "b", "cash": "9997500"}, headers=trader)
    assert too_much.status_code == 409
    assert too_much.json()["error"]["details"]["available"] == "9997499.5"


def test_reservation_is_201_then_200_and_409_for_another_request(
    client: TestClient, trader: dict[str, str]
) -> None:
    sid = _sleeve(client, trader)["id"]
    first = client.post(f"{URL}/reservations", json=_order(sid), headers=trader)
    assert first.status_code == 201, first.text
    assert first.json()["reserved"] == "1301.3" and first.json()["status"] == "open"
    again = client.post(f"{URL}/reservations", json=_order(sid), headers=trader)
    assert again.status_code == 200 and again.json() == first.json()
    other = client.post(f"{URL}/reservations", json=_order(sid, qty="11"), headers=trader)
    assert other.status_code == 409 and other.json()["error"]["code"] == "duplicate_client_id"
    assert client.get(f"{URL}/sleeves/{sid}", headers=trader).json()["reserved"] == "1301.3"


def test_insufficient_free_float_and_position_are_409_with_needed_and_available(
    client: TestClient, trader: dict[str, str]
) -> None:
    sid = _sleeve(client, trader, cash="1000")["id"]
    buy = client.post(f"{URL}/reservations", json=_order(sid), headers=trader)
    assert buy.status_code == 409
    err = buy.json()["error"]
    assert err["code"] == "insufficient_free_float"
    assert (err["details"]["needed"], err["details"]["available"]) == ("1301.3", "1000")
    sell = client.post(f"{URL}/reservations", json=_order(sid, side="sell"), headers=trader)
    assert sell.status_code == 409 and sell.json()["error"]["code"] == "insufficient_position"
    assert sell.json()["error"]["details"]["needed"] == "10"


@pytest.mark.parametrize("bad", ["0", "-5", "NaN", "Infinity", "1.0000001", "ten"])
def test_bad_amounts_are_422(client: TestClient, trader: dict[str, str], bad: str) -> None:
    sid = _sleeve(client, trader)["id"]
    answer = client.post(f"{URL}/reservations", json=_order(sid, qty=bad), headers=trader)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] in ("invalid_amount", "invalid_input")
    transfer = client.post(
        f"{URL}/transfers", json={"to_sleeve": sid, "amount": bad}, headers=trader
    )
    assert transfer.status_code == 422


def test_unknown_ids_are_404(
    client: TestClient, trader: dict[str, str], admin: dict[str, str]
) -> None:
    assert client.get(f"{URL}/sleeves/7", headers=trader).status_code == 404
    assert client.post(f"{URL}/reservations", json=_order(7), headers=trader).status_code == 404
    fill = client.post(f"{URL}/reservations/9/executions", json=_fill("1", "1"), headers=admin)
    assert fill.status_code == 404 and fill.json()["error"]["code"] == "unknown_reservation"
    assert client.post(f"{URL}/reservations/9/cancel", headers=trader).status_code == 404


def test_fills_value_positions_at_the_latest_price(
    client: TestClient, trader: dict[str, str], admin: dict[str, str], demo_container: Container
) -> None:
    sid = _sleeve(client, trader)["id"]
    rid = client.post(f"{URL}/reservations", json=_order(sid), headers=trader).json()["id"]
    part = client.post(
        f"{URL}/reservations/{rid}/executions", json=_fill("4", "125.5", fee="1"), headers=admin
    )
    assert part.status_code == 201 and part.json()["amount"] == "503"
    over = client.post(
        f"{URL}/reservations/{rid}/executions", json=_fill("7", "125"), headers=admin
    )
    assert over.status_code == 409 and over.json()["error"]["code"] == "over_fill"
    assert over.json()["error"]["details"] == {"needed": "7", "available": "6", "reservation": rid}
    cancelled = client.post(f"{URL}/reservations/{rid}/cancel", headers=trader)
    assert cancelled.json()["status"] == "cancelled"
    state = client.get(f"{URL}/sleeves/{sid}", headers=trader).json()
    (pos,) = state["positions"]
    with demo_container.uow() as uow:
        price = Decimal(repr(round(uow.prices.latest(["AAPL"])["AAPL"][1], 6)))
    raw = pd.read_csv(Path(__file__).parents[3] / "src/pas/data/demo/prices_daily.csv.gz")
    assert float(price) == pytest.approx(float(raw["AAPL"].dropna().iloc[-1]), rel=1e-6)
    assert pos["avg_cost"] == "125.75" and pos["qty"] == "4"
    assert Decimal(pos["market_value"]) == (4 * price).quantize(Decimal("0.000001"))
    assert Decimal(pos["unrealized_pnl"]) == Decimal(pos["market_value"]) - 503
    assert state["cash"] == "99497" and state["reserved"] == "0"


def test_listing_transfers_and_events(client: TestClient, trader: dict[str, str]) -> None:
    a, b = _sleeve(client, trader, "a", "1000")["id"], _sleeve(client, trader, "b", "0")["id"]
    moved = client.post(
        f"{URL}/transfers", json={"from_sleeve": a, "to_sleeve": b, "amount": "250"}, headers=trader
    )
    assert moved.status_code == 200 and moved.json()["to"]["cash"] == "250"
    client.post(
        f"{URL}/reservations", json=_order(b, "r1", qty="1", limit_price="100"), headers=trader
    )
    r2 = client.post(
        f"{URL}/reservations", json=_order(b, "r2", qty="1", limit_price="100"), headers=trader
    )
    client.post(f"{URL}/reservations/{r2.json()['id']}/cancel", headers=trader)
    open_ = client.get(
        f"{URL}/reservations", params={"sleeve": b, "status": "open"}, headers=trader
    ).json()
    assert [r["client_id"] for r in open_] == ["r1"]
    assert len(client.get(f"{URL}/reservations", headers=trader).json()) == 2
    events = client.get(f"{URL}/events", params={"since": 3}, headers=trader).json()
    assert [(e["seq"], e["kind"]) for e in events] == [
        (4, "reserved"),
        (5, "reserved"),
        (6, "cancelled"),
    ]
    account = client.get(f"{URL}/account", headers=trader).json()
    assert account["cash"] == "1000" and account["unallocated"] == "9999000"
