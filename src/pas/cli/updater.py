"""`pas updater`: run the scheduled jobs (`--once JOB` runs one now, `--list` shows them)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `pas updater` to `app`."""

    @app.command("updater")
    def updater(
        once: str | None = typer.Option(
            None, "--once", metavar="JOB", help="Run one job now and exit."
        ),
        list_jobs: bool = typer.Option(
            False, "--list", help="Show the jobs, schedules, last and next runs."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    ) -> None:
        """Run the updater: each job on its cron schedule, one leader among instances (Redis lock)."""
        from pas.cli import updater_run

        if once is not None and list_jobs:
            from pas.cli.output import fail

            fail("use either --once JOB or --list, not both", 2)
        if list_jobs:
            updater_run.show_jobs(json_out)
        elif once is not None:
            updater_run.run_once(once, json_out)
        else:
            from pas.cli.output import keep_outage_lines

            keep_outage_lines()
            updater_run.run_forever(json_out)
