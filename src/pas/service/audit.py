"""The audit middleware: every successful change (POST, PUT, PATCH, DELETE) is recorded.

An entry names the actor (`key:<id>` of the key the role check admitted, or
`anonymous` when auth is off), its role, the method, the path without the query
string (a query string may carry secrets), the status and, where known, the
object's type and id (from the path, or the `id` of a created object).
"""

from __future__ import annotations

import json
import logging

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pas.bootstrap import Container
from pas.core.records import ApiKeyInfo, AuditEntry
from pas.workflows.audit import record

log = logging.getLogger(__name__)

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: the request state attribute the role check sets to the admitted key
KEY_STATE = "pas_key"
#: a created object's answer larger than this is not read for its id
_BODY_MAX = 65_536


def object_of(scope: Scope, body: bytes) -> tuple[str | None, str | None]:
    """Return (object type, object id) of a request: the path's id, or a created object's."""
    route = scope.get("route")
    template = str(getattr(route, "path", "") or scope.get("path", ""))
    parts = [p for p in template.split("/") if p and p not in ("api", "v1")]
    params = scope.get("path_params") or {}
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].startswith("{") and parts[i].strip("{}") in params:
            return parts[i - 1], str(params[parts[i].strip("{}")])
    kind = parts[-1] if parts else None
    if kind in ("run", "rebalance", "cancel", "sync") and len(parts) > 1:
        kind = parts[-2]
    return kind, _created_id(body)


def _created_id(body: bytes) -> str | None:
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        return None
    if isinstance(answer, dict):
        for name in ("id", "run_id"):
            if isinstance(answer.get(name), int | str):
                return str(answer[name])
    return None


def _entry(scope: Scope, status: int, body: bytes) -> AuditEntry:
    key = (scope.get("state") or {}).get(KEY_STATE)
    actor, role = ("anonymous", None)
    if isinstance(key, ApiKeyInfo):
        actor, role = f"key:{key.id}", key.role
    kind, oid = object_of(scope, body)
    return AuditEntry(actor, scope["method"], scope.get("path", ""), status, role, kind, oid)


class AuditMiddleware:
    """Record each successful mutating request after its answer is sent."""

    def __init__(self, app: ASGIApp, container: Container) -> None:
        self.app = app
        self.container = container

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; record it when it changed something."""
        if scope["type"] != "http" or scope.get("method") not in MUTATING:
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []
        size = 0

        async def capture(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and 200 <= status < 300:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= _BODY_MAX:
                    chunks.append(chunk)
            await send(message)

        await self.app(scope, receive, capture)
        if 200 <= status < 300:
            await self._record(
                _entry(scope, status, b"".join(chunks) if size <= _BODY_MAX else b"")
            )

    async def _record(self, entry: AuditEntry) -> None:
        try:
            await anyio.to_thread.run_sync(record, self.container.uow(), entry)
        except Exception:  # the change is made and answered; a lost entry is logged loudly
            log.exception("could not record the audit entry of %s %s", entry.method, entry.path)


def install(app: FastAPI, container: Container) -> None:
    """Add the audit middleware to `app` (inside compression, so it reads plain answers)."""
    app.add_middleware(AuditMiddleware, container=container)
