"""The `pas` command: thin commands that parse, call one workflow and print."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import typer

from pas.cli import (
    allocate,
    audit,
    data,
    db,
    evaluate,
    factors,
    keys,
    ledger,
    orders,
    output,
    serve,
    strategies,
    updater,
)

app = typer.Typer(
    name="pas",
    help="PAS — Portfolio Allocation System.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for module in (
    db,
    data,
    keys,
    audit,
    factors,
    allocate,
    evaluate,
    ledger,
    strategies,
    orders,
    serve,
):
    module.register(app)
updater.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (sys.argv when None); return the exit code."""
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig, and outage lines left to the error line
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(output.OneShotOutages())
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return 130
    except Exception as exc:
        # usage errors from typer's (vendored) click: show its one-line message
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise
    return result if isinstance(result, int) else 0
