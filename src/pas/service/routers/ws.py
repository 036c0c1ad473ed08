"""`/ws`: the real-time WebSocket (protocol in docs/websocket.md).

Authentication comes first (an `auth` message, or a `token` query parameter,
which the access log redacts); then `subscribe`/`unsubscribe` with optional
resume (`since` + `epoch`). One task reads the client's messages, one writes
its bounded queue; a client whose queue overflows is closed with 4408.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from pas.bootstrap import Container
from pas.core.auth import Role
from pas.core.errors import AuthError, PermissionDenied
from pas.core.events import TOPIC_ROLES, TOPICS
from pas.core.records import ApiKeyInfo
from pas.realtime.telemetry import WS_CLIENTS
from pas.service.fanout import SLOW_CLIENT, Client, Fanout, fanout_for
from pas.workflows.keys import authenticate

log = logging.getLogger(__name__)
router = APIRouter(tags=["realtime"])

UNAUTHORIZED = 4401
FORBIDDEN = 4403
UNAVAILABLE = 1011
#: how long closing waits for a client that does not read (its buffers are full)
CLOSE_WAIT = 30.0


class ProtocolError(ValueError):
    """A client message the protocol does not allow (answered with an `error` message)."""


def parse_message(text: str) -> dict[str, Any]:
    """Return a client message as a dict with a known `op`, or raise ProtocolError."""
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError("messages must be JSON objects") from None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        raise ProtocolError('messages must be JSON objects with an "op"')
    if message["op"] not in ("auth", "subscribe", "unsubscribe", "ping", "pong"):
        raise ProtocolError(f"unknown op {message['op']!r}")
    return message


def parse_subscription(message: dict[str, Any]) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """Return (topics, since, epochs) of a subscribe/unsubscribe message."""
    topics = message.get("topics")
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        raise ProtocolError('"topics" must be a non-empty list of topic names')
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise ProtocolError(f"unknown topic(s) {unknown}; known: {list(TOPICS)}")
    since = message.get("since") or {}
    epochs = message.get("epoch") or {}
    if not isinstance(since, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in since.values()
    ):
        raise ProtocolError('"since" must map topics to offsets (integers >= 0)')
    if not isinstance(epochs, dict) or not all(isinstance(v, str) for v in epochs.values()):
        raise ProtocolError('"epoch" must map topics to epoch strings')
    return list(dict.fromkeys(topics)), since, epochs


class Session:
    """One WebSocket connection from accept to close."""

    def __init__(self, websocket: WebSocket, container: Container) -> None:
        self.ws = websocket
        self.container = container
        self.settings = container.settings.realtime
        self.client = Client(self.settings.client_queue)
        self.key: ApiKeyInfo | None = None
        self.token: str | None = None
        self.fanout: Fanout | None = None

    async def run(self) -> None:
        """Serve the connection until either side closes it."""
        await self.ws.accept()
        if not await self._authenticate():
            return
        self.fanout = fanout_for(self.ws.app.state, self.container.hub)
        self.fanout.clients.add(self.client)
        WS_CLIENTS.inc()
        ending = [asyncio.create_task(self._reader()), asyncio.create_task(self._heartbeat())]
        tasks = [
            *ending,
            asyncio.create_task(self._writer()),
            asyncio.create_task(self.client.overflowed.wait()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.fanout.clients.discard(self.client)
            WS_CLIENTS.dec()
            for task in tasks:
                task.cancel()
        codes = [t.result() for t in ending if t in done and t.exception() is None]
        if self.client.overflowed.is_set():
            await self._close(SLOW_CLIENT, "too slow: the client's queue overflowed")
        elif codes and codes[0] is not None:
            reasons = {
                UNAUTHORIZED: "the key is no longer valid",
                FORBIDDEN: "role too low",
                UNAVAILABLE: "the event hub is unavailable",
            }
            await self._close(codes[0], reasons.get(codes[0], ""))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code, reason), CLOSE_WAIT)

    # --- authentication ---------------------------------------------------

    async def _authenticate(self) -> bool:
        if not self.container.settings.auth.enabled:
            self.client.send({"op": "authenticated", "role": None})
            return True
        token = self.ws.query_params.get("token")
        if token is None:
            token = await self._auth_message()
        code = await self._check(token, Role.viewer)
        if code is not None:
            reason = "a valid API key is needed" if code == UNAUTHORIZED else "role too low"
            await self._close(code, reason)
            return False
        self.token = token
        assert self.key is not None
        self.client.send({"op": "authenticated", "role": self.key.role})
        return True

    async def _auth_message(self) -> str | None:
        try:
            text = await asyncio.wait_for(
                self.ws.receive_text(), self.settings.auth_timeout_seconds
            )
            message = parse_message(text)
        except (TimeoutError, ProtocolError, WebSocketDisconnect, RuntimeError, KeyError):
            return None
        token = message.get("token") if message["op"] == "auth" else None
        return token if isinstance(token, str) else None

    async def _check(self, token: str | None, needed: Role) -> int | None:
        """Return None when the key passes, else the close code (4401 or 4403)."""
        cache = getattr(self.ws.app.state, "key_cache", None)
        try:
            self.key = await asyncio.to_thread(
                authenticate, self.container.uow(), token, needed, cache
            )
        except PermissionDenied:
            return FORBIDDEN
        except AuthError:
            return UNAUTHORIZED
        return None

    # --- the three loops --------------------------------------------------

    async def _reader(self) -> int | None:
        """Handle client messages; return a close code when the session must end with one."""
        while True:
            try:
                text = await self.ws.receive_text()
            except (WebSocketDisconnect, RuntimeError, KeyError):
                return None
            try:
                code = await self._handle(parse_message(text))
            except ProtocolError as exc:
                self.client.send({"op": "error", "code": "invalid_input", "message": str(exc)})
                continue
            if code is not None:
                return code

    async def _handle(self, message: dict[str, Any]) -> int | None:
        op = message["op"]
        if op == "ping":
            self.client.send({"op": "pong"})
        elif op == "auth":
            self.client.send({"op": "authenticated", "role": self.key.role if self.key else None})
        elif op in ("subscribe", "unsubscribe"):
            topics, since, epochs = parse_subscription(message)
            if op == "unsubscribe":
                self._unsubscribe(topics)
                return None
            if self.key is not None:
                role = Role.parse(self.key.role)
                if any(role < TOPIC_ROLES[t] for t in topics):
                    return FORBIDDEN
            assert self.fanout is not None
            try:
                await self.fanout.subscribe(self.client, topics, since, epochs)
            except Exception as exc:  # the hub's Redis is away: say so, then close (1011)
                log.warning("subscribe failed: %s", exc)
                for topic in topics:
                    self.client.topics.pop(topic, None)
                self.client.send(
                    {
                        "op": "error",
                        "code": "unavailable",
                        "message": "the event hub is unavailable",
                    }
                )
                return UNAVAILABLE
        return None

    def _unsubscribe(self, topics: list[str]) -> None:
        epochs = {}
        for topic in topics:
            state = self.client.topics.pop(topic, None)
            if state is not None and state.epoch is not None:
                epochs[topic] = state.epoch
        self.client.send({"op": "unsubscribed", "topics": topics, "epoch": epochs})

    async def _writer(self) -> None:
        queue = self.client.queue
        while True:
            await self.ws.send_text(await queue.get())
            while not queue.empty():  # a backlog goes out without waiting on the queue again
                await self.ws.send_text(queue.get_nowait())

    async def _heartbeat(self) -> int | None:
        """Ping every heartbeat; end the session (4401) once its key is revoked."""
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            self.client.send({"op": "ping"})
            if self.key is not None and await self._check(self.token, Role.viewer) is not None:
                return UNAUTHORIZED


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """The real-time event stream."""
    container: Container = websocket.app.state.container
    await Session(websocket, container).run()
