"""Request ids and Prometheus metrics for every HTTP request."""

from __future__ import annotations

import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pas.realtime.telemetry import HTTP_ERRORS, HTTP_REQUESTS, HTTP_SECONDS
from pas.service.jsonlog import REQUEST_ID

#: a request id the client sends is kept when it looks like one (never a log injection)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNMATCHED = "unmatched"


class Observe:
    """Gives each request an id (`X-Request-ID`, also in its log lines) and counts it.

    Metrics are labelled by the route's template (`/api/v1/ledger/sleeves/{sleeve}`),
    never the raw path, so random URLs cannot grow their number. A request no
    route served (a path no route matches, or one refused at the edge with
    413 or 429) is counted under `unmatched`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, timed and counted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        began = time.perf_counter()
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            REQUEST_ID.reset(token)
            route = route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - began)
            if status >= 500:
                HTTP_ERRORS.labels(method, route).inc()


def route_template(scope: Scope) -> str:
    """Return the path template of the route that served `scope`, or `unmatched`."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _SANE_ID.match(text):
                return text
    return uuid.uuid4().hex
