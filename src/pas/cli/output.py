"""What every command shares: settings and container, --json output, errors, progress."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from pas.core.errors import ConfigError, PasError

if TYPE_CHECKING:
    from pas.bootstrap import Container

console = Console()
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON.")


class OneShotOutages(logging.Filter):
    """Drops a dependency's outage lines while a one-shot command runs: its one error line
    says what is down. `pas serve` and `pas updater` call `keep_outage_lines()`."""

    keep = False

    def filter(self, record: logging.LogRecord) -> bool:
        """Return False for an outage line of a one-shot command."""
        return OneShotOutages.keep or not getattr(record, "pas_outage", False)


def keep_outage_lines() -> None:
    """Log outages (one line when one starts, one when it ends): for long-running commands."""
    OneShotOutages.keep = True


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one error line on stderr and exit with `code`."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def container() -> Iterator[Container]:
    """Yield a container built from settings; map domain errors to one line and an exit code."""
    # the composition root (SQLAlchemy, settings) loads only when a command needs it
    from sqlalchemy.exc import SQLAlchemyError

    from pas.bootstrap import build

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
        from pas.database.outage import is_outage

        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        if is_outage(exc):  # not a schema problem: say so, with the driver's reason
            fail(f"the database cannot be reached or did not answer in time: {detail}", 1)
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
    """Print a rich table; piped, at its natural width (rich assumes 80 columns without a tty)."""
    from rich.measure import Measurement
    from rich.table import Table

    out = Table(title=title)
    for col in columns:
        out.add_column(col)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    if console.is_terminal:
        console.print(out)
        return
    natural = Measurement.get(console, console.options.update(width=100_000), out).maximum
    Console(width=max(natural, console.width)).print(out)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[int, int | None, str], None]]:
    """Yield a Progress callback drawing a rich bar on stderr (silent when disabled)."""
    if not enabled:
        yield lambda done, total, what: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

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
