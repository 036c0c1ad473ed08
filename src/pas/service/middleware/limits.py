"""The request body limit: 413 before the body is read, parsed or authenticated."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pas.service.middleware.answers import send_error


class BodyLimit:
    """Refuses request bodies larger than `max_bytes` with 413.

    A declared Content-Length over the limit is refused before one byte is
    read. A body without one (chunked) is counted as it streams: at the first
    byte over the limit the client gets 413 and the app sees a disconnect, so
    no more than `max_bytes` (plus one chunk) is ever held.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, refusing it when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await send_error(send, 400, "invalid_input", "Content-Length is not a number")
            return
        if declared is not None and declared > self.max_bytes:
            await self.refuse(send)
            return
        await _Guarded(self, receive, send).run(scope)

    async def refuse(self, send: Send) -> None:
        """Answer 413 (the connection closes: the rest of the body is never read)."""
        await send_error(
            send,
            413,
            "payload_too_large",
            f"the request body is larger than {self.max_bytes} bytes",
            {"max_bytes": self.max_bytes},
            {"Connection": "close"},
        )


class _Guarded:
    """One request whose body is counted as the app reads it."""

    def __init__(self, limit: BodyLimit, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.outer_receive = receive
        self.outer_send = send
        self.received = 0
        self.started = False
        self.refused = False

    async def run(self, scope: Scope) -> None:
        await self.limit.app(scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self.outer_receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                self.refused = True
                if not self.started:
                    await self.limit.refuse(self.outer_send)
                    self.started = True
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the 413 is the answer; what the app says after the disconnect is dropped
        if message["type"] == "http.response.start":
            self.started = True
        await self.outer_send(message)


def _content_length(scope: Scope) -> int | None:
    """Return the declared body size, None when undeclared, -1 when not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                size = int(value)
            except ValueError:
                return -1
            return size if size >= 0 else -1
    return None
