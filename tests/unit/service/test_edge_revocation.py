"""Revocation reaches every worker within a second: the key cache trusts a key 0.5 s."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pas.config import load_settings
from pas.core.errors import ConfigError
from pas.workflows.keys import create_key, revoke_key
from tests.unit.service.conftest import auth
from tests.unit.service.edge_app import edge_app, edge_client


def test_keys_are_trusted_at_most_a_second() -> None:
    assert load_settings().auth.key_cache_seconds == 0.5
    with pytest.raises(ConfigError, match=r"auth\.key_cache_seconds"):
        load_settings(auth={"key_cache_seconds": 5})


def test_a_revocation_by_another_process_is_seen_within_the_cache_time(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path)
    assert app.state.key_cache.ttl_seconds == 0.5
    key, info = create_key(container.uow(), "viewer")
    client = edge_client(app)
    assert client.get("/api/v1/securities", headers=auth(key)).status_code == 200
    # as the CLI does it: straight to the database, this app's cache is not told
    revoke_key(container.uow(), info.id)
    revoked = time.monotonic()
    while client.get("/api/v1/securities", headers=auth(key)).status_code == 200:
        assert time.monotonic() - revoked < 1.0, "still accepted a second after its revocation"
        time.sleep(0.01)
    assert client.get("/api/v1/securities", headers=auth(key)).status_code == 401


def test_a_revocation_through_the_api_is_immediate(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path, auth={"key_cache_seconds": 1.0})
    admin, _ = create_key(container.uow(), "admin")
    key, info = create_key(container.uow(), "viewer")
    client = edge_client(app)
    assert client.get("/api/v1/securities", headers=auth(key)).status_code == 200
    assert client.delete(f"/api/v1/keys/{info.id}", headers=auth(admin)).status_code == 200
    assert client.get("/api/v1/securities", headers=auth(key)).status_code == 401
