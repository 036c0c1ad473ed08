"""Batched upserts through the driver's executemany (one statement per batch)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

BATCH_ROWS = 20_000


def upsert_statement(dialect: str, table: str, columns: Sequence[str], keys: Sequence[str]) -> str:
    """Return a parameterised INSERT .. ON CONFLICT/DUPLICATE KEY UPDATE for `dialect`."""
    cols = ", ".join(columns)
    updates = [c for c in columns if c not in keys]
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in columns)
        sets = ", ".join(f"{c}=excluded.{c}" for c in updates)
        return f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT({', '.join(keys)}) DO UPDATE SET {sets}"
    if dialect in ("mysql", "mariadb"):
        marks = ", ".join("%s" for _ in columns)
        sets = ", ".join(f"{c}=VALUES({c})" for c in updates)
        return f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON DUPLICATE KEY UPDATE {sets}"
    if dialect == "postgresql":
        marks = ", ".join("%s" for _ in columns)
        sets = ", ".join(f"{c}=EXCLUDED.{c}" for c in updates)
        return f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    raise NotImplementedError(f"bulk upsert is not implemented for {dialect}")


def bulk_upsert(
    session: Session,
    table: str,
    columns: Sequence[str],
    keys: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Upsert `rows` in batches inside the session's transaction; return the row count."""
    conn = session.connection()
    statement = upsert_statement(conn.dialect.name, table, columns, keys)
    total = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            conn.exec_driver_sql(statement, batch)
            total += len(batch)
            batch = []
            if on_batch:
                on_batch(total)
    if batch:
        conn.exec_driver_sql(statement, batch)
        total += len(batch)
        if on_batch:
            on_batch(total)
    return total
