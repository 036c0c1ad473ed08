"""Load shedding: a bounded number of HTTP requests in progress, 503 for the next ones."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from pas.realtime.telemetry import HTTP_IN_FLIGHT, HTTP_SHED
from pas.service.middleware.answers import send_error

#: the probes an orchestrator and Prometheus need most when the server is overloaded
EXEMPT = frozenset({"/health", "/ready", "/metrics"})
#: seconds a shed client is told to wait
RETRY_AFTER_S = 1


class Admission:
    """At most `limit` HTTP requests in progress in this process; the next one gets 503.

    Past the limit, a request queues behind all the others (the thread pool,
    the database pool) and its answer comes late for everyone: it is refused
    at once instead, before its body is read or its key looked up, with
    `Retry-After`. Nothing it asked for has happened, so repeating it is safe.
    WebSockets and the probes are not counted. `limit` 0 admits everything.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0  # one event loop per process: no lock between check and count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, or refuse it when `limit` are in progress."""
        if scope["type"] != "http" or not self.limit or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            HTTP_SHED.inc()
            await send_error(
                send,
                503,
                "overloaded",
                f"the server has {self.limit} requests in progress, its limit: retry shortly",
                {"max_in_flight": self.limit},
                {"Retry-After": str(RETRY_AFTER_S)},
            )
            return
        self.in_flight += 1
        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            HTTP_IN_FLIGHT.dec()
