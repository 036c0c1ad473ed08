"""Strategies, rebalancing, orders and reconciliation over HTTP (demo data, paper broker)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.service.conftest import auth

BODY = {
    "name": "growth",
    "universe": ["AAPL", "MSFT", "JNJ"],
    "scheme": "equal_weight",
    "params": {},
    "schedule": "30 15 * * 1-5",
    "order": {"min_trade_value": "100"},
    "cash": "100000",
}


def create(client: TestClient, key: str, **changes: Any) -> dict[str, Any]:
    r = client.post("/api/v1/strategies", json={**BODY, **changes}, headers=auth(key))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_strategy_crud_and_roles(client: TestClient, keys: dict[str, str]) -> None:
    viewer, trader = auth(keys["viewer"]), keys["trader"]
    assert client.post("/api/v1/strategies", json=BODY, headers=viewer).status_code == 403
    made = create(client, trader)
    assert made["name"] == "growth" and made["sleeve_id"] > 0
    assert client.get(f"/api/v1/strategies/{made['id']}", headers=viewer).json() == made
    assert [s["id"] for s in client.get("/api/v1/strategies", headers=viewer).json()] == [
        made["id"]
    ]
    again = client.post("/api/v1/strategies", json=BODY, headers=auth(trader))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    on_sleeve = create(client, trader, name="growth2", cash=None, sleeve_id=made["sleeve_id"])
    assert on_sleeve["sleeve_id"] == made["sleeve_id"]
    bad = client.post(
        "/api/v1/strategies", json={**BODY, "name": "x", "schedule": "soon"}, headers=auth(trader)
    )
    assert bad.status_code == 422
    gone = client.delete(f"/api/v1/strategies/{made['id']}", headers=auth(trader))
    assert gone.status_code == 200
    assert client.get(f"/api/v1/strategies/{made['id']}", headers=viewer).status_code == 404


def test_rebalance_orders_and_reconciliation(client: TestClient, keys: dict[str, str]) -> None:
    trader, viewer = auth(keys["trader"]), auth(keys["viewer"])
    s = create(client, keys["trader"])
    dry = client.post(f"/api/v1/strategies/{s['id']}/rebalance?dry_run=true", headers=trader)
    assert dry.status_code == 200 and dry.json()["orders"] == []
    planned = dry.json()["plan"]["orders"]
    assert {o["symbol"] for o in planned} == {"AAPL", "MSFT", "JNJ"}
    done = client.post(
        f"/api/v1/strategies/{s['id']}/rebalance?dry_run=false", headers=trader
    ).json()
    ids = [o["id"] for o in done["orders"]]
    assert [o["qty"] for o in done["orders"]] == [o["qty"] for o in planned]
    assert all(isinstance(i, int) for i in ids) and {o["status"] for o in done["orders"]} == {
        "filled"
    }
    listed = client.get(f"/api/v1/orders?strategy={s['id']}&status=filled", headers=viewer).json()
    assert sorted(o["id"] for o in listed) == sorted(ids)
    assert client.get("/api/v1/orders?status=open", headers=viewer).json() == []
    detail = client.get(f"/api/v1/orders/{ids[0]}", headers=viewer).json()
    assert detail["fills"] and detail["history"][-1]["status"] == "filled"
    assert (
        client.post(f"/api/v1/orders/{ids[0]}/cancel", headers=trader).json()["status"] == "filled"
    )
    report = client.post("/api/v1/reconciliation/run", headers=trader).json()
    assert report["ok"] is True and report["differences"] == []
    assert report["actor"].startswith("key:") and report["run_id"]
    last = client.get("/api/v1/reconciliation", headers=viewer)  # a viewer reads, runs nothing
    assert last.status_code == 200 and last.json() == report
    assert client.post("/api/v1/reconciliation/run", headers=viewer).status_code == 403


def test_bad_input(client: TestClient, keys: dict[str, str]) -> None:
    trader, viewer = auth(keys["trader"]), auth(keys["viewer"])
    unknown = client.post("/api/v1/strategies/999/rebalance", headers=trader)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/orders?strategy=999", headers=viewer).status_code == 404
    assert client.get("/api/v1/orders/999", headers=viewer).status_code == 404
    assert client.get("/api/v1/orders?status=lost", headers=viewer).status_code == 422
    broke = create(client, keys["trader"], name="broke", cash="0")
    r = client.post(f"/api/v1/strategies/{broke['id']}/rebalance", headers=trader)
    assert r.status_code == 409 and r.json()["error"]["code"] == "unfunded"
    details = r.json()["error"]["details"]
    assert details["available"] == "0.00" and float(details["shortfall"]) > 0
    body = {"name": "nope", "universe": ["AAPL", "NOPE"], "scheme": "max_sharpe", "cash": "1000"}
    r = client.post("/api/v1/strategies", json=body, headers=trader)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    assert (
        r.json()["error"]["details"]["symbols"] == ["NOPE"]
        and "NOPE" in r.json()["error"]["message"]
    )
    sleeves = client.get("/api/v1/ledger/sleeves", headers=viewer).json()
    assert "nope" not in {s["name"] for s in sleeves}  # no sleeve was funded for it


def test_deleting_a_strategy_with_open_orders(client: TestClient, keys: dict[str, str]) -> None:
    trader = auth(keys["trader"])
    resting = {"type": "limit", "limit_offset_bps": "-100"}  # buys 1% under the close: open
    s = create(client, keys["trader"], name="resting", order=resting)
    done = client.post(f"/api/v1/strategies/{s['id']}/rebalance", headers=trader).json()
    ids = sorted(o["id"] for o in done["orders"])
    assert ids and {o["status"] for o in done["orders"]} <= {"new", "accepted"}
    refused = client.delete(f"/api/v1/strategies/{s['id']}", headers=trader)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict" and str(ids[0]) in error["message"]
    assert sorted(o["id"] for o in error["details"]["orders"]) == ids
    gone = client.delete(f"/api/v1/strategies/{s['id']}?cancel_orders=true", headers=trader)
    assert gone.status_code == 200 and gone.json()["name"] == "resting"
    orders = client.get("/api/v1/orders?status=open", headers=auth(keys["viewer"])).json()
    assert orders == []
