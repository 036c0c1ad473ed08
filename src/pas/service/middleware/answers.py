"""JSON error answers sent straight from ASGI middleware (before any route runs)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Send

from pas.service.errors import error_body


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send a whole HTTP answer with the JSON error body."""
    body = orjson.dumps(error_body(code, message, details))
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
