"""Evaluation routes: background runs with progress, metrics, returns, weights, errors."""

from __future__ import annotations

import io
import time

import pandas as pd
from fastapi.testclient import TestClient

from tests.unit.service.conftest import auth

BODY = {
    "methods": ["max_sharpe", "risk_parity", "dynamic"],
    "symbols": ["AAPL", "JPM", "XOM", "PG"],
    "rebalance": "Q",
    "lookback": 126,
}


def run_to_completion(client: TestClient, key: str) -> dict:  # type: ignore[type-arg]
    started = client.post("/api/v1/evaluations/run", json=BODY, headers=auth(key))
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["location"] == f"/api/v1/evaluations/jobs/{job['id']}"
    assert job["status"] in ("queued", "running")
    deadline = time.monotonic() + 120
    while job["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = client.get(f"/api/v1/evaluations/jobs/{job['id']}", headers=auth(key)).json()
    return job  # type: ignore[no-any-return]


def test_run_then_read(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["viewer"])
    assert client.get("/api/v1/evaluations", headers=h).status_code == 404  # nothing run yet
    job = run_to_completion(client, keys["trader"])
    assert job["status"] == "done" and job["done"] == job["total"] > 0 and job["progress"] == 1.0
    assert job["result"]["created"] is True and job["result"]["last_date"] == "2022-12-28"
    current = client.get("/api/v1/evaluations", headers=h).json()
    assert current["run_id"] == job["result"]["run_id"]
    assert set(current["metrics"]) == {"max_sharpe", "risk_parity", "equal_weight", "dynamic"}
    row = current["metrics"]["risk_parity"]
    assert row["max_drawdown"] < 0 and 0 <= row["psr"] <= 1 and row["volatility_annual"] > 0
    returns = client.get(
        "/api/v1/evaluations/risk_parity/returns?start=2020-01-01&end=2020-12-31", headers=h
    ).json()
    assert returns["rows"][0]["date"] >= "2020-01-01" and set(returns["rows"][0]) == {
        "date",
        "gross",
        "net",
        "turnover",
        "cost",
    }
    csv = client.get("/api/v1/evaluations/risk_parity/returns?format=csv", headers=h)
    frame = pd.read_csv(io.StringIO(csv.text))
    assert frame["net"].notna().all() and len(frame) > 5000
    weights = client.get("/api/v1/evaluations/dynamic/weights", headers=h).json()
    first = weights["rebalances"][0]
    assert abs(sum(first["weights"].values()) - 1) < 1e-9


def test_errors(client: TestClient, keys: dict[str, str]) -> None:
    viewer = auth(keys["viewer"])
    assert client.post("/api/v1/evaluations/run", json=BODY, headers=viewer).status_code == 403
    bad = client.post(
        "/api/v1/evaluations/run", json={**BODY, "lookback": 1}, headers=auth(keys["trader"])
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    unknown = client.post(
        "/api/v1/evaluations/run", json={**BODY, "methods": ["magic"]}, headers=auth(keys["trader"])
    )
    assert unknown.status_code == 422 and "unknown method" in unknown.json()["error"]["message"]
    schedule = client.post(
        "/api/v1/evaluations/run", json={**BODY, "rebalance": "Y"}, headers=auth(keys["trader"])
    )
    assert schedule.status_code == 422 and "rebalance" in schedule.json()["error"]["message"]
    missing = client.post(
        "/api/v1/evaluations/run", json={**BODY, "symbols": ["ZZZ"]}, headers=auth(keys["trader"])
    ).json()
    deadline = time.monotonic() + 30
    while missing["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        missing = client.get(f"/api/v1/evaluations/jobs/{missing['id']}", headers=viewer).json()
    assert missing["status"] == "failed" and "ZZZ" in missing["message"]
    assert client.get("/api/v1/evaluations/jobs/nope", headers=viewer).status_code == 404
    assert client.get("/api/v1/evaluations/max_sharpe/weights", headers=viewer).status_code == 404
