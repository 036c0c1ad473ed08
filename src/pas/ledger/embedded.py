"""The embedded ledger: state in memory, the database journal as the only store.

At start the journal is replayed through `core.ledger_state.apply`; each write
decides against the in-memory state under a lock, appends its event to a
pending list and waits for the group committer to make it durable. Another
process writing the same journal is detected by the journal's primary key:
the losing batch is discarded, the state replayed from the journal and the
operation redone, so several processes stay consistent without Redis.

When the database fails a batch, its events are dropped and the state is
replayed from the journal before the next read or write, so a 503 says
truthfully that the change was not applied (or, when the database failed
mid-commit, that it may have been: the next replay shows which).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from pas.core.errors import DuplicateClientId, JournalUnavailable, UnknownSleeve
from pas.core.ledger import (
    AccountTotals,
    Execution,
    LedgerEvent,
    Reservation,
    Sleeve,
    Status,
    VerifyReport,
    fmt,
    to_micro,
)
from pas.core.ledger_checks import differences, violations
from pas.core.ledger_records import reservation_record, sleeve_record, totals_record
from pas.core.ledger_state import LedgerState, apply, opening_data, replay
from pas.core.ports import utcnow
from pas.ledger.base import (
    EventListeners,
    account_micro,
    amount_micro,
    execution_data,
    execution_record,
    reserve_args,
    sleeve_name,
)
from pas.ledger.committer import GroupCommitter, Lost
from pas.ledger.flag import outage
from pas.ledger.journal import JournalDown, SqlJournal

log = logging.getLogger(__name__)

T = TypeVar("T")


class EmbeddedLedger(EventListeners):
    """The ledger without Redis: one process's memory plus the SQL journal."""

    def __init__(self, engine: Engine, account: str, fee_buffer_bps: Decimal) -> None:
        super().__init__()
        self.journal = SqlJournal(engine, account)
        self.fee_buffer_bps = fee_buffer_bps
        self._lock = threading.RLock()
        self._pending: list[LedgerEvent] = []
        self._outage = outage(f"the ledger journal (database) of {account}", log)
        with self._journal_available():
            self._state = replay(list(self.journal.iter_all()))
        self._dirty = False  # a batch failed: replay the journal before the next use
        self._committer = GroupCommitter(
            self.journal,
            self._fetch,
            on_conflict=self._conflict,
            on_down=self._down,
        )

    @contextlib.contextmanager
    def _journal_available(self) -> Iterator[None]:
        """Turn a database failure into JournalUnavailable (503), logged once per outage."""
        try:
            yield
        except (DBAPIError, JournalDown) as exc:
            self._outage.failed(type(exc).__name__)
            raise JournalUnavailable(
                "the ledger journal (database) cannot be reached; nothing was changed",
                applied="no",
            ) from None
        self._outage.ok()

    # -- writes -------------------------------------------------------------

    def create_sleeve(
        self, name: str, cash: Any, account_cash: Decimal, *, actor: str = "system"
    ) -> Sleeve:
        """Create a sleeve funded from the account's unallocated cash."""
        name = sleeve_name(name)
        micro = to_micro(cash, "cash", allow_zero=True)
        broker = account_micro(account_cash)
        event = self._write(
            lambda s: (
                "sleeve_created",
                {
                    "sleeve": str(s.last_sleeve + 1),
                    "name": name,
                    "cash": fmt(micro),
                    **opening_data(s, broker),
                },
            ),
            broker,
            actor,
        )
        with self._lock:
            return sleeve_record(self._state, int(event.data["sleeve"]))

    def transfer(
        self,
        from_sleeve: int | None,
        to_sleeve: int | None,
        amount: Any,
        account_cash: Decimal,
        *,
        actor: str = "system",
    ) -> LedgerEvent:
        """Move cash between sleeves (None = the account's unallocated cash)."""
        data = {
            "from": str(from_sleeve or ""),
            "to": str(to_sleeve or ""),
            "amount": fmt(amount_micro(amount)),
        }
        broker = account_micro(account_cash)

        def make(s: LedgerState) -> tuple[str, dict[str, Any]]:
            return "transferred", {**data, **(opening_data(s, broker) if not from_sleeve else {})}

        return self._write(make, broker, actor)

    def sync_account(self, cash: Any, reason: str, *, actor: str = "system") -> LedgerEvent:
        """Book the broker's cash as the account's (after a deposit or withdrawal)."""
        micro = to_micro(cash, "cash", allow_zero=True)

        def make(s: LedgerState) -> tuple[str, dict[str, Any]]:
            previous = "" if s.account is None else fmt(s.account)
            return "account_synced", {"cash": fmt(micro), "previous": previous, "reason": reason}

        return self._write(make, None, actor)

    def reserve(
        self,
        sleeve: int,
        client_id: str,
        symbol: str,
        side: str,
        qty: Any,
        limit_price: Any,
        *,
        actor: str = "system",
    ) -> tuple[Reservation, bool]:
        """Reserve cash or shares for an order; return (reservation, created now)."""
        args = reserve_args(sleeve, client_id, symbol, side, qty, limit_price, self.fee_buffer_bps)
        while True:
            with self._lock:
                self._catch_up()
                existing = self._state.clients.get(args.client_id)
                event: LedgerEvent | None = None
                if existing is None:
                    data = {**args.data(self._state.last_reservation + 1), "actor": actor}
                    event = self._decide("reserved", data, None)
                    seq = event.seq
                else:
                    row = self._state.reservations[existing]
                    if row.fp != args.fp:
                        raise DuplicateClientId(
                            f"client_id {args.client_id!r} was used for a different request",
                            client_id=args.client_id,
                            reservation=row.id,
                        )
                    seq = row.seq
                    if all(e.seq != seq for e in self._pending):
                        return reservation_record(row), False  # journaled already
                generation = self._committer.generation
            try:
                self._committer.wait(seq, generation)
            except Lost:
                continue
            self._publish(event)
            rid = int(event.data["reservation"]) if event is not None else existing
            with self._lock:
                return reservation_record(self._state.reservation(int(rid or 0))), event is not None

    def execute(
        self,
        reservation_id: int,
        qty: Any,
        price: Any,
        fee: Any = "0",
        *,
        actor: str = "system",
        reason: str | None = None,
    ) -> Execution:
        """Apply a (partial) fill to a reservation."""

        def make(state: LedgerState) -> tuple[str, dict[str, Any]]:
            side = state.reservation(reservation_id).side
            return "executed", execution_data(reservation_id, side, qty, price, fee, reason)

        event = self._write(make, None, actor)
        with self._lock:
            res = reservation_record(self._state.reservation(reservation_id))
        return execution_record(res, event)

    def cancel(self, reservation_id: int, *, actor: str = "system") -> Reservation:
        """Release what a reservation still holds."""
        self._write(lambda _: ("cancelled", {"reservation": str(reservation_id)}), None, actor)
        with self._lock:
            return reservation_record(self._state.reservation(reservation_id))

    def _decide(self, kind: str, data: dict[str, Any], cash: int | None) -> LedgerEvent:
        """Apply one new event to the state and queue it for the journal (lock held)."""
        epoch = self._state.epoch
        event = LedgerEvent(
            self._state.seq + 1, kind, utcnow(), data, epoch=epoch, prev_epoch=epoch
        )
        facts = apply(self._state, event, account_cash=cash)
        event = _with_facts(event, facts)
        self._pending.append(event)
        return event

    def _write(
        self,
        make: Callable[[LedgerState], tuple[str, dict[str, Any]]],
        broker_cash: int | None,
        actor: str,
    ) -> LedgerEvent:
        while True:
            with self._lock:
                self._catch_up()
                kind, data = make(self._state)
                event = self._decide(kind, {**data, "actor": actor}, broker_cash)
                generation = self._committer.generation
            try:
                self._committer.wait(event.seq, generation)
            except Lost:
                continue
            self._publish(event)
            return event

    # -- the committer's side -----------------------------------------------

    def _fetch(self, after: int) -> list[LedgerEvent]:
        with self._lock:
            self._pending = [e for e in self._pending if e.seq > after]
            return list(self._pending)

    def _resync(self) -> int:
        """Another process wrote the journal, or a batch failed: drop what is pending, replay."""
        with self._lock, self._journal_available():
            self._pending.clear()
            self._state = replay(list(self.journal.iter_all()))
            self._dirty = False
            self._committer.reset(self._state.seq)
            return self._state.seq

    def _conflict(self, seq: int) -> bool:
        """The journal holds another event at `seq`: replay it; the writers redo (Lost)."""
        try:
            self._resync()
        except JournalUnavailable:
            with self._lock:
                self._dirty = True
        return True

    def _down(self, exc: JournalDown) -> None:
        """The database failed a batch: drop it, fail its writers, replay before the next use."""
        applied = "unknown" if exc.maybe_written else "no"
        with self._lock:
            self._pending.clear()
            self._dirty = True
            self._committer.fail_waiting(
                JournalUnavailable(
                    "the ledger journal (database) failed; the change was not applied"
                    if applied == "no"
                    else "the ledger journal (database) failed mid-commit; the change may "
                    "have been applied: read it back, or repeat with the same client_id",
                    applied=applied,
                )
            )

    def _catch_up(self) -> None:
        """Apply events other processes journaled (only when nothing of ours is pending)."""
        if self._dirty:
            self._resync()
            return
        committed = self._committer.committed
        self._pending = [e for e in self._pending if e.seq > committed]
        if self._pending:
            return
        with self._journal_available():
            for event in self.journal.since(self._state.seq):
                apply(self._state, event)

    # -- queries ------------------------------------------------------------

    def _read(self, fn: Callable[[LedgerState], T]) -> T:
        with self._lock:
            self._catch_up()
            return fn(self._state)

    def sleeves(self) -> list[Sleeve]:
        """Return every sleeve, by id."""
        return self._read(lambda s: [sleeve_record(s, i) for i in sorted(s.sleeves)])

    def sleeve(self, sleeve: int | str) -> Sleeve:
        """Return one sleeve by id (or name)."""
        return self._read(lambda s: sleeve_record(s, _sleeve_id(s, sleeve)))

    def reservation(self, reservation_id: int) -> Reservation:
        """Return one reservation."""
        return self._read(lambda s: reservation_record(s.reservation(reservation_id)))

    def reservations(
        self, sleeve: int | None = None, status: str | None = None
    ) -> list[Reservation]:
        """Return reservations (of one sleeve, in one status), by id."""
        wanted = Status(status) if status else None
        return self._read(
            lambda s: [
                reservation_record(r)
                for _, r in sorted(s.reservations.items())
                if (sleeve is None or r.sleeve == sleeve) and (wanted is None or r.status is wanted)
            ]
        )

    def totals(self, account_cash: Decimal | None = None) -> AccountTotals:
        """Return the account totals (sums over sleeves; the broker's cash when given)."""
        cash = None if account_cash is None else account_micro(account_cash)
        return self._read(lambda s: totals_record(s, cash))

    def events(self, since: int = 0, limit: int = 1000) -> list[LedgerEvent]:
        """Return journaled events with sequence number > `since`."""
        with self._journal_available():
            return self.journal.since(since, limit)

    def seq(self) -> int:
        """Return the last sequence number applied."""
        return self._read(lambda s: s.seq)

    # -- maintenance --------------------------------------------------------

    def rebuild(self, *, actor: str = "system") -> int:
        """Replay the journal into memory; return the sequence number reached."""
        self._drain()
        return self._resync()

    def verify(self) -> VerifyReport:
        """Compare the live state with a replay of the journal and check every invariant."""
        self._drain()
        with self._lock, self._journal_available():
            self._catch_up()
            journal = list(self.journal.iter_all())
            replayed = replay(journal)
            return VerifyReport(
                self._state.seq,
                len(journal),
                tuple(differences(self._state, replayed)),
                tuple(violations(self._state)),
            )

    def _drain(self) -> None:
        """Wait until every event this process made is journaled."""
        with self._lock:
            last = max((e.seq for e in self._pending), default=0)
        self._committer.flush(last)

    def close(self) -> None:
        """Stop the committer thread."""
        self._committer.close()


def _sleeve_id(state: LedgerState, sleeve: int | str) -> int:
    if isinstance(sleeve, int) or str(sleeve).isdigit():
        return int(sleeve)
    if sleeve in state.names:
        return state.names[str(sleeve)]
    raise UnknownSleeve(f"no sleeve named {sleeve!r}", sleeve=sleeve)


def _with_facts(event: LedgerEvent, facts: dict[str, int]) -> LedgerEvent:
    if event.kind == "executed":
        extra = {"released": fmt(facts["released"]), "realized_pnl": fmt(facts["realized"])}
    elif event.kind == "cancelled":
        extra = {"released": fmt(facts["released"])}
    else:
        return event
    return dataclasses.replace(event, data={**event.data, **extra})
