"""Group commit: one thread writes every pending event in one transaction per batch.

Writers call `wait(seq)` after their change is made; the committer thread
fetches all events after the last committed one (from the Redis stream or the
embedded backend's pending list), writes them in one database transaction and
wakes every writer whose event is now durable. While one batch commits the
next one accumulates, so N concurrent writers share ~1 commit instead of N.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence

from pas.core.errors import JournalUnavailable
from pas.core.ledger import LedgerEvent
from pas.ledger.journal import JournalConflict, SqlJournal

log = logging.getLogger(__name__)

#: fetch(after_seq) -> events with seq > after_seq, oldest first
Fetch = Callable[[int], Sequence[LedgerEvent]]


class Flag:
    """A one-shot wake-up: cheaper than threading.Event (one lock, no condition)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        """Wake the waiter (once; later calls do nothing)."""
        with contextlib.suppress(RuntimeError):
            self._lock.release()

    def is_set(self) -> bool:
        """Return True once set."""
        return not self._lock.locked()

    def wait(self, timeout: float) -> bool:
        """Return True once set, False after `timeout` seconds."""
        if self._lock.acquire(timeout=max(timeout, 0.0)):
            self._lock.release()
            return True
        return False


class Lost(Exception):
    """The awaited event was discarded (the embedded backend lost a race); redo the operation."""


