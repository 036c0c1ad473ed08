"""`pas serve`."""

from __future__ import annotations

import typer

from pas.cli.output import fail


def register(app: typer.Typer) -> None:
    """Add `pas serve` to `app`."""

    @app.command("serve")
    def serve(
        host: str | None = typer.Option(None, help="Bind address (default: server.host)."),
        port: int | None = typer.Option(None, help="Port (default: server.port)."),
    ) -> None:
        """Serve the HTTP API (and, later, the dashboard and /ws)."""
        from pas.core.errors import ConfigError
        from pas.service.start import serve as run

        try:
            run(host, port)
        except ConfigError as exc:
            fail(str(exc), 2)
