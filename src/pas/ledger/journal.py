"""The database journal: `ledger_events`, written in batches, read back for replay."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, Table, func, select

from pas.core.ledger import LedgerEvent
from pas.database.models_ledger import LedgerEventRow

TABLE: Table = LedgerEventRow.__table__  # type: ignore[assignment]


class JournalConflict(Exception):
    """Another writer committed an event with a sequence number this batch holds."""


def encode(data: dict[str, Any]) -> str:
    """Return event data as compact, key-sorted JSON."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _text(raw: str | bytes) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def to_row(account: str, event: LedgerEvent) -> dict[str, Any]:
    """Return the journal row of an event (UTC time stored naive)."""
    at = event.at.astimezone(dt.UTC).replace(tzinfo=None) if event.at.tzinfo else event.at
    return {
        "account": account,
        "seq": event.seq,
        "kind": event.kind,
        "at": at,
        "data": _text(event.raw) if event.raw else encode(event.data),
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
        self._local = threading.local()  # each committer thread writes on its own connection
        self._raws: list[Any] = []
        self._raws_lock = threading.Lock()

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
        verb = "INSERT"
        if ignore_existing:
            verb = "INSERT OR IGNORE" if self._dialect == "sqlite" else "INSERT IGNORE"
        head = f"{verb} INTO ledger_events (account, seq, kind, at, data) VALUES "
        if self._dialect == "mysql":  # one literal multi-row INSERT (IGNORE commits on its own)
            self._execute(head, events, autocommit=ignore_existing)
            return
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        rows = [self._params(e) for e in events]
        self._execute(f"{head}({', '.join([mark] * 5)})", rows, autocommit=False)

    def _params(self, event: LedgerEvent) -> tuple[Any, ...]:
        row = to_row(self.account, event)
        at = row["at"].strftime("%Y-%m-%d %H:%M:%S.%f") if self._dialect == "sqlite" else row["at"]
        return (row["account"], row["seq"], row["kind"], at, row["data"])

    def _execute(self, sql: str, rows: Sequence[Any], *, autocommit: bool) -> None:
        """Run one executemany (or, on MariaDB, one literal INSERT) + COMMIT.

        Only the committer thread writes, so it keeps one raw connection: the
        pool's ping, reset and rollback round trips cost more than the insert.
        With `autocommit` (idempotent MariaDB batches) the multi-row INSERT is its
        own transaction: one round trip instead of two. On MariaDB `rows` are the
        events and the statement is built here with the driver's own escaping
        (the driver's executemany would format every value through `%`).
        """
        integrity = self.engine.dialect.loaded_dbapi.IntegrityError
        raw = getattr(self._local, "raw", None)
        if raw is None or raw not in self._raws:  # first use, or closed by close()
            raw = self._local.raw = self.engine.raw_connection()
            if autocommit:
                driver: Any = raw.driver_connection
                driver.autocommit(True)
            with self._raws_lock:
                self._raws.append(raw)
        try:
            cursor = raw.cursor()
            if self._dialect == "mysql":
                cursor.execute(sql + self._literal_rows(raw.driver_connection, rows))
            else:
                cursor.executemany(sql, rows)
            cursor.close()
            if not autocommit:
                raw.commit()
        except integrity as exc:
            raw.rollback()
            raise JournalConflict(str(exc)) from None
        except Exception:
            self._drop_raw(raw)
            raise

    def _literal_rows(self, driver: Any, events: Sequence[LedgerEvent]) -> str:
        """Return `(account, seq, kind, at, data), ...` as SQL literals (PyMySQL escaping)."""
        account = driver.escape(self.account)
        parts = []
        for event in events:
            row = to_row(self.account, event)
            parts.append(
                f"({account},{int(row['seq'])},{driver.escape(row['kind'])},"
                f"'{row['at'].isoformat(' ', 'microseconds')}',{driver.escape(row['data'])})"
            )
        return ",".join(parts)

    def _drop_raw(self, raw: Any) -> None:
        self._local.raw = None
        with self._raws_lock:
            if raw in self._raws:
                self._raws.remove(raw)
        with contextlib.suppress(Exception):  # the connection may be gone already
            raw.invalidate()

    def close(self) -> None:
        """Release the writers' connections."""
        with self._raws_lock:
            raws, self._raws = self._raws, []
        for raw in raws:
            with contextlib.suppress(Exception):
                raw.close()

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
