"""Security headers on every answer, CORS only for configured origins."""

from __future__ import annotations

from pathlib import Path

import pytest

from pas.service.middleware.headers import CONTENT_SECURITY_POLICY
from tests.unit.service.conftest import auth
from tests.unit.service.edge_app import edge_app, edge_client

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}


def _has_headers(answer) -> bool:  # type: ignore[no-untyped-def]
    return all(answer.headers.get(k) == v for k, v in EXPECTED.items())


def test_every_kind_of_answer_carries_the_security_headers(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, server={"max_body_bytes": 1024}, auth={"max_failures": 1})

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    client, throttled = edge_client(app), edge_client(app, "203.0.113.7")
    answers = {
        "ok": client.get("/health"),
        "not found": client.get("/no/such/page"),
        "unauthorized": throttled.get("/api/v1/keys"),
        "too many": throttled.get("/api/v1/keys", headers=auth("pas_wrong")),
        "too large": client.post("/api/v1/keys", content=b"x" * 2048),
        "bug": client.get("/boom"),
        "dashboard": client.get("/dashboard/"),
        "docs": client.get("/docs"),
    }
    statuses = {name: a.status_code for name, a in answers.items()}
    assert statuses["too many"] == 429 and statuses["too large"] == 413
    assert statuses["bug"] == 500
    assert answers["bug"].json()["error"]["code"] == "internal_error"
    assert {name for name, a in answers.items() if not _has_headers(a)} == set()


def test_the_policy_allows_only_the_own_origin() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_no_cross_origin_access_by_default(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path)
    client = edge_client(app)
    answer = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers
    preflight = client.options(
        "/api/v1/keys",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize(
    ("origin", "allowed"), [("https://desk.example", True), ("https://evil.example", False)]
)
def test_configured_origins_may_call_the_api(tmp_path: Path, origin: str, allowed: bool) -> None:
    app, _ = edge_app(tmp_path, server={"cors_origins": ["https://desk.example"]})
    client = edge_client(app)
    preflight = client.options(
        "/api/v1/keys",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert (preflight.status_code == 200) is allowed
    assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed
    simple = client.get("/health", headers={"Origin": origin})
    assert (simple.headers.get("access-control-allow-origin") == origin) is allowed
    assert _has_headers(preflight) and _has_headers(simple)
