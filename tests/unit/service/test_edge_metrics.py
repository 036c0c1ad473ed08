"""`GET /metrics`: Prometheus text with bounded labels, open from loopback only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pas.core.errors import DataError
from pas.tasks import jobs
from pas.tasks.runner import run_job
from pas.workflows.keys import create_key
from tests.unit.service.conftest import auth
from tests.unit.service.edge_app import edge_app, edge_client


def sample(text: str, name: str, **labels: str) -> float:
    """Return the value of the sample `name` with exactly `labels` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


def label_values(text: str, name: str, label: str) -> set[str]:
    """Return every value `label` takes among the samples of `name`."""
    return {
        s.labels[label]
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and label in s.labels
    }


def test_from_loopback_no_key_is_needed(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path)
    answer = edge_client(app, "127.0.0.1").get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE pas_http_requests_total counter" in answer.text


def test_from_elsewhere_a_viewer_key_is_needed(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path)
    viewer, _ = create_key(container.uow(), "viewer")
    remote = edge_client(app, "198.51.100.4")
    refused = remote.get("/metrics")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert remote.get("/metrics", headers=auth(viewer)).status_code == 200


def test_a_proxy_on_loopback_does_not_make_everyone_local(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, server={"trusted_proxies": ["127.0.0.1"]})
    proxied = edge_client(app, "127.0.0.1")
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 401
    assert proxied.get("/metrics").status_code == 200


def test_public_metrics_need_no_key(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, server={"metrics_access": "public"})
    assert edge_client(app, "198.51.100.4").get("/metrics").status_code == 200


def test_requests_are_counted_by_route_template_and_status(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path, server={"max_body_bytes": 1024})
    admin, _ = create_key(container.uow(), "admin")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    client = edge_client(app)
    before = client.get("/metrics").text
    for key_id in (101, 202, 303):
        assert client.delete(f"/api/v1/keys/{key_id}", headers=auth(admin)).status_code == 404
    for n in range(5):
        client.get(f"/random/{n}/path")
    client.get("/boom")
    client.post("/api/v1/keys", content=b"x" * 2000)
    after = client.get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    route = "/api/v1/keys/{key_id}"
    assert delta("pas_http_requests_total", method="DELETE", route=route, status="404") == 3
    assert delta("pas_http_request_duration_seconds_count", method="DELETE", route=route) == 3
    assert delta("pas_http_requests_total", method="GET", route="unmatched", status="404") == 5
    assert delta("pas_http_requests_total", method="POST", route="unmatched", status="413") == 1
    assert delta("pas_http_requests_total", method="GET", route="/boom", status="500") == 1
    assert delta("pas_http_server_errors_total", method="GET", route="/boom") == 1
    routes = label_values(after, "pas_http_requests_total", "route")
    assert not any("random" in r or "101" in r for r in routes)


def test_ledger_events_are_counted_by_operation(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path)
    client = edge_client(app)
    before = client.get("/metrics").text
    container.ledger.create_sleeve("alpha", "1000", Decimal("10000000"))
    container.ledger.create_sleeve("beta", "1000", Decimal("10000000"))
    after = client.get("/metrics").text
    op = {"op": "sleeve_created"}
    assert (
        sample(after, "pas_ledger_operations_total", **op)
        - sample(before, "pas_ledger_operations_total", **op)
        == 2
    )


def test_updater_runs_and_failures_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, container = edge_app(tmp_path)
    client = edge_client(app)

    def failing(_: object) -> jobs.Outcome:
        raise DataError("no prices to refresh")

    monkeypatch.setitem(jobs.RUNNERS, "prices", failing)
    before = client.get("/metrics").text
    assert run_job(container, "prices").status == "failed"
    assert run_job(container, "prices").status == "failed"
    after = client.get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("pas_updater_job_runs_total", job="prices", status="failed") == 2
    assert delta("pas_updater_job_failures_total", job="prices") == 2


def test_websocket_clients_are_a_gauge(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path)
    viewer, _ = create_key(container.uow(), "viewer")
    with edge_client(app) as client:
        base = sample(client.get("/metrics").text, "pas_ws_clients")
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"op": "auth", "token": viewer})
            assert ws.receive_json()["op"] == "authenticated"
            assert sample(client.get("/metrics").text, "pas_ws_clients") == base + 1
        _wait_for(lambda: sample(client.get("/metrics").text, "pas_ws_clients") == base)


def _wait_for(check, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
