"""`pas init-db`."""

from __future__ import annotations

import typer

from pas.cli.output import JsonOpt, console, container, emit_json


def register(app: typer.Typer) -> None:
    """Add the database commands to `app`."""

    @app.command("init-db")
    def init_db_command(json_out: bool = JsonOpt) -> None:
        """Create or upgrade the database schema to the newest migration."""
        with container() as c:
            before, after = c.init_schema()
        if json_out:
            emit_json({"before": before, "after": after, "changed": before != after})
        elif before == after:
            console.print(f"schema already at {after}: nothing to do")
        else:
            console.print(f"schema upgraded {before or '(empty)'} -> {after}")
