"""`python -m pas.service.start`: serve the API with uvicorn on the configured host and port.

One process by default; `server.workers` (or `pas serve --workers N`) runs N
uvicorn worker processes on one socket, each building its own container from
the same settings. Several workers need MariaDB and Redis: with SQLite, the
embedded ledger, the in-process hub or the in-process caches, each worker
would keep its own state and their answers would diverge.
"""

from __future__ import annotations

import copy
import os
import sys
from typing import Any

import uvicorn
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from pas.bootstrap import Container, build
from pas.config import Settings, load_settings
from pas.core.errors import ConfigError
from pas.service.app import Background, create_app

#: what each worker process imports and calls to build its app
WORKER_FACTORY = "pas.service.start:worker_app"


def log_config(json_lines: bool = False) -> dict[str, Any]:
    """Return uvicorn's logging config with every line redacted (`/ws?token=...` included).

    With `json_lines` every line is one JSON object, and PAS's own loggers
    write through the same handler (so their lines carry the request id).
    """
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "pas.realtime.logs.RedactingFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    if json_lines:
        json_formatter = {"()": "pas.service.jsonlog.JsonFormatter"}
        config["formatters"] = {"default": json_formatter, "access": dict(json_formatter)}
        config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


class WorkerHeader:
    """ASGI middleware naming the answering process in `X-PAS-Worker: <pid>`.

    Added to HTTP answers and to the WebSocket handshake, so an operator (or a
    test) can tell which worker a connection landed on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the call on, adding the header to the response start or the accept."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = (b"x-pas-worker", str(os.getpid()).encode())

        async def named(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        await self.app(scope, receive, named)


def check_workers(container: Container, workers: int) -> None:
    """Raise ConfigError unless `workers` processes would share all their state."""
    if workers == 1:
        return
    settings = container.settings
    if make_url(settings.database.url).get_backend_name() == "sqlite":
        raise ConfigError(
            f"{workers} API workers need MariaDB: database.url is SQLite "
            "(set PAS_DATABASE__URL=mysql+pymysql://...)",
            keys=["database.url", "server.workers"],
        )
    if settings.redis.url is None:
        raise ConfigError(
            f"{workers} API workers need Redis for the ledger, hub and caches they share "
            "(set PAS_REDIS__URL=redis://...)",
            keys=["redis.url", "server.workers"],
        )
    if container.updater_in_serve():
        raise ConfigError(
            f"{workers} API workers cannot each run the updater "
            "(updater.in_serve is on): run `pas updater` as its own process",
            keys=["updater.in_serve", "server.workers"],
        )


def _asgi(container: Container, background: Background | None) -> ASGIApp:
    """Return the app on `container`, named by worker when server.worker_header is set."""
    app: ASGIApp = create_app(container, background=background)
    return WorkerHeader(app) if container.settings.server.worker_header else app


def worker_app() -> ASGIApp:
    """Return one worker process's app, on a container built from the inherited settings."""
    return _asgi(build(load_settings()), None)


def _uvicorn_options(settings: Settings, host: str | None, port: int | None) -> dict[str, Any]:
    return {
        "host": host or settings.server.host,
        "port": port or settings.server.port,
        "log_level": settings.log_level.lower(),
        "log_config": log_config(settings.logging.json_lines),
        # one event goes to every client: compressing it per connection (each has its own
        # deflate context) would cost the CPU that fan-out needs
        "ws_per_message_deflate": False,
    }


def serve(
    host: str | None = None,
    port: int | None = None,
    *,
    workers: int | None = None,
    container: Container | None = None,
    background: Background | None = None,
) -> None:
    """Run the API until interrupted; settings give host, port and workers unless overridden.

    `background` (`pas serve` passes the updater when there is no Redis) runs
    alongside; it needs the single process. ConfigError when several workers
    are asked for on settings they could not share.
    """
    container = container or build(load_settings())
    settings = container.settings
    count = workers or settings.server.workers
    options = _uvicorn_options(settings, host, port)
    if count == 1:
        uvicorn.run(_asgi(container, background), **options)
        return
    check_workers(container, count)
    if background is not None:
        raise ConfigError("a background task needs a single worker", keys=["server.workers"])
    container.close()  # the supervisor serves nothing: each worker builds its own
    uvicorn.run(WORKER_FACTORY, factory=True, workers=count, **options)


def main() -> int:
    """Entry point; returns the exit code."""
    try:
        serve()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
