"""Reads are reads: answers built once per data version, invalidated by writes, compact, bounded."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from pas.bootstrap import Container
from pas.data.batches import FactorBatch
from pas.service.routers import factors as factors_router
from pas.workflows.data import import_factors
from pas.workflows.evaluation import EvaluationRequest, run_evaluation
from pas.workflows.evaluation_reads import DEFAULT_RUN
from tests.unit.service.conftest import auth


@pytest.fixture
def viewer(keys: dict[str, str]) -> dict[str, str]:
    return auth(keys["viewer"])


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the calls of the factors route's workflow function."""
    calls = [0]
    real = factors_router.factor_table

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(factors_router, "factor_table", wrapped)
    return calls


def test_built_once_per_version_and_rebuilt_after_an_import(
    client: TestClient,
    viewer: dict[str, str],
    demo_container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = counting(monkeypatch)
    url = "/api/v1/factors?frequency=monthly&format=columns"
    first = client.get(url, headers=viewer)
    second = client.get(url, headers=viewer)
    assert first.status_code == 200 and calls == [1]
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    # an import is a write: it bumps the version, so the next read is built afresh
    with demo_container.uow() as uow:
        monthly = uow.factors.load("monthly")
    changed = monthly.tail(1).assign(smb=0.123456)
    import_factors(demo_container.uow(), FactorBatch(changed, "monthly", "test"))
    third = client.get(url, headers=viewer)
    assert calls == [2] and third.headers["etag"] != first.headers["etag"]
    assert third.json()["columns"]["smb"][-1] == pytest.approx(0.123456)


def test_etag_answers_304_and_large_bodies_are_gzipped(
    client: TestClient, viewer: dict[str, str]
) -> None:
    url = "/api/v1/factors?frequency=daily&format=columns"
    plain = client.get(url, headers={**viewer, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) > 100_000
    packed = client.get(url, headers={**viewer, "Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.json() == plain.json()
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    etag = plain.headers["etag"]
    again = client.get(url, headers={**viewer, "If-None-Match": f'"x", {etag}'})
    assert again.status_code == 304 and again.headers["etag"] == etag
    small = client.get("/api/v1/factors/premia?frequency=monthly", headers=viewer)
    assert small.status_code == 200 and "content-encoding" not in small.headers


def test_rows_and_columns_hold_the_same_numbers(client: TestClient, viewer: dict[str, str]) -> None:
    rows = client.get("/api/v1/factors?frequency=daily", headers=viewer).json()["rows"]
    cols = client.get("/api/v1/factors?frequency=daily&format=columns", headers=viewer).json()
    frame = pd.DataFrame(rows)
    assert list(cols["columns"]) == list(frame.columns)
    for name, values in cols["columns"].items():
        assert values == frame[name].where(frame[name].notna(), None).tolist()


def test_the_default_run_metrics_are_one_indexed_query(
    client: TestClient, viewer: dict[str, str], demo_container: Container
) -> None:
    request = EvaluationRequest(("max_sharpe", "risk_parity"), ("AAPL", "JPM", "XOM"), "Q", 126)
    run_evaluation(demo_container.uow(), request, name=DEFAULT_RUN)
    client.get("/api/v1/evaluations", headers=viewer)  # the key is verified (and cached) once
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(demo_container.engine, "before_cursor_execute", record)
    try:
        answer = client.get("/api/v1/evaluations", headers=viewer)
    finally:
        event.remove(demo_container.engine, "before_cursor_execute", record)
    assert answer.status_code == 200 and set(answer.json()["metrics"]) == {
        "max_sharpe",
        "risk_parity",
        "equal_weight",
    }
    assert len(statements) == 1 and "WHERE evaluation_runs.name = ?" in statements[0]
    with demo_container.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statements[0], ("default",)).fetchall()
    assert "USING INDEX" in str(plan)


def test_limits_answer_422(client: TestClient, viewer: dict[str, str]) -> None:
    lags = client.get("/api/v1/factors/regression?symbols=AAPL&hac_lags=61", headers=viewer)
    assert lags.status_code == 422 and lags.json()["error"]["code"] == "invalid_input"
    window = client.get("/api/v1/factors/rolling?symbol=AAPL&window=6000", headers=viewer)
    assert window.status_code == 422
    span = client.get("/api/v1/factors?start=1900-01-01&end=2022-01-01", headers=viewer)
    assert span.status_code == 422 and "above the limit" in span.json()["error"]["message"]
    many = ",".join(f"S{i}" for i in range(501))
    symbols = client.get(f"/api/v1/prices?symbols={many}", headers=viewer)
    assert symbols.status_code == 422 and "500" in symbols.json()["error"]["message"]
