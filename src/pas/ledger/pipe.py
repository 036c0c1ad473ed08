"""One thread sends the scripts of concurrent writers to Redis in one pipeline.

A writer queues its script call and sleeps once. The sender thread takes every
queued call, sends them in one round trip, hands the events of the successful
ones straight to the group committer (which wakes each writer once its event
is durable) and wakes the others (refusals, idempotent repeats) at once.
Compared with every writer talking to Redis itself, this costs one socket
round trip per batch instead of one per write, and the writers do not fight
over the interpreter lock while the replies come in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import NoScriptError, ResponseError

from pas.core.errors import LedgerUnavailable
from pas.core.ledger import LedgerEvent
from pas.ledger.committer import GroupCommitter
from pas.ledger.flag import Flag

log = logging.getLogger(__name__)

#: calls sent in one pipeline at most (a larger queue waits for the next round)
MAX_BATCH = 512
#: how long a round waits for the writers of the previous round to come back (seconds)
GATHER_S = 0.0003


class Call:
    """One queued script call and, once the sender has run it, its outcome.

    `argv` is every script argument after the key: the guard's (epoch, floor,
    actor), then the event time, then the operation's own.
    """

    __slots__ = ("argv", "at", "done", "error", "event", "kind", "name", "reply")

    def __init__(self, name: str, kind: str, at: dt.datetime, argv: tuple[Any, ...]) -> None:
        self.name = name
        self.kind = kind
        self.at = at
        self.argv = argv
        self.reply: list[Any] | None = None
        self.error: BaseException | None = None
        self.event: LedgerEvent | None = None
        self.done = Flag()


class ScriptPipe:
    """Batches script calls of concurrent writers into Redis pipelines (a daemon thread)."""

    def __init__(
        self,
        client: Any,
        key: str,
        shas: dict[str, str],
        run_one: Callable[..., list[Any]],
        committer: GroupCommitter,
        *,
        timeout_s: float | None = None,
    ) -> None:
        self.r = client
        self.key = key
        self.shas = shas
        self._run_one = run_one
        self._committer = committer
        self._timeout = timeout_s
        self._cond = threading.Condition()
        self._queue: list[Call] = []
        self._stop = False
        self.rounds = 0
        self._expect = 1  # writers woken by the last round: as many are likely to come back
        self._conn: Any = None
        self._thread = threading.Thread(target=self._run, name="ledger-redis-pipe", daemon=True)
        self._thread.start()

    def call(self, name: str, kind: str, at: dt.datetime, argv: tuple[Any, ...]) -> Call:
        """Run script `name`; return once refused, repeated or (on success) durable.

        Raises what talking to Redis raised, LedgerUnavailable when Redis does
        not answer in time, or the committer's verdict when the event is not
        durable (rejected: not applied; JournalUnavailable: applied, journaled later).
        """
        call = Call(name, kind, at, argv)
        with self._cond:
            if self._stop:
                raise LedgerUnavailable("the ledger is closed", applied="no")
            self._queue.append(call)
            if len(self._queue) == 1 or len(self._queue) == self._expect:
                self._cond.notify()
        timeout = self._timeout if self._timeout is not None else self._committer.timeout_s
        if not call.done.wait(timeout):
            with self._cond:  # still queued: take it back, nothing was sent
                if call in self._queue:
                    self._queue.remove(call)
                    raise LedgerUnavailable("Redis did not take the write in time", applied="no")
            # sent: wait for Redis' answer unless it came already (the event is then late)
            if call.reply is None and call.error is None and not call.done.wait(timeout):
                raise LedgerUnavailable(
                    "Redis did not answer the write in time: repeat it with the same client_id",
                    applied="unknown",
                )
        if call.error is not None:
            raise call.error
        if call.event is not None:  # durable, rejected, or not journaled in time
            self._committer.verdict(call.event.seq)
        return call

    def close(self) -> None:
        """Stop the thread after its current round; calls still queued fail."""
        with self._cond:
            self._stop = True
            left, self._queue = self._queue, []
            self._cond.notify_all()
        for call in left:
            call.error = LedgerUnavailable("the ledger is closed", applied="no")
            call.done.set()
        self._thread.join(timeout=5)
        if self._conn is not None:
            self.r.connection_pool.release(self._conn)
            self._conn = None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                self._gather()
                batch = self._queue[:MAX_BATCH]
                del self._queue[:MAX_BATCH]
                self._expect = len(batch)
            try:
                replies = self._send(batch)
            except Exception as exc:  # the connection failed: every caller of the round hears it
                if self._conn is not None:
                    self._conn.disconnect()  # a half-read reply must not reach the next round
                for call in batch:
                    call.error = exc
                    call.done.set()
                continue
            self.rounds += 1
            try:
                self._settle(batch, replies)
            except Exception:  # keep serving: the thread must outlive one bad round
                log.exception("ledger pipe: could not settle a round")
                for call in batch:  # not acknowledged; what Redis applied is in the stream
                    if not call.done.is_set():
                        call.error = LedgerUnavailable(
                            "the write's outcome is unknown: repeat it with the same client_id",
                            applied="unknown",
                        )
                        call.done.set()

    def _gather(self) -> None:
        """Give the writers of the last round a moment to queue their next call (lock held).

        Group commit: with k writers in a loop, a round that took only the first
        to come back would split them into ever smaller commits. A lone writer
        (k = 1) never waits.
        """
        deadline = 0.0
        while len(self._queue) < self._expect and not self._stop:
            now = time.monotonic()
            if not deadline:
                deadline = now + GATHER_S
            elif now >= deadline:
                return
            self._cond.wait(deadline - now)

    def _send(self, batch: list[Call]) -> list[Any]:
        """Send every call in one write and read the replies (errors in place)."""
        conn = self._conn
        if conn is None:  # the pool's settings (auth, database, TLS); kept by this thread
            conn = self._conn = self.r.connection_pool.get_connection()
        # the connection's own packing (hiredis when present, the client's encoding), as in
        # redis-py's pipelines, and the same arguments `_run_one` (EVALSHA) would send
        packed = conn.pack_commands(
            [(b"EVALSHA", self.shas[c.name], 1, self.key, *c.argv) for c in batch]
        )
        conn.send_packed_command(packed, check_health=False)
        replies: list[Any] = []
        for _ in batch:
            try:
                replies.append(conn.read_response())
            except ResponseError as exc:  # a script error: this call only, keep reading
                replies.append(exc)
        for i, reply in enumerate(replies):
            if isinstance(reply, NoScriptError):  # Redis restarted or SCRIPT FLUSH: the script
                call = batch[i]  # did not run, so running it now (it loads again) is its only run
                replies[i] = self._run_one(call.name, *call.argv)
        return replies

    def _settle(self, batch: list[Call], replies: list[Any]) -> None:
        durable: list[tuple[LedgerEvent, Flag]] = []
        for call, reply in zip(batch, replies, strict=True):
            if isinstance(reply, BaseException):
                call.error = reply
                call.done.set()
                continue
            reply = list(reply)
            if reply[0] == b"ok" or reply[0] == "ok":
                raw, prev = reply[2], reply[3]
                call.event = LedgerEvent(
                    int(reply[1]),
                    call.kind,
                    call.at,
                    json.loads(raw),
                    raw,
                    epoch=str(call.argv[0]),
                    prev_epoch=prev.decode() if isinstance(prev, bytes) else str(prev),
                )
                call.reply = reply  # after the event: a writer that timed out reads both
                durable.append((call.event, call.done))
            else:
                call.reply = reply
                call.done.set()
        if durable:
            self._committer.hand_over(durable)
