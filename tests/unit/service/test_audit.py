"""The audit log: each successful change records its key; reads and refusals record nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from pas.bootstrap import Container
from pas.cli import main
from pas.core.records import AuditEntry
from pas.workflows.audit import record
from tests.unit.service.conftest import auth


def _entries(client: TestClient, admin: str, **query: object) -> dict[str, object]:
    r = client.get("/api/v1/audit", params=query, headers=auth(admin))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_changes_are_recorded_with_their_key(
    client: TestClient, keys: dict[str, str], demo_container: Container
) -> None:
    trader, admin = keys["trader"], keys["admin"]
    made = client.post(
        "/api/v1/ledger/sleeves?token=s3cret", json={"name": "audited"}, headers=auth(trader)
    )
    assert made.status_code == 201
    client.get("/api/v1/ledger/sleeves", headers=auth(trader))  # a read: not recorded
    refused = client.post("/api/v1/ledger/sleeves", json={"name": "a\x00"}, headers=auth(trader))
    assert refused.status_code == 422  # a refusal changed nothing: not recorded
    assert client.post("/api/v1/ledger/sleeves", json={"name": "x"}).status_code == 401
    revoked = client.post("/api/v1/keys", json={"role": "viewer"}, headers=auth(admin)).json()
    assert client.delete(f"/api/v1/keys/{revoked['id']}", headers=auth(admin)).status_code == 200

    page = _entries(client, admin)
    entries = page["entries"]
    assert isinstance(entries, list)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("DELETE", f"/api/v1/keys/{revoked['id']}", 200),
        ("POST", "/api/v1/keys", 201),
        ("POST", "/api/v1/ledger/sleeves", 201),
    ]
    delete, create_key, sleeve = entries
    with demo_container.uow() as uow:
        ids = {k.role: k.id for k in uow.api_keys.list() if k.role in ("trader", "admin")}
    assert sleeve["actor"] == f"key:{ids['trader']}" and sleeve["role"] == "trader"
    assert (sleeve["object_type"], sleeve["object_id"]) == ("sleeves", str(made.json()["id"]))
    assert create_key["object_type"] == "keys" and create_key["object_id"] == str(revoked["id"])
    assert delete["actor"] == f"key:{ids['admin']}"
    assert (delete["object_type"], delete["object_id"]) == ("keys", str(revoked["id"]))
    assert "s3cret" not in json.dumps(page)  # the query string is never stored


def test_paging_and_filter(
    client: TestClient, keys: dict[str, str], demo_container: Container
) -> None:
    for i in range(5):
        record(demo_container.uow(), AuditEntry(f"key:{i % 2}", "POST", f"/p/{i}", 200))
    first = _entries(client, keys["admin"], limit=2)
    assert [e["path"] for e in first["entries"]] == ["/p/4", "/p/3"]  # type: ignore[union-attr]
    second = _entries(client, keys["admin"], limit=2, before=first["next"])
    assert [e["path"] for e in second["entries"]] == ["/p/2", "/p/1"]  # type: ignore[union-attr]
    last = _entries(client, keys["admin"], limit=2, before=second["next"])
    assert [e["path"] for e in last["entries"]] == ["/p/0"] and last["next"] is None  # type: ignore[union-attr]
    only = _entries(client, keys["admin"], actor="key:1")
    assert [e["path"] for e in only["entries"]] == ["/p/3", "/p/1"]  # type: ignore[union-attr]
    assert client.get("/api/v1/audit", headers=auth(keys["trader"])).status_code == 403
    assert client.get("/api/v1/audit?limit=0", headers=auth(keys["admin"])).status_code == 422


def test_the_migration_matches_the_model(demo_container: Container) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import pas.database.models_audit  # noqa: F401  (registers the table)
    from pas.database.models import Base

    with demo_container.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, Base.metadata) if "audit" in repr(d)]
    assert diff == []


def test_pas_audit_lists_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init-db"]) == 0
    from pas.bootstrap import build

    c = build()
    try:
        record(
            c.uow(),
            AuditEntry("key:7", "POST", "/api/v1/strategies", 201, "trader", "strategies", "3"),
        )
    finally:
        c.close()
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(e["actor"], e["object_id"]) for e in out["entries"]] == [("key:7", "3")]
    assert main(["audit", "--limit", "0"]) != 0
