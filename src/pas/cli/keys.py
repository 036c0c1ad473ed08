"""`pas keys create | list | revoke | demo`."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from pas.cli.output import JsonOpt, console, container, emit_json, table
from pas.workflows.keys import (
    create_key,
    demo_key_file,
    key_is_active,
    list_keys,
    revoke_key,
)

keys_app = typer.Typer(help="Manage API keys (stored hashed; shown once).", no_args_is_help=True)


@keys_app.command("create")
def create(
    role: str = typer.Option(..., help="viewer, trader or admin"),
    name: str | None = typer.Option(None, help="A label for the key."),
    json_out: bool = JsonOpt,
) -> None:
    """Create an API key and print it once."""
    with container() as c:
        c.init_schema()
        key, info = create_key(c.uow(), role, name)
    if json_out:
        emit_json({"key": key, "role": info.role, "id": info.id, "name": info.name})
    else:
        console.print(
            f"key {info.id} ({info.role}, {info.name}): {key}", soft_wrap=True, markup=False
        )
        console.print("store it now: it is not shown again")


@keys_app.command("list")
def list_command(json_out: bool = JsonOpt) -> None:
    """List API keys (prefix, role, state; never the keys)."""
    with container() as c:
        keys = list_keys(c.uow())
    if json_out:
        emit_json(
            [
                {
                    "id": k.id,
                    "name": k.name,
                    "role": k.role,
                    "prefix": k.key_prefix,
                    "created_at": k.created_at,
                    "revoked_at": k.revoked_at,
                }
                for k in keys
            ]
        )
        return
    table(
        "API keys",
        ["id", "name", "role", "prefix", "created", "state"],
        [
            [
                k.id,
                k.name,
                k.role,
                k.key_prefix + "…",
                k.created_at.isoformat(timespec="seconds"),
                "active" if k.active else f"revoked {k.revoked_at:%Y-%m-%d}",
            ]
            for k in keys
        ],
    )


@keys_app.command("revoke")
def revoke(
    key_id: int = typer.Argument(..., help="The key's id."), json_out: bool = JsonOpt
) -> None:
    """Revoke an API key."""
    with container() as c:
        info = revoke_key(c.uow(), key_id)
        c.announce_revocation(info.id)  # running API workers forget it now (with Redis)
    if json_out:
        emit_json({"id": info.id, "revoked_at": info.revoked_at})
    else:
        console.print(f"key {info.id} revoked")


@keys_app.command("demo")
def demo(json_out: bool = JsonOpt) -> None:
    """Create the database's demo admin key on first run (kept under var/) and print it."""
    with container() as c:
        c.init_schema()
        default = type(c.settings.database)().url
        path = demo_key_file(Path(c.settings.var_dir), c.settings.database.url, default)
        key = path.read_text().strip() if path.is_file() else ""
        created = False
        if not key or not key_is_active(c.uow(), key):
            key, _ = create_key(c.uow(), "admin", "demo admin")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(key + "\n")
            os.chmod(path, 0o600)
            created = True
    if json_out:
        emit_json({"key": key, "role": "admin", "created": created, "file": str(path)})
    else:
        state = "new" if created else "reused"
        console.print(f"demo admin key ({state}, in {path}): {key}", soft_wrap=True, markup=False)


def register(app: typer.Typer) -> None:
    """Add `pas keys ...` to `app`."""
    app.add_typer(keys_app, name="keys")
