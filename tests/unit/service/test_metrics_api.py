"""GET /api/v1/metrics/* and /api/v1/jobs: shapes, CSV, errors, cache invalidation."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.core.metrics import MetricsRow
from tests.unit.service.conftest import auth


def _row(sleeve: int, name: str, day: int, equity: str = "1000") -> MetricsRow:
    from decimal import Decimal

    return MetricsRow(
        sleeve_id=sleeve, name=name, date=dt.date(2024, 1, day), equity=Decimal(equity),
        cash=Decimal("100"), flow=Decimal("0"), daily_return=0.01, cumulative_return=0.02,
        gross_exposure=0.9, net_exposure=0.9, volatility_annual=None, drawdown=0.0, var_95=None,
        sector_weights={"Tech": 0.9}, factor_betas={"mkt_rf": 1.1, "smb": 0.1, "hml": -0.2},
        weights={"AAPL": 0.9}, stale=False,
    )  # fmt: skip


def _store(c: Container) -> None:
    c.metrics_store.replace(
        [_row(0, "account", d) for d in (2, 3, 4)] + [_row(1, "growth", d) for d in (2, 3, 4)]
    )


def test_summary_daily_and_exposures(
    demo_container: Container, client: TestClient, keys: dict[str, str]
) -> None:
    _store(demo_container)
    viewer = auth(keys["viewer"])
    summary = client.get("/api/v1/metrics/summary", headers=viewer).json()
    assert summary["as_of"] == "2024-01-04" and summary["stale"] is True  # the demo data is old
    assert summary["data"]["prices_last_date"] == "2022-12-28"
    assert summary["account"]["equity"] == "1000.00" and summary["account"]["daily_return"] == 0.01
    assert [s["name"] for s in summary["sleeves"]] == ["growth"]
    daily = client.get(
        "/api/v1/metrics/daily?sleeve=growth&start=2024-01-03", headers=viewer
    ).json()
    assert daily["sleeve"] == {"id": 1, "name": "growth"}
    assert [r["date"] for r in daily["rows"]] == ["2024-01-03", "2024-01-04"]
    assert set(daily["rows"][0]) == {
        "date", "equity", "cash", "flow", "daily_return", "cumulative_return", "gross_exposure",
        "net_exposure", "volatility_annual", "drawdown", "var_95", "stale",
    }  # fmt: skip
    csv = client.get("/api/v1/metrics/daily?sleeve=1&format=csv", headers=viewer)
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert len(frame) == 3 and frame["equity"].tolist() == [1000.0] * 3
    exposures = client.get("/api/v1/metrics/exposures?sleeve=growth", headers=viewer).json()
    assert exposures["factor_betas"] == {"mkt_rf": 1.1, "smb": 0.1, "hml": -0.2}
    assert (
        exposures["sector_weights"] == {"Tech": 0.9} and abs(exposures["cash_weight"] - 0.1) < 1e-12
    )


def test_bad_requests_are_typed_errors(
    demo_container: Container, client: TestClient, keys: dict[str, str]
) -> None:
    _store(demo_container)
    viewer = auth(keys["viewer"])
    assert client.get("/api/v1/metrics/summary").status_code == 401
    missing = client.get("/api/v1/metrics/daily?sleeve=nope", headers=viewer)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    backwards = client.get("/api/v1/metrics/daily?start=2024-02-01&end=2024-01-01", headers=viewer)
    assert backwards.status_code == 422
    assert client.get("/api/v1/metrics/daily?format=xml", headers=viewer).status_code == 422


def test_the_cache_is_invalidated_when_metrics_are_recomputed(
    demo_container: Container, client: TestClient, keys: dict[str, str]
) -> None:
    _store(demo_container)
    viewer = auth(keys["viewer"])
    assert (
        client.get("/api/v1/metrics/summary", headers=viewer).json()["account"]["equity"]
        == "1000.00"
    )
    demo_container.metrics_store.replace([_row(0, "account", 5, equity="2000")])
    # cached: the old answer until the job says it recomputed
    assert (
        client.get("/api/v1/metrics/summary", headers=viewer).json()["account"]["equity"]
        == "1000.00"
    )
    demo_container.metrics_cache.invalidate("metrics")
    assert (
        client.get("/api/v1/metrics/summary", headers=viewer).json()["account"]["equity"]
        == "2000.00"
    )


def test_jobs_lists_schedules_next_and_last_runs(
    demo_container: Container, client: TestClient, keys: dict[str, str]
) -> None:
    from pas.tasks.runner import run_job

    run_job(demo_container, "stale_data", trigger="once")
    body = client.get("/api/v1/jobs", headers=auth(keys["viewer"])).json()
    jobs = {j["name"]: j for j in body["jobs"]}
    assert list(jobs) == [
        "prices",
        "factors",
        "stale_data",
        "metrics",
        "evaluations",
        "reconcile",
        "strategies",
    ]
    assert jobs["strategies"]["schedule"] == "* * * * *"
    assert dt.datetime.fromisoformat(jobs["metrics"]["next_run"]) > dt.datetime.now(dt.UTC)
    last = jobs["stale_data"]["last_run"]
    assert (
        last["status"] == "done"
        and "stale data" in last["message"]
        and jobs["stale_data"]["last_outcome"] == "done"
    )
    assert jobs["prices"]["last_run"] is None and body["leader"] == "local"
    # the evaluation jobs' own route is untouched
    assert (
        client.get("/api/v1/evaluations/jobs/nope", headers=auth(keys["viewer"])).status_code == 404
    )
