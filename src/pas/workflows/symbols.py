"""Use case: refuse symbols that are not in the securities table before anything trades them."""

from __future__ import annotations

from collections.abc import Iterable

from pas.core.errors import InvalidInput
from pas.workflows.ports import UnitOfWork


def require_known(uow: UnitOfWork, symbols: Iterable[str], what: str = "the request") -> None:
    """Raise InvalidInput naming every symbol of `symbols` that is not a stored security."""
    with uow:
        missing = uow.securities.missing(symbols)
    if missing:
        shown = ", ".join(missing[:20]) + (
            f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        )
        raise InvalidInput(
            f"unknown symbol(s) in {what}: {shown}; load them first (`pas data import-prices`)",
            symbols=list(missing),
        )
