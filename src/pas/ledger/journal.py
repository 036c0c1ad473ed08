"""The database journal: `ledger_events`, written in batches, read back for replay.

The journal is the truth. A row is written once: a batch whose rows are
already there, identical, was written by another process draining the same
outbox and is accepted; a row that differs, or that does not continue the
history the journal holds (its predecessor link), is a conflict and fails the
batch — it is never skipped.
"""

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
COLUMNS = "(account, seq, kind, at, data, epoch, prev_seq, prev_epoch)"


class JournalConflict(Exception):
    """The journal holds another event at `seq`, or not the predecessor the event names."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"event {seq}: {reason}")
        self.seq = seq


class JournalBehind(Exception):
    """The predecessor of the first event is not journaled yet (another writer's turn)."""


class JournalDown(Exception):
    """The database did not take the batch; `maybe_written` when it failed mid-statement."""

    def __init__(self, reason: str, *, maybe_written: bool) -> None:
        super().__init__(reason)
        self.maybe_written = maybe_written


def encode(data: dict[str, Any]) -> str:
    """Return event data as compact, key-sorted JSON."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _text(raw: str | bytes) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def to_row(account: str, event: LedgerEvent) -> dict[str, Any]:
    """Return the journal row of an event (UTC time stored naive)."""
    at = event.at.astimezone(dt.UTC).replace(tzinfo=None) if event.at.tzinfo else event.at
    first = event.seq == 1
    return {
        "account": account,
        "seq": event.seq,
        "kind": event.kind,
        "at": at,
        "data": _text(event.raw) if event.raw else encode(event.data),
        "epoch": event.epoch,
        "prev_seq": None if first else event.seq - 1,
        "prev_epoch": None if first else event.prev_epoch,
    }


def from_row(row: Any) -> LedgerEvent:
    """Return the event a journal row holds."""
    return LedgerEvent(
        row.seq,
        row.kind,
        row.at.replace(tzinfo=dt.UTC),
        json.loads(row.data),
        epoch=row.epoch,
        prev_epoch=row.prev_epoch or "",
    )


def same_event(a: LedgerEvent, b: LedgerEvent) -> bool:
    """Return True when two events are the same change (their times may be stored rounded)."""
    return (a.seq, a.kind, a.epoch, a.data) == (b.seq, b.kind, b.epoch, b.data)


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

    def last(self) -> tuple[int, str]:
        """Return the last row's sequence number and epoch ((0, "") when empty)."""
        query = (
            select(TABLE.c.seq, TABLE.c.epoch)
            .where(TABLE.c.account == self.account)
            .order_by(TABLE.c.seq.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (0, "") if row is None else (int(row.seq), str(row.epoch))

    def write(self, events: Sequence[LedgerEvent]) -> None:
        """Insert and commit `events` (consecutive) in one transaction.

        Rows already journaled identically are accepted (another process drained
        the same events). Raises JournalConflict when the journal holds another
        event at one of these numbers or another predecessor, JournalBehind when
        the predecessor is not journaled yet, JournalDown when the database failed.
        """
        for _ in range(3):
            try:
                self._insert(events)
                return
            except _Integrity:
                events = self._unwritten(events)
                if not events:
                    return
            # nothing of these is held and the predecessor fits now: it was being
            # written by another thread when this insert checked it; insert again
        raise JournalConflict(events[0].seq, "the journal's keys refuse the batch")

    def _unwritten(self, events: Sequence[LedgerEvent]) -> Sequence[LedgerEvent]:
        """Return the events the journal does not hold yet; raise on a conflict."""
        held = {e.seq: e for e in self.between(events[0].seq, events[-1].seq)}
        for i, event in enumerate(events):
            there = held.get(event.seq)
            if there is None:
                if i == 0:
                    self._check_predecessor(event)
                return events[i:]
            if not same_event(there, event):
                raise JournalConflict(event.seq, f"the journal holds another {there.kind} event")
        return ()

    def _check_predecessor(self, event: LedgerEvent) -> None:
        if event.seq == 1:
            raise JournalDown("the journal refused its first event", maybe_written=False)
        before = self.between(event.seq - 1, event.seq - 1)
        if not before:
            raise JournalBehind(f"event {event.seq - 1} is not journaled yet")
        if before[0].epoch != event.prev_epoch:
            raise JournalConflict(
                event.seq, f"event {event.seq - 1} of the journal belongs to another history"
            )

    def _insert(self, events: Sequence[LedgerEvent]) -> None:
        """Run one INSERT + COMMIT on this thread's own connection.

        Only committer threads write, so each keeps one raw connection: the
        pool's ping, reset and rollback round trips cost more than the insert.
        On MariaDB the multi-row INSERT runs in autocommit mode (one round trip;
        InnoDB rolls a failing statement back whole) and is built with the
        driver's own escaping.
        """
        raw = self._raw()
        try:
            cursor = raw.cursor()
            if self._dialect == "mysql":
                cursor.execute(
                    f"INSERT INTO ledger_events {COLUMNS} VALUES " + self._literal(raw, events)
                )
            else:
                marks = ", ".join(["?"] * 8)
                cursor.executemany(
                    f"INSERT INTO ledger_events {COLUMNS} VALUES ({marks})",
                    [self._params(e) for e in events],
                )
                raw.commit()
            cursor.close()
        except self.engine.dialect.loaded_dbapi.IntegrityError:
            with contextlib.suppress(Exception):
                raw.rollback()
            raise _Integrity() from None
        except Exception as exc:
            self._drop_raw(raw)
            raise JournalDown(f"{type(exc).__name__}", maybe_written=True) from exc

    def _raw(self) -> Any:
        raw = getattr(self._local, "raw", None)
        if raw is not None and raw in self._raws:
            return raw
        try:
            raw = self.engine.raw_connection()
        except Exception as exc:
            raise JournalDown(f"{type(exc).__name__}", maybe_written=False) from exc
        driver: Any = raw.driver_connection
        if self._dialect == "mysql":
            driver.autocommit(True)
        elif self._dialect == "sqlite":  # SQLite checks foreign keys only when asked
            driver.execute("PRAGMA foreign_keys = ON")
        self._local.raw = raw
        with self._raws_lock:
            self._raws.append(raw)
        return raw

    def _params(self, event: LedgerEvent) -> tuple[Any, ...]:
        row = to_row(self.account, event)
        row["at"] = row["at"].strftime("%Y-%m-%d %H:%M:%S.%f")
        return tuple(row.values())

    def _literal(self, raw: Any, events: Sequence[LedgerEvent]) -> str:
        """Return `(account, seq, ...), ...` as SQL literals (PyMySQL escaping)."""
        escape = raw.driver_connection.escape
        parts = []
        for event in events:
            row = to_row(self.account, event)
            row["at"] = row["at"].isoformat(" ", "microseconds")
            parts.append("(" + ",".join(escape(v) for v in row.values()) + ")")
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

    def between(self, first: int, last: int) -> list[LedgerEvent]:
        """Return the journaled events numbered first..last, oldest first."""
        query = (
            select(TABLE)
            .where(TABLE.c.account == self.account, TABLE.c.seq.between(first, last))
            .order_by(TABLE.c.seq)
        )
        with self.engine.connect() as conn:
            return [from_row(r) for r in conn.execute(query)]

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


class _Integrity(Exception):
    """A unique or foreign key refused the batch (resolved by `SqlJournal.write`)."""
