"""The Redis ledger: one Lua script per operation, the stream as the journal's outbox.

A write runs its script (atomic: check, change, XADD the event with the next
sequence number), then waits until the group committer has copied every
stream entry up to that number into `ledger_events`. Any process drains the
stream, so an event whose writer died before the database commit is journaled
by the next writer (or at the next start-up). See docs/ledger.md.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Any

from redis.exceptions import NoScriptError
from sqlalchemy import Engine

from pas.core.errors import UnknownReservation, UnknownSleeve
from pas.core.ledger import (
    AccountTotals,
    Execution,
    LedgerEvent,
    Reservation,
    Side,
    Sleeve,
    Status,
    VerifyReport,
    fmt,
    from_micro,
    to_micro,
)
from pas.core.ledger_checks import differences, violations
from pas.core.ledger_state import (
    LedgerState,
    replay,
    reservation_record,
    sleeve_record,
    totals_record,
)
from pas.ledger.base import (
    Listeners,
    account_micro,
    amount_micro,
    execution_data,
    execution_record,
    now,
    reserve_args,
    sleeve_name,
)
from pas.ledger.committer import GroupCommitter
from pas.ledger.journal import SqlJournal
from pas.ledger.lua import SCRIPTS
from pas.ledger.pipe import ScriptPipe
from pas.ledger.redis_state import (
    error_from_reply,
    position_rows,
    reservation_row,
    sleeve_row,
    state_from_dump,
    stream_event,
    text,
    write_state,
)

log = logging.getLogger(__name__)

#: stream entries kept after they are journaled (for late readers); older ones are trimmed
KEEP = 10_000
TRIM_EVERY = 1_000


class RedisLedger(Listeners):
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
    ) -> None:
        super().__init__()
        self.r = client
        self.base = f"{prefix}:ledger"
        self.fee_buffer_bps = fee_buffer_bps
        self.journal = SqlJournal(engine, account or prefix)
        self._shas = {name: text(client.script_load(src)) for name, src in SCRIPTS.items()}
        journaled = self.journal.max_seq()  # first: Redis only moves ahead of it meanwhile
        if self.seq() < journaled:
            log.warning("Redis ledger %s is behind its journal: rebuilding it", self.base)
            self._rebuild_keys()
        self._committer = GroupCommitter(
            self.journal, self._fetch, ignore_existing=True, threads=committers
        )
        self._committer.flush(self.seq())  # journal what a crashed writer left in the stream
        self._pipe = ScriptPipe(client, self.base, self._shas, self._eval, self._committer)

    # -- scripts ------------------------------------------------------------

    def _eval(self, name: str, *argv: Any) -> list[Any]:
        try:
            reply = self.r.evalsha(self._shas[name], 1, self.base, *argv)
        except NoScriptError:  # Redis restarted or SCRIPT FLUSH: load once more
            self._shas[name] = text(self.r.script_load(SCRIPTS[name]))
            reply = self.r.evalsha(self._shas[name], 1, self.base, *argv)
        return list(reply)

    def _write(
        self, name: str, context: dict[str, Any], *argv: Any
    ) -> tuple[LedgerEvent, list[Any]]:
        """Run a write script through the pipe; return its durable event and the reply."""
        call = self._pipe.call(name, _KIND[name], now(), argv)
        reply = call.reply or []
        if call.event is None:
            raise error_from_reply(reply, context)
        self._acknowledged(call.event)
        return call.event, reply

    # -- writes -------------------------------------------------------------

    def create_sleeve(self, name: str, cash: Any, account_cash: Decimal) -> Sleeve:
        """Create a sleeve funded from the account's unallocated cash."""
        micro = to_micro(cash, "cash", allow_zero=True)
        account = account_micro(account_cash)
        context = {"name": sleeve_name(name), "unallocated": True}
        _, reply = self._write("create_sleeve", context, name, micro, account)
        return self.sleeve(int(text(reply[3])))

    def transfer(
        self, from_sleeve: int | None, to_sleeve: int | None, amount: Any, account_cash: Decimal
    ) -> LedgerEvent:
        """Move cash between sleeves (None = the account's unallocated cash)."""
        micro = amount_micro(amount)
        context: dict[str, Any] = {"sleeve": from_sleeve} if from_sleeve else {"unallocated": True}
        argv = (
            from_sleeve or "",
            to_sleeve or "",
            micro,
            account_micro(account_cash),
        )
        return self._write("transfer", context, *argv)[0]

    def reserve(
        self, sleeve: int, client_id: str, symbol: str, side: str, qty: Any, limit_price: Any
    ) -> tuple[Reservation, bool]:
        """Reserve cash or shares for an order; return (reservation, created now)."""
        a = reserve_args(sleeve, client_id, symbol, side, qty, limit_price, self.fee_buffer_bps)
        argv = (
            a.sleeve, a.client_id, a.symbol, a.side.value, a.qty, a.limit, a.amount, a.fp,
            fmt(a.qty), fmt(a.limit), fmt(a.amount),
        )  # fmt: skip
        call = self._pipe.call("reserve", "reserved", now(), argv)
        reply, event = call.reply or [], call.event
        if event is None:
            if text(reply[0]) != "dup":
                raise error_from_reply(reply, {"sleeve": a.sleeve, "client_id": a.client_id})
            self._committer.wait(int(text(reply[1])))  # the first request's event is durable
            return self.reservation(int(text(reply[3]))), False
        seq, res_id = event.seq, int(text(reply[3]))
        self._acknowledged(event)
        record = Reservation(
            res_id, a.sleeve, a.client_id, a.symbol, a.side, from_micro(a.qty), from_micro(a.limit),
            from_micro(a.amount), from_micro(a.amount), from_micro(0), Status.open, seq,
        )  # fmt: skip
        return record, True

    def execute(self, reservation_id: int, qty: Any, price: Any, fee: Any = "0") -> Execution:
        """Apply a (partial) fill to a reservation."""
        buy = execution_data(reservation_id, Side.buy, qty, price, fee)
        sell = execution_data(reservation_id, Side.sell, qty, price, fee)
        argv = (
            reservation_id, to_micro(qty, "qty"), _micro(buy["amount"]), _micro(sell["amount"]),
            buy["qty"], buy["price"], buy["fee"],
        )  # fmt: skip
        event, _ = self._write("execute", {"reservation": reservation_id}, *argv)
        return execution_record(self.reservation(reservation_id), event)

    def cancel(self, reservation_id: int) -> Reservation:
        """Release what a reservation still holds."""
        self._write("cancel", {"reservation": reservation_id}, reservation_id)
        return self.reservation(reservation_id)

    # -- the outbox ---------------------------------------------------------

    def _acknowledged(self, event: LedgerEvent) -> None:
        """Tell the listeners; now and then trim stream entries long since journaled."""
        self._publish(event)
        if event.seq % TRIM_EVERY == 0 and event.seq > KEEP:
            self.r.xtrim(f"{self.base}:events", minid=f"{event.seq - KEEP}-0", approximate=False)

    def _fetch(self, after: int) -> list[LedgerEvent]:
        entries = self.r.xrange(f"{self.base}:events", min=f"{after + 1}-0", max="+", count=2000)
        return [stream_event(i, f) for i, f in entries]

    # -- queries ------------------------------------------------------------

    def seq(self) -> int:
        """Return the last sequence number Redis has applied."""
        return int(text(self.r.hget(f"{self.base}:meta", "seq") or b"0"))

    def sleeve(self, sleeve: int | str) -> Sleeve:
        """Return one sleeve by id (or name)."""
        sid = self._sleeve_id(sleeve)
        pipe = self.r.pipeline(transaction=True)
        pipe.hgetall(f"{self.base}:sleeve:{sid}")
        pipe.hgetall(f"{self.base}:pos:{sid}")
        head, pos = pipe.execute()
        if not head:
            raise UnknownSleeve(f"no sleeve with id {sid}", sleeve=sid)
        state = LedgerState(sleeves={sid: sleeve_row(sid, pairs_of(head))})
        for sym, row in position_rows(pairs_of(pos)).items():
            state.positions[(sid, sym)] = row
        return sleeve_record(state, sid)

    def _sleeve_id(self, sleeve: int | str) -> int:
        if isinstance(sleeve, int) or str(sleeve).isdigit():
            return int(sleeve)
        found = self.r.hget(f"{self.base}:names", str(sleeve))
        if found is None:
            raise UnknownSleeve(f"no sleeve named {sleeve!r}", sleeve=sleeve)
        return int(text(found))

    def sleeves(self) -> list[Sleeve]:
        """Return every sleeve, by id."""
        ids = sorted(int(text(v)) for v in self.r.hvals(f"{self.base}:names"))
        return [self.sleeve(i) for i in ids]

    def reservation(self, reservation_id: int) -> Reservation:
        """Return one reservation."""
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
        wanted = Status(status) if status else None
        if wanted is Status.open:
            ids = sorted(int(text(i)) for i in self.r.smembers(f"{self.base}:open"))
        else:
            last = int(text(self.r.hget(f"{self.base}:meta", "last_reservation") or b"0"))
            ids = list(range(1, last + 1))
        pipe = self.r.pipeline(transaction=False)
        for i in ids:
            pipe.hgetall(f"{self.base}:res:{i}")
        rows = [
            reservation_row(i, pairs_of(h)) for i, h in zip(ids, pipe.execute(), strict=True) if h
        ]
        return [
            reservation_record(r)
            for r in rows
            if (sleeve is None or r.sleeve == sleeve) and (wanted is None or r.status is wanted)
        ]

    def totals(self, account_cash: Decimal | None = None) -> AccountTotals:
        """Return the account totals (sums over sleeves)."""
        state = self.snapshot()
        cash = None if account_cash is None else account_micro(account_cash)
        return totals_record(state, cash)

    def events(self, since: int = 0, limit: int = 1000) -> list[LedgerEvent]:
        """Return journaled events with sequence number > `since`."""
        return self.journal.since(since, limit)

    def snapshot(self) -> LedgerState:
        """Return the whole Redis state, read atomically by one script."""
        return state_from_dump(self._eval("dump"))

    # -- maintenance --------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Compare the live state with a replay of the journal and check every invariant."""
        live = self.snapshot()
        self._committer.flush(live.seq)
        journal = [e for e in self.journal.iter_all() if e.seq <= live.seq]
        replayed = replay(journal)
        return VerifyReport(
            live.seq, len(journal), tuple(differences(live, replayed)), tuple(violations(live))
        )

    def rebuild(self) -> int:
        """Recreate every Redis key from the database journal; return the sequence reached."""
        try:
            self._committer.flush(self.seq())
        except Exception as exc:  # Redis may already be gone: the journal is what counts
            log.warning("could not drain the stream before rebuilding: %s", exc)
        return self._rebuild_keys()

    def _rebuild_keys(self) -> int:
        lock = f"{self.base}:maintenance"
        deadline = time.monotonic() + 60
        while not self.r.set(lock, "rebuild", nx=True, ex=300):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{lock} is held by another rebuild")
            time.sleep(0.1)
        try:
            state = replay(list(self.journal.iter_all()))
            keys = [k for k in self.r.scan_iter(f"{self.base}:*", count=1000) if text(k) != lock]
            pipe = self.r.pipeline(transaction=True)
            for i in range(0, len(keys), 500):
                pipe.unlink(*keys[i : i + 500])
            write_state(pipe, self.base, state)
            pipe.execute()
            return state.seq
        finally:
            self.r.delete(lock)

    def close(self) -> None:
        """Stop the pipe and committer threads (the Redis client belongs to the container)."""
        self._pipe.close()
        self._committer.close()


_KIND = {
    "create_sleeve": "sleeve_created",
    "reserve": "reserved",
    "transfer": "transferred",
    "execute": "executed",
    "cancel": "cancelled",
}


def pairs_of(h: dict[Any, Any]) -> dict[str, str]:
    """Return an HGETALL reply as a dict of str."""
    return {text(k): text(v) for k, v in h.items()}


def _micro(canonical: str) -> int:
    return int(Decimal(canonical) * 1_000_000)
