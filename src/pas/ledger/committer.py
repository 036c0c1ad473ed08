"""Group commit: committer threads write every pending event in one transaction per batch.

Writers wait for their sequence number after their change is made; a
committer thread takes the events after the last committed one (handed over
by the writers, else read from the outbox: the Redis stream or the embedded
backend's pending list), writes them in one database transaction and wakes
every writer whose event is now durable. While one batch commits the next one
accumulates, so N concurrent writers share ~1 commit instead of N.

Every writer learns a true verdict: durable; rejected (the journal holds
another history at that number: the change was not applied and never will
be); or not known in time (JournalUnavailable, "pending").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from pas.core.errors import JournalUnavailable, LedgerError
from pas.core.ledger import LedgerEvent
from pas.ledger.flag import Flag, outage
from pas.ledger.journal import (
    JournalBehind,
    JournalConflict,
    JournalDown,
    SqlJournal,
)
from pas.ledger.verdicts import Verdicts, not_applied

log = logging.getLogger(__name__)

#: fetch(after_seq) -> events with seq > after_seq, oldest first
Fetch = Callable[[int], Sequence[LedgerEvent]]
#: told the first number whose event conflicts; True when the backend resynchronised
OnConflict = Callable[[int], bool]
#: told that the database failed a batch (the embedded backend then drops its pending events)
OnDown = Callable[[JournalDown], None]


class Lost(Exception):
    """The awaited event was discarded (the embedded backend lost a race); redo the operation."""


class GroupCommitter:
    """Daemon threads that make events durable in batches (one process's own outbox)."""

    #: whether other processes write the same outbox (see SharedCommitter)
    shared = False

    def __init__(
        self,
        journal: SqlJournal,
        fetch: Fetch,
        *,
        on_conflict: OnConflict | None = None,
        on_down: OnDown | None = None,
        timeout_s: float = 10.0,
        threads: int = 1,
    ) -> None:
        self.journal = journal
        self._fetch = fetch
        self._on_conflict = on_conflict
        self._on_down = on_down
        self._timeout = timeout_s
        self._cond = threading.Condition()
        self.committed = journal.max_seq()
        self._wanted = self.committed
        self._generation = 0
        self._ended: dict[int, int] = {}  # generation -> last seq it committed
        self._submitted: dict[int, LedgerEvent] = {}
        self._verdicts = Verdicts()
        self._error: Exception | None = None
        self._outage = outage(f"the ledger journal (database) of {journal.account}", log)
        self._stop = False
        self.batches = 0
        # with several threads, batch k+1 is written while batch k commits; the journal's
        # predecessor key orders them, and `committed` only moves over contiguous ranges
        self._claimed = self.committed
        self._finished: dict[int, int] = {}  # first seq -> last seq of ranges written
        self._threads = [
            threading.Thread(target=self._run, name=f"ledger-committer-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def timeout_s(self) -> float:
        """Return how long a writer waits for its event to become durable."""
        return self._timeout

    @property
    def generation(self) -> int:
        """Return the number of resynchronisations so far (waiters of older ones are Lost)."""
        return self._generation

    # -- writers' side ----------------------------------------------------------

    def wait(
        self,
        seq: int,
        generation: int | None = None,
        event: LedgerEvent | None = None,
        *,
        timeout_s: float | None = None,
    ) -> None:
        """Block until event `seq` is committed; raise Lost, a rejection or JournalUnavailable.

        A writer that knows its event hands it over, which spares the committer a
        read of the outbox. Each waiter sleeps on its own flag, woken only once
        its event has a verdict (no thundering herd). `timeout_s` overrides the
        committer's own wait (0: only check).
        """
        deadline = time.monotonic() + (self._timeout if timeout_s is None else timeout_s)
        while True:
            with self._cond:
                if self._settled(seq, generation):
                    return
                if event is not None and seq > self.committed:
                    self._submitted[seq] = event
                if seq > self._wanted:
                    self._wanted = seq
                    self._cond.notify()
                left = deadline - time.monotonic()
                if self._stop or left <= 0:
                    raise self._late(seq)
                flag = Flag()
                self._verdicts.sleep(seq, flag)
            flag.wait(min(left, 0.5))

    def _late(self, seq: int) -> JournalUnavailable:
        reason = "the ledger is closed" if self._stop else "the journal did not take it in time"
        return JournalUnavailable(
            f"event {seq} is applied but not yet journaled ({reason}); it will be journaled "
            "when the database is back: repeat the request with the same client_id to see it",
            seq=seq,
            applied="pending",
        )

    def _settled(self, seq: int, generation: int | None) -> bool:
        """Return True once `seq` is durable; raise its rejection or Lost (lock held)."""
        if generation is not None and generation in self._ended:
            if seq <= self._ended[generation]:
                return True
            raise Lost()
        return self._verdicts.settled(seq, self.committed)

    def hand_over(self, events: Sequence[tuple[LedgerEvent, Flag]]) -> None:
        """Submit events and set each one's flag once it has a verdict (or on close).

        The batched path of `wait`: the thread that learnt the sequence numbers
        (the Redis ledger's write pipe) hands them over in one go, and the
        writers sleep on their own flags, then ask `verdict`.
        """
        with self._cond:
            for event, flag in events:
                if self._stop:
                    flag.set()
                    continue
                if self.committed >= event.seq:  # learnt from the journal: is it ours?
                    self._verdicts.recheck[event.seq] = event
                else:
                    self._submitted[event.seq] = event
                self._verdicts.sleep(event.seq, flag)
                self._wanted = max(self._wanted, event.seq)
            self._cond.notify()

    def verdict(self, seq: int) -> None:
        """Return if `seq` is durable; raise its rejection or JournalUnavailable otherwise."""
        verdicts = self._verdicts
        if self.committed >= seq and not verdicts.rejected and not verdicts.recheck:
            return  # the common case, without the lock (a rejection is set before `committed`)
        self.wait(seq, timeout_s=0)

    def flush(self, seq: int) -> None:
        """Commit every event up to `seq` (e.g. at start-up or before verify)."""
        if seq > self.committed:
            self.wait(seq)

    # -- resynchronising ------------------------------------------------------

    def reset(self, durable: int) -> None:
        """Start a new generation at `durable`: waiters of uncommitted older events are Lost.

        The embedded backend calls this while holding its own lock, so no writer
        can pick up the old generation number for an event decided on the new state.
        """
        with self._cond:
            self._ended[self._generation] = self.committed
            self._generation += 1
            self.committed = self._claimed = durable
            self._finished.clear()
            self._submitted.clear()
            self._wanted = durable
            self._wake(everyone=True)

    def _reject(self, seq: int, error: LedgerError) -> None:
        """Give event `seq` its rejection and forget it (lock held)."""
        self._submitted.pop(seq, None)
        self._verdicts.reject(seq, error)

    def _reject_from(self, seq: int, epoch: str | None) -> None:
        """Reject our events from `seq` on that belong to `epoch` (all when None; lock held)."""
        for s, event in list(self._submitted.items()):
            if s >= seq and (epoch is None or event.epoch == epoch):
                self._reject(s, not_applied(s))
        self._claimed = self.committed
        self._finished.clear()
        self._wake()

    def _wake(self, everyone: bool = False) -> None:
        """Wake the waiters whose events have a verdict (all of them on a reset; lock held)."""
        self._verdicts.wake(self.committed, everyone)

    def fail_waiting(self, error: LedgerError) -> None:
        """Give every writer still waiting `error` as its verdict (the embedded backend's outage)."""
        with self._cond:
            for seq in self._verdicts.waiting(self.committed):
                self._reject(seq, error)
            self._submitted.clear()
            self._claimed = self._wanted = self.committed
            self._finished.clear()
            self._wake()

    def _forget_committed(self) -> None:
        for seq in [s for s in self._submitted if s <= self.committed]:
            del self._submitted[seq]

    def close(self) -> None:
        """Stop the threads after their current batch."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
            self._wake(everyone=True)
        for thread in self._threads:
            thread.join(timeout=5)
        self.journal.close()

    # -- the committer threads ------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted <= self._claimed and not self._verdicts.recheck:
                    if self._stop:
                        return
                    self._cond.wait()
                if self._stop:
                    return
                recheck = dict(self._verdicts.recheck)
                run = self._claim_handed_over()
                alone = not run and self._claimed == self.committed
                after = self._claimed
            if recheck:
                self._before_round(recheck)
            self._step(run, alone, after)

    def _step(self, run: list[LedgerEvent], alone: bool, after: int) -> None:
        try:
            if run:
                self._write_range(run)
            elif alone:
                self._commit_after(after)
            else:  # a hole, while another range is in flight: its end may fill it
                time.sleep(0.0005)
        except JournalConflict as exc:
            self._conflict(exc.seq, run)
        except JournalBehind:
            self._retry_later(0.001)
        except JournalDown as exc:
            self._outage.failed(str(exc))
            if self._on_down is not None:
                self._on_down(exc)
            self._retry_later(0.05, exc)
        except Exception as exc:  # keep serving: the next round rewrites from `committed`
            self._outage.failed(f"{type(exc).__name__}")
            self._retry_later(0.05, exc)

    def _retry_later(self, pause_s: float, error: Exception | None = None) -> None:
        with self._cond:
            self._error = error or self._error
            self._claimed = self.committed
            self._finished.clear()
        time.sleep(pause_s)

    def _conflict(self, seq: int, run: Sequence[LedgerEvent]) -> None:
        """The journal holds another history from `seq`: reject ours, let the backend act."""
        epoch = next((e.epoch for e in run if e.seq >= seq), None)
        log.warning("ledger journal: event %s conflicts with the journal; not applied", seq)
        if self._on_conflict is not None and self._on_conflict(seq):
            return  # the backend resynchronised (reset)
        with self._cond:
            self._reject_from(seq, epoch)

    def _claim_handed_over(self) -> list[LedgerEvent]:
        """Claim the submitted events after the last claimed one, with no hole (lock held)."""
        self._forget_committed()
        run: list[LedgerEvent] = []
        while (nxt := self._submitted.get(self._claimed + 1 + len(run))) is not None:
            run.append(nxt)
        if run:
            self._claimed = run[-1].seq
        return run

    def _write_range(self, events: Sequence[LedgerEvent]) -> None:
        self.journal.write(events)
        self._outage.ok()
        with self._cond:
            first = events[0].seq
            if not self.shared:  # one thread; the numbers before ours are the journal's
                self.committed = max(self.committed, first - 1)
            self._finished[first] = max(self._finished.get(first, 0), events[-1].seq)
            self._merge_finished()
            self._claimed = max(self._claimed, self.committed)
            self._error = None
            self.batches += 1
            self._wake()

    def _merge_finished(self) -> None:
        """Move `committed` over every written range that touches it (lock held)."""
        moved = True
        while moved:
            moved = False
            for first, last in list(self._finished.items()):
                if first <= self.committed + 1:
                    del self._finished[first]
                    if last > self.committed:
                        self.committed, moved = last, True

    def _commit_after(self, after: int) -> None:
        """Journal what follows `after` from the outbox (this process's own pending list).

        The list starts past `after` only where the backend caught up with other
        processes' journal rows: the predecessor key checks that.
        """
        events = [e for e in self._fetch(after) if e.seq > after]
        if not events:
            time.sleep(0.005)
            return
        with self._cond:
            self._claimed = max(self._claimed, events[-1].seq)
        self._write_range(events)

    def _before_round(self, recheck: dict[int, LedgerEvent]) -> None:
        """Hook of the shared outbox's committer (nothing to re-check here)."""
