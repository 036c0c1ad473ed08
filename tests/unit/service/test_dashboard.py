"""The dashboard at /dashboard and Swagger UI at /docs, served from the package's files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pas.bootstrap import Container
from pas.service import dashboard
from pas.service.app import create_app

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a static folder with a small dashboard build and docs page, served by the app."""
    static = tmp_path / "static"
    (static / "dashboard" / "assets").mkdir(parents=True)
    (static / "docs").mkdir()
    (static / "dashboard" / "index.html").write_text("<html>dashboard index</html>")
    (static / "dashboard" / "assets" / "index-abc123.js").write_text("console.log(1)")
    (static / "docs" / "index.html").write_text("<html>swagger page</html>")
    (static / "docs" / "swagger-ui-bundle.js").write_text("// bundle")
    (tmp_path / "secret.txt").write_text("not for the web")
    monkeypatch.setattr(dashboard, "DASHBOARD", static / "dashboard")
    monkeypatch.setattr(dashboard, "DOCS", static / "docs")
    return static


@pytest.fixture
def client(container: Container) -> TestClient:
    return TestClient(create_app(container), raise_server_exceptions=False)


def test_dashboard_serves_the_build_and_index_for_client_routes(
    built: Path, client: TestClient
) -> None:
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/dashboard/"
    for path in ("/dashboard/", "/dashboard/account", "/dashboard/orders/7"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.text == "<html>dashboard index</html>"
        assert answer.headers["cache-control"] == "no-cache"
    asset = client.get("/dashboard/assets/index-abc123.js")
    assert asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]


def test_a_missing_file_is_404_and_nothing_outside_the_build_is_served(
    built: Path, client: TestClient
) -> None:
    missing = client.get("/dashboard/assets/gone.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    for path in ("/dashboard/../../secret.txt", "/dashboard/%2e%2e/%2e%2e/secret.txt"):
        answer = client.get(path)
        assert "not for the web" not in answer.text, path


def test_docs_come_from_local_files_not_a_cdn(built: Path, client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.text == "<html>swagger page</html>"
    assert client.get("/docs/swagger-ui-bundle.js").text == "// bundle"
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/nope.js").status_code == 404


def test_unbuilt_pages_say_how_to_build_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: TestClient
) -> None:
    monkeypatch.setattr(dashboard, "DASHBOARD", tmp_path / "none")
    monkeypatch.setattr(dashboard, "DOCS", tmp_path / "none")
    for path in ("/dashboard/", "/dashboard/account", "/docs"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "make dashboard" in answer.text and "Node.js" in answer.text
        assert "/openapi.json" in answer.text


def test_the_pages_are_not_part_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/dashboard", "/docs"))]


def test_the_front_end_client_is_generated_from_the_current_schema(container: Container) -> None:
    committed = (ROOT / "frontend" / "openapi.json").read_text()
    current = dashboard.openapi_document(create_app(container))
    assert json.loads(committed) == json.loads(current), (
        "frontend/openapi.json is stale: run `make api-client` and commit the result"
    )
    assert committed == current
