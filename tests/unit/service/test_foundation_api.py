"""The service skeleton: health, readiness, data routes, auth and the error body."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.service.app import create_app
from tests.conftest import make_settings
from tests.unit.service.conftest import auth


def test_health_ready_and_docs_are_open(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}
    assert client.get("/docs").status_code == 200
    assert "/api/v1/securities" in client.get("/openapi.json").json()["paths"]


def test_ready_reports_an_unreachable_redis(tmp_path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    c = Container(make_settings(sqlite_url, tmp_path, redis={"url": "redis://127.0.0.1:1/0"}))
    c.init_schema()
    answer = TestClient(create_app(c)).get("/ready")
    assert answer.status_code == 503 and answer.json()["checks"]["redis"].startswith("error")


def test_securities_lists_the_demo_with_sectors(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.get("/api/v1/securities", headers=auth(keys["viewer"]))
    assert answer.status_code == 200
    rows = {r["symbol"]: r for r in answer.json()}
    stocks = {s for s, r in rows.items() if r["sector"]}
    assert len(stocks) == 20 and "SP500" in rows
    assert rows["XOM"]["sector"] == "Energy"
    assert rows["AAPL"]["first_date"] == "1990-01-02" and rows["AAPL"]["last_date"] == "2022-12-28"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"X-API-Key": "pas_wrong"}]
)
def test_reads_need_a_valid_key(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.get("/api/v1/securities", headers=headers)
    assert answer.status_code == 401
    body = answer.json()["error"]
    assert body["code"] == "unauthorized" and body["message"] and "details" in body


def test_x_api_key_header_works(client: TestClient, keys: dict[str, str]) -> None:
    assert (
        client.get("/api/v1/securities", headers={"X-API-Key": keys["viewer"]}).status_code == 200
    )


def test_key_management_needs_admin(client: TestClient, keys: dict[str, str]) -> None:
    denied = client.get("/api/v1/keys", headers=auth(keys["trader"]))
    assert denied.status_code == 403 and denied.json()["error"]["details"]["needed"] == "admin"
    created = client.post(
        "/api/v1/keys", json={"role": "viewer", "name": "ci"}, headers=auth(keys["admin"])
    )
    assert created.status_code == 201
    new_key = created.json()["key"]
    assert client.get("/api/v1/securities", headers=auth(new_key)).status_code == 200
    revoked = client.delete(f"/api/v1/keys/{created.json()['id']}", headers=auth(keys["admin"]))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/securities", headers=auth(new_key)).status_code == 401
    bad_role = client.post("/api/v1/keys", json={"role": "root"}, headers=auth(keys["admin"]))
    assert bad_role.status_code == 422 and bad_role.json()["error"]["code"] == "invalid_input"
    missing = client.delete("/api/v1/keys/9999", headers=auth(keys["admin"]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_prices_json_and_csv(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["viewer"])
    rows = client.get(
        "/api/v1/prices?symbols=aapl,MSFT&start=2022-12-27&end=2022-12-28", headers=h
    ).json()["rows"]
    assert [(r["symbol"], r["date"]) for r in rows] == [
        ("AAPL", "2022-12-27"),
        ("AAPL", "2022-12-28"),
        ("MSFT", "2022-12-27"),
        ("MSFT", "2022-12-28"),
    ]
    assert rows[1]["adj_close"] == pytest.approx(125.674)
    csv = client.get("/api/v1/prices?symbols=AAPL&start=2022-12-01&format=csv", headers=h)
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert len(frame) == 19 and frame["adj_close"].iloc[-1] == pytest.approx(125.674)


def test_prices_come_in_pages(client: TestClient, keys: dict[str, str], demo_container) -> None:  # type: ignore[no-untyped-def]
    h = auth(keys["viewer"])
    first = client.get("/api/v1/prices", headers=h).json()
    assert first["limit"] == 10_000 and len(first["rows"]) == 10_000 and first["next"]
    pages, url = [], "/api/v1/prices?format=columns&limit=40000"
    while url:
        page = client.get(url, headers={**h, "Accept-Encoding": "gzip"}).json()
        pages.append(pd.DataFrame(page["columns"]))
        url = page["next"] and f"/api/v1/prices?format=columns&limit=40000&cursor={page['next']}"
    walked = pd.concat(pages, ignore_index=True)
    with demo_container.uow() as uow:
        whole = uow.prices.long()
    assert len(pages) == -(-len(whole) // 40_000)
    assert walked[["symbol", "date"]].equals(
        whole[["symbol", "date"]].assign(date=whole["date"].dt.strftime("%Y-%m-%d"))
    )
    np.testing.assert_array_equal(walked["adj_close"], whole["adj_close"])
    assert [r["symbol"] for r in first["rows"][:2]] == whole["symbol"].head(2).tolist()
    csv = client.get("/api/v1/prices?symbols=AAPL&limit=5&format=csv", headers=h)
    assert len(pd.read_csv(io.StringIO(csv.text))) == 5
    following = csv.headers["link"].split(";")[0].strip("<>")
    rest = pd.read_csv(io.StringIO(client.get(following, headers=h).text))
    assert rest["date"].iloc[0] > pd.read_csv(io.StringIO(csv.text))["date"].iloc[-1]
    too_many = client.get("/api/v1/prices?limit=100001", headers=h)
    assert too_many.status_code == 422 and "100,000" in too_many.json()["error"]["message"]
    bad = client.get("/api/v1/prices?cursor=nonsense", headers=h)
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["message"]


def test_prices_bad_input(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["viewer"])
    unknown = client.get("/api/v1/prices?symbols=AAPL,NOPE", headers=h)
    assert unknown.status_code == 404 and unknown.json()["error"]["details"]["symbols"] == ["NOPE"]
    reversed_range = client.get("/api/v1/prices?start=2022-01-02&end=2021-01-01", headers=h)
    assert reversed_range.status_code == 422
    bad_date = client.get("/api/v1/prices?start=yesterday", headers=h)
    assert bad_date.status_code == 422 and bad_date.json()["error"]["code"] == "invalid_input"


def test_factors_daily_and_monthly(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["viewer"])
    daily = client.get("/api/v1/factors?start=2021-12-30&end=2021-12-31", headers=h).json()
    assert daily["frequency"] == "daily" and len(daily["rows"]) == 2
    assert set(daily["rows"][0]) == {"date", "mkt_rf", "smb", "hml", "rf", "mom"}
    monthly = client.get("/api/v1/factors?frequency=monthly&start=2018-10-01", headers=h).json()
    assert [r["date"] for r in monthly["rows"]] == ["2018-10-31", "2018-11-30"]
    assert monthly["rows"][0]["mom"] is None
    assert abs(monthly["rows"][0]["mkt_rf"]) < 1  # decimals, not percent
    bad = client.get("/api/v1/factors?frequency=weekly", headers=h)
    assert bad.status_code == 422


def test_auth_disabled_opens_the_api(tmp_path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    c = Container(make_settings(sqlite_url, tmp_path, auth={"enabled": False}))
    c.init_schema()
    assert TestClient(create_app(c)).get("/api/v1/securities").status_code == 200


def test_unknown_route_has_the_error_body(client: TestClient) -> None:
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_verified_keys_are_cached_and_revocation_clears_the_cache(
    client: TestClient, keys: dict[str, str], demo_container: Container
) -> None:
    from pas.workflows.keys import list_keys

    h = auth(keys["viewer"])
    assert client.get("/api/v1/securities", headers=h).status_code == 200
    cache = client.app.state.key_cache  # type: ignore[attr-defined]
    assert len(cache._entries) == 1
    viewer_id = next(k.id for k in list_keys(demo_container.uow()) if k.role == "viewer")
    assert (
        client.delete(f"/api/v1/keys/{viewer_id}", headers=auth(keys["admin"])).status_code == 200
    )
    assert client.get("/api/v1/securities", headers=h).status_code == 401
