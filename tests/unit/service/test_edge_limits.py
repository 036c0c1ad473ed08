"""The request body limit: 413 with the JSON error body, before parsing or auth."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.types import Message, Receive, Scope, Send

from pas.service.middleware.limits import BodyLimit
from pas.workflows.keys import create_key
from tests.unit.service.conftest import auth
from tests.unit.service.edge_app import edge_app, edge_client

LIMIT = 4096


def _chunks(total: int, size: int = 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_declared_body_over_the_limit_is_refused_before_auth(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, server={"max_body_bytes": LIMIT})
    answer = edge_client(app).post(
        "/api/v1/keys",
        content=b"{" + b" " * LIMIT + b"}",
        headers={"Content-Type": "application/json"},
    )
    # no key was sent: a 413 instead of a 401 proves the limit comes first
    assert answer.status_code == 413
    assert answer.json() == {
        "error": {
            "code": "payload_too_large",
            "message": f"the request body is larger than {LIMIT} bytes",
            "details": {"max_bytes": LIMIT},
        }
    }
    assert answer.headers["connection"] == "close"


def test_a_chunked_body_is_counted_as_it_streams(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path, server={"max_body_bytes": LIMIT})
    answer = edge_client(app).post(
        "/api/v1/keys", content=_chunks(10 * LIMIT), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


def test_a_body_within_the_limit_goes_through(tmp_path: Path) -> None:
    app, container = edge_app(tmp_path, server={"max_body_bytes": LIMIT})
    key, _ = create_key(container.uow(), "admin")
    client = edge_client(app)
    body = {"role": "viewer", "name": "n" * 50}
    assert client.post("/api/v1/keys", json=body, headers=auth(key)).status_code == 201
    streamed = client.post(
        "/api/v1/keys",
        content=iter([b'{"role": ', b'"viewer"}']),
        headers={**auth(key), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 201


def test_a_content_length_that_is_not_a_number_is_a_400(tmp_path: Path) -> None:
    app, _ = edge_app(tmp_path)
    answer = edge_client(app).post(
        "/api/v1/keys", content=b"{}", headers={"Content-Length": "lots"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("chunk", [1, 1000, 4096])
def test_the_app_never_receives_more_than_the_limit_plus_one_chunk(chunk: int) -> None:
    """The inner app reads everything it is given; it is cut off just past the limit."""
    seen = {"bytes": 0, "disconnected": False}
    sent: list[Message] = []

    async def reader(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                seen["disconnected"] = True
                break
            seen["bytes"] += len(message["body"])
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read it all"})

    total = 1_000_000
    stream = [
        {"type": "http.request", "body": b"y" * chunk, "more_body": True}
        for _ in range(total // chunk)
    ]

    async def receive() -> Message:
        return stream.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": []}
    asyncio.run(BodyLimit(reader, max_bytes=LIMIT)(scope, receive, send))
    assert seen["disconnected"] and seen["bytes"] <= LIMIT + chunk
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert len(stream) > 0  # the rest of the upload was never pulled
