"""Hostile and broken: trader fills, out-of-band fills, overflowing amounts, Redis out of reach."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.service.app import create_app
from pas.workflows.keys import create_key
from tests.conftest import make_settings
from tests.unit.service.conftest import auth

URL = "/api/v1/ledger"
HUGE = ["1e999999999", "1E+1000000", "9" * 400, "1000000001", "-1e999999999"]


@pytest.fixture(params=["embedded", "redis"])
def app(
    request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], Container]]:
    """Return a client on either backend, headers per role, and the container."""
    extra: dict[str, Any] = {}
    if request.param == "redis":
        url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        extra = {"redis": {"url": url, "prefix": prefix}}
    container = Container(make_settings(sqlite_url, tmp_path, **extra))
    container.init_schema()
    _securities(container)
    headers = {r: auth(create_key(container.uow(), r)[0]) for r in ("viewer", "trader", "admin")}
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client, headers, container


def _open_buy(client: TestClient, trader: dict[str, str]) -> tuple[int, int]:
    sid = client.post(f"{URL}/sleeves", json={"name": "a", "cash": "100000"}, headers=trader)
    assert sid.status_code == 201, sid.text
    order = {
        "sleeve": sid.json()["id"],
        "client_id": "b1",
        "symbol": "AAPL",
        "side": "buy",
        "qty": "10",
        "limit_price": "100",
    }
    res = client.post(f"{URL}/reservations", json=order, headers=trader)
    assert res.status_code == 201, res.text
    return sid.json()["id"], res.json()["id"]


def test_only_an_admin_enters_fills_with_a_reason_near_the_limit(app: Any) -> None:
    client, keys, container = app
    sid, rid = _open_buy(client, keys["trader"])
    before = client.get(f"{URL}/sleeves/{sid}", headers=keys["viewer"]).json()
    fill = f"{URL}/reservations/{rid}/executions"
    cheap = {"qty": "10", "price": "0.000001", "reason": "free shares"}
    assert client.post(fill, json=cheap, headers=keys["trader"]).status_code == 403
    no_reason = client.post(fill, json={"qty": "10", "price": "100"}, headers=keys["admin"])
    assert no_reason.status_code == 422
    far = client.post(fill, json=cheap, headers=keys["admin"])
    assert far.status_code == 422, far.text
    error = far.json()["error"]
    assert error["code"] == "fill_out_of_band"
    assert (error["details"]["low"], error["details"]["high"]) == ("90", "110")
    assert client.get(f"{URL}/sleeves/{sid}", headers=keys["viewer"]).json() == before
    ok = client.post(
        fill, json={"qty": "10", "price": "109.5", "reason": "desk"}, headers=keys["admin"]
    )
    assert ok.status_code == 201, ok.text
    events = client.get(f"{URL}/events", headers=keys["viewer"]).json()
    with container.uow() as uow:
        admin_id = next(k.id for k in uow.api_keys.list() if k.role == "admin")
    assert events[-1]["kind"] == "executed" and events[-1]["actor"] == f"key:{admin_id}"
    assert events[-1]["data"]["reason"] == "desk"
    assert {e["actor"] for e in events[:-1]} == {events[0]["actor"]}  # the trader's key
    assert container.ledger.verify().ok


@pytest.mark.parametrize("huge", HUGE)
def test_amounts_out_of_range_in_any_notation_are_422(app: Any, huge: str) -> None:
    client, keys, container = app
    sid, rid = _open_buy(client, keys["trader"])
    seq = container.ledger.seq()
    order = {
        "sleeve": sid,
        "client_id": f"x{len(huge)}",
        "symbol": "KO",
        "side": "buy",
        "qty": huge,
        "limit_price": "1",
    }
    answers = [
        client.post(f"{URL}/reservations", json=order, headers=keys["trader"]),
        client.post(f"{URL}/sleeves", json={"name": "z", "cash": huge}, headers=keys["trader"]),
        client.post(
            f"{URL}/transfers", json={"to_sleeve": sid, "amount": huge}, headers=keys["trader"]
        ),
        client.post(
            f"{URL}/reservations/{rid}/executions",
            json={"qty": huge, "price": "100", "reason": "r"},
            headers=keys["admin"],
        ),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] in ("invalid_amount", "invalid_input")
    assert container.ledger.seq() == seq  # nothing was written


def test_unreachable_redis_is_a_503_once_logged_and_keys_come_first(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prefix = f"down{uuid.uuid4().hex[:8]}"  # outages are remembered per store, per process
    settings = make_settings(
        sqlite_url, tmp_path, redis={"url": "redis://127.0.0.1:1/0", "prefix": prefix}
    )
    container = Container(settings)
    container.init_schema()
    _securities(container)
    key = auth(create_key(container.uow(), "trader")[0])
    caplog.set_level(logging.WARNING)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        assert client.get(f"{URL}/sleeves").status_code == 401  # no key: refused first
        answers = [client.get(f"{URL}/sleeves", headers=key) for _ in range(10)]
        answers.append(client.post(f"{URL}/sleeves", json={"name": "a"}, headers=key))
    for answer in answers:
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
        body = answer.json()["error"]
        assert body["code"] == "ledger_unavailable"
        assert "Error" not in body["message"] and "111" not in body["message"]  # no driver text
    # the ledger's own outage line (other parts, e.g. key revocations, say theirs once too)
    down = [
        r
        for r in caplog.records
        if r.name.startswith("pas.ledger") and "unavailable" in r.getMessage()
    ]
    assert len(down) == 1 and not any(r.exc_info for r in caplog.records)


def test_a_deleted_or_mangled_redis_key_is_reported_by_verify(
    app: Any, request: pytest.FixtureRequest
) -> None:
    client, keys, container = app
    if container.settings.redis.url is None:
        pytest.skip("Redis keys only")
    sid, rid = _open_buy(client, keys["trader"])
    ledger = container.ledger
    ledger.r.delete(f"{ledger.base}:sleeve:{sid}")
    ledger.r.hset(f"{ledger.base}:res:{rid}", "qty", "lots")
    report = ledger.verify()
    assert not report.ok
    assert f"sleeve {sid}: field 'name' is missing" in report.differences
    assert f"reservation {rid}: field 'qty' is missing or not an integer" in report.differences
    assert f"sleeves.{sid}: missing live (journal" in " ".join(report.differences)
    assert ledger.rebuild() > 0 and ledger.verify().ok  # the journal restores it


def _securities(container: Container) -> None:
    """Store the securities the tests trade (reservations of unknown symbols are refused)."""
    from pas.core.records import SecurityInfo

    with container.uow() as uow:
        uow.securities.upsert([SecurityInfo("AAPL"), SecurityInfo("KO")])
        uow.commit()
