"""An app on a fresh database with edge settings of the test's choosing, and its keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.service.app import create_app
from tests.conftest import make_settings


def edge_container(tmp_path: Path, **overrides: Any) -> Container:
    """Return a container on a fresh SQLite database with these settings."""
    container = Container(make_settings(f"sqlite:///{tmp_path / 'edge.db'}", tmp_path, **overrides))
    container.init_schema()
    return container


def edge_client(app: FastAPI, address: str = "127.0.0.1") -> TestClient:
    """Return a test client whose requests come from `address`."""
    return TestClient(app, raise_server_exceptions=False, client=(address, 50_000))


def edge_app(tmp_path: Path, **overrides: Any) -> tuple[FastAPI, Container]:
    """Return (the app, its container) on a fresh database with these settings."""
    container = edge_container(tmp_path, **overrides)
    return create_app(container), container
