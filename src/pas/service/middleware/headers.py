"""Security headers on every HTTP answer, an unexpected failure's 500 included."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pas.service.middleware.answers import send_error

#: what the dashboard (Vite build, no inline script) and the offline Swagger UI need:
#: everything from the API's own origin, images also as data: URIs (Swagger UI's
#: icons), WebSockets to it (`/ws`), and no framing by another site
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP answer (a route's own CSP is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request with the headers added to its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # answered here so that the 500 carries the headers too; the server's
            # error handler still logs it (and sends nothing more once we answered)
            if not started:
                await send_error(with_headers, 500, "internal_error", "internal server error")
            raise
