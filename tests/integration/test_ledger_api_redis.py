"""HTTP: /api/v1/ledger on the Redis backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.core.records import SecurityInfo
from pas.service.app import create_app
from tests.conftest import make_settings
from tests.unit.service.test_ledger_api import URL, _order, _sleeve


@pytest.fixture
def redis_client_app(
    sqlite_url: str, tmp_path: Path, redis_url: str, redis_prefix: str
) -> Iterator[TestClient]:
    settings = make_settings(sqlite_url, tmp_path, auth={"enabled": False},
                             redis={"url": redis_url, "prefix": redis_prefix})  # fmt: skip
    container = Container(settings)
    container.init_schema()
    with container.uow() as uow:  # reservations name stored securities only
        uow.securities.upsert([SecurityInfo("AAPL")])
        uow.commit()
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client


def test_redis_backend_over_http(redis_client_app: TestClient) -> None:
    client = redis_client_app
    sid = _sleeve(client, {})["id"]
    assert client.post(f"{URL}/reservations", json=_order(sid), headers={}).status_code == 201
    assert client.post(f"{URL}/reservations", json=_order(sid), headers={}).status_code == 200
    assert (
        client.post(f"{URL}/reservations", json=_order(sid, qty="2"), headers={}).status_code == 409
    )
    big = client.post(f"{URL}/reservations", json=_order(sid, "big", qty="1000"), headers={})
    assert big.status_code == 409 and big.json()["error"]["details"]["available"] == "98698.7"
    assert [e["seq"] for e in client.get(f"{URL}/events").json()] == [1, 2]
