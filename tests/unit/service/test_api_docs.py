"""docs/api.md agrees with the app: every documented route exists, the allocation body validates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from pas.service.routers.allocations import AllocationBody
from tests.unit.service.conftest import auth

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _documented(text: str) -> set[tuple[str, str]]:
    """Return (method, path) of every route in a routes table, query strings dropped."""
    found = set()
    for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`? ]*)", text):
        found.add((method.lower(), re.sub(r"\{[^}]+\}", "{}", path)))
    return found


def test_every_documented_route_is_served(client: TestClient) -> None:
    served = set()
    for path, item in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        served |= {(method, re.sub(r"\{[^}]+\}", "{}", path)) for method in item}
    documented = _documented((DOCS / "api.md").read_text())
    assert documented and documented - served == set()


def test_the_documented_allocation_body_is_what_the_route_takes(
    client: TestClient, keys: dict[str, str]
) -> None:
    text = (DOCS / "api.md").read_text()
    section = text[text.index("## `POST /api/v1/allocations`") :]
    body = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    AllocationBody.model_validate(body)
    r = client.post("/api/v1/allocations", json=body, headers=auth(keys["trader"]))
    assert r.status_code == 201, r.text
    assert r.json()["requested_method"] == "risk_parity"
