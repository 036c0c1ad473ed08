"""An app on the demo database with one key per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.service.app import create_app
from pas.workflows.keys import create_key


@pytest.fixture
def keys(demo_container: Container) -> dict[str, str]:
    """Return role -> a fresh key with that role."""
    return {
        role: create_key(demo_container.uow(), role)[0] for role in ("viewer", "trader", "admin")
    }


@pytest.fixture
def client(demo_container: Container) -> TestClient:
    """Return a test client of the app on the demo database (no key attached)."""
    return TestClient(create_app(demo_container), raise_server_exceptions=False)


def auth(key: str) -> dict[str, str]:
    """Return the header that presents `key`."""
    return {"Authorization": f"Bearer {key}"}
