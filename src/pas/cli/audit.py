"""`pas audit`: who changed what through the API, newest first."""

from __future__ import annotations

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, table


def audit_command(
    limit: int = typer.Option(100, min=1, max=1000, help="Entries to show."),
    before: int | None = typer.Option(
        None, min=1, max=2**63 - 1, help="Entries older than this id (the `next` of a page)."
    ),
    actor: str | None = typer.Option(None, help="Only this actor, e.g. key:3."),
    json_out: bool = JsonOpt,
) -> None:
    """List the audit log: time, actor, role, request, status and object of each change."""
    from pas.workflows.audit import entry_json, page

    with container() as c:
        c.init_schema()
        entries, nxt = page(c.uow(), limit, before, actor)
    rows = [entry_json(e) for e in entries]
    if json_out:
        emit_json({"entries": rows, "next": nxt})
        return
    table(
        "Audit log",
        ["id", "at", "actor", "role", "request", "status", "object"],
        [
            [
                r["id"],
                r["at"],
                r["actor"],
                r["role"] or "",
                f"{r['method']} {r['path']}",
                r["status"],
                f"{r['object_type'] or ''} {r['object_id'] or ''}".strip(),
            ]
            for r in rows
        ],
    )
    if nxt is not None:
        console.print(f"more: pas audit --before {nxt}")


def register(app: typer.Typer) -> None:
    """Add `pas audit` to `app`."""
    app.command("audit")(audit_command)