class GroupCommitter:
    """A daemon thread that makes events durable in batches."""

    def __init__(
        self,
        journal: SqlJournal,
        fetch: Fetch,
        *,
        ignore_existing: bool,
        on_conflict: Callable[[], object] | None = None,
        timeout_s: float = 10.0,
        threads: int = 1,
    ) -> None:
        self.journal = journal
        self._fetch = fetch
        self._ignore = ignore_existing
        self._on_conflict = on_conflict
        self._timeout = timeout_s
        self._cond = threading.Condition()
        self.committed = journal.max_seq()
        self._wanted = self.committed
        self._generation = 0
        self._ended: dict[int, int] = {}  # generation -> last seq it committed
        self._submitted: dict[int, LedgerEvent] = {}
        self._waiters: list[tuple[int, int, Flag]] = []  # a heap by seq
        self._tickets = itertools.count()
        self._error: Exception | None = None
        self._stop = False
        self.batches = 0
        # with several threads, batch k+1 is written while batch k waits for its
        # COMMIT (idempotent batches only); `committed` only moves over contiguous ranges
        self._claimed = self.committed
        self._finished: dict[int, int] = {}  # first seq -> last seq of ranges written
        self._threads = [
            threading.Thread(target=self._run, name=f"ledger-committer-{i}", daemon=True)
            for i in range(threads if ignore_existing else 1)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def timeout_s(self) -> float:
        """Return how long a writer waits for its event to become durable."""
        return self._timeout

    def wait(
        self,
        seq: int,
        generation: int | None = None,
        event: LedgerEvent | None = None,
        *,
        timeout_s: float | None = None,
    ) -> None:
        """Block until event `seq` is committed; raise Lost or JournalUnavailable otherwise.

        A writer that knows its event hands it over, which spares the committer a
        read of the stream when the batch has no holes. Each waiter sleeps on its
        own flag, woken only once its event is durable (no thundering herd).
        `timeout_s` overrides the committer's own wait (0: only check).
        """
        deadline = time.monotonic() + (self._timeout if timeout_s is None else timeout_s)
        while True:
            with self._cond:
                if self._done(seq, generation):
                    return
                if event is not None:
                    self._submitted[seq] = event
                if seq > self._wanted:
                    self._wanted = seq
                    self._cond.notify()  # only the committer waits on the condition
                left = deadline - time.monotonic()
                if self._stop or left <= 0:
                    raise JournalUnavailable(
                        f"event {seq} is applied but not yet journaled: {self._error or 'timeout'}",
                        seq=seq,
                    )
                flag = Flag()
                heapq.heappush(self._waiters, (seq, next(self._tickets), flag))
            flag.wait(min(left, 0.5))

    def hand_over(self, events: Sequence[tuple[LedgerEvent, Flag]]) -> None:
        """Submit events and set each one's flag once it is durable (or on reset/close).

        The batched path of `wait`: the thread that learnt the sequence numbers
        (the Redis ledger's write pipe) hands them over in one go, and the
        writers sleep on their own flags.
        """
        with self._cond:
            for event, flag in events:
                if self.committed >= event.seq or self._stop:
                    flag.set()
                    continue
                self._submitted[event.seq] = event
                heapq.heappush(self._waiters, (event.seq, next(self._tickets), flag))
                if event.seq > self._wanted:
                    self._wanted = event.seq
            self._cond.notify()

    def _done(self, seq: int, generation: int | None) -> bool:
        """Return True once `seq` is durable; raise Lost if its generation ended before it."""
        if generation is not None and generation in self._ended:
            if seq <= self._ended[generation]:
                return True
            raise Lost()
        return self.committed >= seq

    def _wake(self, everyone: bool = False) -> None:
        """Wake the waiters whose events are committed (all of them on a reset); lock held."""
        while self._waiters and (everyone or self._waiters[0][0] <= self.committed):
            heapq.heappop(self._waiters)[2].set()

    @property
    def generation(self) -> int:
        """Return the number of resynchronisations so far (waiters of older ones are Lost)."""
        return self._generation

    def flush(self, seq: int) -> None:
        """Commit every event up to `seq` (e.g. at start-up or before verify)."""
        if seq > self.committed:
            self.wait(seq)

    def reset(self, durable: int) -> None:
        """Start a new generation at `durable`: waiters of uncommitted older events are Lost.

        The backend calls this while holding its own lock, so no writer can pick
        up the old generation number for an event decided on the new state.
        """
        with self._cond:
            self._ended[self._generation] = self.committed
            self._generation += 1
            self.committed = self._claimed = durable
            self._finished.clear()
            self._wanted = durable  # the old waiters are Lost and wait again
            self._wake(everyone=True)

    def _advance(self, durable: int) -> None:
        with self._cond:
            if durable > self.committed:
                self.committed = durable
                self._claimed = max(self._claimed, durable)
                self._wake()

    def close(self) -> None:
        """Stop the thread after its current batch."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
            self._wake(everyone=True)
        for thread in self._threads:
            thread.join(timeout=5)
        self.journal.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted <= self._claimed and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                run = self._claim_handed_over()
                alone = not run and self._claimed == self.committed
                after = self._claimed
            try:
                if run:
                    self._write_range(run)
                elif alone:
                    self._commit_after(after)
                else:  # a hole, while another range is in flight: its end may fill it
                    time.sleep(0.0005)
            except Exception as exc:  # keep serving: the next round rewrites from `committed`
                log.warning("ledger journal commit failed: %s", exc)
                with self._cond:
                    self._error = exc
                    self._claimed = self.committed
                time.sleep(0.05)

    def _claim_handed_over(self) -> list[LedgerEvent]:
        """Claim the submitted events after the last claimed one, with no hole (lock held)."""
        for seq in [s for s in self._submitted if s <= self.committed]:
            del self._submitted[seq]
        run: list[LedgerEvent] = []
        while (nxt := self._submitted.get(self._claimed + 1 + len(run))) is not None:
            run.append(nxt)
        if run:
            self._claimed = run[-1].seq
        return run

    def _write_range(self, events: Sequence[LedgerEvent]) -> None:
        try:
            self.journal.write(events, ignore_existing=self._ignore)
        except JournalConflict:
            if self._on_conflict is None:
                raise
            self._on_conflict()  # the backend resynchronises and calls reset()
            return
        with self._cond:
            if self._ignore:
                first = events[0].seq
                self._finished[first] = max(self._finished.get(first, 0), events[-1].seq)
                self._merge_finished()
            else:  # one thread; the seqs before ours are other processes', read from the journal
                self.committed = max(self.committed, events[-1].seq)
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
        events = self._fetch(after)
        if not events:
            if self._ignore:  # another process drained the stream up to the awaited event
                self._advance(self.journal.max_seq())
            time.sleep(0.005)
            return
        if self._ignore and events[0].seq > after + 1:
            # the stream was drained (and trimmed) by another process: trust the journal
            durable = self.journal.max_seq()
            self._advance(durable)
            events = [e for e in events if e.seq > durable]
            if not events:
                return
            if events[0].seq != durable + 1:
                raise JournalUnavailable(
                    f"the journal ends at {durable} but the next event is {events[0].seq}: "
                    "events were lost before they were journaled; run `pas ledger verify`"
                )
        with self._cond:
            self._claimed = max(self._claimed, events[-1].seq)
        self._write_range(events)
