"""`python -m pas.service.start`: serve the API with uvicorn on the configured host and port."""

from __future__ import annotations

import sys

import uvicorn

from pas.bootstrap import build
from pas.config import load_settings
from pas.core.errors import ConfigError
from pas.service.app import create_app


def serve(host: str | None = None, port: int | None = None) -> None:
    """Run the API until interrupted; settings give host and port unless overridden."""
    settings = load_settings()
    app = create_app(build(settings))
    uvicorn.run(
        app,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level=settings.log_level.lower(),
    )


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
