"""The database journal: `ledger_events`, written in batches, read back for replay."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from pas.core.ledger import LedgerEvent
from pas.database.models_ledger import LedgerEventRow

TABLE: Table = LedgerEventRow.__table__  # type: ignore[assignment]


class JournalConflict(Exception):
    """Another writer committed an event with a sequence number this batch holds."""


def encode(data: dict[str, Any]) -> str:
    """Return event data as compact, key-sorted JSON."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def to_row(account: str, event: LedgerEvent) -> dict[str, Any]:
    """Return the journal row of an event (UTC time stored naive)."""
    at = event.at.astimezone(dt.UTC).replace(tzinfo=None) if event.at.tzinfo else event.at
    return {
        "account": account,
        "seq": event.seq,
        "kind": event.kind,
        "at": at,
        "data": encode(event.data),
    }


def from_row(row: Any) -> LedgerEvent:
    """Return the event a journal row holds."""
    return LedgerEvent(row.seq, row.kind, row.at.replace(tzinfo=dt.UTC), json.loads(row.data))


class SqlJournal:
    """The `ledger_events` rows of one account."""

    def __init__(self, engine: Engine, account: str) -> None:
        self.engine = engine
        self.account = account
        self._dialect = engine.dialect.name

    def max_seq(self) -> int:
        """Return the last committed sequence number (0 when empty)."""
        query = select(func.max(TABLE.c.seq)).where(TABLE.c.account == self.account)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def write(self, events: Sequence[LedgerEvent], *, ignore_existing: bool) -> None:
        """Insert and commit `events` in one transaction.

        With `ignore_existing`, rows another writer already committed are skipped
        (the Redis stream is the outbox and every process drains it); without it a
        clash raises JournalConflict (the embedded backend then resynchronises).
        """
        if not events:
            return
        statement = insert(TABLE)
        if ignore_existing:
            statement = statement.prefix_with(
                "OR IGNORE" if self._dialect == "sqlite" else "IGNORE"
            )
        rows = [to_row(self.account, e) for e in events]
        try:
            with self.engine.begin() as conn:
                conn.execute(statement, rows)
        except IntegrityError as exc:
            raise JournalConflict(str(exc.orig)) from None

    def since(self, seq: int, limit: int | None = None) -> list[LedgerEvent]:
        """Return committed events with sequence number > `seq`, oldest first."""
        query = (
            select(TABLE)
            .where(TABLE.c.account == self.account, TABLE.c.seq > seq)
            .order_by(TABLE.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [from_row(r) for r in conn.execute(query)]

    def iter_all(self, chunk: int = 5000) -> Iterator[LedgerEvent]:
        """Yield every committed event in order, reading `chunk` rows at a time."""
        last = 0
        while True:
            batch = self.since(last, chunk)
            if not batch:
                return
            yield from batch
            last = batch[-1].seq
