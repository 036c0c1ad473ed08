"""The Redis ledger: one Lua script per operation, the stream as the journal's outbox.

A write runs its script (atomic: check, change, XADD the event with the next
sequence number), then waits until a group committer has copied every stream
entry up to that number into `ledger_events`. Any process drains the stream,
so an event whose writer died before the database commit is journaled by the
next writer (or at the next start-up). Redis is a projection of the journal:
a script that finds it empty, of another epoch or behind refuses, and the
write is retried once the projection is rebuilt (`redis_projection`). See
docs/ledger.md.
"""

from __future__ import annotations

import contextlib
import logging
from decimal import Decimal
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import Engine

from pas.core.errors import LedgerRebuilding, UnknownReservation, UnknownSleeve
from pas.core.ledger import (
    AccountTotals,
    Execution,
    LedgerEvent,
    Reservation,
    Sleeve,
    VerifyReport,
    to_micro,
)
from pas.core.ledger_records import reservation_record, sleeve_record, totals_record
from pas.core.ledger_state import LedgerState
from pas.core.ports import utcnow
from pas.ledger.base import (
    EventListeners,
    account_micro,
    amount_micro,
    execution_args,
    execution_record,
    reserve_args,
    sleeve_name,
)
from pas.ledger.flag import Available, outage
from pas.ledger.journal import SqlJournal
from pas.ledger.lua import SCRIPTS
from pas.ledger.pipe import Call, ScriptPipe
from pas.ledger.redis_checks import check_journal, verify_projection
from pas.ledger.redis_projection import Projector
from pas.ledger.redis_state import (
    error_from_reply,
    position_rows,
    reservation_row,
    sleeve_row,
    state_from_dump,
    stream_event,
    text,
)
from pas.ledger.shared_committer import SharedCommitter

log = logging.getLogger(__name__)

#: stream entries kept after they are journaled (for late readers); older ones are trimmed
KEEP = 10_000
TRIM_EVERY = 1_000
#: the refusals that mean "Redis is not (yet) the journal's projection"
RECOVERABLE = frozenset({"rebuild", "behind", "epoch", "maintenance"})
_DOWN = (RedisConnectionError, RedisTimeoutError)


