"""POST/GET /api/v1/allocations on the demo database."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from tests.unit.service.conftest import auth


def test_post_computes_persists_and_returns(client: TestClient, keys: dict[str, str]) -> None:
    body = {
        "method": "min_variance",
        "universe": ["AAPL", "KO", "XOM", "JNJ"],
        "parameters": {"lookback": 500},
    }
    r = client.post("/api/v1/allocations", json=body, headers=auth(keys["trader"]))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["method"] == "min_variance" and out["id"] >= 1
    assert set(out["weights"]) == {"AAPL", "KO", "XOM", "JNJ"}
    assert abs(sum(out["weights"].values()) - 1.0) < 1e-12
    assert out["estimators"] == {"expected_returns": "ff3", "covariance": "ledoit_wolf"}
    assert out["as_of"] == "2022-12-28" and out["sector_weights"] and out["factor_betas"]
    got = client.get(f"/api/v1/allocations/{out['id']}", headers=auth(keys["viewer"]))
    assert got.status_code == 200
    assert (
        got.json()["weights"] == out["weights"] and got.json()["inputs_hash"] == out["inputs_hash"]
    )


def test_default_is_max_sharpe_over_every_sectored_symbol(
    client: TestClient, keys: dict[str, str]
) -> None:
    r = client.post(
        "/api/v1/allocations",
        json={"parameters": {"as_of": "2021-06-30", "max_weight": 0.25}},
        headers=auth(keys["trader"]),
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["requested_method"] == "max_sharpe" and len(out["weights"]) == 20
    assert "SP500" not in out["weights"] and out["as_of"] == "2021-06-30"
    assert max(out["weights"].values()) <= 0.25 + 1e-9


def test_list_filters_by_method_newest_first(client: TestClient, keys: dict[str, str]) -> None:
    for method in ("equal_weight", "risk_parity", "equal_weight"):
        body = {"method": method, "universe": ["AAPL", "KO"]}
        assert (
            client.post("/api/v1/allocations", json=body, headers=auth(keys["trader"])).status_code
            == 201
        )
    r = client.get("/api/v1/allocations?method=equal_weight&limit=10", headers=auth(keys["viewer"]))
    rows = r.json()["allocations"]
    assert [a["method"] for a in rows] == ["equal_weight", "equal_weight"]
    assert rows[0]["id"] > rows[1]["id"]
    np.testing.assert_allclose(list(rows[0]["weights"].values()), [0.5, 0.5])
    assert (
        len(
            client.get("/api/v1/allocations?limit=1", headers=auth(keys["viewer"])).json()[
                "allocations"
            ]
        )
        == 1
    )


def test_scheme_parameters_and_cash(client: TestClient, keys: dict[str, str]) -> None:
    body = {
        "method": "tactical",
        "universe": ["AAPL", "KO", "XOM", "JNJ", "BAC"],
        "parameters": {"as_of": "2020-04-30", "scheme": {"tilt": 0.02, "filtered_to": "cash"}},
    }
    out = client.post("/api/v1/allocations", json=body, headers=auth(keys["trader"])).json()
    assert out["method"] == "tactical"
    assert out["weights"].get("CASH", 0.0) > 0  # April 2020: prices below their 10-month average
    assert abs(sum(out["weights"].values()) - 1.0) < 1e-12


def test_errors(client: TestClient, keys: dict[str, str]) -> None:
    trader, viewer = auth(keys["trader"]), auth(keys["viewer"])
    r = client.post("/api/v1/allocations", json={"method": "x"}, headers=trader)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    r = client.post(
        "/api/v1/allocations",
        json={"universe": ["AAPL", "KO"], "parameters": {"max_weight": 0.3}},
        headers=trader,
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "infeasible_constraints"
    assert "upper bounds sum to 0.6" in r.json()["error"]["message"]
    r = client.post("/api/v1/allocations", json={"universe": ["NOPE"]}, headers=trader)
    assert r.status_code == 404
    assert client.post("/api/v1/allocations", json={}, headers=viewer).status_code == 403
    assert client.get("/api/v1/allocations").status_code == 401
    r = client.get("/api/v1/allocations/999", headers=viewer)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.post("/api/v1/allocations", json={"strategy": "core"}, headers=trader)
    assert r.status_code == 422
