"""What every command shares: settings and container, --json output, errors, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from pas.bootstrap import Container, build
from pas.core.errors import ConfigError, PasError

console = Console()
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON.")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line on stderr and exit with `code`."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def container() -> Iterator[Container]:
    """Yield a container built from settings; map domain errors to one line and an exit code."""
    try:
        built = build()
    except ConfigError as exc:
        fail(str(exc), 2)
    try:
        yield built
    except ConfigError as exc:
        fail(str(exc), 2)
    except PasError as exc:
        fail(str(exc), 1)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        fail(
            f"database error ({type(exc).__name__}): {detail}; is the schema current? run `pas init-db`",
            1,
        )
    finally:
        built.close()


def emit_json(payload: Any) -> None:
    """Print `payload` as JSON on stdout."""
    sys.stdout.write(json.dumps(payload, default=_default, indent=2) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def emit_record(data: dict[str, Any], json_out: bool) -> None:
    """Print one record as JSON, or as `key: value` lines for people."""
    if json_out:
        emit_json(data)
        return
    for key, value in data.items():
        console.print(f"{key}: {value}", markup=False, soft_wrap=True)


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    """Print a rich table."""
    out = Table(title=title)
    for col in columns:
        out.add_column(col)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    console.print(out)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[int, int | None, str], None]]:
    """Yield a Progress callback drawing a rich bar on stderr (silent when disabled)."""
    if not enabled:
        yield lambda done, total, what: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def report(done: int, total: int | None, what: str) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield report
