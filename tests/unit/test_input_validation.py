"""Bad input at the edge: typed 422/404 answers, never a 500 (issue #17)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.core import limits
from pas.service.app import create_app
from pas.workflows.keys import create_key

HUGE = 2**64 + 1  # beyond a signed 64-bit id
STRATEGY = {
    "name": "growth",
    "universe": ["AAPL", "MSFT", "JNJ"],
    "scheme": "equal_weight",
    "cash": "100000",
}


@pytest.fixture
def client(demo_container: Container) -> TestClient:
    return TestClient(create_app(demo_container), raise_server_exceptions=False)


@pytest.fixture
def admin(demo_container: Container) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(demo_container.uow(), 'admin')[0]}"}


def _refused(r: Any, status: int = 422, code: str = "invalid_input") -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == code and error["message"]
    return error


#: every route with an id, in its path, its query or (for `since`) a sequence number
ID_ROUTES = [
    ("GET", "/api/v1/strategies/{id}"),
    ("DELETE", "/api/v1/strategies/{id}"),
    ("POST", "/api/v1/strategies/{id}/rebalance"),
    ("GET", "/api/v1/orders/{id}"),
    ("POST", "/api/v1/orders/{id}/cancel"),
    ("GET", "/api/v1/orders?strategy={id}"),
    ("GET", "/api/v1/allocations/{id}"),
    ("DELETE", "/api/v1/keys/{id}"),
    ("GET", "/api/v1/ledger/sleeves/{id}"),
    ("GET", "/api/v1/ledger/reservations/{id}"),
    ("GET", "/api/v1/ledger/reservations?sleeve={id}"),
    ("POST", "/api/v1/ledger/reservations/{id}/cancel"),
    ("GET", "/api/v1/ledger/events?since={id}"),
    ("GET", "/api/v1/audit?before={id}"),
]


def test_ids_out_of_range_are_422(client: TestClient, admin: dict[str, str]) -> None:
    for method, path in ID_ROUTES:
        for value in (HUGE, 2**63, 0, -1):
            if value == 0 and "since" in path:
                continue  # since=0 is the start of the journal
            r = client.request(method, path.format(id=value), headers=admin)
            error = _refused(r)
            assert error["details"]["errors"][0]["field"].split(".")[0] in ("path", "query")


def test_the_largest_id_is_a_404(client: TestClient, admin: dict[str, str]) -> None:
    for path in ("strategies", "orders", "allocations", "ledger/sleeves"):
        r = client.get(f"/api/v1/{path}/{limits.MAX_ID}", headers=admin)
        assert r.status_code == 404, (path, r.text)


def _raw(client: TestClient, path: str, text: str, headers: dict[str, str]) -> Any:
    return client.post(path, content=text, headers={**headers, "Content-Type": "application/json"})


NAN_BODIES = [
    '{"costs": %s}',
    '{"cash": %s}',
    '{"current_weights": {"AAPL": %s, "CASH": 0.5}}',
    '{"costs": {"AAPL": %s}}',
]


def test_nan_and_infinity_in_json_are_422(client: TestClient, admin: dict[str, str]) -> None:
    for constant in ("NaN", "Infinity", "-Infinity"):
        for parameters in NAN_BODIES:
            body = '{"method": "max_sharpe", "universe": ["AAPL", "MSFT"], "parameters": %s}' % (
                parameters % constant
            )
            error = _refused(_raw(client, "/api/v1/allocations", body, admin))
            assert constant in error["message"] and "finite" in error["message"]
    sleeve = '{"name": "s", "cash": NaN}'  # the ledger's bodies too
    _refused(_raw(client, "/api/v1/ledger/sleeves", sleeve, admin))


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity"])
def test_nan_as_a_string_is_422(client: TestClient, admin: dict[str, str], text: str) -> None:
    body = {"universe": ["AAPL", "MSFT"], "parameters": {"costs": {"AAPL": text}}}
    _refused(client.post("/api/v1/allocations", json=body, headers=admin))
    body = {"universe": ["AAPL", "MSFT"], "parameters": {"cash": text}}
    _refused(client.post("/api/v1/allocations", json=body, headers=admin))


def test_finite_numbers_still_allocate(client: TestClient, admin: dict[str, str]) -> None:
    body = {"universe": ["AAPL", "MSFT"], "parameters": {"costs": 0.001, "cash": 0.1}}
    r = client.post("/api/v1/allocations", json=body, headers=admin)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "histories",
    [
        {"max_sharpe": {"not a date": 0.01}},
        {"max_sharpe": {"2024-13-45": 0.01}},
        {"max_sharpe": {"2024-01-02": "abc"}},
        {"max_sharpe": [0.01, 0.02]},
    ],
)
def test_dynamic_histories_with_bad_dates_or_numbers_are_422(
    client: TestClient, admin: dict[str, str], histories: dict[str, Any]
) -> None:
    body = {
        "method": "dynamic",
        "universe": ["AAPL", "MSFT"],
        "parameters": {"scheme": {"histories": histories}},
    }
    error = _refused(client.post("/api/v1/allocations", json=body, headers=admin))
    assert "histories" in error["message"]


@pytest.mark.parametrize(
    ("scheme", "params", "named"),
    [
        ("equal_weight", {"lookback": "abc"}, "lookback"),
        ("max_sharpe", {"lookback": 10**9}, "lookback"),
        ("dynamic", {"top_k": "three"}, "top_k"),
        ("dynamic", {"target_volatility": "high"}, "target_volatility"),
        ("tactical", {"trend_filter": "yes"}, "trend_filter"),
        ("strategic", {"policy": "60/40"}, "policy"),
        ("risk_parity", {"budgets": {"AAPL": "half"}}, "budgets"),
        ("max_sharpe", {"solver": 3}, "solver"),
        ("max_sharpe", {"top_k": 3}, "top_k"),
    ],
)
def test_strategy_parameters_are_checked_against_the_scheme(
    client: TestClient, admin: dict[str, str], scheme: str, params: dict[str, Any], named: str
) -> None:
    body = {**STRATEGY, "scheme": scheme, "params": params}
    error = _refused(client.post("/api/v1/strategies", json=body, headers=admin))
    assert named in error["message"]
    assert client.get("/api/v1/strategies", headers=admin).json() == []


def test_good_strategy_parameters_are_kept(client: TestClient, admin: dict[str, str]) -> None:
    params = {"top_k": 2, "target_volatility": 0.12, "components": ["min_variance", "hrp"]}
    body = {**STRATEGY, "scheme": "dynamic", "params": params}
    r = client.post("/api/v1/strategies", json=body, headers=admin)
    assert r.status_code == 201, r.text
    dry = client.post(f"/api/v1/strategies/{r.json()['id']}/rebalance?dry_run=true", headers=admin)
    assert dry.status_code == 200, dry.text


def test_unknown_symbols_are_refused_where_they_would_trade(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {**STRATEGY, "universe": ["AAPL", "ZZZZ"]}
    error = _refused(client.post("/api/v1/strategies", json=body, headers=admin))
    assert error["details"]["symbols"] == ["ZZZZ"]
    assert client.get("/api/v1/ledger/sleeves", headers=admin).json() == []  # nothing funded
    sleeve = client.post(
        "/api/v1/ledger/sleeves", json={"name": "s1", "cash": "0"}, headers=admin
    ).json()
    reservation = {
        "sleeve": sleeve["id"],
        "client_id": "c-1",
        "symbol": "zzzz",
        "side": "sell",
        "qty": "1",
        "limit_price": "10",
    }
    error = _refused(client.post("/api/v1/ledger/reservations", json=reservation, headers=admin))
    assert error["details"]["symbols"] == ["ZZZZ"]


BAD_NAMES = ["bad\x00name", "evil\u202egnp.exe", "tab\there", "", "   ", "x" * 65]


def test_names_must_be_printable_and_short(client: TestClient, admin: dict[str, str]) -> None:
    for name in BAD_NAMES:
        _refuse_name(client, admin, name)


def _refuse_name(client: TestClient, admin: dict[str, str], name: str) -> None:
    sleeve = client.post("/api/v1/ledger/sleeves", json={"name": name}, headers=admin)
    _refused(sleeve)
    strategy = client.post("/api/v1/strategies", json={**STRATEGY, "name": name}, headers=admin)
    _refused(strategy)
    key = client.post("/api/v1/keys", json={"role": "viewer", "name": name}, headers=admin)
    _refused(key)
    run = client.post("/api/v1/evaluations/run", json={"name": name}, headers=admin)
    _refused(run)


def test_a_printable_unicode_name_is_fine(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post("/api/v1/ledger/sleeves", json={"name": "Zürich growth"}, headers=admin)
    assert r.status_code == 201, r.text


SPAN_PATHS = [
    "/api/v1/evaluations?start=2024-06-01&end=2024-01-01",
    "/api/v1/evaluations/max_sharpe/returns?start=2024-06-01&end=2024-01-01",
    "/api/v1/factors?start=2024-06-01&end=2024-01-01",
    "/api/v1/factors/regression?start=2024-06-01&end=2024-01-01",
    "/api/v1/factors/premia?start=2024-06-01&end=2024-01-01",
    "/api/v1/factors/rolling?symbol=AAPL&start=2024-06-01&end=2024-01-01",
    "/api/v1/prices?start=2024-06-01&end=2024-01-01",
    "/api/v1/metrics/daily?start=2024-06-01&end=2024-01-01",
]


def test_start_after_end_is_422(client: TestClient, admin: dict[str, str]) -> None:
    for path in SPAN_PATHS:
        error = _refused(client.get(path, headers=admin))
        assert "before start" in error["message"], path


def test_work_scaling_parameters_are_limited(client: TestClient, admin: dict[str, str]) -> None:
    r = client.get("/api/v1/factors/regression?hac_lags=1000000", headers=admin)
    _refused(r)
    job = client.post("/api/v1/evaluations/run", json={"lookback": 10**9}, headers=admin)
    _refused(job)
    too_many = [f"S{i}" for i in range(limits.MAX_SYMBOLS + 1)]
    r = client.post("/api/v1/allocations", json={"universe": too_many}, headers=admin)
    _refused(r)
    r = client.post("/api/v1/strategies", json={**STRATEGY, "universe": too_many}, headers=admin)
    _refused(r)


def test_error_bodies_are_json_with_the_field(client: TestClient, admin: dict[str, str]) -> None:
    r = client.get(f"/api/v1/strategies/{HUGE}", headers=admin)
    body = json.loads(r.text)
    assert body["error"]["details"]["errors"][0]["field"] == "path.strategy_id"