class RedisLedger(EventListeners):
    """The ledger in Redis under `{prefix}:ledger:*`, journaled to the database."""

    def __init__(
        self,
        client: Any,
        engine: Engine,
        prefix: str,
        fee_buffer_bps: Decimal,
        *,
        account: str | None = None,
        committers: int = 2,
        attempts: int = 4,
    ) -> None:
        super().__init__()
        self.r = client
        self.base = f"{prefix}:ledger"
        self.fee_buffer_bps = fee_buffer_bps
        self.journal = SqlJournal(engine, account or prefix)
        self._attempts = attempts
        self._outage = outage(f"Redis (the ledger's store {self.base})", log)
        self._projector = Projector(client, self.base, self.journal)
        with self._available():
            self._shas = {name: text(client.script_load(src)) for name, src in SCRIPTS.items()}
            self._projector.attach()
        self._committer = SharedCommitter(
            self.journal, self._fetch, on_conflict=self._diverged, threads=committers
        )
        self._projector.committer = self._committer
        try:
            with self._available():  # journal what a crashed writer left in the stream
                self._committer.flush(self.seq())
        except Exception:
            self._committer.close()
            raise
        self._pipe = ScriptPipe(client, self.base, self._shas, self._eval, self._committer)

    def _available(self, applied: str | None = None) -> Available:
        """Turn a lost Redis into LedgerUnavailable (503), logged once per outage."""
        return Available(self._outage, applied)

    @property
    def epoch(self) -> str:
        """Return the projection this process writes to."""
        return self._projector.epoch

    # -- scripts ------------------------------------------------------------

    def _eval(self, name: str, *argv: Any) -> list[Any]:
        try:
            reply = self.r.evalsha(self._shas[name], 1, self.base, *argv)
        except NoScriptError:  # Redis restarted or SCRIPT FLUSH: load once more
            self._shas[name] = text(self.r.script_load(SCRIPTS[name]))
            reply = self.r.evalsha(self._shas[name], 1, self.base, *argv)
        return list(reply)

    def _write(self, name: str, kind: str, actor: str, args: tuple[Any, ...]) -> Call:
        """Run a write script until it is durable or refused; recover the projection between."""
        for _ in range(self._attempts):
            at, epoch = utcnow(), self._projector.epoch
            argv = (epoch, self._committer.committed, actor, at.isoformat(), *args)
            with self._available(applied="unknown"):
                try:
                    call = self._pipe.call(name, kind, at, argv)
                except LedgerRebuilding:  # not applied: the projection diverged
                    self._projector.recover("diverged", epoch)
                    continue
                reply = call.reply or []
                code = text(reply[1]) if call.event is None and text(reply[0]) == "err" else ""
                if code in RECOVERABLE:
                    self._projector.recover(code)
                    continue
            if call.event is not None:
                self._acknowledged(call.event)
            return call
        raise LedgerRebuilding(
            "the ledger is being rebuilt from the journal; retry shortly", applied="no"
        )

    def _event(self, name: str, kind: str, actor: str, context: dict[str, Any], *args: Any) -> Call:
        call = self._write(name, kind, actor, args)
        if call.event is None:
            raise error_from_reply(call.reply or [], context)
        return call

    def _diverged(self, seq: int) -> bool:
        """The committer found the journal holds another history at `seq` (its thread)."""
        log.warning("Redis ledger %s: event %s is not the journal's; rebuilding", self.base, seq)
        return False  # the committer rejects those events; the next write recovers

    # -- writes -------------------------------------------------------------

    def create_sleeve(
        self, name: str, cash: Any, account_cash: Decimal, *, actor: str = "system"
    ) -> Sleeve:
        """Create a sleeve funded from the account's unallocated cash."""
        micro = to_micro(cash, "cash", allow_zero=True)
        context = {"name": sleeve_name(name), "unallocated": True}
        args = (name, micro, account_micro(account_cash))
        call = self._event("create_sleeve", "sleeve_created", actor, context, *args)
        return self.sleeve(int(text((call.reply or [])[4])))

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
        micro = amount_micro(amount)
        context: dict[str, Any] = {"sleeve": from_sleeve} if from_sleeve else {"unallocated": True}
        args = (from_sleeve or "", to_sleeve or "", micro, account_micro(account_cash))
        call = self._event("transfer", "transferred", actor, context, *args)
        assert call.event is not None
        return call.event

    def sync_account(self, cash: Any, reason: str, *, actor: str = "system") -> LedgerEvent:
        """Book the broker's cash as the account's (after a deposit or withdrawal)."""
        micro = to_micro(cash, "cash", allow_zero=True)
        call = self._event("sync_account", "account_synced", actor, {}, micro, reason)
        assert call.event is not None
        return call.event

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
        a = reserve_args(sleeve, client_id, symbol, side, qty, limit_price, self.fee_buffer_bps)
        call = self._write("reserve", "reserved", actor, a.script_args())
        reply = call.reply or []
        if call.event is None:
            if text(reply[0]) != "dup":
                raise error_from_reply(reply, {"sleeve": a.sleeve, "client_id": a.client_id})
            self._committer.wait(int(text(reply[1])))  # the first request's event is durable
            return self.reservation(int(text(reply[4]))), False
        return a.record(int(text(reply[4])), call.event.seq), True

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
        args = execution_args(reservation_id, qty, price, fee, reason)
        call = self._event("execute", "executed", actor, {"reservation": reservation_id}, *args)
        assert call.event is not None
        return execution_record(self.reservation(reservation_id), call.event)

    def cancel(self, reservation_id: int, *, actor: str = "system") -> Reservation:
        """Release what a reservation still holds."""
        self._event("cancel", "cancelled", actor, {"reservation": reservation_id}, reservation_id)
        return self.reservation(reservation_id)

    # -- the outbox ---------------------------------------------------------

    def _acknowledged(self, event: LedgerEvent) -> None:
        """Tell the listeners; now and then trim stream entries long since journaled."""
        self._publish(event)
        if event.seq % TRIM_EVERY == 0 and event.seq > KEEP:
            with contextlib.suppress(*_DOWN):
                self.r.xtrim(
                    f"{self.base}:events", minid=f"{event.seq - KEEP}-0", approximate=False
                )

    def _fetch(self, after: int) -> list[LedgerEvent]:
        entries = self.r.xrange(f"{self.base}:events", min=f"{after + 1}-0", max="+", count=2000)
        return [stream_event(i, f) for i, f in entries]

    # -- queries ------------------------------------------------------------

    def _fresh(self) -> None:
        """Make sure Redis holds the journal's projection before answering a read."""
        meta = self._projector.meta()
        if "epoch" not in meta:
            self._projector.recover("rebuild")
        elif int(meta.get("seq", 0)) < self._committer.committed:
            self._projector.recover("behind")
        elif meta["epoch"] != self._projector.epoch:
            self._projector.recover("epoch")

    def seq(self) -> int:
        """Return the last sequence number Redis has applied."""
        with self._available():
            return int(text(self.r.hget(f"{self.base}:meta", "seq") or b"0"))

    def sleeve(self, sleeve: int | str) -> Sleeve:
        """Return one sleeve by id (or name)."""
        with self._available():
            self._fresh()
            sid = self._sleeve_id(sleeve)
            (found,) = self._read_sleeves([sid])
        if found is None:
            raise UnknownSleeve(f"no sleeve with id {sid}", sleeve=sid)
        return found

    def _read_sleeves(self, ids: list[int]) -> list[Sleeve | None]:
        """Return the sleeves `ids` (None where unknown), read in one round trip."""
        pipe = self.r.pipeline(transaction=True)
        for sid in ids:
            pipe.hgetall(f"{self.base}:sleeve:{sid}")
            pipe.hgetall(f"{self.base}:pos:{sid}")
        replies = pipe.execute()
        out: list[Sleeve | None] = []
        for sid, head, pos in zip(ids, replies[::2], replies[1::2], strict=True):
            if not head:
                out.append(None)
                continue
            state = LedgerState(sleeves={sid: sleeve_row(sid, pairs_of(head))})
            for sym, row in position_rows(pairs_of(pos)).items():
                state.positions[(sid, sym)] = row
            out.append(sleeve_record(state, sid))
        return out

    def _sleeve_id(self, sleeve: int | str) -> int:
        if isinstance(sleeve, int) or str(sleeve).isdigit():
            return int(sleeve)
        found = self.r.hget(f"{self.base}:names", str(sleeve))
        if found is None:
            raise UnknownSleeve(f"no sleeve named {sleeve!r}", sleeve=sleeve)
        return int(text(found))

    def sleeves(self) -> list[Sleeve]:
        """Return every sleeve, by id."""
        with self._available():
            self._fresh()
            ids = sorted(int(text(v)) for v in self.r.hvals(f"{self.base}:names"))
            return [s for s in self._read_sleeves(ids) if s is not None]

    def reservation(self, reservation_id: int) -> Reservation:
        """Return one reservation."""
        with self._available():
            self._fresh()
            h = self.r.hgetall(f"{self.base}:res:{reservation_id}")
        if not h:
            raise UnknownReservation(
                f"no reservation with id {reservation_id}", reservation=reservation_id
            )
        return reservation_record(reservation_row(reservation_id, pairs_of(h)))

    def reservations(
        self, sleeve: int | None = None, status: str | None = None
    ) -> list[Reservation]:
        """Return reservations (of one sleeve, in one status), by id."""
        state = self.snapshot()
        return [
            reservation_record(r)
            for _, r in sorted(state.reservations.items())
            if (sleeve is None or r.sleeve == sleeve) and (status is None or r.status == status)
        ]

    def totals(self, account_cash: Decimal | None = None) -> AccountTotals:
        """Return the account totals (sums over sleeves; the broker's cash when given)."""
        cash = None if account_cash is None else account_micro(account_cash)
        return totals_record(self.snapshot(), cash)

    def events(self, since: int = 0, limit: int = 1000) -> list[LedgerEvent]:
        """Return journaled events with sequence number > `since`."""
        return self.journal.since(since, limit)

    def snapshot(self) -> LedgerState:
        """Return the whole Redis state, read atomically by one script."""
        with self._available():
            self._fresh()
            return state_from_dump(self._eval("dump")).state

    # -- maintenance --------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Compare Redis with a replay of the journal: state, identity and invariants."""
        with self._available():
            dump = state_from_dump(self._eval("dump"))
            return verify_projection(dump, self.journal, self._committer)

    def rebuild(self, *, actor: str = "system") -> int:
        """Recreate every Redis key from the database journal; return the sequence reached."""
        with self._available():
            with contextlib.suppress(Exception):  # Redis may be gone already: the journal counts
                self._committer.flush(self.seq())
            check_journal(self.journal)
            return self._projector.rebuild("requested", actor)

    def close(self) -> None:
        """Stop the pipe and committer threads (the Redis client belongs to the container)."""
        self._pipe.close()
        self._committer.close()


def pairs_of(h: dict[Any, Any]) -> dict[str, str]:
    """Return an HGETALL reply as a dict of str."""
    return {text(k): text(v) for k, v in h.items()}
