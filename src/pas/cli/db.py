"""`pas init-db`, `pas db backup FILE`, `pas db restore FILE`."""

from __future__ import annotations

from pathlib import Path

import typer

from pas.cli.output import JsonOpt, console, container, emit_json

db_app = typer.Typer(help="Back up and restore the database.", no_args_is_help=True)


@db_app.command("backup")
def backup_command(
    file: Path = typer.Argument(..., help="The backup file to write (replaced if it exists)."),
    json_out: bool = JsonOpt,
) -> None:
    """Write a consistent copy of the database (journal included) to FILE."""
    from pas.database.backup import backup, summary_json

    with container() as c:
        done = summary_json(backup(c.engine, file))
    if json_out:
        emit_json(done)
        return
    console.print(
        f"backed up {done['tables']} tables (schema {done['revision'] or 'none'}, "
        f"{done['ledger_events']} journal events) to {done['file']}: {done['bytes']} bytes "
        f"in {done['seconds']:.1f} s",
        markup=False,
    )


@db_app.command("restore")
def restore_command(
    file: Path = typer.Argument(..., help="A file written by `pas db backup`."),
    force: bool = typer.Option(
        False, "--force", help="Drop the tables of a non-empty database first."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """Load FILE into the configured database, which must be empty (or use --force)."""
    from pas.database.backup import restore, summary_json
    from pas.database.init_db import head_revision

    with container() as c:
        done = summary_json(restore(c.engine, file, force=force))
        redis = c.settings.redis
    steps = []
    if done["ledgers"] and redis.prefix not in done["ledgers"]:
        named = ", ".join(done["ledgers"])
        steps.append(f"set redis.prefix to {named} (the journal is that ledger's)")
    if done["revision"] != head_revision():
        steps.append("run `pas init-db` (the backup's schema is not this version's)")
    if redis.url is not None:
        steps.append(
            "run `pas ledger rebuild` (Redis holds no ledger, or another one than the restored journal)"
        )
    done["next"] = steps
    if json_out:
        emit_json(done)
        return
    console.print(
        f"restored {done['tables']} tables (schema {done['revision'] or 'none'}, "
        f"{done['ledger_events']} journal events) from {done['file']} "
        f"in {done['seconds']:.1f} s",
        markup=False,
    )
    for step in steps:
        console.print(f"next: {step}", markup=False)


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

    app.add_typer(db_app, name="db")
