"""Evaluation routes: background runs with progress, named runs, metrics, returns, weights,
the compact and cached answers, errors and limits."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.unit.service.conftest import auth

BODY = {
    "methods": ["max_sharpe", "risk_parity", "dynamic"],
    "symbols": ["AAPL", "JPM", "XOM", "PG"],
    "rebalance": "Q",
    "lookback": 126,
}


def run_to_completion(client: TestClient, key: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
    started = client.post("/api/v1/evaluations/run", json=body or BODY, headers=auth(key))
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
    name = job["result"]["name"]
    assert name.startswith("run-")  # ad-hoc parameters: never the default run
    assert client.get("/api/v1/evaluations", headers=h).status_code == 404
    current = client.get(f"/api/v1/evaluations?run={name}", headers=h).json()
    assert current["run_id"] == job["result"]["run_id"] and current["name"] == name
    assert set(current["metrics"]) == {"max_sharpe", "risk_parity", "equal_weight", "dynamic"}
    row = current["metrics"]["risk_parity"]
    assert row["max_drawdown"] < 0 and 0 <= row["psr"] <= 1 and row["volatility_annual"] > 0
    returns = client.get(
        f"/api/v1/evaluations/risk_parity/returns?run={name}&start=2020-01-01&end=2020-12-31",
        headers=h,
    ).json()
    assert returns["rows"][0]["date"] >= "2020-01-01" and set(returns["rows"][0]) == {
        "date",
        "gross",
        "net",
        "turnover",
        "cost",
    }
    csv = client.get(f"/api/v1/evaluations/risk_parity/returns?run={name}&format=csv", headers=h)
    frame = pd.read_csv(io.StringIO(csv.text))
    assert frame["net"].notna().all() and len(frame) > 5000
    weights = client.get(f"/api/v1/evaluations/dynamic/weights?run={name}", headers=h).json()
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


def test_named_runs_and_compact_cached_answers(client: TestClient, keys: dict[str, str]) -> None:
    h = auth(keys["viewer"])
    job = run_to_completion(client, keys["trader"], {**BODY, "name": "default"})
    assert job["result"]["name"] == "default"
    other = run_to_completion(client, keys["trader"], {**BODY, "lookback": 189, "name": "long"})
    assert other["result"]["name"] == "long"
    served = client.get("/api/v1/evaluations", headers=h).json()
    assert served["name"] == "default" and served["params"]["lookback"] == 126
    runs = client.get("/api/v1/evaluations/runs", headers=h).json()
    assert runs["default"] == "default" and [r["name"] for r in runs["runs"]] == ["default", "long"]
    conflict = run_to_completion(client, keys["trader"], {**BODY, "lookback": 150, "name": "long"})
    assert conflict["status"] == "failed" and "exists with other parameters" in conflict["message"]
    # a window is computed from the stored rows; the whole run's metrics are the stored ones
    window = client.get("/api/v1/evaluations?start=2021-01-01&end=2021-12-31", headers=h).json()
    assert window["metrics"]["max_sharpe"]["cagr"] != served["metrics"]["max_sharpe"]["cagr"]
    # the compact shape holds the same numbers as the rows
    url = "/api/v1/evaluations/max_sharpe/returns"
    rows = client.get(url, headers=h).json()["rows"]
    cols = client.get(url + "?format=columns", headers=h).json()["columns"]
    assert cols["date"] == [r["date"] for r in rows] and cols["net"] == [r["net"] for r in rows]
    first = client.get(url + "?format=columns", headers={**h, "Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip" and first.json()["columns"] == cols
    etag = first.headers["etag"]
    again = client.get(url + "?format=columns", headers={**h, "If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    weights = client.get("/api/v1/evaluations/max_sharpe/weights?format=columns", headers=h)
    assert abs(sum(v[0] for k, v in weights.json()["columns"].items() if k != "date") - 1) < 1e-9
    # an update writes: the same request now has another ETag
    run_to_completion(client, keys["trader"], {**BODY, "name": "default"})  # same parameters
    changed = client.get(url + "?format=columns", headers={**h, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_concurrent_jobs_are_limited(
    client: TestClient, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pas.core import limits

    monkeypatch.setattr(limits, "MAX_EVALUATION_JOBS", 0)
    busy = client.post("/api/v1/evaluations/run", json=BODY, headers=auth(keys["trader"]))
    assert busy.status_code == 429 and busy.json()["error"]["code"] == "busy"
    assert busy.headers["retry-after"] == "10"
    too_long = client.post(
        "/api/v1/evaluations/run", json={**BODY, "lookback": 6000}, headers=auth(keys["trader"])
    )
    assert too_long.status_code == 422
