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
        workers: int | None = typer.Option(
            None,
            min=1,
            max=64,
            help="Worker processes (default: server.workers); more than 1 needs MariaDB and Redis.",
        ),
    ) -> None:
        """Serve the HTTP API and /ws (and, without Redis, run the updater in this process)."""
        from pas.bootstrap import build
        from pas.cli.output import keep_outage_lines
        from pas.core.errors import ConfigError
        from pas.service.start import serve as run

        keep_outage_lines()
        try:
            container = build()
            count = workers or container.settings.server.workers
            background = None
            if count == 1 and container.updater_in_serve():
                from pas.tasks.updater import Updater

                background = Updater(container)
            run(host, port, workers=count, container=container, background=background)
        except ConfigError as exc:
            fail(str(exc), 2)
