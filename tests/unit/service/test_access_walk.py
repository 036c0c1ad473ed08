"""Every route of the OpenAPI schema refuses a missing, malformed, revoked or too weak key.

The walk reads each route's role from its `require(role)` dependency, so a new
route without a role check fails here unless it is listed in PUBLIC.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.core.auth import Role
from pas.service.app import create_app
from pas.workflows.keys import create_key, revoke_key

#: routes anyone may call: probes, the schema and its docs, the dashboard's files
#: /metrics is open from loopback only and checks the key itself from elsewhere
#: (tests/unit/service/test_edge_metrics.py)
PUBLIC_SCHEMA = {("GET", "/health"), ("GET", "/ready"), ("GET", "/metrics")}
PUBLIC_PREFIXES = ("/docs", "/openapi.json", "/dashboard", "/redoc", "/ws")
#: a valid value for each path parameter that is not an id
PATH_VALUES = {"method": "max_sharpe", "job_id": "job-1"}


def _role_of(route: APIRoute) -> Role | None:
    """Return the role the route's `require(role)` dependency demands (None: no role check)."""
    for dep in route.dependant.dependencies:
        call = dep.call
        if getattr(call, "__qualname__", "") == "require.<locals>.check":
            cells = dict(zip(call.__code__.co_freevars, call.__closure__ or (), strict=True))
            role = cells["role"].cell_contents
            assert isinstance(role, Role)
            return role
    return None


def _flat(routes: list[Any]) -> list[Any]:
    """Return every route, looking inside included routers (mounted without a prefix)."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_flat(inner.routes) if inner is not None else [route])
    return out


def _operations(app: FastAPI) -> list[tuple[str, str, Role | None]]:
    routes = {
        (m, r.path): r
        for r in _flat(app.routes)
        if isinstance(r, APIRoute)
        for m in r.methods or ()
    }
    out = []
    for path, ops in app.openapi()["paths"].items():
        for method in ops:
            out.append((method.upper(), path, _role_of(routes[method.upper(), path])))
    return out


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)


@pytest.fixture
def app(demo_container: Container) -> FastAPI:
    # the walk makes hundreds of refused requests from one address: no rate limit here
    # (tests/unit/service/test_edge_throttle.py tests it)
    demo_container.settings.auth.max_failures = 1_000_000
    return create_app(demo_container)


@pytest.fixture
def keys(demo_container: Container) -> dict[str, str]:
    uow = demo_container.uow
    out = {role: create_key(uow(), role)[0] for role in ("viewer", "trader", "admin")}
    revoked, info = create_key(uow(), "admin")
    revoke_key(uow(), info.id)
    out["revoked"] = revoked
    return out


def test_every_schema_route_is_protected_or_listed_public(app: FastAPI) -> None:
    ops = _operations(app)
    assert len(ops) > 30
    unprotected = {(m, p) for m, p, role in ops if role is None}
    assert unprotected == PUBLIC_SCHEMA
    hidden = [
        r.path
        for r in _flat(app.routes)
        if not getattr(r, "include_in_schema", False) and r.path != "/"
    ]
    assert all(p.startswith(PUBLIC_PREFIXES) for p in hidden), hidden


def test_the_walk_refuses_every_bad_key(app: FastAPI, keys: dict[str, str]) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    walked = 0
    for method, path, role in _operations(app):
        if role is None:
            continue
        url = _concrete(path)
        attempts: list[tuple[str, dict[str, str], int]] = [
            ("no key", {}, 401),
            ("malformed", {"Authorization": 'Bearer not a key; "x"'}, 401),
            ("malformed header", {"Authorization": "Basic Zm9vOmJhcg=="}, 401),
            ("unknown", {"X-API-Key": "pas_" + "A" * 43}, 401),
            ("revoked", {"Authorization": f"Bearer {keys['revoked']}"}, 401),
        ]
        weaker = [r for r in Role if r < role]
        if weaker:
            attempts.append(("wrong role", {"X-API-Key": keys[weaker[-1].name]}, 403))
        for what, headers, expected in attempts:
            r = client.request(method, url, headers=headers)
            assert r.status_code == expected, (method, path, what, r.status_code, r.text)
            assert r.json()["error"]["code"] in ("unauthorized", "forbidden")
            walked += 1
    assert walked > 150


def test_a_key_appears_in_no_log_event_or_error_body(
    app: FastAPI, keys: dict[str, str], demo_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[Any] = []
    stop = demo_container.hub.add_listener(events.append)
    secrets = [keys["admin"], keys["trader"], keys["revoked"], "pas_querysecret123"]
    bodies: list[str] = []
    try:
        client = TestClient(app, raise_server_exceptions=False)
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        for url in (
            "/api/v1/ledger/sleeves?token=pas_querysecret123",
            f"/api/v1/keys?api_key={keys['trader']}",
            "/api/v1/strategies/18446744073709551617",
            "/api/v1/orders?status=lost&token=pas_querysecret123",
        ):
            bodies.append(client.get(url, headers=admin).text)
            bodies.append(client.get(url, headers={"X-API-Key": keys["revoked"]}).text)
        made = client.post(
            "/api/v1/ledger/sleeves?token=pas_querysecret123", json={"name": "s"}, headers=admin
        )
        bodies.append(made.text)
        bodies.append(
            client.post("/api/v1/keys", json={"role": keys["trader"]}, headers=admin).text
        )
        bodies.append(client.get("/api/v1/audit", headers=admin).text)
        bodies.append(client.post("/api/v1/reconciliation/run", headers=admin).text)
    finally:
        stop()
    # the server's records (the test client's own httpx records show the URLs it sent)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() + str(r.args) for r in server)
    published = "\n".join(repr(e) for e in events)
    assert any("unknown status" in b for b in bodies)  # the requests did reach the app
    for secret in secrets:
        for where, text in (("logs", logged), ("events", published), ("bodies", "\n".join(bodies))):
            assert secret not in text, (where, secret[:8])
